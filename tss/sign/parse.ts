/**
 * Door checks for inbound signing messages: one per peer, addressed to us, with our sign id —
 * the sign id is compared first, so a disagreement about the session is `WrongSession`
 * (recoverable) and never reaches a check that bans (TOB-SILA-8).
 * @module
 */
import { assertBytes, bytesEqual } from '../assert';
import { collectFromPeers, type MessageRound } from '../dkg/parse';
import { TssError } from '../errors';
import { DIGEST_BYTES, POINT_BYTES, SCALAR_BYTES, SEED_BYTES, SID_BYTES } from '../params';

type Fields = Record<string, unknown>;

/** Collects one message per peer and checks each carries our sign id. */
export function collectSignMessages(
  messages: readonly unknown[],
  peers: readonly number[],
  self: number,
  sigid: Uint8Array,
  round: MessageRound,
  direct: boolean,
): Map<number, Fields> {
  const byPeer = collectFromPeers(messages, peers, self, round, direct ? self : undefined);
  for (const [from, fields] of byPeer) {
    assertBytes(fields.sigid, SID_BYTES, `${round}.sigid`, from);
    if (!bytesEqual(fields.sigid as Uint8Array, sigid))
      throw new TssError('WrongSession', `"${round}.sigid" is not this signing session`, from);
  }
  return byPeer;
}

export function parseSign1(fields: Fields, from: number): { commitment: Uint8Array; ote: unknown } {
  assertBytes(fields.commitment, DIGEST_BYTES, 'sign1.commitment', from);
  if (typeof fields.ote !== 'object' || fields.ote === null)
    throw new TssError('MalformedMessage', '"sign1.ote" expected an object', from);
  return { commitment: fields.commitment, ote: fields.ote };
}

export function parseSign2(fields: Fields, from: number) {
  for (const name of ['nonceCommitment', 'publicShare', 'gammaU', 'gammaV'] as const)
    assertBytes(fields[name], POINT_BYTES, `sign2.${name}`, from);
  assertBytes(fields.salt, SEED_BYTES, 'sign2.salt', from);
  assertBytes(fields.psi, SCALAR_BYTES, 'sign2.psi', from);
  if (typeof fields.vole !== 'object' || fields.vole === null)
    throw new TssError('MalformedMessage', '"sign2.vole" expected an object', from);
  return {
    vole: fields.vole as unknown,
    nonceCommitment: fields.nonceCommitment as Uint8Array,
    salt: fields.salt,
    publicShare: fields.publicShare as Uint8Array,
    gammaU: fields.gammaU as Uint8Array,
    gammaV: fields.gammaV as Uint8Array,
    psi: fields.psi,
  };
}

export function parseSign3(fields: Fields, from: number): { u: Uint8Array; w: Uint8Array } {
  assertBytes(fields.u, SCALAR_BYTES, 'sign3.u', from);
  assertBytes(fields.w, SCALAR_BYTES, 'sign3.w', from);
  return { u: fields.u, w: fields.w };
}
