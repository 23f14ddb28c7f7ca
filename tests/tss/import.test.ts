/**
 * LEGACY trusted-dealer import (tss/import.ts; research/tecdsa.md §2.7, §6 "import key 0x46…46").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, mul, mulG, N } from '../../tss/curve';
import { dealerSplitForImport } from '../../tss/import';
import { lagrangeCoefficient } from '../../tss/lagrange';
import { evaluateCommitment, verifyFeldmanShare } from '../../tss/poly';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

function reconstruct(shares: ReadonlyMap<number, bigint>, subset: readonly number[]): bigint {
  let secret = 0n;
  for (const i of subset)
    secret = add(secret, mul(lagrangeCoefficient(i, subset), shares.get(i) as bigint));
  return secret;
}

const ALL = Array.from({ length: 16 }, (_, k) => k + 1);
const KEY = BigInt(`0x${'46'.repeat(32)}`);

describe('dealerSplitForImport', () => {
  it('2-of-3 (device, A, B): every pair reconstructs the key, no single share does', () => {
    const { publicKey, shares, commitments } = dealerSplitForImport(
      KEY,
      2,
      [1, 2, 3],
      seededRng('import/2of3'),
    );
    expect(publicKey.equals(mulG(KEY))).toBe(true);
    expect(commitments).toHaveLength(2);
    expect(commitments[0]?.equals(publicKey)).toBe(true);
    expect([...shares.keys()]).toEqual([1, 2, 3]);
    for (const pair of [
      [1, 2],
      [1, 3],
      [2, 3],
    ])
      expect(reconstruct(shares, pair)).toBe(KEY);
    for (const i of [1, 2, 3]) {
      expect(shares.get(i)).not.toBe(KEY);
      expect(reconstruct(shares, [i])).not.toBe(KEY);
    }
  });

  it('public shares match: share_i·G = Σ_k x_i^k·F_k, and each share passes the Feldman check', () => {
    const { shares, commitments } = dealerSplitForImport(
      KEY,
      3,
      [2, 5, 9, 16],
      seededRng('import/public'),
    );
    for (const [x, share] of shares) {
      expect(mulG(share).equals(evaluateCommitment(commitments, x))).toBe(true);
      expect(verifyFeldmanShare(commitments, x, share)).toBe(true);
    }
  });

  it('property: any t of n shares reconstruct the key; t−1 shares do not', () => {
    const rng = seededRng('import/property');
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 16 })
          .chain((n) =>
            fc.tuple(
              fc.integer({ min: 2, max: n }),
              fc.shuffledSubarray(ALL, { minLength: n, maxLength: n }),
            ),
          ),
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.infiniteStream(fc.nat()),
        ([t, parties], key, picks) => {
          const { shares, publicKey } = dealerSplitForImport(key, t, parties, rng);
          expect(publicKey.equals(mulG(key))).toBe(true);
          const pool = [...parties];
          const subset: number[] = [];
          for (const pick of picks.take(t))
            subset.push(pool.splice(pick % pool.length, 1)[0] as number);
          expect(reconstruct(shares, subset)).toBe(key);
          expect(reconstruct(shares, subset.slice(0, t - 1))).not.toBe(key);
        },
      ),
      { seed: 47, numRuns: 40 },
    );
  });

  it('rejects a key outside 1..n-1, a bad threshold, and bad party lists', () => {
    const rng = seededRng('import/neg');
    expectTssError(() => dealerSplitForImport(0n, 2, [1, 2, 3], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(N, 2, [1, 2, 3], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(-1n, 2, [1, 2, 3], rng), 'InvalidParameters');
    expectTssError(
      () => dealerSplitForImport(1 as unknown as bigint, 2, [1, 2, 3], rng),
      'InvalidParameters',
    );
    expectTssError(() => dealerSplitForImport(KEY, 1, [1, 2, 3], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(KEY, 4, [1, 2, 3], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(KEY, 2.5, [1, 2, 3], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(KEY, 2, [1, 2, 2], rng), 'DuplicateParty');
    expectTssError(() => dealerSplitForImport(KEY, 2, [0, 1, 2], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(KEY, 2, [1, 2, 17], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(KEY, 2, [...ALL, 17], rng), 'InvalidParameters');
    expectTssError(() => dealerSplitForImport(KEY, 2, [1], rng), 'InvalidParameters');
    expectTssError(
      () => dealerSplitForImport(KEY, 2, [1, 2], 'rng' as unknown as typeof rng),
      'InvalidParameters',
    );
  });
});
