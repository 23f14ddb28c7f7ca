/**
 * DKG finish (research/tecdsa.md §2.2 R4 and step 6): check every confirmation — same public
 * key, chain code and transcript, a public share equal to the one we derived, a valid proof of
 * knowledge of the share — complete the base OTs, and assemble the key share.
 * @module
 */
import { bytesEqual } from '../assert';
import { type Point, pointToBytes } from '../curve';
import { TssError } from '../errors';
import { u32 } from '../hash';
import type { KeyShare, PairState } from '../keyshare';
import { baseOtReceiverFinish } from '../ot/base';
import { KEY_SHARE_VERSION } from '../params';
import { verifyDlog } from '../proofs';
import { consume } from '../state';
import { TAGS } from '../tags';
import { collectFromPeers, parseDkg3Broadcast, parseDkg3Direct } from './parse';
import type { DkgRound3State } from './types';

export function dkgFinish(
  round3: DkgRound3State,
  inboundBroadcasts: readonly unknown[],
  inboundDirect: readonly unknown[],
): KeyShare {
  consume(round3, 'dkg/round3');
  const { config, peers, sid } = round3;
  const self = config.self;
  const rawBroadcasts = collectFromPeers(inboundBroadcasts, peers, self, 'dkg3');
  const rawDirect = collectFromPeers(inboundDirect, peers, self, 'dkg3.direct', self);
  const broadcasts = new Map(
    [...rawBroadcasts].map(([from, f]) => [from, parseDkg3Broadcast(f, from)]),
  );
  const directs = new Map(
    [...rawDirect].map(([from, f]) => [from, parseDkg3Direct(f, from, self)]),
  );

  const publicKeyBytes = pointToBytes(round3.publicKey);
  for (const peer of peers) {
    const b = broadcasts.get(peer) as ReturnType<typeof parseDkg3Broadcast>;
    if (!bytesEqual(b.transcript, round3.transcript))
      throw new TssError('EchoMismatch', '"dkg3.transcript" differs from ours', peer);
    if (!bytesEqual(b.chainCode, round3.chainCode))
      throw new TssError('ChainCodeMismatch', '"dkg3.chainCode" differs from ours', peer);
    if (!bytesEqual(b.publicKey, publicKeyBytes))
      throw new TssError('PublicKeyMismatch', '"dkg3.publicKey" differs from ours', peer);
    const expectedShare = round3.publicShares.get(peer) as Point;
    if (!bytesEqual(b.publicShare, pointToBytes(expectedShare)))
      throw new TssError(
        'PublicKeyMismatch',
        '"dkg3.publicShare" is not the Feldman-derived share',
        peer,
      );
    verifyDlog(
      TAGS.dkgConfirm,
      sid,
      [u32(peer), publicKeyBytes, round3.chainCode, round3.transcript],
      expectedShare,
      b.proof,
      peer,
      'dkg3.proof',
    );
  }

  const pairs = new Map<number, PairState>();
  for (const peer of peers) {
    const receiver = round3.baseOtReceivers.get(peer) as NonNullable<
      ReturnType<typeof round3.baseOtReceivers.get>
    >;
    const seeds = baseOtReceiverFinish(
      receiver.state,
      (directs.get(peer) as { baseOt: unknown }).baseOt,
      peer,
    );
    const senderKeys = round3.baseOtSenderKeys.get(peer) as {
      keys0: Uint8Array[];
      keys1: Uint8Array[];
    };
    pairs.set(peer, {
      zeroSeed: round3.zeroSeeds.get(peer) as Uint8Array,
      oteSender: { delta: receiver.choices, seeds },
      oteReceiver: { seeds0: senderKeys.keys0, seeds1: senderKeys.keys1 },
      banned: false,
    });
  }

  return {
    version: KEY_SHARE_VERSION,
    dkgSid: sid,
    self,
    threshold: config.threshold,
    parties: [...config.parties].sort((a, b) => a - b),
    secretShare: round3.secretShare,
    publicKey: round3.publicKey,
    publicShares: round3.publicShares,
    chainCode: round3.chainCode,
    pairs,
  };
}
