/**
 * `tss/` messages on the wire between parties: each one encoded by `tss/wire.ts`, then sealed for
 * its one receiver by `ckm/channel.ts` (signed by the sender, encrypted per direction). A `tss/`
 * broadcast becomes one sealed copy per peer; the echo digests inside the DKG catch a relay that
 * hands different copies to different parties.
 *
 * On the way in, the `from` and `to` that `tss/` reads inside a message are bound to the channel:
 * a message must name the authenticated sender as `from` and, if direct, this party as `to`.
 * `tss/` trusts those fields (docs/protocol.md), so this is where they are checked.
 * @module
 */
import { decodeMessage, encodeMessage, type MessageType, type Rng } from '../../tss/index';
import {
  type ChannelEnds,
  openRound,
  parseSealedMessage,
  type SealedMessage,
  sealMessage,
} from '../channel';
import { CkmError } from '../errors';

/** One `tss/` message this party sends: a broadcast (no `to`) or a direct message. */
export type TssOutbound = {
  readonly type: MessageType;
  readonly message: { readonly from: number; readonly to?: number };
};

/** Seals each message for its receiver; broadcasts are sealed once per peer in `ends.peers`. */
export function sealTssMessages(
  ends: ChannelEnds,
  sid: Uint8Array,
  messages: readonly TssOutbound[],
  rng?: Rng,
): SealedMessage[] {
  const out: SealedMessage[] = [];
  for (const { type, message } of messages) {
    const payload = encodeMessage(type, message);
    const receivers = message.to === undefined ? [...ends.peers.keys()] : [message.to];
    for (const to of receivers) out.push(sealMessage(ends, sid, to, type, payload, rng));
  }
  return out;
}

/** Parses a list of sealed messages from an untrusted source (shape only; opened later). */
export function parseSealedList(value: unknown, field: string, maxItems: number): SealedMessage[] {
  if (!Array.isArray(value))
    throw new CkmError('MalformedMessage', `"${field}" expected a list of sealed messages`);
  if (value.length > maxItems)
    throw new CkmError('TooLarge', `"${field}" has more than ${maxItems} messages`);
  return value.map((item) => parseSealedMessage(item));
}

/**
 * Opens exactly one message of each of `types` from each party in `from`, out of `sealed`
 * (which may hold other rounds' messages only if the caller allows: here every message must be
 * one of `types`). Returns, per type, the decoded `tss/` messages with `from`/`to` checked.
 */
export function openTssMessages(
  ends: ChannelEnds,
  sid: Uint8Array,
  types: readonly MessageType[],
  from: readonly number[],
  sealed: readonly SealedMessage[],
): Map<MessageType, unknown[]> {
  for (const message of sealed)
    if (!types.includes(message.type as MessageType))
      throw new CkmError('MalformedMessage', `unexpected "${message.type}" message at this step`, {
        culprit: message.from,
      });
  const out = new Map<MessageType, unknown[]>();
  for (const type of types) {
    const opened = openRound(
      ends,
      sid,
      type,
      from,
      sealed.filter((m) => m.type === type),
    );
    const decoded: unknown[] = [];
    for (const [sender, payload] of opened) {
      const message = decodeMessage(payload, type, sender);
      bindAddresses(message, type, sender, ends.self);
      decoded.push(message);
    }
    out.set(type, decoded);
  }
  return out;
}

/** The `from` inside must be the authenticated sender; a direct message's `to` must be us. */
function bindAddresses(message: unknown, type: MessageType, sender: number, self: number): void {
  const fields = message as { from?: unknown; to?: unknown } | null;
  if (typeof fields !== 'object' || fields === null || fields.from !== sender)
    throw new CkmError('WrongSender', `"${type}" names a sender other than its signer`, {
      culprit: sender,
    });
  if (fields.to !== undefined && fields.to !== self)
    throw new CkmError('WrongRecipient', `"${type}" is addressed to another party`, {
      culprit: sender,
    });
}
