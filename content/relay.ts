/**
 * The isolated-world relay between the page and the background. It forwards well-formed
 * requests from the inpage provider over a runtime port and passes answers and events back.
 * It adds nothing from the page to what it forwards: the background learns the origin from the
 * port's sender, which the browser fills in.
 *
 * The port is opened by the first request (the provider sends `metamask_getProviderState` at
 * start-up) and kept open while the page lives. While it is open the relay sends a heartbeat
 * ({@link HEARTBEAT}) every {@link HEARTBEAT_INTERVAL_MS}: each message on a port restarts
 * Chrome's 30-second idle timer of the service worker, so the worker is not stopped under an open
 * dApp and a lost port means a real restart (crash, update, DevTools). When the port drops,
 * every request in flight on it fails with 4900 and the page is told (`disconnect`); the next
 * request opens a new port, which starts the worker again. When the extension context is gone for
 * good (the extension was updated, reloaded or removed: `runtime.id` is undefined), the page is
 * told the loss is permanent and every later request fails with "reload the page".
 * @module
 */
import browser from 'webextension-polyfill';
import {
  type PortMessage,
  type PortRequest,
  PROVIDER_PORT_NAME,
} from '../background/provider-protocol';
import {
  DISCONNECTED_CODE,
  DISCONNECTED_MESSAGE,
  EXTENSION_GONE_MESSAGE,
  type PageResponse,
  parsePageRequest,
  TO_CONTENT,
  TO_PAGE,
} from './page-channel';

/**
 * Content → background keep-alive. The background must accept and ignore it (today it drops
 * any port message that is not `{ type: 'rpc' }`, which is enough: receiving it is what counts).
 */
export const HEARTBEAT = Object.freeze({ type: 'ping' } as const);
export type PortHeartbeat = typeof HEARTBEAT;

/** Under Chrome's 30 s idle limit with room for a busy main thread. */
export const HEARTBEAT_INTERVAL_MS = 20_000;

/**
 * How long after a port drops the relay waits before it tells the page whether the loss is for
 * good. When the extension is reloaded or updated, Chrome drops the port first and invalidates
 * this content script's context a few milliseconds later (measured: `runtime.id` still set at 5 ms,
 * gone at 20 ms), so an immediate check would report a recoverable loss, then a permanent one.
 */
export const LOSS_GRACE_MS = 250;

/** The parts of `runtime.Port` the relay uses. */
export type RelayPort = {
  postMessage(message: PortRequest | PortHeartbeat): void;
  disconnect(): void;
  readonly onMessage: { addListener(listener: (message: unknown) => void): void };
  readonly onDisconnect: { addListener(listener: () => void): void };
};

/** The extension APIs the relay uses; injectable for tests. */
export type RelayRuntime = {
  connect(info: { name: string }): RelayPort;
  /** False once this content script's extension context is invalidated for good. */
  isAlive(): boolean;
};

type RelayWindow = Pick<Window, 'postMessage' | 'addEventListener' | 'removeEventListener'>;

export type RelayOptions = {
  readonly win?: RelayWindow;
  readonly runtime?: RelayRuntime;
  readonly heartbeatMs?: number;
  /** See {@link LOSS_GRACE_MS}; 0 reports a loss at once. */
  readonly lossGraceMs?: number;
};

/** `browser.runtime`, read defensively: after invalidation even reading it may throw. */
export const browserRuntime: RelayRuntime = {
  connect: (info) => browser.runtime.connect(info) as unknown as RelayPort,
  isAlive() {
    try {
      return typeof browser.runtime?.id === 'string' && browser.runtime.id.length > 0;
    } catch {
      return false;
    }
  },
};

/**
 * A message on our channel as this world's own objects. Firefox hands a content script the page's
 * objects through Xray wrappers whose prototype is the page's `Object.prototype`, not ours, so
 * {@link parsePageRequest}'s plain-object check would drop every request; a structured clone
 * made here is ours (on Chrome, an equal copy). Other messages are not copied.
 */
function ownCopy(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  try {
    return (data as { target?: unknown }).target === TO_CONTENT ? structuredClone(data) : data;
  } catch {
    return undefined;
  }
}

type Connection = {
  readonly port: RelayPort;
  /** Ids forwarded on this port and not yet answered. */
  readonly pending: Set<string>;
  readonly heartbeat: ReturnType<typeof setInterval>;
};

/** Starts relaying for this document. Returns a function that stops it (for tests). */
export function startRelay(options: RelayOptions = {}): () => void {
  const win = options.win ?? window;
  const runtime = options.runtime ?? browserRuntime;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  const lossGraceMs = options.lossGraceMs ?? LOSS_GRACE_MS;
  let current: Connection | undefined;
  /** The extension is gone for good; nothing can reach it from this document again. */
  let gone = false;

  const toPage = (message: PageResponse) => win.postMessage(message, '*');
  const fail = (id: string, message: string) =>
    toPage({ target: TO_PAGE, kind: 'response', id, error: { code: DISCONNECTED_CODE, message } });

  /** Fails what was in flight on a lost port and tells the page, once we know if it is for good. */
  const report = (connection: Connection) => {
    const wasGone = gone;
    if (!runtime.isAlive()) gone = true;
    for (const id of connection.pending)
      fail(id, gone ? EXTENSION_GONE_MESSAGE : DISCONNECTED_MESSAGE);
    connection.pending.clear();
    // A request made during the grace may already have found the context gone and said so.
    if (!wasGone) toPage({ target: TO_PAGE, kind: 'disconnect', permanent: gone });
  };

  /** The port is unusable: the next request opens a new one; the page hears of it shortly. */
  const lose = (connection: Connection) => {
    if (current !== connection) return;
    current = undefined;
    clearInterval(connection.heartbeat);
    if (lossGraceMs === 0) report(connection);
    else setTimeout(() => report(connection), lossGraceMs);
  };

  const connect = (): Connection => {
    const port = runtime.connect({ name: PROVIDER_PORT_NAME });
    const connection: Connection = {
      port,
      pending: new Set(),
      heartbeat: setInterval(() => {
        try {
          port.postMessage(HEARTBEAT);
        } catch {
          lose(connection);
        }
      }, heartbeatMs),
    };
    port.onMessage.addListener((message: unknown) =>
      onPortMessage(connection, message as PortMessage),
    );
    // The service worker went away (stopped, crashed, extension reloaded or updated).
    port.onDisconnect.addListener(() => lose(connection));
    return connection;
  };

  const onPortMessage = (connection: Connection, message: PortMessage) => {
    switch (message.type) {
      case 'rpc-result':
        connection.pending.delete(message.id);
        toPage({ target: TO_PAGE, kind: 'response', id: message.id, result: message.result });
        return;
      case 'rpc-error':
        connection.pending.delete(message.id);
        toPage({ target: TO_PAGE, kind: 'response', id: message.id, error: message.error });
        return;
      case 'event':
        toPage({ target: TO_PAGE, kind: 'event', event: message.event, data: message.data });
        return;
    }
  };

  const forward = (request: PortRequest) => {
    if (gone) return fail(request.id, EXTENSION_GONE_MESSAGE);
    let connection = current;
    try {
      connection ??= current = connect();
      connection.pending.add(request.id);
      connection.port.postMessage(request);
    } catch {
      // `connect` or `postMessage` throws when the context is invalidated, or on a port that
      // died a moment ago; either way the request must not hang.
      connection?.pending.delete(request.id);
      if (connection) lose(connection);
      else if (!runtime.isAlive() && !gone) {
        gone = true;
        toPage({ target: TO_PAGE, kind: 'disconnect', permanent: true });
      }
      fail(request.id, gone ? EXTENSION_GONE_MESSAGE : DISCONNECTED_MESSAGE);
    }
  };

  const onWindowMessage = (event: MessageEvent) => {
    if (event.source !== win) return;
    const parsed = parsePageRequest(ownCopy(event.data));
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
    forward({ type: 'rpc', id, method, params });
  };

  win.addEventListener('message', onWindowMessage);
  return () => {
    win.removeEventListener('message', onWindowMessage);
    const connection = current;
    current = undefined;
    if (connection) {
      clearInterval(connection.heartbeat);
      connection.port.disconnect();
    }
  };
}
