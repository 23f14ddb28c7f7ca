/**
 * The popup's one way into the background: a closed union of messages, each with its reply
 * type. The popup imports these types only; nothing else in the background is reachable from it.
 * @module
 */

export type UiRequest = { type: 'getStatus' };

export type UiReplies = {
  getStatus: { chainId: `0x${string}`; networkName: string; version: string };
};

export type UiReply<T extends UiRequest> = UiReplies[T['type']];

export const UI_MESSAGE_TAG = 'ckm-wallet:ui';

export type UiEnvelope = { tag: typeof UI_MESSAGE_TAG; request: UiRequest };
