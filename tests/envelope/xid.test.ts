/**
 * XIDs (bc-specs §7.2): the hash of the tagged signing key, its CBOR, UR and short forms, and
 * every refusal of a key or XID that is not one.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { decodeDcbor, encodeDcbor, tagged } from '../../envelope/dcbor';
import { BytewordsError, InvalidUrError, UrTypeError } from '../../envelope/errors';
import type { SigningPublicKey } from '../../envelope/signature';
import { encodeBytewordsMinimal } from '../../envelope/ur';
import {
  InvalidSigningPublicKeyError,
  InvalidXidError,
  signingPublicKeyCbor,
  signingPublicKeyFromCbor,
  xidCbor,
  xidFromCbor,
  xidFromSigningKey,
  xidFromUr,
  xidShort,
  xidToUr,
} from '../../envelope/xid';

const sk = new Uint8Array(32).fill(7);
const ecdsa: SigningPublicKey = { scheme: 'ecdsa', publicKey: secp256k1.getPublicKey(sk, true) };
const keys: SigningPublicKey[] = [
  ecdsa,
  { scheme: 'schnorr', publicKey: schnorr.getPublicKey(sk) },
  { scheme: 'ed25519', publicKey: ed25519.getPublicKey(sk) },
];

describe('XID', () => {
  it("is SHA-256 of dcbor(#6.40022([1, h'33'])) for an ECDSA key", () => {
    const cbor = encodeDcbor(signingPublicKeyCbor(ecdsa));
    // d99c56 = tag 40022, 82 = array(2), 01 = ECDSA, 5821 = bytes(33)
    expect(bytesToHex(cbor)).toBe(`d99c5682015821${bytesToHex(ecdsa.publicKey)}`);
    expect(xidFromSigningKey(ecdsa)).toEqual(sha256(cbor));
  });

  it('commits to the scheme: Schnorr is bare bytes, Ed25519 is [2, …]', () => {
    const [, s, e] = keys as [SigningPublicKey, SigningPublicKey, SigningPublicKey];
    expect(bytesToHex(encodeDcbor(signingPublicKeyCbor(s)))).toBe(
      `d99c565820${bytesToHex(s.publicKey)}`,
    );
    expect(bytesToHex(encodeDcbor(signingPublicKeyCbor(e)))).toBe(
      `d99c5682025820${bytesToHex(e.publicKey)}`,
    );
    const xids = keys.map((k) => bytesToHex(xidFromSigningKey(k)));
    expect(new Set(xids).size).toBe(3);
  });

  it.each(keys)('round trips a $scheme key through #6.40022', (key) => {
    expect(signingPublicKeyFromCbor(signingPublicKeyCbor(key))).toEqual(key);
  });

  it('refuses keys that are not keys', () => {
    const bad = (item: Parameters<typeof signingPublicKeyFromCbor>[0]) => () =>
      signingPublicKeyFromCbor(item);
    expect(bad(tagged(40021, [1, ecdsa.publicKey]))).toThrow(InvalidSigningPublicKeyError);
    expect(bad(tagged(40022, [3, ecdsa.publicKey]))).toThrow(/unknown scheme/);
    expect(bad(tagged(40022, 'text'))).toThrow(/expected bytes or/);
    expect(bad(tagged(40022, [1, ecdsa.publicKey.subarray(1)]))).toThrow(/33 bytes/);
    const offCurve = concatBytes(new Uint8Array([2]), new Uint8Array(32).fill(0xff));
    expect(bad(tagged(40022, [1, offCurve]))).toThrow(/not a point/);
    expect(bad(tagged(40022, new Uint8Array(32).fill(0xff)))).toThrow(/not a point/);
    expect(() => signingPublicKeyCbor({ scheme: 'ecdsa', publicKey: new Uint8Array(33) })).toThrow(
      InvalidSigningPublicKeyError,
    );
  });

  it("has a CBOR form #6.40024(h'32') and a ur:xid form", () => {
    const xid = xidFromSigningKey(ecdsa);
    expect(xidFromCbor(decodeDcbor(encodeDcbor(xidCbor(xid))))).toEqual(xid);
    const ur = xidToUr(xid);
    expect(ur).toMatch(/^ur:xid\/hdcx[a-z]+$/);
    expect(xidFromUr(ur)).toEqual(xid);
    expect(xidFromUr(ur.toUpperCase())).toEqual(xid);
  });

  it('refuses what is not a XID', () => {
    const xid = xidFromSigningKey(ecdsa);
    expect(() => xidFromCbor(tagged(40001, xid))).toThrow(InvalidXidError);
    expect(() => xidFromCbor(tagged(40024, xid.subarray(1)))).toThrow(InvalidXidError);
    expect(() => xidFromCbor(tagged(40024, 'x'))).toThrow(InvalidXidError);
    expect(() => xidCbor(new Uint8Array(31))).toThrow(InvalidXidError);
    const ur = xidToUr(xid);
    expect(() => xidFromUr(ur.replace('ur:xid', 'ur:envelope'))).toThrow(UrTypeError);
    expect(() => xidFromUr(ur.slice(3))).toThrow(InvalidUrError);
    expect(() => xidFromUr(`${ur.slice(0, -2)}aa`)).toThrow(BytewordsError);
    expect(() => xidFromUr('ur:xid/a/b')).toThrow(InvalidUrError);
    // a ur:xid whose payload is a text string, not h'32'
    const text = `ur:xid/${encodeBytewordsMinimal(encodeDcbor('hello'))}`;
    expect(() => xidFromUr(text)).toThrow(InvalidXidError);
  });

  it('has a short form: four bytewords and eight hex digits', () => {
    const xid = hexToBytes(`71274df1${'00'.repeat(28)}`);
    expect(xidShort(xid)).toEqual({ bytewords: 'JUGS DELI GIFT WHEN', hex: '71274df1' });
  });
});
