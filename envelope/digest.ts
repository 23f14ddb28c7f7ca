/**
 * SHA-256 digests, the identity of every envelope element (bc-specs §2.2; bc-components `Digest`).
 * A digest is 32 bytes; it orders node assertions bytewise (draft-mcnally-envelope §"Digest Tree").
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';

export const DIGEST_LENGTH = 32;

/** SHA-256 of the concatenation of `parts`. */
export function digestOf(...parts: Uint8Array[]): Uint8Array {
  return sha256(parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(...parts));
}

/** Bytewise order of two digests (negative, zero, positive). */
export function compareDigests(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Lowercase hex of a digest; used as a set key and in error details. */
export function digestHex(digest: Uint8Array): string {
  return bytesToHex(digest);
}

/** The 8-hex-digit short form the formatters print (`8cc96cdb`). */
export function shortDigest(digest: Uint8Array): string {
  return bytesToHex(digest.subarray(0, 4));
}

/** Throws unless `value` is a 32-byte Uint8Array. */
export function assertDigest(value: unknown, title: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${title}" expected Uint8Array`);
  if (value.length !== DIGEST_LENGTH) {
    throw new RangeError(`"${title}" expected ${DIGEST_LENGTH} bytes, got length=${value.length}`);
  }
}
