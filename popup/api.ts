/**
 * The popup's typed call into the background (`background/ui-api.ts`).
 * @module
 */
import browser from 'webextension-polyfill';
import {
  UI_MESSAGE_TAG,
  type UiEnvelope,
  type UiReply,
  type UiRequest,
} from '../background/ui-api';

export async function callBackground<T extends UiRequest>(request: T): Promise<UiReply<T>> {
  const envelope: UiEnvelope = { tag: UI_MESSAGE_TAG, request };
  return (await browser.runtime.sendMessage(envelope)) as UiReply<T>;
}
