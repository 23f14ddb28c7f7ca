/**
 * A deterministic RNG for tests only (golden transcripts, reproducible failures): SHAKE256 of a
 * seed and a call counter. Never used outside tests/.
 */
import { shake256 } from '@noble/hashes/sha3.js';
import type { Rng } from '../../../tss/rng';

export function seededRng(seed: string): Rng {
  const seedBytes = new TextEncoder().encode(seed);
  let counter = 0;
  return (length) => {
    const input = new Uint8Array(seedBytes.length + 4);
    input.set(seedBytes);
    new DataView(input.buffer).setUint32(seedBytes.length, counter++, false);
    return shake256(input, { dkLen: length });
  };
}
