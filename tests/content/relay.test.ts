/**
 * The relay (content/relay.ts) between a fake page window and a fake runtime: forwarding, the
 * heartbeat that keeps the worker awake, failing in-flight requests when the port drops, and
 * the permanent failure once the extension context is gone.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortMessage } from '../../background/provider-protocol';
import {
  DISCONNECTED_MESSAGE,
  EXTENSION_GONE_MESSAGE,
  TO_CONTENT,
  TO_PAGE,
} from '../../content/page-channel';
import {
  HEARTBEAT,
  HEARTBEAT_INTERVAL_MS,
  LOSS_GRACE_MS,
  type RelayPort,
  type RelayRuntime,
  startRelay,
} from '../../content/relay';

class FakePort implements RelayPort {
  readonly posted: unknown[] = [];
  readonly #messageListeners: ((message: unknown) => void)[] = [];
  readonly #disconnectListeners: (() => void)[] = [];
  closed = false;
  readonly onMessage = {
    addListener: (l: (message: unknown) => void) => void this.#messageListeners.push(l),
  };
  readonly onDisconnect = {
    addListener: (l: () => void) => void this.#disconnectListeners.push(l),
  };
  postMessage(message: unknown) {
    if (this.closed) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(message);
  }
  disconnect() {
    this.closed = true;
  }
  /** The background answers. */
  reply(message: PortMessage) {
    for (const l of this.#messageListeners) l(message);
  }
  /** The worker goes away. */
  drop() {
    this.closed = true;
    for (const l of this.#disconnectListeners) l();
  }
}

class FakeRuntime implements RelayRuntime {
  readonly ports: FakePort[] = [];
  alive = true;
  connect(info: { name: string }) {
    if (!this.alive) throw new Error('Extension context invalidated.');
    expect(info.name).toBe('ckm-wallet:provider');
    const port = new FakePort();
    this.ports.push(port);
    return port;
  }
  isAlive() {
    return this.alive;
  }
  get port(): FakePort {
    const port = this.ports.at(-1);
    if (!port) throw new Error('no port');
    return port;
  }
}

class FakeWindow extends EventTarget {
  readonly posted: unknown[] = [];
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  /** A message as the page posts it (source: this window). */
  fromPage(data: unknown, source: unknown = this) {
    const event = new Event('message');
    Object.defineProperties(event, { data: { value: data }, source: { value: source } });
    this.dispatchEvent(event);
  }
}

const request = (id: string, method = 'eth_chainId', params?: unknown) => ({
  target: TO_CONTENT,
  kind: 'request',
  id,
  method,
  params,
});

let win: FakeWindow;
let runtime: FakeRuntime;
let stop: () => void;

beforeEach(() => {
  vi.useFakeTimers();
  win = new FakeWindow();
  runtime = new FakeRuntime();
  stop = startRelay({ win: win as unknown as Window, runtime });
});
afterEach(() => {
  stop();
  vi.useRealTimers();
});

describe('relay: forwarding', () => {
  it('opens one port on the first request and forwards only id, method and params', () => {
    expect(runtime.ports).toHaveLength(0);
    win.fromPage({ ...request('a', 'eth_chainId', []), origin: 'https://evil.example' });
    win.fromPage(request('b', 'net_version'));
    expect(runtime.ports).toHaveLength(1);
    expect(runtime.port.posted).toEqual([
      { type: 'rpc', id: 'a', method: 'eth_chainId', params: [] },
      { type: 'rpc', id: 'b', method: 'net_version', params: undefined },
    ]);
  });

  it('passes results, errors and events back to the page', () => {
    win.fromPage(request('a'));
    win.fromPage(request('b'));
    runtime.port.reply({ type: 'rpc-result', id: 'a', result: '0x7a69' });
    runtime.port.reply({ type: 'rpc-error', id: 'b', error: { code: 4001, message: 'no' } });
    runtime.port.reply({ type: 'event', event: 'chainChanged', data: '0x1' });
    expect(win.posted).toEqual([
      { target: TO_PAGE, kind: 'response', id: 'a', result: '0x7a69' },
      { target: TO_PAGE, kind: 'response', id: 'b', error: { code: 4001, message: 'no' } },
      { target: TO_PAGE, kind: 'event', event: 'chainChanged', data: '0x1' },
    ]);
  });

  it('ignores messages from other windows, answers malformed ones with -32600', () => {
    win.fromPage(request('a'), {});
    win.fromPage({ hello: 'world' });
    win.fromPage(request('bad', 'eth_chainId', 'x'));
    expect(runtime.ports).toHaveLength(0);
    expect(win.posted).toEqual([
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'bad',
        error: {
          code: -32600,
          message: 'Invalid request: "params" expected an array or an object.',
        },
      },
    ]);
  });
});

describe('relay: heartbeat', () => {
  it('pings the background every 20 s while the port is open, and stops when it drops', () => {
    win.fromPage(request('a'));
    const port = runtime.port;
    vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS * 3);
    expect(port.posted.filter((m) => m === HEARTBEAT)).toHaveLength(3);
    expect(HEARTBEAT).toEqual({ type: 'ping' });
    port.drop();
    vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS * 3);
    expect(port.posted.filter((m) => m === HEARTBEAT)).toHaveLength(3);
  });

  it('a heartbeat on a dead port is a lost connection', () => {
    win.fromPage(request('a'));
    runtime.port.closed = true;
    vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS + LOSS_GRACE_MS);
    expect(win.posted).toEqual([
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'a',
        error: { code: 4900, message: DISCONNECTED_MESSAGE },
      },
      { target: TO_PAGE, kind: 'disconnect', permanent: false },
    ]);
  });
});

describe('relay: losing the background', () => {
  it('fails what was in flight with 4900, tells the page, and reconnects on the next request', () => {
    win.fromPage(request('a'));
    win.fromPage(request('b'));
    runtime.port.reply({ type: 'rpc-result', id: 'a', result: '0x7a69' });
    runtime.port.drop();
    expect(win.posted).toHaveLength(1);
    vi.advanceTimersByTime(LOSS_GRACE_MS);
    expect(win.posted.slice(1)).toEqual([
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'b',
        error: { code: 4900, message: DISCONNECTED_MESSAGE },
      },
      { target: TO_PAGE, kind: 'disconnect', permanent: false },
    ]);
    win.fromPage(request('c'));
    expect(runtime.ports).toHaveLength(2);
    expect(runtime.port.posted).toEqual([
      { type: 'rpc', id: 'c', method: 'eth_chainId', params: undefined },
    ]);
    // A late answer on the old port is not for anyone any more.
    runtime.ports[0]?.reply({ type: 'rpc-result', id: 'b', result: 'late' });
    expect(win.posted.filter((m) => (m as { id?: string }).id === 'b')).toHaveLength(2);
  });

  it('for good (context invalidated): pending and later requests fail with "reload the page"', () => {
    win.fromPage(request('a'));
    runtime.alive = false;
    runtime.port.drop();
    vi.advanceTimersByTime(LOSS_GRACE_MS);
    win.fromPage(request('b'));
    expect(win.posted).toEqual([
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'a',
        error: { code: 4900, message: EXTENSION_GONE_MESSAGE },
      },
      { target: TO_PAGE, kind: 'disconnect', permanent: true },
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'b',
        error: { code: 4900, message: EXTENSION_GONE_MESSAGE },
      },
    ]);
    expect(runtime.ports).toHaveLength(1);
  });

  it('reload or update: the context dies just after the port drops; the page hears one permanent loss', () => {
    win.fromPage(request('a'));
    runtime.port.drop();
    vi.advanceTimersByTime(20);
    runtime.alive = false; // as Chrome: a few ms after onDisconnect
    win.fromPage(request('b')); // a request during the grace finds the context gone
    vi.advanceTimersByTime(LOSS_GRACE_MS);
    const gone = { code: 4900, message: EXTENSION_GONE_MESSAGE };
    expect(win.posted).toEqual([
      { target: TO_PAGE, kind: 'disconnect', permanent: true },
      { target: TO_PAGE, kind: 'response', id: 'b', error: gone },
      { target: TO_PAGE, kind: 'response', id: 'a', error: gone },
    ]);
  });

  it('a context invalidated before the first request: permanent disconnect, then the error', () => {
    runtime.alive = false;
    win.fromPage(request('a'));
    win.fromPage(request('b'));
    expect(win.posted).toEqual([
      { target: TO_PAGE, kind: 'disconnect', permanent: true },
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'a',
        error: { code: 4900, message: EXTENSION_GONE_MESSAGE },
      },
      {
        target: TO_PAGE,
        kind: 'response',
        id: 'b',
        error: { code: 4900, message: EXTENSION_GONE_MESSAGE },
      },
    ]);
  });

  it('stop() closes the port and stops listening', () => {
    win.fromPage(request('a'));
    const port = runtime.port;
    stop();
    expect(port.closed).toBe(true);
    win.fromPage(request('b'));
    expect(runtime.ports).toHaveLength(1);
  });
});
