/**
 * DKG round 3 (DKLT23 Protocol 9.1 step 3; research/tecdsa.md §2.2 R3 and R4): check every
 * peer's opening, proofs, echo and Feldman share; compute our share, the public key, every
 * public share and the root chain code; answer the peers' base-OT requests; broadcast a
 * confirmation that binds the public key, the chain code and the whole transcript.
 * @module
 */
import { bytesEqual, decodePoint, decodeScalar } from '../assert';
import { add, IDENTITY, mulPoint, type Point, pointToBytes, sumPoints } from '../curve';
import { TssError } from '../errors';
import { oracle, u32 } from '../hash';
import { lagrangeCoefficient } from '../lagrange';
import { baseOtSenderRespond, baseOtSid } from '../ot/base';
import { evaluateCommitment, evaluatePolynomial, verifyFeldmanShare } from '../poly';
import { proveDlog, verifyDlog } from '../proofs';
import type { Rng } from '../rng';
import { consume } from '../state';
import { TAGS } from '../tags';
import { startsFromZero } from './config';
import { collectFromPeers, parseDkg2Broadcast, parseDkg2Direct } from './parse';
import { polynomialCommitmentDigest, seedCommitmentDigest } from './round1';
import type {
  Dkg2Broadcast,
  Dkg3Broadcast,
  Dkg3Direct,
  DkgRound2State,
  DkgRound3State,
} from './types';

/** Digest of the opened polynomials and chain-code contributions: what the confirmation binds. */
function transcriptDigest(
  sid: Uint8Array,
  echo: Uint8Array,
  broadcasts: ReadonlyMap<number, Dkg2Broadcast>,
  parties: readonly number[],
): Uint8Array {
  const parts: Uint8Array[] = [echo];
  for (const party of [...parties].sort((a, b) => a - b)) {
    const b = broadcasts.get(party) as Dkg2Broadcast;
    parts.push(
      u32(party),
      u32(b.polynomialCommitment.length),
      ...b.polynomialCommitment,
      b.chainCodeContribution,
      b.salt,
    );
  }
  return oracle(TAGS.dkgTranscript, sid, ...parts);
}

export function dkgRound3(
  round2: DkgRound2State,
  inboundBroadcasts: readonly unknown[],
  inboundDirect: readonly unknown[],
  rng: Rng,
): { state: DkgRound3State; broadcast: Dkg3Broadcast; direct: Dkg3Direct[] } {
  consume(round2, 'dkg/round2');
  const { config, peers, sid, round1, inbound1 } = round2;
  const { self, threshold, mode } = config;

  const rawBroadcasts = collectFromPeers(inboundBroadcasts, peers, self, 'dkg2');
  const rawDirect = collectFromPeers(inboundDirect, peers, self, 'dkg2.direct', self);

  // Shape of every message before any cryptography (FROST part2/part3 order).
  const broadcasts = new Map<number, Dkg2Broadcast>([[self, round2.broadcast]]);
  for (const [from, fields] of rawBroadcasts)
    broadcasts.set(
      from,
      parseDkg2Broadcast(fields, from, startsFromZero(config, from) ? threshold - 1 : threshold),
    );
  const directs = new Map(
    [...rawDirect].map(([from, fields]) => [from, parseDkg2Direct(fields, from, self)]),
  );

  // Echo first: a peer that saw a different round 1 is a broadcast problem, not a cheater to
  // blame for a later check (TOB-SILA-8).
  for (const peer of peers)
    if (!bytesEqual((broadcasts.get(peer) as Dkg2Broadcast).echo, round2.echo))
      throw new TssError('EchoMismatch', '"dkg2.echo" differs from ours', peer);

  const commitments = new Map<number, Point[]>();
  commitments.set(
    self,
    startsFromZero(config, self)
      ? [IDENTITY, ...round1.polynomialCommitment]
      : [...round1.polynomialCommitment],
  );
  for (const peer of peers) {
    const b = broadcasts.get(peer) as Dkg2Broadcast;
    const r1 = inbound1.get(peer);
    if (!r1) throw new TssError('MissingMessage', '"dkg1" is missing', peer);
    const opened = polynomialCommitmentDigest(
      r1.sessionContribution,
      peer,
      b.polynomialCommitment,
      b.chainCodeContribution,
      b.salt,
    );
    if (!bytesEqual(opened, r1.commitment))
      throw new TssError('CommitmentMismatch', '"dkg2" does not open the round-1 commitment', peer);
    const points = b.polynomialCommitment.map((bytes, k) =>
      decodePoint(bytes, `dkg2.polynomialCommitment[${k}]`, peer),
    );
    const firstIndex = startsFromZero(config, peer) ? 1 : 0;
    for (const [offset, point] of points.entries()) {
      const field = `dkg2.proofs[${offset}]`;
      verifyDlog(
        TAGS.dkgPok,
        sid,
        [u32(peer), u32(firstIndex + offset)],
        point,
        b.proofs[offset],
        peer,
        field,
      );
    }
    const full = firstIndex === 1 ? [IDENTITY, ...points] : points;
    if (mode.kind === 'reshare' && !startsFromZero(config, peer)) {
      // A survivor must start from λ_j^S·s_j: its F_0 is λ_j^S·X_j (public), and it carries the chain code.
      const expected = mulPoint(
        mode.oldPublicShares.get(peer) as Point,
        lagrangeCoefficient(peer, mode.survivors),
      );
      if (!(full[0] as Point).equals(expected))
        throw new TssError(
          'PublicKeyMismatch',
          '"dkg2.polynomialCommitment[0]" is not the survivor’s weighted share',
          peer,
        );
      if (!bytesEqual(b.chainCodeContribution, mode.chainCode))
        throw new TssError(
          'ChainCodeMismatch',
          '"dkg2.chainCodeContribution" is not the key’s chain code',
          peer,
        );
    }
    commitments.set(peer, full);
  }

  // Feldman: f_j(x_i)·G == Σ_k x_i^k·F_{j,k}; and each seed contribution opens its commitment.
  let secretShare = evaluatePolynomial(round1.coefficients, self);
  const zeroSeeds = new Map<number, Uint8Array>();
  for (const peer of peers) {
    const d = directs.get(peer) as ReturnType<typeof parseDkg2Direct>;
    const share = decodeScalar(d.share, 'dkg2.share', peer, true);
    if (!verifyFeldmanShare(commitments.get(peer) as Point[], self, share))
      throw new TssError(
        'FeldmanCheckFailed',
        '"dkg2.share" is not on the committed polynomial',
        peer,
      );
    secretShare = add(secretShare, share);
    const r1 = inbound1.get(peer) as NonNullable<ReturnType<typeof inbound1.get>>;
    const peerPeers = config.parties.filter((p) => p !== peer).sort((a, b) => a - b);
    const seedCommitment = r1.seedCommitments[peerPeers.indexOf(self)] as Uint8Array;
    if (
      !bytesEqual(
        seedCommitmentDigest(r1.sessionContribution, peer, self, d.seed, d.seedSalt),
        seedCommitment,
      )
    )
      throw new TssError('CommitmentMismatch', '"dkg2.seed" does not open its commitment', peer);
    const own = (round1.seeds.get(peer) as { seed: Uint8Array }).seed;
    zeroSeeds.set(
      peer,
      own.map((byte, k) => byte ^ (d.seed[k] as number)),
    );
  }

  const publicKey = sumPoints([...commitments.values()].map((f) => f[0] as Point));
  if (mode.kind === 'reshare' && !publicKey.equals(mode.publicKey))
    throw new TssError(
      'PublicKeyMismatch',
      'the constant terms do not add up to the key being re-shared',
    );
  if (publicKey.is0()) throw new TssError('PublicKeyMismatch', 'the public key is the identity');
  const publicShares = new Map<number, Point>();
  for (const party of config.parties)
    publicShares.set(
      party,
      sumPoints([...commitments.values()].map((f) => evaluateCommitment(f, party))),
    );

  const parties = [...config.parties].sort((a, b) => a - b);
  const chainCode =
    mode.kind === 'reshare'
      ? mode.chainCode.slice()
      : oracle(
          TAGS.dkgChainCode,
          sid,
          ...parties.map((p) => (broadcasts.get(p) as Dkg2Broadcast).chainCodeContribution),
        );
  const transcript = transcriptDigest(sid, round2.echo, broadcasts, parties);

  // Base OT: we answer as sender; our keys become the OT-extension receiver setup from `peer`.
  const baseOtSenderKeys = new Map<number, { keys0: Uint8Array[]; keys1: Uint8Array[] }>();
  const direct: Dkg3Direct[] = peers.map((peer) => {
    const d = directs.get(peer) as ReturnType<typeof parseDkg2Direct>;
    const { keys0, keys1, reply } = baseOtSenderRespond(
      baseOtSid(sid, self, peer),
      d.baseOt,
      rng,
      peer,
    );
    baseOtSenderKeys.set(peer, { keys0, keys1 });
    return { from: self, to: peer, baseOt: reply };
  });

  const publicKeyBytes = pointToBytes(publicKey);
  const broadcast: Dkg3Broadcast = {
    from: self,
    publicKey: publicKeyBytes,
    publicShare: pointToBytes(publicShares.get(self) as Point),
    chainCode,
    transcript,
    proof: proveDlog(
      TAGS.dkgConfirm,
      sid,
      [u32(self), publicKeyBytes, chainCode, transcript],
      secretShare,
      rng,
    ),
  };
  const state: DkgRound3State = {
    phase: 'dkg/round3',
    config,
    peers,
    sid,
    secretShare,
    publicKey,
    publicShares,
    chainCode,
    transcript,
    zeroSeeds,
    baseOtReceivers: round2.baseOtReceivers,
    baseOtSenderKeys,
  };
  return { state, broadcast, direct };
}
