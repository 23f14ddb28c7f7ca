/**
 * A party's key share: everything it needs to sign with any t of the n parties, and nothing that
 * lets anyone learn the key. Secret: `secretShare`, every pair's zero seed and OT state
 * (research/tecdsa.md §2.2 step 6 — the OT state is as sensitive as the share itself).
 * @module
 */
import type { Point } from './curve';
import type { OteReceiverSetup, OteSenderSetup } from './ot/extension';

/** What this party shares with one other party. */
export type PairState = {
  /** z_ij: seed of the pairwise zero shares (DKLs23 Functionality 3.4). */
  readonly zeroSeed: Uint8Array;
  /** We are the OT-extension sender (RVOLE Alice) towards this peer. */
  readonly oteSender: OteSenderSetup;
  /** We are the OT-extension receiver (RVOLE Bob) from this peer. */
  readonly oteReceiver: OteReceiverSetup;
  /**
   * Set after a failed OT-extension, RVOLE or Γ check with this peer: the state is burned and
   * refuses to sign until a refresh with fresh base OTs (research/tecdsa.md §2.9).
   */
  readonly banned: boolean;
};

export type KeyShare = {
  /** KEY_SHARE_VERSION (params.ts): the encoding of the share, not the protocol's transcript. */
  readonly version: number;
  /** Session id of the DKG or re-share that produced this share; bound into every signature. */
  readonly dkgSid: Uint8Array;
  readonly self: number;
  readonly threshold: number;
  readonly parties: readonly number[];
  readonly secretShare: bigint;
  readonly publicKey: Point;
  /** X_m = s_m·G for every party m. */
  readonly publicShares: ReadonlyMap<number, Point>;
  /** BIP32 chain code of the threshold root. */
  readonly chainCode: Uint8Array;
  readonly pairs: ReadonlyMap<number, PairState>;
};

/** The share with its pair state towards `peer` marked banned (see {@link PairState.banned}). */
export function banPeer(share: KeyShare, peer: number): KeyShare {
  const pair = share.pairs.get(peer);
  if (!pair) return share;
  const pairs = new Map(share.pairs);
  pairs.set(peer, { ...pair, banned: true });
  return { ...share, pairs };
}
