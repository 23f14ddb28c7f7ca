/**
 * Randomness for `tss/`. Production code uses {@link cryptoRng} (`crypto.getRandomValues`);
 * tests may pass a deterministic generator of the same type. Nothing here keeps global state.
 * @module
 */
import { mod } from './curve';

/** Returns `length` fresh random bytes. */
export type Rng = (length: number) => Uint8Array;

/** The only RNG production code uses. */
export const cryptoRng: Rng = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65 536 bytes per call.
  for (let offset = 0; offset < length; offset += 65_536)
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65_536)));
  return out;
};

/** A uniform non-zero scalar: 48 random bytes reduced mod n (bias < 2^-128), 0 redrawn. */
export function randomScalar(rng: Rng): bigint {
  for (;;) {
    const bytes = rng(48);
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    const s = mod(value);
    if (s !== 0n) return s;
  }
}

/** `length` random bits, one per byte (0 or 1). */
export function randomBits(rng: Rng, length: number): Uint8Array {
  const bytes = rng(Math.ceil(length / 8));
  const bits = new Uint8Array(length);
  for (let i = 0; i < length; i++) bits[i] = ((bytes[i >> 3] as number) >> (i & 7)) & 1;
  return bits;
}
