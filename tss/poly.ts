/**
 * Shamir polynomials and Feldman commitments over the secp256k1 scalar field: the sharing layer
 * of the DKG (DKLT23 Protocol 9.1 as used by DKLs23, eprint 2023/765 §3; research/tecdsa.md §2.2
 * R1–R3) and of the trusted-dealer import.
 *
 * A party's polynomial is f(X) = a_0 + a_1·X + … + a_{t−1}·X^{t−1}; its Feldman commitment is
 * F = (a_0·G, …, a_{t−1}·G), and a share y = f(x) is checked as y·G == Σ_k x^k·F_k
 * (Feldman 1987; research/tecdsa.md §2.2 R3 "Feldman check").
 * @see https://eprint.iacr.org/2023/765
 * @see https://eprint.iacr.org/2023/602 (DKLT23 Protocol 9.1)
 * @module
 */
import { IDENTITY, mod, mulG, N, Point } from './curve';
import { TssError } from './errors';
import { MAX_PARTIES } from './params';
import { type Rng, randomScalar } from './rng';

/** Evaluation points are party indices: integers in 1..MAX_PARTIES. 0 would reveal a_0. */
function assertEvaluationPoint(x: unknown, field: string): asserts x is number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_PARTIES)
    throw new TssError(
      'InvalidParameters',
      `"${field}" expected a party index in 1..${MAX_PARTIES}`,
    );
}

function assertCoefficients(coeffs: unknown): asserts coeffs is readonly bigint[] {
  if (!Array.isArray(coeffs) || coeffs.length < 1 || coeffs.length > MAX_PARTIES)
    throw new TssError('InvalidParameters', `"coefficients" expected 1..${MAX_PARTIES} scalars`);
  for (const c of coeffs)
    if (typeof c !== 'bigint' || c < 0n || c >= N)
      throw new TssError('InvalidParameters', '"coefficients" expected scalars in 0..n-1');
}

/**
 * Commitments may contain the identity: a polynomial with a_0 = 0 (a newcomer's in re-sharing, a
 * refresh's zero polynomial) commits F_0 = 0·G. Callers that receive F from a peer decode every
 * wire point with `decodePoint` (non-identity) before they get here.
 */
function assertCommitment(commitment: unknown): asserts commitment is readonly Point[] {
  if (!Array.isArray(commitment) || commitment.length < 1 || commitment.length > MAX_PARTIES)
    throw new TssError('InvalidParameters', `"commitment" expected 1..${MAX_PARTIES} points`);
  for (const point of commitment)
    if (!(point instanceof Point))
      throw new TssError('InvalidParameters', '"commitment" expected secp256k1 points');
}

/**
 * A random polynomial of the given degree with f(0) = `constant`: coefficients a_0..a_degree,
 * a_0 = constant, every other coefficient uniform and non-zero (so the degree is exact).
 * `constant` may be 0 (a refresh's zero polynomial or a re-sharing newcomer).
 * @example
 * const coefficients = randomPolynomial(secret, threshold - 1, cryptoRng);
 */
export function randomPolynomial(constant: bigint, degree: number, rng: Rng): bigint[] {
  if (typeof constant !== 'bigint' || constant < 0n || constant >= N)
    throw new TssError('InvalidParameters', '"constant" expected a scalar in 0..n-1');
  if (!Number.isInteger(degree) || degree < 1 || degree > MAX_PARTIES - 1)
    throw new TssError(
      'InvalidParameters',
      `"degree" expected an integer in 1..${MAX_PARTIES - 1}`,
    );
  if (typeof rng !== 'function')
    throw new TssError('InvalidParameters', '"rng" expected a function');
  const coefficients = [constant];
  // DKLT23 P9.1 step 1: "sample a random polynomial f_i of degree t−1" with f_i(0) = a_{i,0}.
  for (let k = 1; k <= degree; k++) coefficients.push(randomScalar(rng));
  return coefficients;
}

/**
 * f(x) mod n by Horner's rule: ((a_{t−1}·x + a_{t−2})·x + …)·x + a_0.
 * @example
 * const shareForParty2 = evaluatePolynomial(coefficients, 2);
 */
export function evaluatePolynomial(coeffs: readonly bigint[], x: number): bigint {
  assertCoefficients(coeffs);
  assertEvaluationPoint(x, 'x');
  const bx = BigInt(x);
  let acc = 0n;
  for (let k = coeffs.length - 1; k >= 0; k--) acc = mod(acc * bx + (coeffs[k] as bigint));
  return acc;
}

/**
 * The Feldman commitment F_k = a_k·G (constant-time `mulG`: the coefficients are secret).
 * A zero coefficient commits to the identity.
 * @example
 * const F = commitPolynomial(coefficients); // F[0] = secret·G
 */
export function commitPolynomial(coeffs: readonly bigint[]): Point[] {
  assertCoefficients(coeffs);
  return coeffs.map((a) => mulG(a));
}

/**
 * Σ_k x^k·F_k, by Horner's rule on points: ((F_{t−1}·x + F_{t−2})·x + …)·x + F_0. This is the
 * public share f(x)·G that the commitment predicts for party x.
 * @example
 * const publicShare = evaluateCommitment(F, 3);
 */
export function evaluateCommitment(commitment: readonly Point[], x: number): Point {
  assertCommitment(commitment);
  assertEvaluationPoint(x, 'x');
  const bx = BigInt(x);
  let acc = IDENTITY;
  for (let k = commitment.length - 1; k >= 0; k--)
    // multiplyUnsafe is allowed here and only here: both F (a broadcast commitment) and x (a party
    // index) are public, so timing reveals nothing. multiplyUnsafe handles the identity and x = 1.
    acc = acc.multiplyUnsafe(bx).add(commitment[k] as Point);
  return acc;
}

/**
 * The Feldman check for a received share: share·G == Σ_k x^k·F_k (research/tecdsa.md §2.2 R3).
 * `share` is secret, so share·G uses the constant-time `mulG`; the check's outcome is public.
 * @example
 * if (!verifyFeldmanShare(F, self, share)) throw new TssError('FeldmanCheckFailed', …, peer);
 */
export function verifyFeldmanShare(
  commitment: readonly Point[],
  x: number,
  share: bigint,
): boolean {
  assertCommitment(commitment);
  assertEvaluationPoint(x, 'x');
  if (typeof share !== 'bigint' || share < 0n || share >= N)
    throw new TssError('InvalidParameters', '"share" expected a scalar in 0..n-1');
  return mulG(share).equals(evaluateCommitment(commitment, x));
}
