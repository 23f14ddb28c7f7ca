/**
 * Byte helpers shared by `ckm/`: strict lowercase hex, UTF-8, big-endian u32, a constant-time
 * compare, and the one unambiguous encoding of a tuple that every signature and key derivation in
 * `ckm/` uses (research/tecdsa.md §2.0 "one hash discipline everywhere"):
 *
 *     lengthPrefixed(p1, …, pk) = u32be(len(p1)) ‖ p1 ‖ … ‖ u32be(len(pk)) ‖ pk
 *
 * Strings are UTF-8. Because every part carries its length, no two different tuples encode to the
 * same bytes (the defence against TSSHOCK-style ambiguous transcripts).
 * @module
 */
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Bytes of a lowercase, even-length hex string, or `undefined` for anything else. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!HEX.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function utf8(text: string): Uint8Array {
  return utf8ToBytes(text);
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...parts);
}

/** Big-endian unsigned 32-bit integer; `value` must be an integer in 0..2^32−1. */
export function u32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new RangeError('"u32" expected an integer in 0..2^32-1');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** `u32be(len(p)) ‖ p` for each part, in order; strings are UTF-8 encoded first. */
export function lengthPrefixed(...parts: readonly (Uint8Array | string)[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? utf8(part) : part;
    chunks.push(u32be(bytes.length), bytes);
  }
  return concatBytes(...chunks);
}

/**
 * Constant-time equality for secrets, MACs and pinned keys: the time depends only on the lengths,
 * which are public.
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** True when every byte is zero (constant time in the length). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const byte of bytes) acc |= byte;
  return acc === 0;
}
