/**
 * Refresh and re-share (research/tecdsa.md §2.8) run the DKG rounds in `reshare` mode; these build
 * their configurations.
 *
 * - **Refresh**: the same parties, the same key, new shares and fresh base OTs and seeds. Each
 *   party starts from λ_i·s_i over all parties (Divergence from 0xCarbon's "complete refresh",
 *   which adds a zero-constant polynomial to the old share: the result is the same, and one code
 *   path serves refresh, replacement of a lost party and a change of party set).
 * - **Re-share**: survivors S start from λ_i^S·s_i, newcomers from 0; the root chain code is
 *   carried over; everyone checks that the constants add up to the old public key.
 * @module
 */
import type { Point } from '../curve';
import type { DkgConfig } from '../dkg/types';
import { TssError } from '../errors';
import type { KeyShare } from '../keyshare';
import { evaluateCommitment, verifyFeldmanShare } from '../poly';

/** Refresh: same parties and threshold, new shares and OT state. */
export function refreshConfig(share: KeyShare, context: Uint8Array): DkgConfig {
  return reshareConfig({
    parties: share.parties,
    threshold: share.threshold,
    survivors: share.parties,
    context,
    share,
  });
}

/** The public facts about the key being re-shared, which a newcomer learns from the survivors. */
export type ResharePublic = {
  readonly publicKey: Point;
  readonly oldPublicShares: ReadonlyMap<number, Point>;
  readonly chainCode: Uint8Array;
};

export type ReshareParameters = {
  /** The new party set (survivors plus newcomers). */
  readonly parties: readonly number[];
  readonly threshold: number;
  /** Old parties taking part with their shares; at least the old threshold of them. */
  readonly survivors: readonly number[];
  readonly context: Uint8Array;
} & ({ readonly share: KeyShare } | { readonly self: number; readonly key: ResharePublic });

/** The DKG configuration of a re-share of `key`; survivors bring `oldSecretShare`. */
function reshareMode(
  parties: readonly number[],
  threshold: number,
  self: number,
  context: Uint8Array,
  survivors: readonly number[],
  key: ResharePublic,
  oldSecretShare?: bigint,
): DkgConfig {
  return {
    parties,
    threshold,
    self,
    context,
    mode: {
      kind: 'reshare',
      publicKey: key.publicKey,
      survivors,
      oldPublicShares: key.oldPublicShares,
      chainCode: key.chainCode,
      ...(oldSecretShare === undefined ? {} : { oldSecretShare }),
    },
  };
}

/** Re-share: for a survivor pass its `share`; for a newcomer its `self` index and the public `key`. */
export function reshareConfig(parameters: ReshareParameters): DkgConfig {
  const { parties, threshold, survivors, context } = parameters;
  if ('share' in parameters) {
    const { share } = parameters;
    if (!survivors.includes(share.self))
      throw new TssError(
        'InvalidParameters',
        'a party with an old share must be listed as a survivor',
      );
    const key = {
      publicKey: share.publicKey,
      oldPublicShares: share.publicShares,
      chainCode: share.chainCode,
    };
    return reshareMode(parties, threshold, share.self, context, survivors, key, share.secretShare);
  }
  return reshareMode(parties, threshold, parameters.self, context, survivors, parameters.key);
}

/** What a party received from the trusted dealer of a LEGACY import (`tss/import.ts`). */
export type DealerImportParameters = {
  readonly self: number;
  readonly parties: readonly number[];
  readonly threshold: number;
  /** f(self), received from the dealer over an encrypted channel. */
  readonly dealerShare: bigint;
  /** The dealer's Feldman commitments (F_0 is the public key). */
  readonly commitments: readonly Point[];
  /** The chain code of the imported node (for a seed phrase: the account-level node's). */
  readonly chainCode: Uint8Array;
  readonly context: Uint8Array;
};

/**
 * LEGACY import, second half: every party re-shares its dealer share with the others, which
 * checks the dealer's commitments, sets up the pairwise OT state and zero seeds, and leaves
 * shares the dealer never saw. The key itself still existed whole once (see `tss/import.ts`).
 */
export function dealerImportConfig(parameters: DealerImportParameters): DkgConfig {
  const { self, parties, threshold, dealerShare, commitments, chainCode, context } = parameters;
  if (commitments.length !== threshold)
    throw new TssError('InvalidParameters', '"commitments" expected one point per coefficient');
  if (!verifyFeldmanShare(commitments, self, dealerShare))
    throw new TssError(
      'FeldmanCheckFailed',
      'the dealer’s share is not on its committed polynomial',
    );
  const oldPublicShares = new Map(parties.map((p) => [p, evaluateCommitment(commitments, p)]));
  const key = { publicKey: commitments[0] as Point, oldPublicShares, chainCode };
  return reshareMode(parties, threshold, self, context, parties, key, dealerShare);
}
