/**
 * Lagrange coefficients (tss/lagrange.ts; research/tecdsa.md §2.6, §6 "Σ_{i∈P} λ_i = 1").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, mul, N, sumScalars } from '../../tss/curve';
import { assertPartySet, lagrangeCoefficient } from '../../tss/lagrange';
import { evaluatePolynomial, randomPolynomial } from '../../tss/poly';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

const ALL = Array.from({ length: 16 }, (_, k) => k + 1);
/** A non-empty subset of 1..16, in random order. */
const partySet = fc.shuffledSubarray(ALL, { minLength: 1 });
const FC = { seed: 23, numRuns: 60 } as const;

describe('lagrangeCoefficient', () => {
  it('matches hand-computed values', () => {
    // {1,2} at 0: λ_1 = 2/(2−1) = 2, λ_2 = 1/(1−2) = −1.
    expect(lagrangeCoefficient(1, [1, 2])).toBe(2n);
    expect(lagrangeCoefficient(2, [1, 2])).toBe(N - 1n);
    // {1,3} at 0: λ_1 = 3/2, λ_3 = −1/2.
    expect(mul(lagrangeCoefficient(1, [1, 3]), 2n)).toBe(3n);
    expect(mul(lagrangeCoefficient(3, [1, 3]), 2n)).toBe(N - 1n);
    // A singleton weighs 1; evaluating at a member gives the Kronecker delta.
    expect(lagrangeCoefficient(5, [5])).toBe(1n);
    expect(lagrangeCoefficient(2, [1, 2, 3], 2)).toBe(1n);
    expect(lagrangeCoefficient(1, [1, 2, 3], 2)).toBe(0n);
  });

  it('property: Σ_{i∈P} λ_i(at) = 1 for every set P and point at', () => {
    fc.assert(
      fc.property(partySet, fc.integer({ min: 0, max: 1000 }), (set, at) => {
        expect(sumScalars(set.map((i) => lagrangeCoefficient(i, set)))).toBe(1n);
        expect(sumScalars(set.map((i) => lagrangeCoefficient(i, set, at)))).toBe(1n);
      }),
      FC,
    );
  });

  it('property: any t of n Shamir shares reconstruct f(0), and f(at) for any at', () => {
    const rng = seededRng('lagrange/shamir');
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 16 })
          .chain((t) =>
            fc.tuple(fc.constant(t), fc.shuffledSubarray(ALL, { minLength: t, maxLength: t })),
          ),
        fc.bigInt({ min: 0n, max: N - 1n }),
        fc.integer({ min: 1, max: 16 }),
        ([t, signers], secret, at) => {
          const coeffs = randomPolynomial(secret, t - 1, rng);
          const share = (x: number) => evaluatePolynomial(coeffs, x);
          let atZero = 0n;
          let atPoint = 0n;
          for (const i of signers) {
            atZero = add(atZero, mul(lagrangeCoefficient(i, signers), share(i)));
            atPoint = add(atPoint, mul(lagrangeCoefficient(i, signers, at), share(i)));
          }
          expect(atZero).toBe(secret);
          expect(atPoint).toBe(share(at));
        },
      ),
      FC,
    );
  });

  it('rejects i outside the set, duplicates, indices outside 1..16 and a bad point', () => {
    expectTssError(() => lagrangeCoefficient(3, [1, 2]), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, [1, 2, 1]), 'DuplicateParty');
    expectTssError(() => lagrangeCoefficient(1, [1, 0]), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, [1, 17]), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, [1, 2.5]), 'InvalidParameters');
    expectTssError(
      () => lagrangeCoefficient(1, [1, '2' as unknown as number]),
      'InvalidParameters',
    );
    expectTssError(() => lagrangeCoefficient(1, []), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, [...ALL, 1]), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, 'x' as unknown as number[]), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, [1, 2], -1), 'InvalidParameters');
    expectTssError(() => lagrangeCoefficient(1, [1, 2], 0.5), 'InvalidParameters');
  });

  it('assertPartySet names the field', () => {
    const error = expectTssError(() => assertPartySet([2, 2], 'signers'), 'DuplicateParty');
    expect(error.shortMessage).toContain('"signers"');
  });
});
