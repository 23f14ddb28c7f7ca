/**
 * DKG round 2 (DKLT23 Protocol 9.1 step 2; research/tecdsa.md §2.2 "Agree on the session" and
 * R2): fix the joint session id from every contribution, open our commitment with proofs of
 * knowledge, echo a digest of round 1, and send each peer its share, our seed contribution and a
 * base-OT request.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { pointToBytes, scalarToBytes } from '../curve';
import { TssError } from '../errors';
import { oracle, u32 } from '../hash';
import { baseOtReceiverStart, baseOtSid } from '../ot/base';
import { LAMBDA_C, SID_BYTES } from '../params';
import { evaluatePolynomial } from '../poly';
import { proveDlog } from '../proofs';
import { type Rng, randomBits } from '../rng';
import { consume } from '../state';
import { TAGS } from '../tags';
import { startsFromZero } from './config';
import { collectFromPeers, parseDkg1 } from './parse';
import type {
  Dkg1Broadcast,
  Dkg2Broadcast,
  Dkg2Direct,
  DkgConfig,
  DkgRound1State,
  DkgRound2State,
} from './types';

const ROOT_SID = new Uint8Array(SID_BYTES);

/**
 * sid = H(mode, t, parties, context, [old key, survivors, chain code], sid_1 … sid_n): every
 * later oracle call starts with it, so all parties must have seen the same round 1.
 */
export function dkgSessionId(
  config: DkgConfig,
  contributions: ReadonlyMap<number, Uint8Array>,
): Uint8Array {
  const parties = [...config.parties].sort((a, b) => a - b);
  const mode = config.mode;
  const modeParts =
    mode.kind === 'fresh'
      ? [new Uint8Array([0])]
      : [
          new Uint8Array([1]),
          pointToBytes(mode.publicKey),
          u32(mode.survivors.length),
          ...[...mode.survivors].sort((a, b) => a - b).map(u32),
          mode.chainCode,
        ];
  return oracle(
    TAGS.dkgSid,
    ROOT_SID,
    ...modeParts,
    u32(config.threshold),
    u32(parties.length),
    ...parties.map(u32),
    config.context,
    ...parties.map((p) => contributions.get(p) as Uint8Array),
  );
}

/** Digest of every round-1 broadcast, in party order, as one party received them. */
export function round1Echo(
  sid: Uint8Array,
  broadcasts: ReadonlyMap<number, Dkg1Broadcast>,
  parties: readonly number[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const party of [...parties].sort((a, b) => a - b)) {
    const b = broadcasts.get(party) as Dkg1Broadcast;
    parts.push(
      u32(party),
      b.sessionContribution,
      b.commitment,
      u32(b.seedCommitments.length),
      ...b.seedCommitments,
    );
  }
  return oracle(TAGS.dkgEcho, sid, ...parts);
}

export function dkgRound2(
  round1: DkgRound1State,
  inbound: readonly unknown[],
  rng: Rng,
): { state: DkgRound2State; broadcast: Dkg2Broadcast; direct: Dkg2Direct[] } {
  consume(round1, 'dkg/round1');
  const { config, peers } = round1;
  const self = config.self;
  const raw = collectFromPeers(inbound, peers, self, 'dkg1');
  const inbound1 = new Map<number, Dkg1Broadcast>([[self, round1.broadcast]]);
  for (const [from, fields] of raw) inbound1.set(from, parseDkg1(fields, from, peers.length));

  // Two parties with one session contribution would let one replay the other's messages. The
  // copier cannot be told from the copied unless one of them is us: then it is the other.
  const contributions = new Map<number, Uint8Array>();
  const owners = new Map<string, number>();
  for (const party of [...config.parties].sort((a, b) => a - b)) {
    const contribution = (inbound1.get(party) as Dkg1Broadcast).sessionContribution;
    const key = bytesToHex(contribution);
    const owner = owners.get(key);
    if (owner !== undefined) {
      const culprit = owner === self ? party : party === self ? owner : undefined;
      throw new TssError(
        'WrongSession',
        '"dkg1.sessionContribution" repeats another party’s',
        culprit,
      );
    }
    owners.set(key, party);
    contributions.set(party, contribution);
  }
  const sid = dkgSessionId(config, contributions);
  const echo = round1Echo(sid, inbound1, config.parties);

  // Proofs of knowledge of every sent coefficient, bound to (sid, i, k) (TOB-SILA-2: one per point).
  const firstIndex = startsFromZero(config, self) ? 1 : 0;
  const proofs = round1.polynomialCommitment.map((_, offset) =>
    proveDlog(
      TAGS.dkgPok,
      sid,
      [u32(self), u32(firstIndex + offset)],
      round1.coefficients[firstIndex + offset] as bigint,
      rng,
    ),
  );
  const broadcast: Dkg2Broadcast = {
    from: self,
    polynomialCommitment: round1.polynomialCommitment.map(pointToBytes),
    chainCodeContribution: round1.chainCodeContribution,
    salt: round1.salt,
    proofs,
    echo,
  };

  const baseOtReceivers = new Map<
    number,
    { state: ReturnType<typeof baseOtReceiverStart>['state']; choices: Uint8Array }
  >();
  const direct: Dkg2Direct[] = peers.map((peer) => {
    // We are the base-OT receiver with choice bits Δ: we become the OT-extension sender towards `peer`.
    const choices = randomBits(rng, LAMBDA_C);
    const { state, request } = baseOtReceiverStart(baseOtSid(sid, peer, self), choices, rng);
    baseOtReceivers.set(peer, { state, choices });
    const { seed, salt } = round1.seeds.get(peer) as { seed: Uint8Array; salt: Uint8Array };
    return {
      from: self,
      to: peer,
      share: scalarToBytes(evaluatePolynomial(round1.coefficients, peer)),
      seed,
      seedSalt: salt,
      baseOt: request,
    };
  });

  const state: DkgRound2State = {
    phase: 'dkg/round2',
    config,
    peers,
    sid,
    round1,
    inbound1,
    echo,
    baseOtReceivers,
    broadcast,
  };
  return { state, broadcast, direct };
}
