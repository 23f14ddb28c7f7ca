/**
 * The EIP-1193 provider a dApp sees as `window.ethereum` and through EIP-6963, with the legacy
 * surface MetaMask still ships (`enable`, `send`, `sendAsync`, `_metamask`, `chainId`,
 * `networkVersion`, `selectedAddress`, the `networkChanged`, `data` and `notification` events),
 * so that a dApp written for MetaMask runs unchanged.
 *
 * It runs in the page's MAIN world, so it holds no secret and uses no extension API: every request
 * is posted to the relay (`content/relay.ts`), which forwards it to the background.
 *
 * Connection: at start-up, and again after the relay lost the background (service-worker restart),
 * the provider asks for `metamask_getProviderState` and emits `connect` once it has the answer. A
 * lost background emits `disconnect` (4900) and the provider reconnects by itself, with backoff.
 * When the extension is gone for good (updated, reloaded, removed) it emits `disconnect` and
 * refuses every later request with 4900 and a "reload the page" message.
 * @see https://eips.ethereum.org/EIPS/eip-1193
 * @module
 */
import {
  DISCONNECTED_CODE,
  EXTENSION_GONE_MESSAGE,
  type PageRequest,
  type PageResponse,
  TO_CONTENT,
} from '../content/page-channel';
import { createWindowChannel, type ProviderChannel } from './channel';
import { announceProvider, createProviderInfo } from './eip6963';
import { ProviderEventEmitter } from './emitter';
import { ProviderRpcError } from './errors';
import { DEFAULT_FLAGS, receiveFlags } from './flags';
import {
  isAccountList,
  networkVersionOf,
  type ProviderState,
  parseChainChange,
  parseProviderState,
  sameAccounts,
} from './state';

export type RequestArguments = {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
};

/** A JSON-RPC 2.0 request as legacy callers pass it to `send` and `sendAsync`. */
export type JsonRpcPayload = {
  readonly id?: string | number | null;
  readonly jsonrpc?: string;
  readonly method: string;
  readonly params?: readonly unknown[] | object;
};

/** A JSON-RPC 2.0 response as legacy callers receive it. */
export type JsonRpcResponse = {
  id?: string | number | null;
  jsonrpc: '2.0';
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

export type JsonRpcCallback = (error: Error | null, response?: unknown) => void;

/** EIP-1193 `connect` event data. */
export type ProviderConnectInfo = { readonly chainId: string };

export type CkmProviderOptions = {
  readonly channel: ProviderChannel;
  /** `isMetaMask` until flags say otherwise (the "appear as MetaMask" default: true). */
  readonly isMetaMask?: boolean;
  /** Waits before each reconnection attempt, in ms; the last one repeats. */
  readonly retryDelaysMs?: readonly number[];
  /** How long the state request of a (re)connection may take before it is retried, in ms. */
  readonly stateTimeoutMs?: number;
};

const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([100, 500, 1000, 2000, 5000]);
const DEFAULT_STATE_TIMEOUT_MS = 10_000;

/** Methods `send(payload)` answers synchronously from local state, as MetaMask does. */
const SYNC_METHODS = new Set([
  'eth_accounts',
  'eth_coinbase',
  'net_version',
  'eth_uninstallFilter',
]);
/** "Method not supported" answers: the background predates `metamask_getProviderState`. */
const UNSUPPORTED_CODES = new Set([4200, -32601]);

/** Calls a dApp's callback outside our promise chain, so its throw is its own. */
function callBack(callback: JsonRpcCallback, error: Error | null, response: unknown): void {
  try {
    callback(error, response);
  } catch (thrown) {
    setTimeout(() => {
      throw thrown;
    });
  }
}

/** EIP-1193 provider over the page channel, with MetaMask's legacy surface. */
export class CkmProvider extends ProviderEventEmitter {
  readonly isCkmWallet = true;
  /** "Appear as MetaMask": true unless the user turned it off (see `flags.ts`). */
  isMetaMask: boolean;
  /** MetaMask's experimental API; dApps call `_metamask.isUnlocked()`. */
  readonly _metamask: {
    isUnlocked(): Promise<boolean>;
    requestBatch(requests: readonly JsonRpcPayload[]): Promise<JsonRpcResponse[]>;
  };

  readonly #channel: ProviderChannel;
  readonly #pending = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #idPrefix = crypto.randomUUID();
  readonly #retryDelaysMs: readonly number[];
  readonly #stateTimeoutMs: number;
  #nextId = 0;

  #chainId: string | null = null;
  #networkVersion: string | null = null;
  #accounts: readonly string[] = [];
  #isUnlocked = false;
  /** Connected: the last state request succeeded and the relay has not reported a loss since. */
  #connected = false;
  /** Initialised: the first state arrived; changes after that are emitted as events. */
  #initialized = false;
  /** The extension is gone for good: no more requests, no more reconnection. */
  #gone = false;
  #syncing = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CkmProviderOptions) {
    super();
    this.#channel = options.channel;
    this.isMetaMask = options.isMetaMask ?? DEFAULT_FLAGS.appearAsMetaMask;
    this.#retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#stateTimeoutMs = options.stateTimeoutMs ?? DEFAULT_STATE_TIMEOUT_MS;
    // dApps pass these around unbound (`const { request } = ethereum`, web3's `sendAsync`).
    this.request = this.request.bind(this);
    this.send = this.send.bind(this) as typeof this.send;
    this.sendAsync = this.sendAsync.bind(this);
    this.enable = this.enable.bind(this);
    this.isConnected = this.isConnected.bind(this);
    this._metamask = {
      isUnlocked: () => this.#queryUnlocked(),
      requestBatch: (requests) => {
        if (!Array.isArray(requests))
          return Promise.reject(
            new ProviderRpcError(-32600, 'Batch requests must be made with an array.'),
          );
        return Promise.all(requests.map((payload) => this.#respond(payload)));
      },
    };
    this.#channel.listen((message) => this.#onMessage(message));
    void this.#sync();
  }

  // --- EIP-1193 -------------------------------------------------------------------------------

  /** EIP-1193 §request: one JSON-RPC call, resolved with its result or rejected with its error. */
  request(args: RequestArguments): Promise<unknown> {
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return Promise.reject(
        new ProviderRpcError(-32600, 'Expected a single, non-array, object argument.'),
      );
    const { method, params } = args;
    if (typeof method !== 'string' || method.length === 0)
      return Promise.reject(new ProviderRpcError(-32600, '"method" must be a non-empty string.'));
    if (params !== undefined && (typeof params !== 'object' || params === null))
      return Promise.reject(
        new ProviderRpcError(-32600, '"params" must be an array or an object if given.'),
      );
    return this.#call(method, params).then((result) => {
      // As MetaMask: an answer to either accounts method is the freshest account list.
      if ((method === 'eth_accounts' || method === 'eth_requestAccounts') && isAccountList(result))
        this.#setAccounts(result);
      return result;
    });
  }

  /** EIP-1193 §isConnected: true once the wallet answered and until the relay reports a loss. */
  isConnected(): boolean {
    return this.#connected;
  }

  // --- Legacy properties (MetaMask still exposes them; many dApps read them) ------------------

  /** The current chain id (hex), or null before the first connection. */
  get chainId(): string | null {
    return this.#chainId;
  }

  /** `net_version` of the current chain (decimal string), or null before the first connection. */
  get networkVersion(): string | null {
    return this.#networkVersion;
  }

  /** The first account this site may see, lowercase or checksummed as the wallet gives it. */
  get selectedAddress(): string | null {
    return this.#accounts[0] ?? null;
  }

  /** MetaMask's internal state object, read by some older dApps. A copy. */
  get _state(): {
    accounts: string[];
    isConnected: boolean;
    isUnlocked: boolean;
    initialized: boolean;
    isPermanentlyDisconnected: boolean;
  } {
    return {
      accounts: [...this.#accounts],
      isConnected: this.#connected,
      isUnlocked: this.#isUnlocked,
      initialized: this.#initialized,
      isPermanentlyDisconnected: this.#gone,
    };
  }

  // --- Legacy methods --------------------------------------------------------------------------

  /** @deprecated EIP-1102; the same as `request({ method: 'eth_requestAccounts' })`. */
  enable(): Promise<unknown> {
    return this.request({ method: 'eth_requestAccounts' });
  }

  /**
   * @deprecated MetaMask's three legacy forms:
   * - `send(method, params?)` → a Promise of the whole JSON-RPC response object;
   * - `send(payload, callback)` → as `sendAsync`;
   * - `send(payload)` → the response, synchronously, for `eth_accounts`, `eth_coinbase`,
   *   `net_version` and `eth_uninstallFilter` only, answered from local state.
   */
  send(method: string, params?: readonly unknown[]): Promise<JsonRpcResponse>;
  send(payload: JsonRpcPayload | readonly JsonRpcPayload[], callback: JsonRpcCallback): void;
  send(payload: JsonRpcPayload): JsonRpcResponse;
  send(methodOrPayload: unknown, paramsOrCallback?: unknown): unknown {
    if (
      typeof methodOrPayload === 'string' &&
      (!paramsOrCallback || Array.isArray(paramsOrCallback))
    ) {
      const params = (paramsOrCallback ?? undefined) as readonly unknown[] | undefined;
      return this.request({ method: methodOrPayload, params }).then(
        (result): JsonRpcResponse => ({ jsonrpc: '2.0', result }),
      );
    }
    if (
      typeof methodOrPayload === 'object' &&
      methodOrPayload !== null &&
      typeof paramsOrCallback === 'function'
    ) {
      this.sendAsync(methodOrPayload as JsonRpcPayload, paramsOrCallback as JsonRpcCallback);
      return undefined;
    }
    return this.#sendSync(methodOrPayload);
  }

  /**
   * @deprecated JSON-RPC with a Node-style callback: `callback(error, response)` for one
   * payload (error set when the response carries one), `callback(null, responses)` for a batch.
   */
  sendAsync(payload: JsonRpcPayload | readonly JsonRpcPayload[], callback: JsonRpcCallback): void {
    if (typeof callback !== 'function')
      throw new TypeError(`"callback" expected a function, got ${typeof callback}`);
    if (Array.isArray(payload)) {
      void Promise.all(payload.map((p: JsonRpcPayload) => this.#respond(p))).then((responses) =>
        callBack(callback, null, responses),
      );
      return;
    }
    void this.#respond(payload as JsonRpcPayload).then((response) =>
      callBack(
        callback,
        response.error
          ? new ProviderRpcError(response.error.code, response.error.message, response.error.data)
          : null,
        response,
      ),
    );
  }

  #sendSync(payload: unknown): JsonRpcResponse {
    const method =
      typeof payload === 'object' && payload !== null
        ? (payload as { method?: unknown }).method
        : undefined;
    if (typeof method !== 'string' || !SYNC_METHODS.has(method))
      throw new Error(
        `CKM Wallet does not support synchronous methods like ${String(method)} without a callback parameter.`,
      );
    const { id } = payload as JsonRpcPayload;
    let result: unknown;
    switch (method) {
      case 'eth_accounts':
        result = this.selectedAddress ? [this.selectedAddress] : [];
        break;
      case 'eth_coinbase':
        result = this.selectedAddress;
        break;
      case 'net_version':
        result = this.#networkVersion;
        break;
      case 'eth_uninstallFilter':
        // Answered at once as MetaMask does; the real uninstall goes on in the background.
        this.request(payload as RequestArguments).catch(() => undefined);
        result = true;
        break;
    }
    return id === undefined ? { jsonrpc: '2.0', result } : { id, jsonrpc: '2.0', result };
  }

  /** One legacy payload → its JSON-RPC response (never rejects). */
  async #respond(payload: JsonRpcPayload): Promise<JsonRpcResponse> {
    const id =
      typeof payload === 'object' && payload !== null && 'id' in payload ? payload.id : undefined;
    const base: JsonRpcResponse = id === undefined ? { jsonrpc: '2.0' } : { id, jsonrpc: '2.0' };
    try {
      if (typeof payload !== 'object' || payload === null)
        throw new ProviderRpcError(-32600, 'Expected a JSON-RPC request object.');
      return { ...base, result: await this.request(payload) };
    } catch (error) {
      const rpcError =
        error instanceof ProviderRpcError
          ? error
          : new ProviderRpcError(-32603, error instanceof Error ? error.message : 'Internal error');
      return { ...base, error: rpcError.toJSON() };
    }
  }

  // --- The page channel ------------------------------------------------------------------------

  /** Posts one request; `timeoutMs` (internal calls only) fails it with 4900 when it is late. */
  #call(method: string, params?: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.#gone)
      return Promise.reject(new ProviderRpcError(DISCONNECTED_CODE, EXTENSION_GONE_MESSAGE));
    const id = `${this.#idPrefix}:${this.#nextId++}`;
    const message: PageRequest = { target: TO_CONTENT, kind: 'request', id, method, params };
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        this.#pending.delete(id);
        if (timer !== undefined) clearTimeout(timer);
      };
      this.#pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (timeoutMs !== undefined)
        timer = setTimeout(
          () =>
            this.#pending
              .get(id)
              ?.reject(
                new ProviderRpcError(DISCONNECTED_CODE, 'CKM Wallet did not answer in time.'),
              ),
          timeoutMs,
        );
      this.#channel.send(message);
    });
  }

  #onMessage(message: PageResponse): void {
    switch (message.kind) {
      case 'response': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        if ('error' in message) pending.reject(ProviderRpcError.fromWire(message.error));
        else pending.resolve(message.result);
        return;
      }
      case 'event':
        this.#onWalletEvent(message.event, message.data);
        return;
      case 'disconnect':
        this.#onLost(message.permanent === true);
        return;
    }
  }

  /** Events from the background (`background/services/provider-events.ts`). */
  #onWalletEvent(event: string, data: unknown): void {
    switch (event) {
      case 'accountsChanged':
        if (isAccountList(data)) this.#setAccounts(data);
        return;
      case 'chainChanged': {
        const change = parseChainChange(data);
        if (change) this.#setChain(change.chainId, change.networkVersion);
        return;
      }
      case 'message': {
        this.emit('message', data);
        const { type, data: params } = (data ?? {}) as { type?: unknown; data?: unknown };
        if (type === 'eth_subscription' && typeof params === 'object' && params !== null) {
          // MetaMask's deprecated shapes, still read by web3.js 1.x and ethers 4.
          this.emit('data', { jsonrpc: '2.0', method: 'eth_subscription', params });
          this.emit('notification', (params as { result?: unknown }).result);
        }
        return;
      }
      case 'connect': {
        // The background's own connectivity signal (its chain's RPC came back).
        const change = parseChainChange((data as { chainId?: unknown } | null)?.chainId);
        if (change) this.#setChain(change.chainId, change.networkVersion);
        if (!this.#connected && this.#chainId !== null) {
          this.#connected = true;
          this.emit('connect', { chainId: this.#chainId } satisfies ProviderConnectInfo);
        }
        return;
      }
      case 'disconnect': {
        // EIP-1193 4901 unless the background names its error (e.g. the chain's RPC is down).
        const wire = data as { code?: unknown; message?: unknown } | null;
        const error =
          typeof wire?.code === 'number' && typeof wire.message === 'string'
            ? ProviderRpcError.fromWire(wire as { code: number; message: string })
            : new ProviderRpcError(4901, 'CKM Wallet is not connected to the current chain.');
        this.emit('disconnect', error);
        return;
      }
      default:
        // An event this provider does not know yet: pass it on unchanged.
        this.emit(event, data);
    }
  }

  // --- Connection state ------------------------------------------------------------------------

  /** Fetches the wallet's state and marks the provider connected; retries with backoff. */
  async #sync(): Promise<void> {
    if (this.#syncing || this.#gone) return;
    this.#syncing = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    try {
      const state = await this.#fetchState();
      if (this.#gone) return;
      this.#setChain(state.chainId, state.networkVersion);
      this.#setAccounts(state.accounts);
      this.#isUnlocked = state.isUnlocked;
      this.#attempt = 0;
      const first = !this.#initialized;
      this.#initialized = true;
      if (!this.#connected) {
        this.#connected = true;
        this.emit('connect', { chainId: state.chainId } satisfies ProviderConnectInfo);
      }
      if (first) this.emit('_initialized');
    } catch {
      this.#scheduleSync();
    } finally {
      this.#syncing = false;
    }
  }

  #scheduleSync(): void {
    if (this.#gone || this.#retryTimer !== undefined) return;
    const delays = this.#retryDelaysMs;
    const delay = delays[Math.min(this.#attempt, delays.length - 1)] ?? 1000;
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#sync();
    }, delay);
  }

  /**
   * `metamask_getProviderState`, or, from a background that does not have it, the same facts from
   * `eth_chainId`, `net_version` and `eth_accounts`.
   */
  async #fetchState(): Promise<ProviderState> {
    const timeout = this.#stateTimeoutMs;
    try {
      return parseProviderState(await this.#call('metamask_getProviderState', undefined, timeout));
    } catch (error) {
      if (!(error instanceof ProviderRpcError) || !UNSUPPORTED_CODES.has(error.code)) throw error;
    }
    const [chainId, networkVersion, accounts] = await Promise.all([
      this.#call('eth_chainId', undefined, timeout),
      this.#call('net_version', undefined, timeout).catch(() => undefined),
      this.#call('eth_accounts', undefined, timeout).catch(() => []),
    ]);
    return parseProviderState({
      chainId,
      networkVersion,
      accounts: isAccountList(accounts) ? accounts : [],
    });
  }

  async #queryUnlocked(): Promise<boolean> {
    if (this.#gone) return false;
    try {
      const state = parseProviderState(
        await this.#call('metamask_getProviderState', undefined, this.#stateTimeoutMs),
      );
      this.#isUnlocked = state.isUnlocked;
    } catch {
      // Keep the last known answer: this background may not have the method.
    }
    return this.#isUnlocked;
  }

  /** The relay lost the background: tell the dApp, then reconnect unless it is gone for good. */
  #onLost(permanent: boolean): void {
    const wasConnected = this.#connected;
    this.#connected = false;
    if (permanent && !this.#gone) {
      this.#gone = true;
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      // As MetaMask after a non-recoverable disconnect: no chain, no accounts.
      this.#chainId = null;
      this.#networkVersion = null;
      this.#accounts = [];
      this.#isUnlocked = false;
      for (const { reject } of [...this.#pending.values()])
        reject(new ProviderRpcError(DISCONNECTED_CODE, EXTENSION_GONE_MESSAGE));
    }
    if (wasConnected || permanent)
      this.emit(
        'disconnect',
        new ProviderRpcError(
          DISCONNECTED_CODE,
          permanent ? EXTENSION_GONE_MESSAGE : 'CKM Wallet disconnected; reconnecting.',
        ),
      );
    if (!permanent) {
      // A fresh loss starts the backoff again; the first attempt wakes the worker.
      this.#attempt = 0;
      this.#scheduleSync();
    }
  }

  #setChain(chainId: string, networkVersion: string = networkVersionOf(chainId)): void {
    const chainChanged = chainId !== this.#chainId;
    const networkChanged = networkVersion !== this.#networkVersion;
    this.#chainId = chainId;
    this.#networkVersion = networkVersion;
    if (!this.#initialized) return;
    if (chainChanged) this.emit('chainChanged', chainId);
    if (networkChanged) this.emit('networkChanged', networkVersion);
  }

  #setAccounts(accounts: readonly string[]): void {
    if (sameAccounts(accounts, this.#accounts)) return;
    this.#accounts = Object.freeze([...accounts]);
    if (this.#initialized) this.emit('accountsChanged', [...accounts]);
  }
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/**
 * Installs the provider in this page: `window.ethereum` (unless another wallet set it first; it
 * stays configurable and writable so wallets can coexist), MetaMask's `ethereum#initialized`
 * event, and the EIP-6963 announcement. Skips documents that are not HTML (XML, SVG), as
 * MetaMask does. Call it at `document_start` in the MAIN world.
 */
export function installProvider(win: Window = window): CkmProvider | undefined {
  const contentType = win.document?.contentType;
  if (contentType && !HTML_TYPES.has(contentType)) return undefined;
  const provider = new CkmProvider({ channel: createWindowChannel(win) });
  receiveFlags(win, (flags) => {
    provider.isMetaMask = flags.appearAsMetaMask;
  });
  if (!('ethereum' in win)) {
    Object.defineProperty(win, 'ethereum', {
      value: provider,
      configurable: true,
      enumerable: true,
      writable: true,
    });
    win.dispatchEvent(new Event('ethereum#initialized'));
  }
  // The announced object is window.ethereum itself, isMetaMask included: see docs/wallet.md.
  announceProvider(createProviderInfo(), provider);
  return provider;
}
