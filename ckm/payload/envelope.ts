/**
 * The `envelope` sign payload: the wallet's identity document or rotation record
 * (`ckm/wallet-identity.ts`, docs/identity.md), sent whole as its dCBOR bytes so that every party
 * reads what it signs (research/tecdsa.md §2.6 "R0"), as for transactions and messages.
 *
 * Each party decodes the envelope strictly, checks that it is one of the two identity bodies and
 * nothing else, and computes the digest itself: SHA-256(SHA-256(digest of `{ body }`)), the
 * message of an ECDSA envelope signature (bc-specs §2.10). Being SHA-256 of a SHA-256, it cannot
 * be chosen to equal a keccak256 transaction or EIP-191 / EIP-712 digest, so a signature asked
 * for here is useless as an Ethereum signature, and the reverse.
 *
 * A server signs only a body whose signing key (the document's key, or a record's old or new key)
 * is the wallet's key at the requested path: `assertEnvelopeSigner`, which needs the key share
 * and so runs where the share is loaded, not in `parseSignPayload`.
 * @module
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { decodeEnvelope } from '../../envelope/decode';
import type { Envelope } from '../../envelope/envelope';
import { bytesEqual } from '../bytes';
import { CkmError } from '../errors';
import {
  bodySigningKeys,
  envelopeSigningDigest,
  formatPath,
  type IdentityBody,
  parseIdentityBody,
} from '../wallet-identity';
import { invalid, parseHexBytes } from './fields';
import { type EnvelopeSignPayload, PAYLOAD_LIMITS } from './types';

/**
 * Decodes and checks the envelope (strict dCBOR, canonical, an identity document or a rotation
 * record with every field valid).
 * @throws CkmError `InvalidPayload` naming `envelope`.
 */
export function parseEnvelopePayload(value: unknown): EnvelopeSignPayload {
  const hex = parseHexBytes(value, 'envelope', PAYLOAD_LIMITS.envelopeBytes);
  identityBodyOf(hex);
  return { kind: 'envelope', envelope: hex.toLowerCase() as Hex };
}

function envelopeOf(hex: Hex): Envelope {
  try {
    return decodeEnvelope(hexToBytes(hex));
  } catch (cause) {
    throw invalid('envelope', 'is not a canonical Gordian Envelope', cause);
  }
}

function identityBodyOf(hex: Hex): { envelope: Envelope; body: IdentityBody } {
  const envelope = envelopeOf(hex);
  try {
    return { envelope, body: parseIdentityBody(envelope) };
  } catch (cause) {
    throw invalid('envelope', 'is not an identity document or rotation record', cause);
  }
}

/** SHA-256(SHA-256(digest of the wrapped envelope)): what the threshold signature signs. */
export function envelopePayloadDigest(payload: EnvelopeSignPayload): Uint8Array {
  return envelopeSigningDigest(envelopeOf(payload.envelope));
}

/**
 * Refuses to sign unless `publicKey` (the wallet's key at the requested path, compressed) is a
 * key the body names as its signer.
 * @throws CkmError `PolicyRefused`.
 */
export function assertEnvelopeSigner(payload: EnvelopeSignPayload, publicKey: Uint8Array): void {
  const { body } = identityBodyOf(payload.envelope);
  if (!bodySigningKeys(body).some((k) => bytesEqual(k, publicKey)))
    throw new CkmError(
      'PolicyRefused',
      "the envelope is not about this wallet's key at the requested path",
    );
}

/** One line for logs: which body, which XID, sequence and reason; no keys in full. */
export function describeEnvelopePayload(payload: EnvelopeSignPayload): string {
  const { body } = identityBodyOf(payload.envelope);
  if (body.kind === 'document') {
    const d = body.document;
    const path = d.path.length > 0 ? ` at ${formatPath(d.path)}` : '';
    return `envelope identity document XID(${bytesToHex(d.xid).slice(2, 10)}) key version ${d.keyVersion}${path}`;
  }
  const r = body.record;
  return `envelope rotation ${r.sequence} (${r.reason}) XID(${bytesToHex(r.xid).slice(2, 10)})`;
}
