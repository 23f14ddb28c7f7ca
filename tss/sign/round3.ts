/**
 * Signing round 3 (DKLs23 Protocol 3.6 step 3; research/tecdsa.md §2.6 "R3 checks"): open each
 * peer's R_j, finish RVOLE as Bob, run the Γ^u and Γ^v checks (a failure bans the peer), check
 * Σ pk_m = pk_derived and R ≠ identity, then broadcast (u_i, w_i).
 * @module
 */
import { bytesEqual, decodePoint, decodeScalar } from '../assert';
import { add, mul, mulG, mulPoint, N, type Point, scalarToBytes, sumPoints } from '../curve';
import { TssError } from '../errors';
import { consume } from '../state';
import { voleBobFinish } from '../vole';
import { collectSignMessages, parseSign2 } from './parse';
import { nonceCommitmentDigest } from './round1';
import type { Sign3Broadcast, SignRound2State, SignRound3State } from './types';

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
    // χ_{i,j}·R_j == d^u_{i,j}·G + Γ^u_{j,i}
    if (!mulPoint(d.bigR, chi).equals(mulG(du).add(d.gammaU)))
      throw new TssError('GammaUCheckFailed', 'the nonce multiplication does not match R', peer);
    // χ_{i,j}·pk_j == d^v_{i,j}·G + Γ^v_{j,i} (the paper's "Lagrange(P,j,0)·P(j)" read as pk_j, after 0xCarbon)
    if (!mulPoint(d.pk, chi).equals(mulG(dv).add(d.gammaV)))
      throw new TssError('GammaVCheckFailed', 'the key multiplication does not match pk', peer);
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

  const { phase: _p, bob: _b, commitments: _c, alice: _a, ...common } = round2;
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
