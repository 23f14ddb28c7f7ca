/**
 * LEGACY key import by a trusted dealer: Shamir's secret sharing (Shamir 1979) of a private key
 * that already exists whole, with Feldman commitments so each holder can check its share
 * (research/tecdsa.md §2.7 "key import = trusted-dealer split, 0xCarbon `re_key.rs`").
 *
 * THIS KEY EXISTED WHOLE IN ONE PLACE. Whoever held it (the exporting wallet, the machine that
 * ran this function, any copy of the seed phrase) can still sign alone, forever: splitting does
 * not take that power away. Use this only for keys imported from MetaMask or another
 * seed-phrase wallet, and the wallet must mark such accounts as imported ("single point of
 * failure") in the UI. Keys made by the DKG (tss/dkg) never exist whole and need none of this.
 * @see https://eprint.iacr.org/2023/765 (the threshold signing the shares feed)
 * @module
 */
import { mulG, N, type Point } from './curve';
import { TssError } from './errors';
import { assertPartySet } from './lagrange';
import { MIN_PARTIES } from './params';
import { commitPolynomial, evaluatePolynomial, randomPolynomial } from './poly';
import type { Rng } from './rng';

export interface DealerSplit {
  /** pk = sk·G, unchanged by the split. */
  readonly publicKey: Point;
  /** Party index x_i → share f(x_i); send each to its holder only, over an encrypted channel. */
  readonly shares: Map<number, bigint>;
  /** Feldman commitment F_k = a_k·G (F_0 = pk): public; share i checks with verifyFeldmanShare. */
  readonly commitments: Point[];
}

/**
 * A trusted dealer splits `privateKey` t-of-n among `parties`: f(X) = sk + a_1·X + … +
 * a_{t−1}·X^{t−1} with random non-zero a_k, share_i = f(x_i).
 * @example
 * const { shares, publicKey } = dealerSplitForImport(metamaskKey, 2, [1, 2, 3], cryptoRng);
 */
export function dealerSplitForImport(
  privateKey: bigint,
  threshold: number,
  parties: readonly number[],
  rng: Rng,
): DealerSplit {
  if (typeof privateKey !== 'bigint' || privateKey <= 0n || privateKey >= N)
    throw new TssError('InvalidParameters', '"privateKey" expected a scalar in 1..n-1');
  assertPartySet(parties, 'parties');
  if (!Number.isInteger(threshold) || threshold < MIN_PARTIES || threshold > parties.length)
    throw new TssError(
      'InvalidParameters',
      `"threshold" expected an integer in ${MIN_PARTIES}..${parties.length} (the number of parties)`,
    );
  const coefficients = randomPolynomial(privateKey, threshold - 1, rng);
  const shares = new Map<number, bigint>();
  for (const x of parties) shares.set(x, evaluatePolynomial(coefficients, x));
  return { publicKey: mulG(privateKey), shares, commitments: commitPolynomial(coefficients) };
}
