/**
 * The wire form of every `tss/` message and of a key share: CBOR (cbor-x), versioned, size-limited
 * before decoding, and strictly checked after (FROST-style header: version and message type;
 * unknown versions and types refused).
 *
 * A message is the CBOR array `[PROTOCOL_VERSION, type, body]`; the body is checked field by field
 * by the round that receives it. A key share is `[KEY_SHARE_VERSION, "key-share", {…}]` and is
 * checked here completely: it is read back from storage, which may be corrupt.
 * @module
 */
import { Decoder, Encoder } from 'cbor-x';
import { assertArray, assertBytes, assertPartyIndex, decodePoint, decodeScalar } from './assert';
import { mulG, type Point, pointToBytes, scalarToBytes } from './curve';
import { TssError } from './errors';
import type { KeyShare, PairState } from './keyshare';
import {
  KEY_SHARE_VERSION,
  LAMBDA_C,
  MAX_PARTIES,
  PROTOCOL_VERSION,
  SEED_BYTES,
  SID_BYTES,
} from './params';

export const MESSAGE_TYPES = [
  'dkg1',
  'dkg2',
  'dkg2.direct',
  'dkg3',
  'dkg3.direct',
  'sign1',
  'sign2',
  'sign3',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * Upper bounds on encoded sizes, checked before decoding. The largest message is `sign2`
 * (ξ·(ℓ+ρ) = 2048 scalars of RVOLE, ≈ 66 KB); `dkg2.direct` carries 2·λ_c points, `dkg3.direct`
 * one (the batch's base-OT B).
 */
export const MAX_MESSAGE_BYTES: Readonly<Record<MessageType, number>> = {
  dkg1: 4_096,
  dkg2: 8_192,
  'dkg2.direct': 16_384,
  dkg3: 1_024,
  'dkg3.direct': 512,
  sign1: 16_384,
  sign2: 80_000,
  sign3: 512,
};
export const MAX_KEY_SHARE_BYTES = 1_048_576;

const options = { tagUint8Array: false, useRecords: false, mapsAsObjects: true } as const;
const encoder = new Encoder(options);
const decoder = new Decoder(options);

export function encodeMessage(type: MessageType, body: object): Uint8Array {
  return new Uint8Array(encoder.encode([PROTOCOL_VERSION, type, body]));
}

/** Decodes a message of the expected type; the body is `unknown` until its round checks it. */
export function decodeMessage(bytes: unknown, expected: MessageType, culprit?: number): unknown {
  if (!(bytes instanceof Uint8Array))
    throw new TssError('MalformedMessage', `"${expected}" expected bytes`, culprit);
  const limit = MAX_MESSAGE_BYTES[expected];
  if (limit === undefined)
    throw new TssError('InvalidParameters', `"${expected}" is not a message type`);
  if (bytes.length > limit)
    throw new TssError('WrongLength', `"${expected}" is larger than ${limit} bytes`, culprit);
  const [version, type, body] = decodeEnvelope(bytes, expected, culprit);
  // Never format `version`: it is any CBOR value the peer chose (a map with a `toString` field
  // makes String() throw a TypeError), and messages name a field, never a value (protocol.md §3).
  if (version !== PROTOCOL_VERSION)
    throw new TssError(
      'UnsupportedVersion',
      `"${expected}" has an unsupported protocol version`,
      culprit,
    );
  if (type !== expected)
    throw new TssError('MalformedMessage', `expected a "${expected}" message`, culprit);
  return body;
}

function decodeEnvelope(
  bytes: Uint8Array,
  field: string,
  culprit?: number,
): [unknown, unknown, unknown] {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch {
    throw new TssError('MalformedMessage', `"${field}" is not valid CBOR`, culprit);
  }
  assertArray(value, 3, field, culprit);
  return value as [unknown, unknown, unknown];
}

// ---------------------------------------------------------------------------------------------
// Key shares

type Fields = Record<string, unknown>;

function serializePair(pair: PairState): Fields {
  return {
    zeroSeed: pair.zeroSeed,
    delta: pair.oteSender.delta,
    senderSeeds: [...pair.oteSender.seeds],
    receiverSeeds0: [...pair.oteReceiver.seeds0],
    receiverSeeds1: [...pair.oteReceiver.seeds1],
    banned: pair.banned,
  };
}

export function encodeKeyShare(share: KeyShare): Uint8Array {
  const body = {
    dkgSid: share.dkgSid,
    self: share.self,
    threshold: share.threshold,
    parties: [...share.parties],
    secretShare: scalarToBytes(share.secretShare),
    publicKey: pointToBytes(share.publicKey),
    publicShares: share.parties.map((p) => pointToBytes(share.publicShares.get(p) as Point)),
    chainCode: share.chainCode,
    pairs: share.parties
      .filter((p) => p !== share.self)
      .map((p) => [p, serializePair(share.pairs.get(p) as PairState)]),
  };
  return new Uint8Array(encoder.encode([share.version, 'key-share', body]));
}

function asFields(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TssError('MalformedMessage', `"${field}" expected an object`);
  return value as Fields;
}

function seedList(value: unknown, field: string): Uint8Array[] {
  assertArray(value, LAMBDA_C, field);
  return value.map((seed, k) => {
    assertBytes(seed, SEED_BYTES, `${field}[${k}]`);
    return new Uint8Array(seed);
  });
}

function bits(value: unknown, field: string): Uint8Array {
  assertBytes(value, LAMBDA_C, field);
  if (value.some((bit) => bit > 1))
    throw new TssError('MalformedMessage', `"${field}" expected bits`);
  return new Uint8Array(value);
}

/** Reads a key share back, checking every field: a corrupt share is refused, never half-used. */
export function decodeKeyShare(bytes: unknown): KeyShare {
  if (!(bytes instanceof Uint8Array))
    throw new TssError('MalformedMessage', '"keyShare" expected bytes');
  if (bytes.length > MAX_KEY_SHARE_BYTES)
    throw new TssError('WrongLength', '"keyShare" is too large');
  const [version, type, rawBody] = decodeEnvelope(bytes, 'keyShare');
  if (version !== KEY_SHARE_VERSION)
    throw new TssError('UnsupportedVersion', '"keyShare" has an unsupported version');
  if (type !== 'key-share') throw new TssError('MalformedMessage', '"keyShare" is not a key share');
  const body = asFields(rawBody, 'keyShare');
  assertBytes(body.dkgSid, SID_BYTES, 'keyShare.dkgSid');
  const self = assertPartyIndex(body.self, 'keyShare.self');
  const parties = body.parties;
  if (!Array.isArray(parties) || parties.length < 2 || parties.length > MAX_PARTIES)
    throw new TssError('MalformedMessage', '"keyShare.parties" expected 2..16 indices');
  for (const [k, p] of parties.entries()) assertPartyIndex(p, `keyShare.parties[${k}]`);
  if (new Set(parties).size !== parties.length || !parties.includes(self))
    throw new TssError(
      'MalformedMessage',
      '"keyShare.parties" must be distinct and include "self"',
    );
  const threshold = body.threshold;
  if (
    typeof threshold !== 'number' ||
    !Number.isInteger(threshold) ||
    threshold < 2 ||
    threshold > parties.length
  )
    throw new TssError('MalformedMessage', '"keyShare.threshold" out of range');
  assertArray(body.publicShares, parties.length, 'keyShare.publicShares');
  const publicShares = new Map<number, Point>(
    parties.map((p: number, k: number) => [
      p,
      decodePoint((body.publicShares as unknown[])[k], `keyShare.publicShares[${k}]`),
    ]),
  );
  assertBytes(body.chainCode, SEED_BYTES, 'keyShare.chainCode');
  assertArray(body.pairs, parties.length - 1, 'keyShare.pairs');
  const pairs = new Map<number, PairState>();
  for (const [k, entry] of (body.pairs as unknown[]).entries()) {
    assertArray(entry, 2, `keyShare.pairs[${k}]`);
    const peer = assertPartyIndex(entry[0], `keyShare.pairs[${k}].peer`);
    if (peer === self || !parties.includes(peer) || pairs.has(peer))
      throw new TssError('MalformedMessage', `"keyShare.pairs[${k}].peer" is not a distinct peer`);
    const f = asFields(entry[1], `keyShare.pairs[${k}]`);
    assertBytes(f.zeroSeed, SEED_BYTES, `keyShare.pairs[${k}].zeroSeed`);
    if (typeof f.banned !== 'boolean')
      throw new TssError('MalformedMessage', `"keyShare.pairs[${k}].banned" expected a boolean`);
    pairs.set(peer, {
      zeroSeed: new Uint8Array(f.zeroSeed),
      oteSender: {
        delta: bits(f.delta, `keyShare.pairs[${k}].delta`),
        seeds: seedList(f.senderSeeds, `keyShare.pairs[${k}].senderSeeds`),
      },
      oteReceiver: {
        seeds0: seedList(f.receiverSeeds0, `keyShare.pairs[${k}].receiverSeeds0`),
        seeds1: seedList(f.receiverSeeds1, `keyShare.pairs[${k}].receiverSeeds1`),
      },
      banned: f.banned,
    });
  }
  const secretShare = decodeScalar(body.secretShare, 'keyShare.secretShare');
  const publicKey = decodePoint(body.publicKey, 'keyShare.publicKey');
  if (!(publicShares.get(self) as Point).equals(mulG(secretShare)))
    throw new TssError(
      'PublicKeyMismatch',
      '"keyShare.secretShare" does not match its public share',
    );
  return {
    version: KEY_SHARE_VERSION,
    dkgSid: new Uint8Array(body.dkgSid),
    self,
    threshold,
    parties: [...parties].sort((a, b) => a - b),
    secretShare,
    publicKey,
    publicShares,
    chainCode: new Uint8Array(body.chainCode),
    pairs,
  };
}
