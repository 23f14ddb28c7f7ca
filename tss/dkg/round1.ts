/**
 * DKG round 1 (DKLT23 Protocol 9.1 step 1; research/tecdsa.md §2.2 R1): sample the polynomial,
 * the session and chain-code contributions and the pairwise seed contributions, and broadcast
 * commitments to them. Nothing secret leaves the party.
 * @module
 */
import { mul, pointToBytes } from '../curve';
import { oracle, u32 } from '../hash';
import { lagrangeCoefficient } from '../lagrange';
import { SEED_BYTES, SID_BYTES } from '../params';
import { commitPolynomial, randomPolynomial } from '../poly';
import { type Rng, randomScalar } from '../rng';
import { TAGS } from '../tags';
import { startsFromZero, validateDkgConfig } from './config';
import type { Dkg1Broadcast, DkgConfig, DkgRound1State } from './types';

/** "Commit to (F_i, cc_i) under salt_i", bound to the sender's session contribution and index. */
export function polynomialCommitmentDigest(
  sessionContribution: Uint8Array,
  from: number,
  points: readonly Uint8Array[],
  chainCodeContribution: Uint8Array,
  salt: Uint8Array,
): Uint8Array {
  return oracle(
    TAGS.dkgCommit,
    sessionContribution,
    u32(from),
    u32(points.length),
    ...points,
    chainCodeContribution,
    salt,
  );
}

export function seedCommitmentDigest(
  sessionContribution: Uint8Array,
  from: number,
  to: number,
  seed: Uint8Array,
  salt: Uint8Array,
): Uint8Array {
  return oracle(TAGS.dkgSeedCommit, sessionContribution, u32(from), u32(to), seed, salt);
}

export function dkgRound1(
  config: DkgConfig,
  rng: Rng,
): { state: DkgRound1State; broadcast: Dkg1Broadcast } {
  const peers = validateDkgConfig(config);
  const { self, mode, threshold } = config;

  // The constant term: random for a fresh key; λ_i^S·s_i for a re-share survivor (so the
  // constants of the survivors add up to the old key); 0 for a newcomer.
  let constant: bigint;
  if (mode.kind === 'fresh') constant = randomScalar(rng);
  else if (startsFromZero(config, self)) constant = 0n;
  else constant = mul(lagrangeCoefficient(self, mode.survivors), mode.oldSecretShare as bigint);

  const coefficients = randomPolynomial(constant, threshold - 1, rng);
  const allPoints = commitPolynomial(coefficients);
  // A newcomer's F_0 is the identity, which has no encoding: it is omitted on the wire.
  const polynomialCommitment = startsFromZero(config, self) ? allPoints.slice(1) : allPoints;
  const sessionContribution = rng(SID_BYTES);
  const chainCodeContribution = mode.kind === 'fresh' ? rng(SEED_BYTES) : mode.chainCode.slice();
  const salt = rng(SEED_BYTES);

  const seeds = new Map<number, { seed: Uint8Array; salt: Uint8Array }>();
  for (const peer of peers) seeds.set(peer, { seed: rng(SEED_BYTES), salt: rng(SEED_BYTES) });

  const broadcast: Dkg1Broadcast = {
    from: self,
    sessionContribution,
    commitment: polynomialCommitmentDigest(
      sessionContribution,
      self,
      polynomialCommitment.map(pointToBytes),
      chainCodeContribution,
      salt,
    ),
    seedCommitments: peers.map((peer) => {
      const { seed, salt: seedSalt } = seeds.get(peer) as { seed: Uint8Array; salt: Uint8Array };
      return seedCommitmentDigest(sessionContribution, self, peer, seed, seedSalt);
    }),
  };
  const state: DkgRound1State = {
    phase: 'dkg/round1',
    config,
    peers,
    sessionContribution,
    coefficients,
    polynomialCommitment,
    chainCodeContribution,
    salt,
    seeds,
    broadcast,
  };
  return { state, broadcast };
}
