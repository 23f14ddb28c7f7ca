/**
 * Answers the popup's messages (see `ui-api.ts`). Only our own extension pages may call it:
 * messages from content scripts (whose sender URL is the web page's) are ignored.
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

/** True for a page of this extension (the popup, in its bubble or opened in a tab). */
export function isExtensionPage(sender: Runtime.MessageSender): boolean {
  return (
    sender.id === browser.runtime.id &&
    typeof sender.url === 'string' &&
    sender.url.startsWith(browser.runtime.getURL('/'))
  );
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
    if (!isExtensionPage(sender)) return undefined;
    if (!isUiEnvelope(message)) return undefined;
    return Promise.resolve(handleUiRequest(message.request, services));
  });
}
