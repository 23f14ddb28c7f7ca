/**
 * The one hash discipline of `tss/` (research/tecdsa.md §2.0): every random oracle is
 * `H(tag, sid, c_1, …, c_k)` over an injective, length-prefixed encoding
 * `u32(len(tag))‖tag‖u32(len(sid))‖sid‖u32(len(c_1))‖c_1‖…`, so no two different tuples hash
 * the same input (the defence against TSSHOCK's ambiguous transcripts). The session id is a
 * required argument: no oracle can be called unbound.
 * @module
 */
import { secp256k1_hasher } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { type Point, reduceScalar } from './curve';
import type { Tag } from './tags';

const textEncoder = new TextEncoder();

/** 4-byte big-endian unsigned integer. */
export function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError('"value" expected an integer in 0..2^32-1');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
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
    out.set(u32(part.length), offset);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}

/** 32-byte digest: SHA-256 of the encoding. */
export function oracle(tag: Tag, sid: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return sha256(encodeOracleInput(tag, sid, parts));
}

/** `length` bytes: SHAKE256 of the encoding. */
export function oracleXof(
  tag: Tag,
  sid: Uint8Array,
  length: number,
  ...parts: Uint8Array[]
): Uint8Array {
  return shake256(encodeOracleInput(tag, sid, parts), { dkLen: length });
}

/** Bytes drawn per scalar: 48 bytes reduced mod n has bias below 2^-128 (RFC 9380 §5). */
const SCALAR_DRAW_BYTES = 48;

/** `count` scalars from one XOF call: each 48 bytes reduced mod n. */
export function oracleScalars(
  tag: Tag,
  sid: Uint8Array,
  count: number,
  ...parts: Uint8Array[]
): bigint[] {
  const bytes = oracleXof(tag, sid, count * SCALAR_DRAW_BYTES, ...parts);
  const out: bigint[] = new Array(count);
  for (let i = 0; i < count; i++)
    out[i] = reduceScalar(bytes.subarray(i * SCALAR_DRAW_BYTES, (i + 1) * SCALAR_DRAW_BYTES));
  return out;
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
