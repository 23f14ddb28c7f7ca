/**
 * The EIP-1193 provider a dApp sees as `window.ethereum` and through EIP-6963. It runs in the
 * page's MAIN world, so it holds no secret and uses no extension API: every request is posted to
 * the relay (`content/relay.ts`), which forwards it to the background.
 * @see https://eips.ethereum.org/EIPS/eip-1193
 * @module
 */
import {
  isPageResponse,
  type PageRequest,
  type PageResponse,
  TO_CONTENT,
} from '../content/page-channel';
import { announceProvider, createProviderInfo } from './eip6963';
import { ProviderRpcError } from './errors';

export type RequestArguments = {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
};
type Listener = (...args: unknown[]) => void;

/** EIP-1193 provider over the page channel. */
export class CkmProvider {
  readonly isCkmWallet = true;
  readonly #pending = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #idPrefix = crypto.randomUUID();
  #nextId = 0;

  constructor() {
    window.addEventListener('message', (event: MessageEvent) => {
      if (event.source !== window || !isPageResponse(event.data)) return;
      this.#onResponse(event.data);
    });
  }

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
    const id = `${this.#idPrefix}:${this.#nextId++}`;
    const message: PageRequest = { target: TO_CONTENT, kind: 'request', id, method, params };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      window.postMessage(message, window.location.origin === 'null' ? '*' : window.location.origin);
    });
  }

  on(event: string, listener: Listener): this {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set.add(listener));
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  #emit(event: string, ...args: unknown[]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(...args);
      } catch (error) {
        // A dApp's listener must not break the provider or the other listeners.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #onResponse(message: PageResponse): void {
    switch (message.kind) {
      case 'response': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        if ('error' in message) pending.reject(ProviderRpcError.fromWire(message.error));
        else pending.resolve(message.result);
        return;
      }
      case 'event':
        this.#emit(message.event, message.data);
        return;
      case 'disconnect':
        this.#emit('disconnect', new ProviderRpcError(4900, 'CKM Wallet disconnected.'));
        return;
    }
  }
}

/**
 * Installs the provider in this page: `window.ethereum` (unless another wallet set it first; it
 * stays configurable and writable so wallets can coexist) and the EIP-6963 announcement.
 */
export function installProvider(): CkmProvider {
  const provider = new CkmProvider();
  if (!('ethereum' in window)) {
    Object.defineProperty(window, 'ethereum', {
      value: provider,
      configurable: true,
      enumerable: true,
      writable: true,
    });
  }
  announceProvider(createProviderInfo(), provider);
  return provider;
}
