/**
 * A small seeded PRNG for the fuzz tests (sfc32, from PractRand), so that every generated request
 * can be rebuilt from the run's seed and the case's index. Not for cryptography: the keys and
 * nonces of the protocol itself still come from `crypto.getRandomValues`.
 * @module
 */

export type FuzzRng = {
  /** A uniform integer in 0..n-1 (n ≥ 1). */
  int(n: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Uint8Array;
  /** A child generator with its own stream, for one case. */
  fork(label: number): FuzzRng;
};

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A 32-bit hash of the seed and labels, so forks of different labels do not overlap. */
function mix(seed: number, labels: readonly number[]): number {
  let h = FNV_OFFSET ^ seed;
  for (const label of labels) {
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (label >>> shift) & 0xff;
      h = Math.imul(h, FNV_PRIME);
    }
  }
  return h >>> 0;
}

/** A generator for `seed` (any 32-bit integer); `labels` select an independent stream. */
export function fuzzRng(seed: number, ...labels: number[]): FuzzRng {
  let a = mix(seed, [...labels, 1]);
  let b = mix(seed, [...labels, 2]);
  let c = mix(seed, [...labels, 3]);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next(); // warm up, as the reference implementation does
  const rng: FuzzRng = {
    int: (n) => Math.floor((next() / 0x1_0000_0000) * n),
    chance: (p) => next() / 0x1_0000_0000 < p,
    pick: (items) => items[rng.int(items.length)] as (typeof items)[number],
    bytes: (length) => {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = next() & 0xff;
      return out;
    },
    fork: (label) => fuzzRng(seed, ...labels, label),
  };
  return rng;
}

/** The run's seed: `FUZZ_SEED` if set (to reproduce a failure), else a fresh one. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.FUZZ_SEED;
  if (fromEnv !== undefined && /^\d{1,10}$/.test(fromEnv)) return Number(fromEnv) >>> 0;
  return crypto.getRandomValues(new Uint32Array(1))[0] as number;
}
