/**
 * XIDs: self-certifying identifiers (bc-specs §7.2; Research `bcr-2024-010-xid.md`; bc-components
 * `src/id/xid.rs`, `src/signing/signing_public_key.rs`).
 *
 * A XID is SHA-256 of the dCBOR of a *tagged* signing public key, `#6.40022(…)`, so the hash commits
 * to the algorithm as well as the key: `#6.40022(h'32')` (BIP-340 x-only), `#6.40022([1, h'33'])`
 * (secp256k1 ECDSA, compressed point), `#6.40022([2, h'32'])` (Ed25519). Its CBOR form is
 * `#6.40024(h'32')`, its UR `ur:xid/…` (the UR type stands for the tag, bc-specs §4), and its short
 * form the first four bytes, as bytewords (`JUGS DELI GIFT WHEN`) or hex (`71274df1`).
 *
 * Only the identifier and the key encoding live here; the wallet's documents built on them are
 * in `ckm/wallet-identity.ts`.
 * @module
 */
import { shortIdentifier } from '@blockchaincommons/uniform-resources/bytewords';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Cbor, cborInteger, decodeDcbor, encodeDcbor, MAJOR, tagged } from './dcbor';
import { DIGEST_LENGTH, digestHex } from './digest';
import { EnvelopeError, InvalidUrError, UrTypeError } from './errors';
import type { SignatureScheme, SigningPublicKey } from './signature';
import { decodeBytewordsMinimal, encodeBytewordsMinimal } from './ur';

/** Tag 40022, `signing-public-key` (bc-tags `tags_registry.rs`). */
export const TAG_SIGNING_PUBLIC_KEY = 40022;
/** Tag 40024, `xid`. */
export const TAG_XID = 40024;

/** A signing public key that is not one of the encodings of bc-specs §2.4, or not a valid point. */
export class InvalidSigningPublicKeyError extends EnvelopeError {
  override readonly name = 'InvalidSigningPublicKeyError';
  constructor(details: string, cause?: unknown) {
    super('Not a valid signing public key.', { details, cause });
  }
}

/** Not `#6.40024(h'32')`, or a `ur:xid` that does not hold one. */
export class InvalidXidError extends EnvelopeError {
  override readonly name = 'InvalidXidError';
  constructor(details: string) {
    super('Not a valid XID.', { details });
  }
}

const SCHEME_CODE = { ecdsa: 1n, ed25519: 2n } as const;
const KEY_LENGTH: Record<SignatureScheme, number> = { schnorr: 32, ecdsa: 33, ed25519: 32 };

/** Throws unless `publicKey` is a valid key of its scheme (a point on the curve). */
function assertValidKey(scheme: SignatureScheme, publicKey: Uint8Array): void {
  if (publicKey.length !== KEY_LENGTH[scheme])
    throw new InvalidSigningPublicKeyError(
      `a ${scheme} key is ${KEY_LENGTH[scheme]} bytes, got ${publicKey.length}`,
    );
  try {
    if (scheme === 'ecdsa') secp256k1.Point.fromBytes(publicKey).assertValidity();
    else if (scheme === 'schnorr') schnorr.utils.lift_x(bytesToBigInt(publicKey));
    else ed25519.Point.fromBytes(publicKey).assertValidity();
  } catch (cause) {
    throw new InvalidSigningPublicKeyError(`the ${scheme} key is not a point on its curve`, cause);
  }
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/**
 * `#6.40022(…)` for a signing public key (bc-specs §2.4): the form a XID hashes and the form an
 * envelope carries a key in.
 * @throws {InvalidSigningPublicKeyError}
 */
export function signingPublicKeyCbor(key: SigningPublicKey): Cbor {
  if (!(key?.publicKey instanceof Uint8Array))
    throw new TypeError('"key.publicKey" expected Uint8Array');
  assertValidKey(key.scheme, key.publicKey);
  const bytes = Uint8Array.from(key.publicKey);
  switch (key.scheme) {
    case 'schnorr':
      return tagged(TAG_SIGNING_PUBLIC_KEY, bytes);
    case 'ecdsa':
      return tagged(TAG_SIGNING_PUBLIC_KEY, [SCHEME_CODE.ecdsa, bytes]);
    case 'ed25519':
      return tagged(TAG_SIGNING_PUBLIC_KEY, [SCHEME_CODE.ed25519, bytes]);
  }
}

/**
 * The key in `#6.40022(…)`, checked to be a point of its curve.
 * @throws {InvalidSigningPublicKeyError}
 */
export function signingPublicKeyFromCbor(item: Cbor): SigningPublicKey {
  if (item.type !== MAJOR.tagged || BigInt(item.tag) !== BigInt(TAG_SIGNING_PUBLIC_KEY))
    throw new InvalidSigningPublicKeyError('expected tag 40022');
  const v = item.value;
  let key: SigningPublicKey;
  if (v.type === MAJOR.bytes) key = { scheme: 'schnorr', publicKey: v.value };
  else if (v.type === MAJOR.array && v.value.length === 2) {
    const [code, bytes] = v.value as [Cbor, Cbor];
    if (code.type !== MAJOR.unsigned || bytes.type !== MAJOR.bytes)
      throw new InvalidSigningPublicKeyError('expected [scheme, bytes]');
    const n = cborInteger(code);
    if (n === SCHEME_CODE.ecdsa) key = { scheme: 'ecdsa', publicKey: bytes.value };
    else if (n === SCHEME_CODE.ed25519) key = { scheme: 'ed25519', publicKey: bytes.value };
    else throw new InvalidSigningPublicKeyError(`unknown scheme ${n}`);
  } else throw new InvalidSigningPublicKeyError('expected bytes or [scheme, bytes]');
  assertValidKey(key.scheme, key.publicKey);
  return { scheme: key.scheme, publicKey: Uint8Array.from(key.publicKey) };
}

/**
 * The XID of a signing key: SHA-256(dcbor(#6.40022(key))) (bc-components `XID::new`).
 * @example xidFromSigningKey({ scheme: 'ecdsa', publicKey }) // 32 bytes
 */
export function xidFromSigningKey(key: SigningPublicKey): Uint8Array {
  return sha256(encodeDcbor(signingPublicKeyCbor(key)));
}

function assertXid(xid: unknown): asserts xid is Uint8Array {
  if (!(xid instanceof Uint8Array) || xid.length !== DIGEST_LENGTH)
    throw new InvalidXidError(`expected ${DIGEST_LENGTH} bytes`);
}

/** `#6.40024(h'xid')`. */
export function xidCbor(xid: Uint8Array): Cbor {
  assertXid(xid);
  return tagged(TAG_XID, Uint8Array.from(xid));
}

/** The 32 bytes of `#6.40024(h'32')`. @throws {InvalidXidError} */
export function xidFromCbor(item: Cbor): Uint8Array {
  if (item.type !== MAJOR.tagged || BigInt(item.tag) !== BigInt(TAG_XID))
    throw new InvalidXidError('expected tag 40024');
  if (item.value.type !== MAJOR.bytes) throw new InvalidXidError('expected a byte string');
  assertXid(item.value.value);
  return Uint8Array.from(item.value.value);
}

/**
 * `ur:xid/…` for a bare XID: bytewords of `h'32'` without the tag (it always starts `hdcx`,
 * `0x5820`).
 */
export function xidToUr(xid: Uint8Array): string {
  assertXid(xid);
  return `ur:xid/${encodeBytewordsMinimal(encodeDcbor(Uint8Array.from(xid)))}`;
}

/**
 * A bare XID from `ur:xid/…` (any case).
 * @throws {InvalidUrError | UrTypeError | BytewordsError | InvalidXidError}
 */
export function xidFromUr(ur: string): Uint8Array {
  if (typeof ur !== 'string') throw new TypeError('"ur" expected string');
  const text = ur.toLowerCase();
  if (!text.startsWith('ur:')) throw new InvalidUrError('missing "ur:" scheme');
  const parts = text.slice(3).split('/');
  if (parts.length !== 2) throw new InvalidUrError('expected ur:<type>/<payload>');
  const [type, payload] = parts as [string, string];
  if (type !== 'xid') throw new UrTypeError('xid', type);
  const item = decodeDcbor(decodeBytewordsMinimal(payload));
  if (item.type !== MAJOR.bytes) throw new InvalidXidError('a bare ur:xid holds a byte string');
  assertXid(item.value);
  return Uint8Array.from(item.value);
}

/**
 * The short forms people compare: the first four bytes as bytewords (upper case, as the
 * reference prints `🅧 JUGS DELI GIFT WHEN`) and as hex (`XID(71274df1)`).
 */
export function xidShort(xid: Uint8Array): { readonly bytewords: string; readonly hex: string } {
  assertXid(xid);
  const head = xid.subarray(0, 4);
  return {
    bytewords: shortIdentifier(head, { style: 'standard' }).toUpperCase(),
    hex: digestHex(head),
  };
}
