/**
 * Lagrange coefficients over Z_n for Shamir reconstruction and for turning a threshold share into
 * an additive one (DKLs23, eprint 2023/765, Protocol 3.6: sk_i = λ_i·s_i + ζ_i; research/tecdsa.md
 * §2.6 "λ_i = Π_{j∈P\i} x_j/(x_j − x_i)").
 * @see https://eprint.iacr.org/2023/765
 * @module
 */
import { inv, mod } from './curve';
import { TssError } from './errors';
import { MAX_PARTIES } from './params';

/**
 * Checks that `set` is a non-empty list of distinct party indices in 1..MAX_PARTIES
 * (research/tecdsa.md §2.0: "Reject 0, duplicates, and anything ≡0 mod q"). Indices ≤ 16 are
 * never ≡ 0 mod n, so x_i − x_j ≠ 0 for distinct indices and every denominator is invertible.
 */
export function assertPartySet(set: unknown, field: string): asserts set is readonly number[] {
  if (!Array.isArray(set) || set.length < 1 || set.length > MAX_PARTIES)
    throw new TssError('InvalidParameters', `"${field}" expected 1..${MAX_PARTIES} party indices`);
  const seen = new Set<number>();
  for (const x of set) {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_PARTIES)
      throw new TssError(
        'InvalidParameters',
        `"${field}" expected party indices in 1..${MAX_PARTIES}`,
      );
    if (seen.has(x)) throw new TssError('DuplicateParty', `"${field}" lists a party twice`);
    seen.add(x);
  }
}

/**
 * λ_i(at) = Π_{j∈set\i} (at − x_j)/(x_i − x_j) mod n: the weight of f(x_i) in f(at) for any
 * polynomial f of degree < |set|. With at = 0 (the default) this is the coefficient that
 * reconstructs the secret; Σ_{i∈set} λ_i(at) = 1 for every `at`.
 * @example
 * const lambda = lagrangeCoefficient(1, [1, 3]); // device's weight when signing with B
 */
export function lagrangeCoefficient(i: number, set: readonly number[], at = 0): bigint {
  assertPartySet(set, 'set');
  if (!set.includes(i)) throw new TssError('InvalidParameters', '"i" is not in "set"');
  if (!Number.isSafeInteger(at) || at < 0)
    throw new TssError('InvalidParameters', '"at" expected a non-negative integer');
  const xi = BigInt(i);
  const point = BigInt(at);
  let numerator = 1n;
  let denominator = 1n;
  for (const j of set) {
    if (j === i) continue;
    const xj = BigInt(j);
    numerator = mod(numerator * (point - xj));
    denominator = mod(denominator * (xi - xj));
  }
  return mod(numerator * inv(denominator));
}
