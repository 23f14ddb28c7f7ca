/**
 * Answers the popup's messages (see `ui-api.ts`). Only extension pages may call it: messages
 * from content scripts (which carry a tab) are ignored.
 * @module
 */
import browser, { type Runtime } from 'webextension-polyfill';
import type { Services } from './rpc/types';
import { toHexChainId } from './services/networks';
import { UI_MESSAGE_TAG, type UiEnvelope, type UiReplies, type UiRequest } from './ui-api';

export function handleUiRequest(
  request: UiRequest,
  services: Services,
): UiReplies[UiRequest['type']] {
  switch (request.type) {
    case 'getStatus': {
      const network = services.networks.current();
      return {
        chainId: toHexChainId(network.chainId),
        networkName: network.name,
        version: browser.runtime.getManifest().version,
      };
    }
  }
}

function isUiEnvelope(message: unknown): message is UiEnvelope {
  if (typeof message !== 'object' || message === null) return false;
  const { tag, request } = message as Record<string, unknown>;
  return (
    tag === UI_MESSAGE_TAG &&
    typeof request === 'object' &&
    request !== null &&
    typeof (request as { type?: unknown }).type === 'string'
  );
}

export function listenForUi(services: Services): void {
  browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
    if (sender.id !== browser.runtime.id || sender.tab !== undefined) return undefined;
    if (!isUiEnvelope(message)) return undefined;
    return Promise.resolve(handleUiRequest(message.request, services));
  });
}
