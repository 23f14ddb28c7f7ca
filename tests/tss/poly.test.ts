/**
 * Shamir polynomials and Feldman commitments (tss/poly.ts; research/tecdsa.md §2.2 R1–R3).
 */
import { describe, expect, it } from 'vitest';
import { add, G, IDENTITY, mod, mul, mulG, N, type Point } from '../../tss/curve';
import {
  commitPolynomial,
  evaluateCommitment,
  evaluatePolynomial,
  randomPolynomial,
  verifyFeldmanShare,
} from '../../tss/poly';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

/** Σ a_k·x^k, written the slow way. */
function naiveEvaluate(coeffs: readonly bigint[], x: bigint): bigint {
  return coeffs.reduce((acc, a, k) => add(acc, mul(a, x ** BigInt(k))), 0n);
}

describe('randomPolynomial', () => {
  it('has degree+1 coefficients, a_0 = constant, the rest non-zero scalars', () => {
    const rng = seededRng('poly/random');
    for (const degree of [1, 2, 15]) {
      const coeffs = randomPolynomial(123n, degree, rng);
      expect(coeffs).toHaveLength(degree + 1);
      expect(coeffs[0]).toBe(123n);
      for (const a of coeffs.slice(1)) expect(a > 0n && a < N).toBe(true);
    }
  });

  it('allows a zero constant (refresh, re-sharing newcomer) and is deterministic under a seeded rng', () => {
    const a = randomPolynomial(0n, 2, seededRng('poly/det'));
    const b = randomPolynomial(0n, 2, seededRng('poly/det'));
    expect(a).toEqual(b);
    expect(a[0]).toBe(0n);
  });

  it('rejects a constant outside 0..n-1, a bad degree and a missing rng', () => {
    const rng = seededRng('poly/neg');
    expectTssError(() => randomPolynomial(N, 1, rng), 'InvalidParameters');
    expectTssError(() => randomPolynomial(-1n, 1, rng), 'InvalidParameters');
    expectTssError(() => randomPolynomial(1 as unknown as bigint, 1, rng), 'InvalidParameters');
    expectTssError(() => randomPolynomial(1n, 0, rng), 'InvalidParameters');
    expectTssError(() => randomPolynomial(1n, 16, rng), 'InvalidParameters');
    expectTssError(() => randomPolynomial(1n, 1.5, rng), 'InvalidParameters');
    expectTssError(
      () => randomPolynomial(1n, 1, undefined as unknown as typeof rng),
      'InvalidParameters',
    );
  });
});

describe('evaluatePolynomial', () => {
  it('is Horner mod n', () => {
    expect(evaluatePolynomial([5n, 3n, 2n], 2)).toBe(19n);
    expect(evaluatePolynomial([N - 1n, 1n], 1)).toBe(0n);
    const coeffs = randomPolynomial(77n, 4, seededRng('poly/eval'));
    for (let x = 1; x <= 16; x++)
      expect(evaluatePolynomial(coeffs, x)).toBe(naiveEvaluate(coeffs, BigInt(x)));
  });

  it('rejects evaluation at 0 (the secret), outside 1..16, and malformed coefficients', () => {
    expectTssError(() => evaluatePolynomial([1n, 2n], 0), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial([1n, 2n], 17), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial([1n, 2n], 1.5), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial([], 1), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial(new Array(17).fill(1n), 1), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial([1n, N], 1), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial([1n, -1n], 1), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial([1n, 2 as unknown as bigint], 1), 'InvalidParameters');
    expectTssError(() => evaluatePolynomial('1' as unknown as bigint[], 1), 'InvalidParameters');
  });
});

describe('commitPolynomial / evaluateCommitment / verifyFeldmanShare', () => {
  const coeffs = randomPolynomial(4242n, 2, seededRng('poly/feldman'));
  const F = commitPolynomial(coeffs);

  it('commits F_k = a_k·G, with the identity for a zero coefficient', () => {
    for (const [k, point] of F.entries())
      expect(point.equals(mulG(coeffs[k] as bigint))).toBe(true);
    expect(commitPolynomial([0n, 1n])[0]?.equals(IDENTITY)).toBe(true);
  });

  it('predicts every public share: Σ x^k·F_k = f(x)·G, also with F_0 the identity', () => {
    for (let x = 1; x <= 16; x++)
      expect(evaluateCommitment(F, x).equals(mulG(evaluatePolynomial(coeffs, x)))).toBe(true);
    const zeroConstant = [0n, ...coeffs.slice(1)];
    const F0 = commitPolynomial(zeroConstant);
    expect(evaluateCommitment(F0, 3).equals(mulG(evaluatePolynomial(zeroConstant, 3)))).toBe(true);
  });

  it('accepts the right share and refuses a wrong value or a share for another party', () => {
    const share = evaluatePolynomial(coeffs, 2);
    expect(verifyFeldmanShare(F, 2, share)).toBe(true);
    expect(verifyFeldmanShare(F, 2, mod(share + 1n))).toBe(false);
    expect(verifyFeldmanShare(F, 3, share)).toBe(false);
    expect(verifyFeldmanShare(F.slice(0, 2), 2, share)).toBe(false);
    expect(verifyFeldmanShare(commitPolynomial([0n, 0n]), 1, 0n)).toBe(true);
  });

  it('rejects malformed commitments, evaluation points and shares', () => {
    expectTssError(() => commitPolynomial([]), 'InvalidParameters');
    expectTssError(() => evaluateCommitment([], 1), 'InvalidParameters');
    expectTssError(() => evaluateCommitment(new Array(17).fill(G), 1), 'InvalidParameters');
    expectTssError(() => evaluateCommitment([G, 'G' as unknown as Point], 1), 'InvalidParameters');
    expectTssError(() => evaluateCommitment(F, 0), 'InvalidParameters');
    expectTssError(() => evaluateCommitment(F, 17), 'InvalidParameters');
    expectTssError(() => verifyFeldmanShare(F, 0, 1n), 'InvalidParameters');
    expectTssError(() => verifyFeldmanShare(F, 1, N), 'InvalidParameters');
    expectTssError(() => verifyFeldmanShare(F, 1, -1n), 'InvalidParameters');
    expectTssError(() => verifyFeldmanShare(F, 1, 1 as unknown as bigint), 'InvalidParameters');
    expectTssError(() => verifyFeldmanShare([{} as Point], 1, 1n), 'InvalidParameters');
  });
});
