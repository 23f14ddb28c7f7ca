/**
 * Signing messages and states: DKLs23 Protocol 3.6 (eprint 2023/765), any t of the n parties,
 * three rounds (research/tecdsa.md §2.6). Names follow DKLs23's direction vocabulary.
 *
 * 1. `Sign1Direct` (i→j): commitment to R_i; RVOLE Bob's OT-extension message (j is Alice).
 * 2. `Sign2Direct` (i→j): RVOLE Alice's message; the opening of R_i; pk_i; Γ^u, Γ^v; ψ.
 * 3. `Sign3Broadcast`: (u_i, w_i).
 * Every message carries the sign id, checked before anything else, so honest parties with
 * different views abort with `WrongSession` instead of banning each other (TOB-SILA-8).
 * @module
 */
import type { Point } from '../curve';
import type { KeyShare } from '../keyshare';
import type { OteMessage } from '../ot/extension';
import type { VoleAliceMessage, VoleBobState } from '../vole';

export type SignRequest = {
  /** The t signers, including this party. */
  readonly signers: readonly number[];
  /** Non-hardened BIP32 path below the threshold root, e.g. [0, 7] for m/0/7. */
  readonly path: readonly number[];
  /** The 32-byte message digest, computed by this party from the payload it approved. */
  readonly digest: Uint8Array;
  /** 32 bytes all signers agreed on for this signature (e.g. H(n_device, n_server)): makes the sign id unique. */
  readonly sessionNonce: Uint8Array;
};

export type Sign1Direct = {
  readonly sigid: Uint8Array;
  readonly from: number;
  readonly to: number;
  /** Com_{i→j} = H(sigid, i, j, R_i, salt_{i→j}). */
  readonly commitment: Uint8Array;
  readonly ote: OteMessage;
};

export type Sign2Direct = {
  readonly sigid: Uint8Array;
  readonly from: number;
  readonly to: number;
  readonly vole: VoleAliceMessage;
  readonly nonceCommitment: Uint8Array;
  readonly salt: Uint8Array;
  readonly publicShare: Uint8Array;
  readonly gammaU: Uint8Array;
  readonly gammaV: Uint8Array;
  readonly psi: Uint8Array;
};

export type Sign3Broadcast = {
  readonly sigid: Uint8Array;
  readonly from: number;
  readonly u: Uint8Array;
  readonly w: Uint8Array;
};

type SignCommon = {
  readonly share: KeyShare;
  readonly self: number;
  readonly signers: readonly number[];
  readonly peers: readonly number[];
  readonly sigid: Uint8Array;
  /** m: the digest as a scalar. */
  readonly message: bigint;
  readonly digest: Uint8Array;
  readonly derivedPublicKey: Point;
  readonly secretKeyShare: bigint;
  readonly publicShare: Point;
  readonly nonce: bigint;
  readonly inversionMask: bigint;
  readonly nonceCommitment: Point;
};

export type SignRound1State = SignCommon & {
  readonly phase: 'sign/round1';
  readonly salts: ReadonlyMap<number, Uint8Array>;
  /** Our RVOLE Bob instances, one per peer (Alice = peer): χ_{i,j} = b. */
  readonly bob: ReadonlyMap<number, { state: VoleBobState; chi: bigint }>;
};

export type SignRound2State = SignCommon & {
  readonly phase: 'sign/round2';
  readonly bob: ReadonlyMap<number, { state: VoleBobState; chi: bigint }>;
  readonly commitments: ReadonlyMap<number, Uint8Array>;
  /** Our RVOLE Alice outputs per peer: (c^u, c^v). */
  readonly alice: ReadonlyMap<number, { cu: bigint; cv: bigint }>;
  /**
   * e_j < 2^128 per peer: the weight of the batched Γ check in round 3, drawn before the peer's
   * round-2 message exists so the peer cannot adapt to it (docs/protocol.md §9).
   */
  readonly gammaWeights: ReadonlyMap<number, bigint>;
};

export type SignRound3State = SignCommon & {
  readonly phase: 'sign/round3';
  readonly r: bigint;
  readonly rOverflow: boolean;
  readonly bigR: Point;
  readonly broadcast: Sign3Broadcast;
};

export type ThresholdSignature = {
  readonly r: bigint;
  /** Low-s (≤ n/2). */
  readonly s: bigint;
  /** 0..3: bit 0 the y-parity of R after low-s, bit 1 set if x(R) ≥ n. */
  readonly recovery: number;
  /** The (derived) public key the signature verifies under. */
  readonly publicKey: Point;
};
