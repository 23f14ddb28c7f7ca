/**
 * Signing round 2 (DKLs23 Protocol 3.6 step 2; research/tecdsa.md §2.6 R2): with each peer, run
 * RVOLE as Alice on (r_i, sk_i) against the peer's Bob message, then open R_i and send pk_i,
 * Γ^u = c^u·G, Γ^v = c^v·G and ψ = φ_i − χ_{i,j}. Last, draw the weight e_j of round 3's batched
 * Γ check for each peer (after every other draw, so transcripts of a seeded RNG are unchanged).
 * @module
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { mulG, pointToBytes, scalarToBytes, sub } from '../curve';
import type { Rng } from '../rng';
import { consume } from '../state';
import { voleAliceRespond } from '../vole';
import { collectSignMessages, parseSign1 } from './parse';
import { multiplicationSid } from './round1';
import type { Sign2Direct, SignRound1State, SignRound2State } from './types';

/** Bytes of a batched-Γ-check weight: e is uniform in [0, 2^128), soundness error ≤ 2^-128. */
export const GAMMA_WEIGHT_BYTES = 16;

/** A uniform 128-bit weight e (not reduced: 2^128 < n). */
function gammaWeight(rng: Rng): bigint {
  return bytesToNumberBE(rng(GAMMA_WEIGHT_BYTES));
}

export function signRound2(
  round1: SignRound1State,
  inbound: readonly unknown[],
  rng: Rng,
): { state: SignRound2State; direct: Sign2Direct[] } {
  consume(round1, 'sign/round1');
  const { self, peers, sigid, share } = round1;
  const raw = collectSignMessages(inbound, peers, self, sigid, 'sign1', true);
  const parsed = new Map([...raw].map(([from, f]) => [from, parseSign1(f, from)]));

  const commitments = new Map<number, Uint8Array>();
  const alice = new Map<number, { cu: bigint; cv: bigint }>();
  const bigR = pointToBytes(round1.nonceCommitment);
  const publicShare = pointToBytes(round1.publicShare);
  const direct: Sign2Direct[] = peers.map((peer) => {
    const message = parsed.get(peer) as ReturnType<typeof parseSign1>;
    commitments.set(peer, message.commitment);
    const pair = share.pairs.get(peer) as NonNullable<ReturnType<typeof share.pairs.get>>;
    // RVOLE with a = (r_i, sk_i): c^u + d^u_{j,i} = r_i·χ_{j,i}, c^v + d^v_{j,i} = sk_i·χ_{j,i}.
    const { c, message: vole } = voleAliceRespond(
      pair.oteSender,
      multiplicationSid(sigid, self, peer),
      [round1.nonce, round1.secretKeyShare],
      message.ote,
      rng,
      peer,
    );
    const [cu, cv] = c as [bigint, bigint];
    alice.set(peer, { cu, cv });
    const chi = (round1.bob.get(peer) as { chi: bigint }).chi;
    return {
      sigid,
      from: self,
      to: peer,
      vole,
      nonceCommitment: bigR,
      salt: round1.salts.get(peer) as Uint8Array,
      publicShare,
      gammaU: pointToBytes(mulG(cu)),
      gammaV: pointToBytes(mulG(cv)),
      psi: scalarToBytes(sub(round1.inversionMask, chi)),
    };
  });

  // e_j for the batched Γ check (round 3): drawn now, before the peer's round-2 message exists.
  const gammaWeights = new Map(peers.map((peer) => [peer, gammaWeight(rng)]));

  const { phase: _phase, salts: _salts, ...common } = round1;
  const state: SignRound2State = {
    ...common,
    phase: 'sign/round2',
    commitments,
    alice,
    gammaWeights,
  };
  return { state, direct };
}
