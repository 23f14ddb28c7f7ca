/**
 * Signing round 3 (DKLs23 Protocol 3.6 step 3; research/tecdsa.md §2.6 "R3 checks"): open each
 * peer's R_j, finish RVOLE as Bob, run the Γ^u and Γ^v checks batched into one (a failure bans
 * the peer; docs/protocol.md §9), check
 * Σ pk_m = pk_derived and R ≠ identity, then broadcast (u_i, w_i).
 * @module
 */
import { bytesEqual, decodePoint, decodeScalar } from '../assert';
import {
  add,
  mul,
  mulG,
  mulPoint,
  mulPublic,
  N,
  type Point,
  scalarToBytes,
  sumPoints,
} from '../curve';
import { TssError } from '../errors';
import { consume } from '../state';
import { voleBobFinish } from '../vole';
import { collectSignMessages, parseSign2 } from './parse';
import { nonceCommitmentDigest } from './round1';
import type { Sign3Broadcast, SignRound2State, SignRound3State } from './types';

type Opened = { bigR: Point; pk: Point; gammaU: Point; gammaV: Point };

/**
 * The Γ^u and Γ^v checks of DKLs23 Protocol 3.6 step 3, batched with the weight e:
 *   χ·R_j == d^u·G + Γ^u   (U)   and   χ·pk_j == d^v·G + Γ^v   (V)
 * become one random linear combination U + e·V:
 *   χ·(R_j + e·pk_j) == (d^u + e·d^v)·G + Γ^u + e·Γ^v.
 * Soundness: write A = χ·R_j − d^u·G − Γ^u and B = χ·pk_j − d^v·G − Γ^v; the check is
 * A + e·B = 0. If B ≠ 0 (order n, prime), at most one e mod n passes, so with e uniform in
 * [0, 2^128) and independent of the peer's message (drawn in round 2, before that message
 * existed, never sent) a wrong message passes with probability ≤ 2^-128; if B = 0 and A ≠ 0 no e
 * passes. Secrets (χ, d^u + e·d^v) still go through the constant-time `mulPoint` / `mulG`; e·pk_j
 * and e·Γ^v use the variable-time `mulPublic`: pk_j, Γ^v are public and e only has to be
 * unpredictable until the peer's message is fixed, which it is when this runs, so a timing leak of
 * e now cannot help the peer (this state is single-use; a failure bans the peer).
 * Cost: one CT variable-base and one CT fixed-base multiplication instead of two of each.
 */
function batchedGammaCheck(chi: bigint, du: bigint, dv: bigint, e: bigint, d: Opened): boolean {
  const left = mulPoint(d.bigR.add(mulPublic(d.pk, e)), chi);
  const right = mulG(add(du, mul(e, dv)))
    .add(d.gammaU)
    .add(mulPublic(d.gammaV, e));
  return left.equals(right);
}

/**
 * The error of a failed batched check, as the individual checks would have named it: U is
 * recomputed; if U holds, V cannot (A = 0 and A + e·B ≠ 0 give B ≠ 0). Runs only on a ban.
 */
function gammaFailure(chi: bigint, du: bigint, d: Opened, peer: number): TssError {
  // χ_{i,j}·R_j == d^u_{i,j}·G + Γ^u_{j,i}
  if (!mulPoint(d.bigR, chi).equals(mulG(du).add(d.gammaU)))
    return new TssError('GammaUCheckFailed', 'the nonce multiplication does not match R', peer);
  // χ_{i,j}·pk_j == d^v_{i,j}·G + Γ^v_{j,i} (the paper's "Lagrange(P,j,0)·P(j)" read as pk_j, after 0xCarbon)
  return new TssError('GammaVCheckFailed', 'the key multiplication does not match pk', peer);
}

export function signRound3(
  round2: SignRound2State,
  inbound: readonly unknown[],
): { state: SignRound3State; broadcast: Sign3Broadcast } {
  consume(round2, 'sign/round2');
  const { self, peers, sigid } = round2;
  const raw = collectSignMessages(inbound, peers, self, sigid, 'sign2', true);
  const parsed = new Map([...raw].map(([from, f]) => [from, parseSign2(f, from)]));

  // Recoverable checks on every message first (decommitments, encodings) …
  const decoded = new Map<
    number,
    { bigR: Point; pk: Point; gammaU: Point; gammaV: Point; psi: bigint }
  >();
  for (const peer of peers) {
    const m = parsed.get(peer) as ReturnType<typeof parseSign2>;
    const opened = nonceCommitmentDigest(sigid, peer, self, m.nonceCommitment, m.salt);
    if (!bytesEqual(opened, round2.commitments.get(peer) as Uint8Array))
      throw new TssError(
        'CommitmentMismatch',
        '"sign2.nonceCommitment" does not open the round-1 commitment',
        peer,
      );
    decoded.set(peer, {
      bigR: decodePoint(m.nonceCommitment, 'sign2.nonceCommitment', peer),
      pk: decodePoint(m.publicShare, 'sign2.publicShare', peer),
      gammaU: decodePoint(m.gammaU, 'sign2.gammaU', peer),
      gammaV: decodePoint(m.gammaV, 'sign2.gammaV', peer),
      psi: decodeScalar(m.psi, 'sign2.psi', peer, true),
    });
  }

  // … then the checks whose outcome depends on our secrets: any failure bans the peer.
  let sumU = 0n;
  let sumV = 0n;
  let psiTotal = 0n;
  for (const peer of peers) {
    const m = parsed.get(peer) as ReturnType<typeof parseSign2>;
    const d = decoded.get(peer) as NonNullable<ReturnType<typeof decoded.get>>;
    const { state: bobState, chi } = round2.bob.get(peer) as {
      state: Parameters<typeof voleBobFinish>[0];
      chi: bigint;
    };
    const [du, dv] = voleBobFinish(bobState, m.vole, peer) as [bigint, bigint];
    const e = round2.gammaWeights.get(peer) as bigint;
    if (!batchedGammaCheck(chi, du, dv, e, d)) throw gammaFailure(chi, du, d, peer);
    const { cu, cv } = round2.alice.get(peer) as { cu: bigint; cv: bigint };
    sumU = add(sumU, add(cu, du));
    sumV = add(sumV, add(cv, dv));
    psiTotal = add(psiTotal, d.psi);
  }

  // Σ_{m∈P} pk_m == pk_derived: the additive shares really are shares of the derived key.
  const pkSum = sumPoints([
    round2.publicShare,
    ...peers.map((p) => (decoded.get(p) as { pk: Point }).pk),
  ]);
  if (!pkSum.equals(round2.derivedPublicKey))
    throw new TssError(
      'PublicShareSumMismatch',
      'the signers’ key shares do not add up to the derived key',
    );
  const bigR = sumPoints([
    round2.nonceCommitment,
    ...peers.map((p) => (decoded.get(p) as { bigR: Point }).bigR),
  ]);
  if (bigR.is0()) throw new TssError('DegenerateNonce', 'R is the identity');

  const { x } = bigR.toAffine();
  const r = x % N; // r = x(R) mod n
  const phi = add(round2.inversionMask, psiTotal);
  const u = add(mul(round2.nonce, phi), sumU);
  const v = add(mul(round2.secretKeyShare, phi), sumV);
  const w = add(mul(round2.message, round2.inversionMask), mul(r, v));
  const broadcast: Sign3Broadcast = { sigid, from: self, u: scalarToBytes(u), w: scalarToBytes(w) };

  const { phase: _p, bob: _b, commitments: _c, alice: _a, gammaWeights: _w, ...common } = round2;
  const state: SignRound3State = {
    ...common,
    phase: 'sign/round3',
    r,
    rOverflow: x >= N,
    bigR,
    broadcast,
  };
  return { state, broadcast };
}
