/**
 * The isolated-world relay between the page and the background. It forwards well-formed
 * requests from the inpage provider over a runtime port and passes answers and events back.
 * It adds nothing from the page to what it forwards: the background learns the origin from the
 * port's sender, which the browser fills in.
 * @module
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  type PortMessage,
  type PortRequest,
  PROVIDER_PORT_NAME,
} from '../background/provider-protocol';
import { type PageResponse, parsePageRequest, TO_PAGE } from './page-channel';

/** Starts relaying for this document. Returns a function that stops it (for tests). */
export function startRelay(): () => void {
  let port: Runtime.Port | undefined;
  /** Ids forwarded on the current port and not yet answered. */
  const pending = new Set<string>();

  const toPage = (message: PageResponse) => window.postMessage(message, '*');

  const connect = (): Runtime.Port => {
    const next = browser.runtime.connect({ name: PROVIDER_PORT_NAME });
    next.onMessage.addListener((message: unknown) => onPortMessage(message as PortMessage));
    next.onDisconnect.addListener(() => {
      // The service worker went away (extension reload or update, or the browser ended it).
      // Fail what was in flight rather than leave the dApp waiting forever; the next request
      // opens a new port, which wakes the worker again.
      if (port === next) port = undefined;
      for (const id of pending)
        toPage({
          target: TO_PAGE,
          kind: 'response',
          id,
          error: {
            code: 4900,
            message: 'CKM Wallet was disconnected before it answered. Please retry.',
          },
        });
      pending.clear();
      toPage({ target: TO_PAGE, kind: 'disconnect' });
    });
    return next;
  };

  const onPortMessage = (message: PortMessage) => {
    switch (message.type) {
      case 'rpc-result':
        pending.delete(message.id);
        toPage({ target: TO_PAGE, kind: 'response', id: message.id, result: message.result });
        return;
      case 'rpc-error':
        pending.delete(message.id);
        toPage({ target: TO_PAGE, kind: 'response', id: message.id, error: message.error });
        return;
      case 'event':
        toPage({ target: TO_PAGE, kind: 'event', event: message.event, data: message.data });
        return;
    }
  };

  const onWindowMessage = (event: MessageEvent) => {
    if (event.source !== window) return;
    const parsed = parsePageRequest(event.data);
    if (!parsed.ok) {
      if (parsed.id !== undefined) {
        // EIP-1474 -32600 "Invalid request". The relay stays free of libraries: it runs on
        // every page.
        toPage({
          target: TO_PAGE,
          kind: 'response',
          id: parsed.id,
          error: { code: -32600, message: `Invalid request: ${parsed.reason}.` },
        });
      }
      return;
    }
    const { id, method, params } = parsed.request;
    const request: PortRequest = { type: 'rpc', id, method, params };
    try {
      port ??= connect();
      pending.add(id);
      port.postMessage(request);
    } catch {
      // The extension context is gone for good (the extension was removed or reloaded while
      // this old content script kept running); tell the page instead of hanging.
      pending.delete(id);
      port = undefined;
      toPage({
        target: TO_PAGE,
        kind: 'response',
        id,
        error: { code: 4900, message: 'CKM Wallet is not available. Reload the page.' },
      });
    }
  };

  window.addEventListener('message', onWindowMessage);
  return () => {
    window.removeEventListener('message', onWindowMessage);
    port?.disconnect();
    port = undefined;
  };
}
