/**
 * The `envelope` sign payload (ckm/payload/envelope.ts): an identity document or rotation record
 * parses, its digest is the envelope ECDSA message (never a keccak digest), and each check
 * refuses what it must: size, hex, canonical form, the kind of envelope, the signing key.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hashMessage, keccak256 } from 'viem';
import { describe, expect, it } from 'vitest';
import { CkmError } from '../../ckm/errors';
import {
  describePayload,
  PAYLOAD_LIMITS,
  parseSignPayload,
  payloadChainId,
  payloadDigest,
  signatureV,
} from '../../ckm/payload';
import { assertEnvelopeSigner } from '../../ckm/payload/envelope';
import type { EnvelopeSignPayload } from '../../ckm/payload/types';
import {
  envelopeSigningDigest,
  identityDocumentBody,
  rotationRecordBody,
  walletXid,
} from '../../ckm/wallet-identity';
import { Envelope } from '../../envelope/envelope';
import { publicKeyToAddress } from '../../tss/ethereum';

const key = secp256k1.getPublicKey(new Uint8Array(32).fill(3), true);
const newKey = secp256k1.getPublicKey(new Uint8Array(32).fill(4), true);
const other = secp256k1.getPublicKey(new Uint8Array(32).fill(5), true);
const document = identityDocumentBody({
  xid: walletXid(key),
  key,
  address: publicKeyToAddress(secp256k1.Point.fromBytes(key)),
  keyVersion: 2,
  cosigners: [],
  path: [],
  date: 1_800_000_000,
});
const record = rotationRecordBody({
  xid: walletXid(key),
  sequence: 1,
  previous: sha256(new Uint8Array([1])),
  reason: 'migration',
  oldKey: key,
  newKey,
  document: sha256(new Uint8Array([2])),
  date: 1_800_000_000,
});
const hex = (e: Envelope) => bytesToHex(e.toBytes());

function refused(value: unknown, code: string): CkmError {
  let error: unknown;
  try {
    parseSignPayload(value);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CkmError);
  expect((error as CkmError).code).toBe(code);
  return error as CkmError;
}

describe('envelope sign payload', () => {
  it('parses a document and a record and digests them as an envelope ECDSA signature', () => {
    for (const body of [document, record]) {
      const payload = parseSignPayload({ kind: 'envelope', envelope: hex(body) });
      expect(payload).toEqual({ kind: 'envelope', envelope: hex(body) });
      const digest = payloadDigest(payload);
      expect(digest).toEqual(sha256(sha256(body.wrap().digest)));
      expect(digest).toEqual(envelopeSigningDigest(body));
      // Not what an Ethereum signer would sign for the same bytes.
      expect(bytesToHex(digest)).not.toBe(keccak256(body.toBytes()));
      expect(bytesToHex(digest)).not.toBe(hashMessage({ raw: body.toBytes() }));
      expect(payloadChainId(payload)).toBeUndefined();
    }
  });

  it('describes itself without keys', () => {
    const d = describePayload(parseSignPayload({ kind: 'envelope', envelope: hex(document) }));
    expect(d).toMatch(/^envelope identity document XID\([0-9a-f]{8}\) key version 2$/);
    const r = describePayload(parseSignPayload({ kind: 'envelope', envelope: hex(record) }));
    expect(r).toMatch(/^envelope rotation 1 \(migration\) XID\([0-9a-f]{8}\)$/);
  });

  it('has no Ethereum v', () => {
    const payload = parseSignPayload({ kind: 'envelope', envelope: hex(document) });
    expect(() => signatureV(payload, 0)).toThrow(/no Ethereum v/);
  });

  it('refuses what is too large, not hex, or has other fields', () => {
    const big = `0x${'00'.repeat(PAYLOAD_LIMITS.envelopeBytes + 1)}`;
    expect(refused({ kind: 'envelope', envelope: big }, 'InvalidPayload').shortMessage).toMatch(
      /larger than/,
    );
    refused({ kind: 'envelope', envelope: 'd8c8' }, 'InvalidPayload');
    refused({ kind: 'envelope', envelope: new Uint8Array(4) }, 'InvalidPayload');
    refused({ kind: 'envelope', envelope: hex(document), path: [1] }, 'InvalidPayload');
    refused({ kind: 'envelope' }, 'InvalidPayload');
  });

  it('refuses bytes that are not one canonical envelope', () => {
    refused({ kind: 'envelope', envelope: `${hex(document)}00` }, 'InvalidPayload');
    // A leaf's text in a non-shortest length head (0x78 0x01 'a' instead of 0x61 'a').
    refused({ kind: 'envelope', envelope: '0xd8c8d8c97801' + '61' }, 'InvalidPayload');
  });

  it('refuses envelopes other than an identity document or a rotation record', () => {
    const message = (e: Envelope) =>
      refused({ kind: 'envelope', envelope: hex(e) }, 'InvalidPayload').shortMessage;
    expect(message(Envelope.from('Hello'))).toMatch(/identity document or rotation record/);
    expect(message(document.wrap())).toMatch(/identity document or rotation record/);
    expect(message(document.addAssertion('note', 'x'))).toMatch(/identity document/);
    expect(message(record.addAssertion('note', 'x'))).toMatch(/identity document/);
  });

  it('accepts only the signing keys the body names', () => {
    const doc = parseSignPayload({
      kind: 'envelope',
      envelope: hex(document),
    }) as EnvelopeSignPayload;
    expect(() => assertEnvelopeSigner(doc, key)).not.toThrow();
    expect(() => assertEnvelopeSigner(doc, newKey)).toThrow(CkmError);
    const rot = parseSignPayload({
      kind: 'envelope',
      envelope: hex(record),
    }) as EnvelopeSignPayload;
    expect(() => assertEnvelopeSigner(rot, key)).not.toThrow();
    expect(() => assertEnvelopeSigner(rot, newKey)).not.toThrow();
    let error: unknown;
    try {
      assertEnvelopeSigner(rot, other);
    } catch (e) {
      error = e;
    }
    expect((error as CkmError).code).toBe('PolicyRefused');
  });
});
