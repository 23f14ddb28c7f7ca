/**
 * DKG messages and states (DKLs23 §6 with the DKG of DKLT23 eprint 2023/602 Protocol 9.1, as
 * commit-then-reveal Feldman after Lindell eprint 2022/374; research/tecdsa.md §2.2). Three
 * rounds of messages, then `dkgFinish`:
 *
 * 1. `Dkg1Broadcast`: session contribution, commitment to the polynomial and chain-code
 *    contribution, commitments to the pairwise zero-share seed contributions.
 * 2. `Dkg2Broadcast`: the decommitment, proofs of knowledge of every coefficient, the echo digest
 *    of round 1. `Dkg2Direct` (to each peer, encrypted by the transport): the Shamir share, the
 *    opened seed contribution, and a base-OT request (we are the base-OT receiver).
 * 3. `Dkg3Broadcast`: confirmation — public key, own public share, root chain code, transcript
 *    digest and a proof of knowledge of the new share bound to all of them. `Dkg3Direct`: the
 *    base-OT reply (we are the base-OT sender).
 *
 * The same rounds run a **re-share** (refresh, lost-party replacement, change of party set):
 * survivors start from their Lagrange-weighted old share, newcomers from 0, and everyone checks
 * that the constant terms add up to the old public key.
 * @module
 */

import type { Point } from '../curve';
import type { BaseOtReceiverState, BaseOtReply, BaseOtRequest } from '../ot/base';

/** A fresh key, or a re-share of an existing one (refresh is a re-share onto the same parties). */
export type DkgMode =
  | { readonly kind: 'fresh' }
  | {
      readonly kind: 'reshare';
      /** The key being re-shared; the result must have exactly this public key. */
      readonly publicKey: Point;
      /** Old parties that contribute their share; at least the old threshold of them. */
      readonly survivors: readonly number[];
      /** The old public shares X_j of (at least) the survivors, public data. */
      readonly oldPublicShares: ReadonlyMap<number, Point>;
      /** The root chain code carried over from the old key. */
      readonly chainCode: Uint8Array;
      /** This party's old secret share, if it is a survivor. */
      readonly oldSecretShare?: bigint;
    };

export type DkgConfig = {
  /** Every party of the new key, indices in 1..16. */
  readonly parties: readonly number[];
  readonly threshold: number;
  readonly self: number;
  readonly mode: DkgMode;
  /** Bound into the session id, e.g. a digest of every party's long-term identity keys. */
  readonly context: Uint8Array;
};

export type SchnorrProof = { readonly commitment: Uint8Array; readonly response: Uint8Array };

export type Dkg1Broadcast = {
  readonly from: number;
  /** sid_i: this party's contribution to the session id. */
  readonly sessionContribution: Uint8Array;
  /** C_i = H(sid_i, i, F_i, cc_i, salt_i). */
  readonly commitment: Uint8Array;
  /** Commitments to z_{i→j}, one per peer in ascending index order. */
  readonly seedCommitments: readonly Uint8Array[];
};

export type Dkg2Broadcast = {
  readonly from: number;
  /** F_i = (a_{i,k}·G)_k; a newcomer in a re-share omits F_{i,0} (its constant is 0). */
  readonly polynomialCommitment: readonly Uint8Array[];
  readonly chainCodeContribution: Uint8Array;
  readonly salt: Uint8Array;
  /** One proof per point of `polynomialCommitment`. */
  readonly proofs: readonly SchnorrProof[];
  /** Digest of every round-1 broadcast as this party received them. */
  readonly echo: Uint8Array;
};

export type Dkg2Direct = {
  readonly from: number;
  readonly to: number;
  /** f_i(x_to). */
  readonly share: Uint8Array;
  /** z_{i→to} and the salt of its commitment. */
  readonly seed: Uint8Array;
  readonly seedSalt: Uint8Array;
  /** Base OT with `from` as receiver: it becomes the OT-extension sender towards `to`. */
  readonly baseOt: BaseOtRequest;
};

export type Dkg3Broadcast = {
  readonly from: number;
  readonly publicKey: Uint8Array;
  /** X_from = s_from·G. */
  readonly publicShare: Uint8Array;
  readonly chainCode: Uint8Array;
  readonly transcript: Uint8Array;
  /** Proof of knowledge of s_from, bound to the public key, chain code and transcript. */
  readonly proof: SchnorrProof;
};

export type Dkg3Direct = {
  readonly from: number;
  readonly to: number;
  readonly baseOt: BaseOtReply;
};

/** Everything a party keeps between rounds (secret: never serialized to a peer). */
type DkgCommon = {
  readonly config: DkgConfig;
  readonly peers: readonly number[];
};

export type DkgRound1State = DkgCommon & {
  readonly phase: 'dkg/round1';
  readonly sessionContribution: Uint8Array;
  readonly coefficients: readonly bigint[];
  /** Points sent in round 2 (F_0 omitted for a re-share newcomer). */
  readonly polynomialCommitment: readonly Point[];
  readonly chainCodeContribution: Uint8Array;
  readonly salt: Uint8Array;
  readonly seeds: ReadonlyMap<number, { seed: Uint8Array; salt: Uint8Array }>;
  readonly broadcast: Dkg1Broadcast;
};

export type DkgRound2State = DkgCommon & {
  readonly phase: 'dkg/round2';
  readonly sid: Uint8Array;
  readonly round1: DkgRound1State;
  readonly inbound1: ReadonlyMap<number, Dkg1Broadcast>;
  readonly echo: Uint8Array;
  readonly baseOtReceivers: ReadonlyMap<
    number,
    { state: BaseOtReceiverState; choices: Uint8Array }
  >;
  readonly broadcast: Dkg2Broadcast;
};

export type DkgRound3State = DkgCommon & {
  readonly phase: 'dkg/round3';
  readonly sid: Uint8Array;
  readonly secretShare: bigint;
  readonly publicKey: Point;
  readonly publicShares: ReadonlyMap<number, Point>;
  readonly chainCode: Uint8Array;
  readonly transcript: Uint8Array;
  readonly zeroSeeds: ReadonlyMap<number, Uint8Array>;
  readonly baseOtReceivers: ReadonlyMap<
    number,
    { state: BaseOtReceiverState; choices: Uint8Array }
  >;
  /** Our base-OT sender keys per peer: they become our OT-extension receiver setup. */
  readonly baseOtSenderKeys: ReadonlyMap<number, { keys0: Uint8Array[]; keys1: Uint8Array[] }>;
};
