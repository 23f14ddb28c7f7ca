/**
 * Round states as bytes: a CKM server keeps in-flight DKG and signing sessions in a database
 * between HTTP requests, and any server instance may continue a session, so every round state
 * must survive `encodeRoundState` → storage → `decodeRoundState` and then be usable by the next
 * step exactly like the original.
 *
 * Format: the CBOR (cbor-x) array `[PROTOCOL_VERSION, "round-state", phase, body, checksum]`.
 * `body` is the CBOR encoding of the state tree in a small tagged form (below) and `checksum` is
 * SHA-256(body). The checksum is not a MAC (the database is trusted for authenticity); it turns
 * storage corruption into a typed error instead of a silently wrong secret, which would make
 * the next step fail a ban-kind check and ban an honest peer.
 *
 * Tagged form, generic over the state tree (so a new state field needs no codec change):
 * booleans, finite numbers and strings stand for themselves; every other value is a list whose
 * first item is a tag: `[0]` undefined, `[1, bytes]` Uint8Array, `[2, bytes]` / `[3, bytes]`
 * a non-negative / negative bigint (minimal big-endian magnitude), `[4, bytes]` a Point (33-byte
 * compressed, or empty for the identity), `[5, k1, v1, k2, v2, …]` a Map (number or string
 * keys), `[6, …items]` an array, `[7, key1, v1, …]` a plain object.
 *
 * The checksum is SHA-256 by `@noble/hashes` unless the caller passes its own implementation of
 * SHA-256 (`options.sha256`, e.g. a native one on a server, where hashing the 100 KB states of a
 * signature is otherwise a noticeable share of the work); the bytes are the same either way.
 *
 * Decoding is strict: bytes only, size-limited before any parsing, known version, type and tags
 * only, depth-limited, the phase must be the expected one (`PhaseOutOfOrder`, as for a state
 * used in the wrong step), the checksum must match, and points are decoded on the curve.
 * Scratch buffers that held secrets (bigint bytes, cbor-x's output, our copy of the input) are
 * wiped. A decoded state is a fresh object: the single-use `consume` check (tss/state.ts) cannot
 * see a copy that was used before; the server's database enforces single use of stored states.
 * @module
 */
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Decoder, Encoder } from 'cbor-x';
import { bytesEqual, decodePoint } from './assert';
import { IDENTITY, Point } from './curve';
import type { DkgRound1State, DkgRound2State, DkgRound3State } from './dkg/types';
import { TssError } from './errors';
import { DIGEST_BYTES, PROTOCOL_VERSION } from './params';
import type { SignRound1State, SignRound2State, SignRound3State } from './sign/types';
import { isSpent } from './state';

export type RoundState =
  | DkgRound1State
  | DkgRound2State
  | DkgRound3State
  | SignRound1State
  | SignRound2State
  | SignRound3State;

export const ROUND_STATE_PHASES = [
  'dkg/round1',
  'dkg/round2',
  'dkg/round3',
  'sign/round1',
  'sign/round2',
  'sign/round3',
] as const satisfies readonly RoundState['phase'][];

/**
 * Upper bound on an encoded state, checked before decoding. The largest is a signing state of
 * 16 signers: 15 RVOLE Bob states (γ: ξ·(ℓ+ρ)·48 B ≈ 98 KB each) and a key share with 15 pairs
 * of 3·λ_c seeds (≈ 12 KB each), ≈ 1.7 MB.
 */
export const MAX_ROUND_STATE_BYTES = 4_194_304;
/** Nesting bound of the tagged tree (the deepest state today nests 7 levels). */
export const MAX_ROUND_STATE_DEPTH = 16;

const TYPE = 'round-state';

const Tag = {
  undefined: 0,
  bytes: 1,
  bigint: 2,
  negativeBigint: 3,
  point: 4,
  map: 5,
  array: 6,
  object: 7,
} as const;

type Tagged = boolean | number | string | Tagged[] | Uint8Array;

export type RoundStateCodecOptions = {
  /** SHA-256 for the checksum; default `@noble/hashes`. It must be SHA-256: the bytes must match. */
  readonly sha256?: (bytes: Uint8Array) => Uint8Array;
};

const options = { tagUint8Array: false, useRecords: false, mapsAsObjects: true } as const;
const encoder = new Encoder(options);
const decoder = new Decoder(options);

/** Encodes with cbor-x, returns a private copy and wipes cbor-x's (possibly shared) output. */
function cbor(value: unknown): Uint8Array {
  const out = encoder.encode(value);
  const copy = new Uint8Array(out);
  out.fill(0);
  return copy;
}

function malformed(what: string): TssError {
  return new TssError('MalformedMessage', `"roundState" ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Encoding

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The tagged form of `value`; every bigint's bytes are pushed to `scratch` for wiping. */
function toTagged(value: unknown, depth: number, scratch: Uint8Array[]): Tagged {
  if (depth > MAX_ROUND_STATE_DEPTH)
    throw new TssError('InvalidParameters', '"state" nests too deeply');
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TssError('InvalidParameters', '"state" holds a non-finite number');
    return value;
  }
  if (value === undefined) return [Tag.undefined];
  if (typeof value === 'bigint') {
    const magnitude = value < 0n ? -value : value;
    const length = magnitude === 0n ? 0 : Math.ceil(magnitude.toString(16).length / 2);
    const bytes = length === 0 ? new Uint8Array(0) : numberToBytesBE(magnitude, length);
    scratch.push(bytes);
    return [value < 0n ? Tag.negativeBigint : Tag.bigint, bytes];
  }
  if (value instanceof Uint8Array) return [Tag.bytes, value];
  if (value instanceof Point)
    return [Tag.point, value.is0() ? new Uint8Array(0) : value.toBytes(true)];
  const next = depth + 1;
  if (value instanceof Map) {
    const out: Tagged[] = [Tag.map];
    for (const [key, item] of value) {
      if (typeof key !== 'number' && typeof key !== 'string')
        throw new TssError('InvalidParameters', '"state" holds a Map key that is not a number');
      out.push(toTagged(key, next, scratch), toTagged(item, next, scratch));
    }
    return out;
  }
  if (Array.isArray(value)) return [Tag.array, ...value.map((v) => toTagged(v, next, scratch))];
  if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    const out: Tagged[] = [Tag.object];
    for (const [key, item] of Object.entries(value)) out.push(key, toTagged(item, next, scratch));
    return out;
  }
  throw new TssError('InvalidParameters', '"state" holds a value that has no encoding');
}

/**
 * The bytes of a round state, for storage between requests. They contain the state's secrets
 * (nonces, shares, OT seeds): store them encrypted, like a key share. A state already consumed
 * by its step is refused (`PhaseOutOfOrder`).
 * @example
 * await db.put(sessionId, encodeRoundState(state));
 */
export function encodeRoundState(
  state: RoundState,
  options: RoundStateCodecOptions = {},
): Uint8Array {
  if (
    typeof state !== 'object' ||
    state === null ||
    !ROUND_STATE_PHASES.includes(state.phase as RoundState['phase'])
  )
    throw new TssError('InvalidParameters', '"state" is not a round state');
  // A consumed state may hold wiped secrets; storing it would only defer the error.
  if (isSpent(state))
    throw new TssError('PhaseOutOfOrder', `the "${state.phase}" state was already used`);
  const scratch: Uint8Array[] = [];
  try {
    const body = cbor(toTagged(state, 0, scratch));
    const checksum = (options.sha256 ?? sha256)(body);
    const out = cbor([PROTOCOL_VERSION, TYPE, state.phase, body, checksum]);
    body.fill(0);
    return out;
  } finally {
    for (const bytes of scratch) bytes.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

function tagged(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length >= 1 && typeof value[0] === 'number';
}

function bytesNode(node: unknown[], scratch: Uint8Array[]): Uint8Array {
  if (node.length !== 2 || !(node[1] instanceof Uint8Array)) throw malformed('has a bad byte node');
  scratch.push(node[1]);
  return node[1];
}

function bigintOf(magnitude: Uint8Array, negative: boolean): bigint {
  if (magnitude.length > 0 && magnitude[0] === 0) throw malformed('has a non-minimal bigint');
  if (magnitude.length === 0) {
    if (negative) throw malformed('has a negative zero');
    return 0n;
  }
  const value = bytesToNumberBE(magnitude);
  return negative ? -value : value;
}

function pointOf(bytes: Uint8Array): Point {
  if (bytes.length === 0) return IDENTITY;
  try {
    return decodePoint(bytes, 'roundState.point');
  } catch (error) {
    // Identity is encoded as empty bytes; anything else must be a proper point.
    if (error instanceof TssError) throw error;
    throw new TssError('InvalidPoint', '"roundState.point" is not a point on secp256k1');
  }
}

function mapKey(value: unknown): number | string {
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string')
    return value;
  throw malformed('has a Map key that is not a number or string');
}

/** Rebuilds a value from its tagged form; byte strings read are pushed to `scratch`. */
function fromTagged(node: unknown, depth: number, scratch: Uint8Array[]): unknown {
  if (depth > MAX_ROUND_STATE_DEPTH) throw malformed('nests too deeply');
  if (typeof node === 'boolean' || typeof node === 'string') return node;
  if (typeof node === 'number') {
    if (!Number.isFinite(node)) throw malformed('has a non-finite number');
    return node;
  }
  if (!tagged(node)) throw malformed('has an untagged value');
  const next = depth + 1;
  switch (node[0]) {
    case Tag.undefined:
      if (node.length !== 1) throw malformed('has a bad undefined node');
      return undefined;
    case Tag.bytes:
      return new Uint8Array(bytesNode(node, scratch));
    case Tag.bigint:
    case Tag.negativeBigint:
      return bigintOf(bytesNode(node, scratch), node[0] === Tag.negativeBigint);
    case Tag.point:
      return pointOf(bytesNode(node, scratch));
    case Tag.map: {
      if (node.length % 2 !== 1) throw malformed('has a Map with a key but no value');
      const map = new Map<number | string, unknown>();
      for (let k = 1; k < node.length; k += 2) {
        const key = mapKey(node[k]);
        if (map.has(key)) throw malformed('has a Map with a duplicate key');
        map.set(key, fromTagged(node[k + 1], next, scratch));
      }
      return map;
    }
    case Tag.array:
      return node.slice(1).map((item) => fromTagged(item, next, scratch));
    case Tag.object: {
      if (node.length % 2 !== 1) throw malformed('has an object with a key but no value');
      const object: Record<string, unknown> = {};
      for (let k = 1; k < node.length; k += 2) {
        const key = node[k];
        // `__proto__` would set the prototype instead of a field.
        if (typeof key !== 'string' || key === '__proto__' || Object.hasOwn(object, key))
          throw malformed('has a bad object key');
        object[key] = fromTagged(node[k + 1], next, scratch);
      }
      return object;
    }
    default:
      throw malformed('has an unknown tag');
  }
}

function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decoder.decode(bytes);
  } catch {
    throw malformed(`${what} is not valid CBOR`);
  }
}

function isRoundStatePhase(value: unknown): value is RoundState['phase'] {
  return ROUND_STATE_PHASES.includes(value as RoundState['phase']);
}

/**
 * Reads back a state stored by {@link encodeRoundState}, refusing anything but a state of
 * `expectedPhase`: `WrongLength` if oversize, `UnsupportedVersion`, `PhaseOutOfOrder` for
 * another phase, `MalformedMessage` for bad CBOR, a bad checksum, tag or shape, `InvalidPoint`.
 * @example
 * const state = decodeRoundState(await db.take(sessionId), 'sign/round2');
 * const { state: next, broadcast } = signRound3(state, inbound);
 */
export function decodeRoundState<P extends RoundState['phase']>(
  bytes: unknown,
  expectedPhase: P,
  options: RoundStateCodecOptions = {},
): Extract<RoundState, { phase: P }> {
  if (!isRoundStatePhase(expectedPhase))
    throw new TssError('InvalidParameters', '"expectedPhase" is not a round-state phase');
  if (!(bytes instanceof Uint8Array)) throw malformed('expected bytes');
  if (bytes.length > MAX_ROUND_STATE_BYTES)
    throw new TssError('WrongLength', `"roundState" is larger than ${MAX_ROUND_STATE_BYTES} bytes`);
  // Our own copy: cbor-x may return views into its input, and we wipe what we decoded.
  const own = new Uint8Array(bytes);
  const scratch: Uint8Array[] = [own];
  try {
    const envelope = decodeCbor(own, 'the envelope');
    if (!Array.isArray(envelope) || envelope.length !== 5)
      throw malformed('expected a 5-item envelope');
    const [version, type, phase, body, checksum] = envelope as unknown[];
    if (version !== PROTOCOL_VERSION)
      throw new TssError('UnsupportedVersion', '"roundState" has an unsupported version');
    if (type !== TYPE) throw malformed('is not a round state');
    if (phase !== expectedPhase)
      throw new TssError('PhaseOutOfOrder', `expected a state in phase "${expectedPhase}"`);
    if (!(body instanceof Uint8Array)) throw malformed('body expected bytes');
    scratch.push(body);
    if (!(checksum instanceof Uint8Array) || checksum.length !== DIGEST_BYTES)
      throw malformed('checksum expected 32 bytes');
    if (!bytesEqual((options.sha256 ?? sha256)(body), checksum))
      throw malformed('checksum does not match');
    const state = fromTagged(decodeCbor(body, 'the body'), 0, scratch);
    if (
      typeof state !== 'object' ||
      state === null ||
      (state as { phase?: unknown }).phase !== expectedPhase
    )
      throw new TssError('PhaseOutOfOrder', `expected a state in phase "${expectedPhase}"`);
    return state as Extract<RoundState, { phase: P }>;
  } finally {
    for (const buffer of scratch) buffer.fill(0);
  }
}
