/**
 * Accepts the relay's ports and answers their requests. The origin of every request is taken
 * from the port's sender (filled in by the browser), never from the message.
 * @module
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { type PortMessage, type PortRequest, PROVIDER_PORT_NAME } from './provider-protocol';
import { routeRequest } from './rpc/router';
import type { Services } from './rpc/types';

/** The page origin of a port opened by our own content script, or `undefined` for any other. */
export function senderOrigin(sender: Runtime.MessageSender | undefined): string | undefined {
  if (!sender || sender.id !== browser.runtime.id || !sender.tab || !sender.url) return undefined;
  // Chromium fills `origin` for content-script senders (not in the polyfill's types); it is
  // right for sandboxed and `about:` frames where the URL alone is not.
  const origin = (sender as { origin?: unknown }).origin;
  if (typeof origin === 'string' && origin.length > 0) return origin;
  try {
    return new URL(sender.url).origin;
  } catch {
    return undefined;
  }
}

/** Our own relay sends only checked requests; anything else on the port is dropped. */
function isPortRequest(message: unknown): message is PortRequest {
  if (typeof message !== 'object' || message === null) return false;
  const { type, id, method, params } = message as Record<string, unknown>;
  return (
    type === 'rpc' &&
    typeof id === 'string' &&
    typeof method === 'string' &&
    (params === undefined || (typeof params === 'object' && params !== null))
  );
}

export function listenForProviders(
  services: Services,
  ready: Promise<void> = Promise.resolve(),
): void {
  browser.runtime.onConnect.addListener((port: Runtime.Port) => {
    if (port.name !== PROVIDER_PORT_NAME) return;
    const origin = senderOrigin(port.sender);
    if (origin === undefined) {
      port.disconnect();
      return;
    }
    let open = true;
    port.onDisconnect.addListener(() => {
      open = false;
    });
    const portId = ready.then(() => services.events.register(port, origin));
    port.onMessage.addListener(async (message: unknown) => {
      // The relay's heartbeat (`ping`) only keeps the worker awake: nothing to answer.
      if (!isPortRequest(message)) return;
      const { id, method, params } = message;
      const context = { origin, portId: await portId };
      const outcome = await routeRequest({ method, params }, context, services);
      if (!open) return;
      const reply: PortMessage = outcome.ok
        ? { type: 'rpc-result', id, result: outcome.result }
        : { type: 'rpc-error', id, error: outcome.error };
      port.postMessage(reply);
    });
  });
}
