/**
 * Door checks for inbound DKG messages: the shape of the whole set first (one message from each
 * peer, none from strangers or ourselves, addressed to us), then every field (exact lengths).
 * Cryptographic checks come later, in the rounds.
 * @module
 */
import { assertArray, assertBytes } from '../assert';
import { TssError } from '../errors';
import {
  DIGEST_BYTES,
  MAX_PARTIES,
  POINT_BYTES,
  SCALAR_BYTES,
  SEED_BYTES,
  SID_BYTES,
} from '../params';
import type {
  Dkg1Broadcast,
  Dkg2Broadcast,
  Dkg2Direct,
  Dkg3Broadcast,
  Dkg3Direct,
  SchnorrProof,
} from './types';

type Fields = Record<string, unknown>;

function asObject(value: unknown, field: string, culprit?: number): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TssError('MalformedMessage', `"${field}" expected an object`, culprit);
  return value as Fields;
}

/** The top-level fields of each message; anything else is refused (FROST: structs deny unknown fields). */
const MESSAGE_FIELDS = {
  dkg1: ['from', 'sessionContribution', 'commitment', 'seedCommitments'],
  dkg2: ['from', 'polynomialCommitment', 'chainCodeContribution', 'salt', 'proofs', 'echo'],
  'dkg2.direct': ['from', 'to', 'share', 'seed', 'seedSalt', 'baseOt'],
  dkg3: ['from', 'publicKey', 'publicShare', 'chainCode', 'transcript', 'proof'],
  'dkg3.direct': ['from', 'to', 'baseOt'],
  sign1: ['sigid', 'from', 'to', 'commitment', 'ote'],
  sign2: [
    'sigid',
    'from',
    'to',
    'vole',
    'nonceCommitment',
    'salt',
    'publicShare',
    'gammaU',
    'gammaV',
    'psi',
  ],
  sign3: ['sigid', 'from', 'u', 'w'],
} as const satisfies Record<string, readonly string[]>;

export type MessageRound = keyof typeof MESSAGE_FIELDS;

/** Sorts inbound messages by sender and checks there is exactly one from each peer. */
export function collectFromPeers(
  messages: readonly unknown[],
  peers: readonly number[],
  self: number,
  round: MessageRound,
  to?: number,
): Map<number, Fields> {
  if (!Array.isArray(messages))
    throw new TssError('MalformedMessage', `"${round}" expected a list of messages`);
  const byPeer = new Map<number, Fields>();
  for (const message of messages) {
    const fields = asObject(message, round);
    const from = fields.from;
    if (typeof from !== 'number' || !peers.includes(from))
      throw new TssError(
        'UnknownParty',
        `"${round}.from" is not a peer of this session`,
        // Name only a well-formed index that is not ours: anything else is no party at all.
        Number.isInteger(from) &&
          (from as number) >= 1 &&
          (from as number) <= MAX_PARTIES &&
          from !== self
          ? (from as number)
          : undefined,
      );
    if (byPeer.has(from))
      throw new TssError('DuplicateParty', `"${round}" has two messages from one party`, from);
    if (to !== undefined && fields.to !== to)
      throw new TssError('MalformedMessage', `"${round}.to" is not this party`, from);
    const allowed: readonly string[] = MESSAGE_FIELDS[round];
    for (const key of Object.keys(fields))
      if (!allowed.includes(key))
        throw new TssError('MalformedMessage', `"${round}" has an unknown field`, from);
    byPeer.set(from, fields);
  }
  for (const peer of peers)
    if (!byPeer.has(peer))
      throw new TssError('MissingMessage', `"${round}" is missing a message`, peer);
  return byPeer;
}

function bytesList(
  value: unknown,
  count: number,
  size: number,
  field: string,
  culprit: number,
): Uint8Array[] {
  assertArray(value, count, field, culprit);
  for (const [k, item] of value.entries()) assertBytes(item, size, `${field}[${k}]`, culprit);
  return value as Uint8Array[];
}

function proof(value: unknown, field: string, culprit: number): SchnorrProof {
  const fields = asObject(value, field, culprit);
  assertBytes(fields.commitment, POINT_BYTES, `${field}.commitment`, culprit);
  assertBytes(fields.response, SCALAR_BYTES, `${field}.response`, culprit);
  return { commitment: fields.commitment, response: fields.response };
}

export function parseDkg1(fields: Fields, from: number, peerCount: number): Dkg1Broadcast {
  assertBytes(fields.sessionContribution, SID_BYTES, 'dkg1.sessionContribution', from);
  assertBytes(fields.commitment, DIGEST_BYTES, 'dkg1.commitment', from);
  return {
    from,
    sessionContribution: fields.sessionContribution,
    commitment: fields.commitment,
    seedCommitments: bytesList(
      fields.seedCommitments,
      peerCount,
      DIGEST_BYTES,
      'dkg1.seedCommitments',
      from,
    ),
  };
}

export function parseDkg2Broadcast(
  fields: Fields,
  from: number,
  pointCount: number,
): Dkg2Broadcast {
  const polynomialCommitment = bytesList(
    fields.polynomialCommitment,
    pointCount,
    POINT_BYTES,
    'dkg2.polynomialCommitment',
    from,
  );
  assertBytes(fields.chainCodeContribution, SEED_BYTES, 'dkg2.chainCodeContribution', from);
  assertBytes(fields.salt, SEED_BYTES, 'dkg2.salt', from);
  assertArray(fields.proofs, pointCount, 'dkg2.proofs', from);
  assertBytes(fields.echo, DIGEST_BYTES, 'dkg2.echo', from);
  return {
    from,
    polynomialCommitment,
    chainCodeContribution: fields.chainCodeContribution,
    salt: fields.salt,
    proofs: fields.proofs.map((p, k) => proof(p, `dkg2.proofs[${k}]`, from)),
    echo: fields.echo,
  };
}

/** The base-OT request is checked by the base-OT code itself; here only that it is present. */
export function parseDkg2Direct(fields: Fields, from: number, to: number): Dkg2Direct {
  assertBytes(fields.share, SCALAR_BYTES, 'dkg2.share', from);
  assertBytes(fields.seed, SEED_BYTES, 'dkg2.seed', from);
  assertBytes(fields.seedSalt, SEED_BYTES, 'dkg2.seedSalt', from);
  asObject(fields.baseOt, 'dkg2.baseOt', from);
  return {
    from,
    to,
    share: fields.share,
    seed: fields.seed,
    seedSalt: fields.seedSalt,
    baseOt: fields.baseOt as Dkg2Direct['baseOt'],
  };
}

export function parseDkg3Broadcast(fields: Fields, from: number): Dkg3Broadcast {
  assertBytes(fields.publicKey, POINT_BYTES, 'dkg3.publicKey', from);
  assertBytes(fields.publicShare, POINT_BYTES, 'dkg3.publicShare', from);
  assertBytes(fields.chainCode, SEED_BYTES, 'dkg3.chainCode', from);
  assertBytes(fields.transcript, DIGEST_BYTES, 'dkg3.transcript', from);
  return {
    from,
    publicKey: fields.publicKey,
    publicShare: fields.publicShare,
    chainCode: fields.chainCode,
    transcript: fields.transcript,
    proof: proof(fields.proof, 'dkg3.proof', from),
  };
}

export function parseDkg3Direct(fields: Fields, from: number, to: number): Dkg3Direct {
  asObject(fields.baseOt, 'dkg3.baseOt', from);
  return { from, to, baseOt: fields.baseOt as Dkg3Direct['baseOt'] };
}
