/**
 * The one hash discipline of `tss/` (research/tecdsa.md §2.0): every random oracle is
 * `H(tag, sid, c_1, …, c_k)` over an injective, length-prefixed encoding
 * `u32(len(tag))‖tag‖u32(len(sid))‖sid‖u32(len(c_1))‖c_1‖…`, so no two different tuples hash
 * the same input (the defence against TSSHOCK's ambiguous transcripts). The session id is a
 * required argument: no oracle can be called unbound.
 *
 * Constructions (pinned: every transcript depends on them). `enc` is {@link encodeOracleInput}.
 * - {@link oracle}: SHA-256(enc), 32 bytes (FIPS 180-4).
 * - {@link oracleXof}: the first `length` bytes of HChaCha20 in counter mode,
 *   HChaCha20(K, LE32(0)‖0^96) ‖ HChaCha20(K, LE32(1)‖0^96) ‖ … (32 bytes per block; HChaCha20 as
 *   in draft-irtf-cfrg-xchacha-03 §2.2, through `@noble/ciphers`' `hchacha`), under the key
 *   K = SHA-256(XOF_DOMAIN ‖ enc), XOF_DOMAIN being the ASCII string `ckm/dkls23/v1/xof`
 *   zero-padded to one 64-byte SHA-256 block. The XOF is modelled as a random oracle, as the
 *   paper models any concrete hash: SHA-256 is the random oracle that makes K, and HChaCha20 is a
 *   PRF (the assumption XChaCha20 rests on), so the blocks are independent pseudorandom values.
 *   Output lengths are not bound (as with SHAKE): a shorter output is a prefix of a longer one,
 *   so callers fix the length per tag.
 *   Divergences, both for speed: from SHAKE256 (our first construction; research/tecdsa.md §2.0
 *   leaves the XOF open), because Keccak in JavaScript costs ≈ 4.5 µs per 136 bytes, which made
 *   hashing about half of a signature; and (PROTOCOL_VERSION 2) from the RFC 8439 ChaCha20
 *   keystream, because noble's `chacha20` spends ≈ 2 µs per call outside the cipher, and a
 *   signature makes ≈ 3,800 calls of 80–128 bytes; `hchacha` works on 32-bit words without that
 *   wrapper (≈ 0.35 µs per 32-byte block here). The domain block keeps K independent of
 *   `oracle(tag, sid, …)`: every `enc` starts with the byte 0 (the top byte of u32(len(tag))),
 *   XOF_DOMAIN with `c`, so the two never hash the same SHA-256 input; its SHA-256 state is
 *   computed once, so it costs nothing per call.
 * - {@link oracleScalars}: `count` draws of 48 bytes from one XOF call, each reduced mod n
 *   (bias below 2^-128, RFC 9380 §5).
 * - {@link oracleSession}: the SHA-256 state after XOF_DOMAIN ‖ u32(len(tag)) ‖ tag ‖
 *   u32(len(sid)) ‖ sid, absorbed once per (tag, sid); {@link sessionXof} and friends continue
 *   from it, so they hash exactly the bytes {@link oracleXof} hashes and return the same output.
 * - {@link oraclePoint}: RFC 9380 `secp256k1_XMD:SHA-256_SSWU_RO_`.
 * @module
 */

import { hchacha } from '@noble/ciphers/chacha.js';
import { secp256k1_hasher } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { N, type Point } from './curve';
import type { Tag } from './tags';

const textEncoder = new TextEncoder();

type Sha256 = ReturnType<typeof sha256.create>;

/** XOF_DOMAIN: one SHA-256 block, `ckm/dkls23/v1/xof` then zeros. */
const XOF_DOMAIN_BYTES = /* @__PURE__ */ (() => {
  const block = new Uint8Array(64);
  block.set(textEncoder.encode('ckm/dkls23/v1/xof'));
  return block;
})();

/** SHA-256 state after XOF_DOMAIN: the start of every XOF key. Never updated, only cloned. */
const XOF_START: Sha256 = /* @__PURE__ */ sha256.create().update(XOF_DOMAIN_BYTES);

/** Bytes drawn per scalar: 48 bytes reduced mod n has bias below 2^-128 (RFC 9380 §5). */
export const SCALAR_DRAW_BYTES = 48;

/** Bytes of the XOF key and of one HChaCha20 output block. */
const KEY_BYTES = 32;
const BLOCK_BYTES = 32;
/** The 32-bit block counter bounds one output; we stay far below it. */
const MAX_XOF_BYTES = 2 ** 32;

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3, draft-irtf-cfrg-xchacha §2.2). */
const SIGMA = /* @__PURE__ */ Uint32Array.of(0x61707865, 0x3320646e, 0x79622d32, 0x6b206574);

/** Parts up to this many bytes are gathered into one update: noble's per-call checks dominate tiny inputs. */
const SMALL_PART = 64;
/** Bytes of a session's gathering buffer. */
const GATHER_BYTES = 256;

/** 4-byte big-endian unsigned integer. */
export function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError('"value" expected an integer in 0..2^32-1');
  const out = new Uint8Array(4);
  out[0] = value >>> 24;
  out[1] = (value >>> 16) & 0xff;
  out[2] = (value >>> 8) & 0xff;
  out[3] = value & 0xff;
  return out;
}

/** The length-prefixed encoding of (tag, sid, parts). */
export function encodeOracleInput(
  tag: Tag,
  sid: Uint8Array,
  parts: readonly Uint8Array[],
): Uint8Array {
  const tagBytes = textEncoder.encode(tag);
  const all = [tagBytes, sid, ...parts];
  let length = 0;
  for (const part of all) length += 4 + part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of all) {
    writeU32(out, offset, part.length);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}

/** 32-byte digest: SHA-256 of the encoding. */
export function oracle(tag: Tag, sid: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return sha256(encodeOracleInput(tag, sid, parts));
}

// ---------------------------------------------------------------------------------------------
// The XOF: ChaCha20 keyed by SHA-256(XOF_DOMAIN ‖ enc).

function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

function assertLength(length: number, unit: number, field: string): void {
  if (!Number.isSafeInteger(length) || length < 0 || length * unit > MAX_XOF_BYTES)
    throw new RangeError(
      `"${field}" expected an integer in 0..${Math.floor(MAX_XOF_BYTES / unit)}`,
    );
}

/**
 * The XOF's expansion of a 32-byte key: writes `length` bytes of HChaCha20(key, LE32(b)‖0^96)
 * for b = 0, 1, … (each block's eight output words little-endian, draft-irtf-cfrg-xchacha §2.2)
 * into `out` at `offset`, computed by `@noble/ciphers`' `hchacha` (audited; we do not write our
 * own cipher). The tests check it against noble block by block and the HChaCha20 test vector.
 * @example
 * const out = new Uint8Array(64);
 * xofKeystream(key, out, 0, 64); // HChaCha20(key, 0‖0^96) ‖ HChaCha20(key, 1‖0^96)
 */
export function xofKeystream(
  key: Uint8Array,
  out: Uint8Array,
  offset: number,
  length: number,
): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES)
    throw new RangeError(`"key" expected ${KEY_BYTES} bytes`);
  if (
    !(out instanceof Uint8Array) ||
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > out.length ||
    length > MAX_XOF_BYTES
  )
    throw new RangeError('"out" expected room for "length" bytes at "offset"');
  const block = newBlock();
  keystream(key, out, offset, length, block);
}

/** Word buffers for one expansion, reused across calls of a session and wiped after each. */
type Block = {
  readonly key: Uint32Array;
  readonly input: Uint32Array;
  readonly output: Uint32Array;
};

function newBlock(): Block {
  return { key: new Uint32Array(8), input: new Uint32Array(4), output: new Uint32Array(8) };
}

/** {@link xofKeystream} without checks, with the caller's word buffers. */
function keystream(
  key: Uint8Array,
  out: Uint8Array,
  offset: number,
  length: number,
  { key: k, input, output }: Block,
): void {
  // The key as eight little-endian words (draft-irtf-cfrg-xchacha §2.2, as RFC 8439 §2.3).
  for (let w = 0; w < 8; w++) {
    const at = 4 * w;
    k[w] =
      (key[at] as number) |
      ((key[at + 1] as number) << 8) |
      ((key[at + 2] as number) << 16) |
      ((key[at + 3] as number) << 24);
  }
  for (let b = 0, done = 0; done < length; b++) {
    input[0] = b; // the 16-byte input LE32(b)‖0^96; words 1–3 stay 0
    hchacha(SIGMA, k, input, output);
    const take = Math.min(BLOCK_BYTES, length - done);
    for (let i = 0; i < take; i++)
      out[offset + done + i] = ((output[i >> 2] as number) >>> (8 * (i & 3))) & 0xff;
    done += take;
  }
  k.fill(0);
  output.fill(0);
  input[0] = 0;
}

/**
 * Absorbs u32(len(part)) ‖ part for each part (the tail of the encoding). Small parts are
 * gathered in `scratch` (wiped after) and absorbed in as few updates as possible.
 */
function absorbParts(hasher: Sha256, parts: readonly Uint8Array[], scratch: Uint8Array): void {
  let at = 0;
  let used = 0;
  for (const part of parts) {
    if (!(part instanceof Uint8Array)) throw new TypeError('oracle parts expected Uint8Array');
    if (at + 4 + Math.min(part.length, SMALL_PART) > scratch.length) {
      hasher.update(scratch.subarray(0, at));
      used = scratch.length;
      at = 0;
    }
    writeU32(scratch, at, part.length);
    at += 4;
    used = Math.max(used, at);
    if (part.length <= SMALL_PART) {
      scratch.set(part, at);
      at += part.length;
      used = Math.max(used, at);
    } else {
      hasher.update(scratch.subarray(0, at));
      hasher.update(part);
      at = 0;
    }
  }
  if (at > 0) hasher.update(scratch.subarray(0, at));
  scratch.fill(0, 0, used);
}

// ---------------------------------------------------------------------------------------------
// Sessions: the (tag, sid) prefix absorbed once.

/**
 * An oracle with its tag and session id bound and absorbed: the SHA-256 state after
 * XOF_DOMAIN ‖ u32(len(tag)) ‖ tag ‖ u32(len(sid)) ‖ sid. Holds only public data between calls
 * (its scratch is wiped after each). Not shared between sessions.
 */
export type OracleSession = {
  readonly tag: Tag;
  readonly sid: Uint8Array;
  /** The absorbed prefix; cloned, never updated. */
  readonly prefix: Sha256;
  /** Scratch for one call: the hash state, its 32-byte key, the gathered small parts. Wiped after each call. */
  readonly scratch: Sha256;
  readonly key: Uint8Array;
  readonly gather: Uint8Array;
  readonly block: Block;
};

/**
 * Binds (tag, sid) once for many calls that differ only in their parts (e.g. the ξ rows of an
 * OT extension).
 * @example
 * const rows = oracleSession(TAGS.otExtOutput, sid);
 * const out = sessionXof(rows, 192, u32(j), row); // = oracleXof(TAGS.otExtOutput, sid, 192, u32(j), row)
 */
export function oracleSession(tag: Tag, sid: Uint8Array): OracleSession {
  if (typeof tag !== 'string') throw new TypeError('"tag" expected a string');
  if (!(sid instanceof Uint8Array)) throw new TypeError('"sid" expected Uint8Array');
  const head = encodeOracleInput(tag, sid, []);
  const prefix = XOF_START.clone().update(head);
  return {
    tag,
    sid: sid.slice(),
    prefix,
    scratch: prefix.clone(),
    key: new Uint8Array(KEY_BYTES),
    gather: new Uint8Array(GATHER_BYTES),
    block: newBlock(),
  };
}

/**
 * Writes oracleXof(session.tag, session.sid, length, ...parts) into `out` at `offset`, without
 * allocating the output.
 */
export function sessionXofInto(
  session: OracleSession,
  out: Uint8Array,
  offset: number,
  length: number,
  ...parts: Uint8Array[]
): void {
  assertLength(length, 1, 'length');
  if (!(out instanceof Uint8Array) || !Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError('"out" expected Uint8Array and "offset" a non-negative integer');
  if (offset + length > out.length) throw new RangeError('"out" is too short');
  const { prefix, scratch, key, gather, block } = session;
  prefix._cloneInto(scratch);
  absorbParts(scratch, parts, gather);
  scratch.digestInto(key);
  keystream(key, out, offset, length, block);
  scratch.destroy();
  key.fill(0);
}

/** `length` bytes: exactly oracleXof(session.tag, session.sid, length, ...parts). */
export function sessionXof(
  session: OracleSession,
  length: number,
  ...parts: Uint8Array[]
): Uint8Array {
  assertLength(length, 1, 'length');
  const out = new Uint8Array(length);
  sessionXofInto(session, out, 0, length, ...parts);
  return out;
}

/** `count` scalars: exactly oracleScalars(session.tag, session.sid, count, ...parts). */
export function sessionScalars(
  session: OracleSession,
  count: number,
  ...parts: Uint8Array[]
): bigint[] {
  assertLength(count, SCALAR_DRAW_BYTES, 'count');
  const bytes = sessionXof(session, count * SCALAR_DRAW_BYTES, ...parts);
  const out = drawsToScalars(bytes, count);
  bytes.fill(0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// 48-byte draws to integers.

/**
 * The 384-bit big-endian integer of the 48-byte draw at `offset` of `view`, NOT reduced: for
 * callers that reduce a whole sum once (lazy reduction). Equal to the scalar mod n.
 */
export function drawInteger(view: DataView, offset: number): bigint {
  return (
    (((((((view.getBigUint64(offset) << 64n) | view.getBigUint64(offset + 8)) << 64n) |
      view.getBigUint64(offset + 16)) <<
      64n) |
      view.getBigUint64(offset + 24)) <<
      128n) |
    (view.getBigUint64(offset + 32) << 64n) |
    view.getBigUint64(offset + 40)
  );
}

/**
 * Bytes of a short draw: 32 bytes reduced mod n. For secp256k1 n > 2^256 − 2^129, so a uniform
 * 256-bit integer mod n is within 2^-127 of uniform in Z_q (research/tecdsa.md §2.0 "SHA-256
 * reduce"). Used where one oracle call yields many scalars and the cost of the extra 16 bytes
 * per scalar matters (the OT-extension rows); everything else draws 48 bytes.
 */
export const SHORT_DRAW_BYTES = 32;

/** The 256-bit big-endian integer of the 32-byte draw at `offset` of `view`, NOT reduced. */
export function shortDrawInteger(view: DataView, offset: number): bigint {
  return (
    (((view.getBigUint64(offset) << 64n) | view.getBigUint64(offset + 8)) << 128n) |
    (view.getBigUint64(offset + 16) << 64n) |
    view.getBigUint64(offset + 24)
  );
}

/** Consecutive 48-byte draws, each reduced mod n. */
export function drawsToScalars(bytes: Uint8Array, count: number): bigint[] {
  if (!(bytes instanceof Uint8Array) || bytes.length < count * SCALAR_DRAW_BYTES)
    throw new RangeError(`"bytes" expected at least ${count} draws of ${SCALAR_DRAW_BYTES} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: bigint[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = drawInteger(view, i * SCALAR_DRAW_BYTES) % N;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The oracles by (tag, sid).

/** `length` bytes: ChaCha20 keyed by SHA-256(XOF_DOMAIN ‖ enc) (see the module doc). */
export function oracleXof(
  tag: Tag,
  sid: Uint8Array,
  length: number,
  ...parts: Uint8Array[]
): Uint8Array {
  return sessionXof(oracleSession(tag, sid), length, ...parts);
}

/** `count` scalars from one XOF call: each 48 bytes reduced mod n. */
export function oracleScalars(
  tag: Tag,
  sid: Uint8Array,
  count: number,
  ...parts: Uint8Array[]
): bigint[] {
  return sessionScalars(oracleSession(tag, sid), count, ...parts);
}

/** One scalar: {@link oracleScalars} with count 1. */
export function oracleScalar(tag: Tag, sid: Uint8Array, ...parts: Uint8Array[]): bigint {
  return oracleScalars(tag, sid, 1, ...parts)[0] as bigint;
}

/**
 * A point with no known discrete log: RFC 9380 `secp256k1_XMD:SHA-256_SSWU_RO_`, with the tag
 * as DST and the encoded (sid, parts) as the message.
 */
export function oraclePoint(tag: Tag, sid: Uint8Array, ...parts: Uint8Array[]): Point {
  return secp256k1_hasher.hashToCurve(encodeOracleInput(tag, sid, parts), {
    DST: tag,
  }) as unknown as Point;
}
