/**
 * The networks the wallet knows, the one the popup is on, and the chain each origin is on
 * (MetaMask's per-dApp network). Forwarding to a chain's RPC lives here too, so every RPC URL
 * goes through one place.
 *
 * - Built-ins: Ethereum, Sepolia, Base, OP Mainnet, Arbitrum One, Polygon and Localhost 8545 (the
 *   default). Their RPC URL and name may be edited; they cannot be removed. Only the edits are
 *   stored, so a later release can change a built-in's default URL for users who never edited it.
 * - Custom networks: added by the user (popup) or a dApp (EIP-3085, after approval); edited; removed.
 * - Per-origin chain: an origin that never chose a chain **follows** the popup's network, and moves
 *   with it when the user selects another one (it gets `chainChanged`). An origin that switched
 *   (EIP-3326 / EIP-3085) keeps its own chain until it switches again, its chain is removed, or
 *   {@link NetworksService.forgetOrigin} is called (on disconnect). Divergence from MetaMask: its
 *   popup's network picker also moves the dApp of the active tab; ours moves only the followers,
 *   because the background does not know which tab the user looks at.
 * - Everything lives under one `storage.local` key, validated entry by entry when loaded: a bad
 *   entry is dropped, never trusted.
 *
 * `request` sends one JSON-RPC request through viem's HTTP RPC client, with a timeout. A node's
 * JSON-RPC error comes back as a `JsonRpcError` with the node's own code, message and data; a
 * chain that cannot be reached is EIP-1193 4901 (chainDisconnected), naming the chain but never
 * its RPC URL (URLs may carry API keys; the page must not see them).
 * @module
 */
import { JsonRpcError, providerErrors } from '@metamask/rpc-errors';
import { HttpRequestError, RpcRequestError, TimeoutError } from 'viem';
import { getHttpRpcClient } from 'viem/utils';
import browser from 'webextension-polyfill';
import type { ChainView } from '../approvals-api';
import type { ProviderEventsService } from './provider-events';

export type Network = {
  /** EIP-155 chain id. */
  readonly chainId: number;
  readonly name: string;
  readonly rpcUrl: string;
  readonly nativeCurrency: {
    readonly name: string;
    readonly symbol: string;
    readonly decimals: 18;
  };
  readonly blockExplorerUrl?: string;
  /** Shipped with the wallet (its RPC URL may be edited; it cannot be removed). */
  readonly builtIn?: boolean;
};

/** What a user or a dApp gives to add a network. */
export type NetworkInput = {
  readonly chainId: number;
  readonly name: string;
  readonly rpcUrl: string;
  readonly symbol: string;
  /** Name of the native currency; defaults to the symbol. */
  readonly currencyName?: string;
  readonly blockExplorerUrl?: string;
};

/** The fields of a known network that may be edited. */
export type NetworkPatch = {
  readonly rpcUrl?: string;
  readonly name?: string;
};

/* ---------------------------------------------------------------------------------------------
 * Built-in networks
 * ------------------------------------------------------------------------------------------- */

const ETHER = Object.freeze({ name: 'Ether', symbol: 'ETH', decimals: 18 as const });

function builtIn(network: Omit<Network, 'builtIn'>): Network {
  return Object.freeze({ ...network, builtIn: true });
}

export const LOCAL_DEV_CHAIN: Network = builtIn({
  chainId: 31337,
  name: 'Localhost 8545',
  rpcUrl: 'http://127.0.0.1:8545',
  nativeCurrency: ETHER,
});

/** Shipped networks, in the order the popup lists them. Public RPCs that need no API key. */
export const BUILT_IN_NETWORKS: readonly Network[] = Object.freeze([
  builtIn({
    chainId: 1,
    name: 'Ethereum',
    rpcUrl: 'https://ethereum-rpc.publicnode.com',
    nativeCurrency: ETHER,
    blockExplorerUrl: 'https://etherscan.io',
  }),
  builtIn({
    chainId: 11155111,
    name: 'Sepolia',
    rpcUrl: 'https://ethereum-sepolia-rpc.publicnode.com',
    nativeCurrency: Object.freeze({ name: 'Sepolia Ether', symbol: 'SepoliaETH', decimals: 18 }),
    blockExplorerUrl: 'https://sepolia.etherscan.io',
  }),
  builtIn({
    chainId: 8453,
    name: 'Base',
    rpcUrl: 'https://mainnet.base.org',
    nativeCurrency: ETHER,
    blockExplorerUrl: 'https://basescan.org',
  }),
  builtIn({
    chainId: 10,
    name: 'OP Mainnet',
    rpcUrl: 'https://mainnet.optimism.io',
    nativeCurrency: ETHER,
    blockExplorerUrl: 'https://optimistic.etherscan.io',
  }),
  builtIn({
    chainId: 42161,
    name: 'Arbitrum One',
    rpcUrl: 'https://arb1.arbitrum.io/rpc',
    nativeCurrency: ETHER,
    blockExplorerUrl: 'https://arbiscan.io',
  }),
  builtIn({
    chainId: 137,
    name: 'Polygon',
    rpcUrl: 'https://polygon-rpc.com',
    nativeCurrency: Object.freeze({ name: 'POL', symbol: 'POL', decimals: 18 }),
    blockExplorerUrl: 'https://polygonscan.com',
  }),
  LOCAL_DEV_CHAIN,
]);

export const DEFAULT_CHAIN_ID = LOCAL_DEV_CHAIN.chainId;

/** `storage.local` key of everything this service keeps. */
export const NETWORKS_STORAGE_KEY = 'networks';

/**
 * Largest chain id accepted: floor((2^53 − 39) / 2), the bound EIP-155 signatures leave for
 * `v = chainId * 2 + 35` to stay a safe integer (MetaMask's `MAX_SAFE_CHAIN_ID`).
 */
export const MAX_CHAIN_ID = 4503599627370476;
export const MAX_NAME_LENGTH = 64;
export const MAX_SYMBOL_LENGTH = 12;
export const MAX_URL_LENGTH = 2048;
/** Origins with a chain of their own; the oldest choice is forgotten beyond this. */
export const MAX_ORIGINS = 1000;
/** Custom networks at most. */
export const MAX_CUSTOM_NETWORKS = 200;
export const DEFAULT_RPC_TIMEOUT_MS = 15_000;

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

/** Base of this service's errors; `code` is stable (the popup branches on it). */
export abstract class NetworkError extends Error {
  abstract readonly code: string;
}

/** A field of a network failed validation: `"rpcUrl" expected an http(s) URL, got "ftp:"`. */
export class InvalidNetworkFieldError extends NetworkError {
  override readonly name = 'InvalidNetworkFieldError';
  readonly code = 'InvalidNetworkField';
  constructor(
    readonly field: string,
    expectation: string,
    observation?: string,
  ) {
    super(`"${field}" expected ${expectation}${observation ? `, got ${observation}` : ''}`);
  }
}

export class UnknownNetworkError extends NetworkError {
  override readonly name = 'UnknownNetworkError';
  readonly code = 'UnknownNetwork';
  constructor(readonly chainId: number) {
    super(`No network with chain id ${chainId} is configured.`);
  }
}

export class NetworkExistsError extends NetworkError {
  override readonly name = 'NetworkExistsError';
  readonly code = 'NetworkExists';
  constructor(
    readonly chainId: number,
    existingName: string,
  ) {
    super(`Chain id ${chainId} is already configured as "${existingName}".`);
  }
}

export class BuiltInNetworkError extends NetworkError {
  override readonly name = 'BuiltInNetworkError';
  readonly code = 'BuiltInNetwork';
  constructor(
    readonly chainId: number,
    networkName: string,
  ) {
    super(`"${networkName}" is built in and cannot be removed; its RPC URL can be edited.`);
  }
}

export class TooManyNetworksError extends NetworkError {
  override readonly name = 'TooManyNetworksError';
  readonly code = 'TooManyNetworks';
  constructor() {
    super(`At most ${MAX_CUSTOM_NETWORKS} custom networks can be added.`);
  }
}

/** The RPC answered `eth_chainId` with another chain than the one it is meant for. */
export class RpcChainIdMismatchError extends NetworkError {
  override readonly name = 'RpcChainIdMismatchError';
  readonly code = 'RpcChainIdMismatch';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`The RPC URL serves chain id ${actual}, not chain id ${expected}.`);
  }
}

/** The RPC did not answer `eth_chainId` usably (down, timeout, not JSON-RPC, bad result). */
export class RpcUnreachableError extends NetworkError {
  override readonly name = 'RpcUnreachableError';
  readonly code = 'RpcUnreachable';
  constructor(reason: string) {
    super(`The RPC URL did not answer eth_chainId: ${reason}`);
  }
}

/* ---------------------------------------------------------------------------------------------
 * Validation (one assert per field, at the door)
 * ------------------------------------------------------------------------------------------- */

/** A positive safe integer no larger than {@link MAX_CHAIN_ID}. */
export function assertChainId(value: unknown, field = 'chainId'): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new InvalidNetworkFieldError(field, 'an integer', describe(value));
  if (value < 1 || value > MAX_CHAIN_ID)
    throw new InvalidNetworkFieldError(field, `an integer from 1 to ${MAX_CHAIN_ID}`, `${value}`);
}

/** Trimmed text of 1..max characters with no control characters. */
export function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string')
    throw new InvalidNetworkFieldError(field, 'a string', describe(value));
  const text = value.trim();
  if (text.length === 0 || text.length > max)
    throw new InvalidNetworkFieldError(
      field,
      `1 to ${max} characters`,
      `${text.length} characters`,
    );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text))
    throw new InvalidNetworkFieldError(field, 'text without control characters');
  return text;
}

/** The symbol of a native currency: 1..12 characters, no spaces. */
export function checkSymbol(value: unknown, field = 'symbol'): string {
  const symbol = checkText(value, field, MAX_SYMBOL_LENGTH);
  if (/\s/.test(symbol)) throw new InvalidNetworkFieldError(field, 'a symbol without spaces');
  return symbol;
}

export type CheckUrlOptions = {
  /** Allow plain `http:` only to loopback hosts (what a dApp may propose, as MetaMask does). */
  readonly httpOnlyOnLoopback?: boolean;
};

/** An absolute `http:` or `https:` URL of at most {@link MAX_URL_LENGTH} characters. */
export function checkUrl(value: unknown, field: string, options: CheckUrlOptions = {}): string {
  if (typeof value !== 'string')
    throw new InvalidNetworkFieldError(field, 'a URL', describe(value));
  const text = value.trim();
  if (text.length === 0 || text.length > MAX_URL_LENGTH)
    throw new InvalidNetworkFieldError(
      field,
      `a URL of 1 to ${MAX_URL_LENGTH} characters`,
      `${text.length} characters`,
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidNetworkFieldError(field, 'an absolute http(s) URL', 'text that is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidNetworkFieldError(field, 'an http(s) URL', `"${url.protocol}"`);
  if (options.httpOnlyOnLoopback && url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    throw new InvalidNetworkFieldError(
      field,
      'an https URL (plain http only for localhost)',
      `http to "${url.hostname}"`,
    );
  return text;
}

export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

/** Checks every field of a new network; returns the normalised network (not yet stored). */
export function checkNetworkInput(input: NetworkInput): Network {
  if (typeof input !== 'object' || input === null)
    throw new InvalidNetworkFieldError('network', 'an object', describe(input));
  assertChainId(input.chainId);
  const name = checkText(input.name, 'name', MAX_NAME_LENGTH);
  const rpcUrl = checkUrl(input.rpcUrl, 'rpcUrl');
  const symbol = checkSymbol(input.symbol);
  const currencyName =
    input.currencyName === undefined
      ? symbol
      : checkText(input.currencyName, 'currencyName', MAX_NAME_LENGTH);
  const blockExplorerUrl =
    input.blockExplorerUrl === undefined || input.blockExplorerUrl === ''
      ? undefined
      : checkUrl(input.blockExplorerUrl, 'blockExplorerUrl');
  return Object.freeze({
    chainId: input.chainId,
    name,
    rpcUrl,
    nativeCurrency: Object.freeze({ name: currencyName, symbol, decimals: 18 as const }),
    ...(blockExplorerUrl === undefined ? {} : { blockExplorerUrl }),
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `${value}`;
  return `a value of type ${typeof value}`;
}

/* ---------------------------------------------------------------------------------------------
 * Views and hex
 * ------------------------------------------------------------------------------------------- */

/** EIP-1193 / EIP-695 form of a chain id: lower-case hex with `0x`, no leading zeros. */
export function toHexChainId(chainId: number): `0x${string}` {
  return `0x${chainId.toString(16)}`;
}

/** What an approval prompt shows of a network. */
export function toChainView(network: Network): ChainView {
  return { chainId: network.chainId, name: network.name, symbol: network.nativeCurrency.symbol };
}

/* ---------------------------------------------------------------------------------------------
 * The service
 * ------------------------------------------------------------------------------------------- */

export type NetworksService = {
  /** Resolves once the stored networks are loaded. */
  readonly ready: Promise<void>;
  list(): readonly Network[];
  get(chainId: number): Network | undefined;
  /** The popup's network; an origin that never chose a chain is on it. */
  selected(): Network;
  /** Changes the popup's network; origins that follow it get `chainChanged`. */
  select(chainId: number): Promise<void>;
  /** The chain `origin` is on (its own choice, else the selected network). */
  chainOf(origin: string): Network;
  /** Moves one origin to a known chain (emits `chainChanged` to it when it changes). */
  switchOrigin(origin: string, chainId: number): Promise<void>;
  /** Forgets an origin's own chain (it follows the selected network again). */
  forgetOrigin(origin: string): Promise<void>;
  /** Adds a custom network (validated; refuses a known chain id). */
  add(input: NetworkInput): Promise<Network>;
  /** Edits a network's RPC URL or name (built-ins included). */
  update(chainId: number, patch: NetworkPatch): Promise<Network>;
  /** Removes a custom network; its origins go back to the selected network. */
  remove(chainId: number): Promise<void>;
  /** Asks an RPC URL which chain it serves (`eth_chainId`), with the request timeout. */
  probeChainId(rpcUrl: string): Promise<number>;
  /** Sends one JSON-RPC request to a chain's RPC; RPC errors keep their code and message. */
  request(chainId: number, method: string, params?: unknown): Promise<unknown>;
  /** Called after every stored change (for the popup's `stateChanged`). */
  onChange(listener: () => void): void;
};

export type NetworksServiceOptions = {
  /** Per-request timeout of `request` and `probeChainId`. */
  readonly rpcTimeoutMs?: number;
  /** Replaces the built-ins (tests point them at local nodes). */
  readonly builtIns?: readonly Network[];
  /** The selected network on first start. */
  readonly defaultChainId?: number;
};

type RpcCallOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly node: unknown }
  | { readonly ok: false; readonly down: string };

type Override = { readonly rpcUrl?: string; readonly name?: string };

type State = {
  readonly selected: number;
  readonly custom: readonly Network[];
  readonly overrides: ReadonlyMap<number, Override>;
  /** Insertion order = age of the choice (the oldest is dropped at {@link MAX_ORIGINS}). */
  readonly origins: ReadonlyMap<string, number>;
};

/** The stored form (JSON in `storage.local`). */
type Stored = {
  readonly version: 1;
  readonly selected: number;
  readonly custom: readonly Network[];
  readonly overrides: Readonly<Record<string, Override>>;
  readonly origins: Readonly<Record<string, number>>;
};

export function createNetworksService(
  events: Pick<ProviderEventsService, 'emitToOrigin' | 'origins'>,
  options: NetworksServiceOptions = {},
): NetworksService {
  const builtIns = options.builtIns ?? BUILT_IN_NETWORKS;
  const timeout = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  const defaultChainId = options.defaultChainId ?? DEFAULT_CHAIN_ID;
  const builtInIds = new Set(builtIns.map((n) => n.chainId));
  const listeners = new Set<() => void>();

  let state: State = {
    selected: defaultChainId,
    custom: [],
    overrides: new Map(),
    origins: new Map(),
  };
  let byId = index(state);

  function index(s: State): Map<number, Network> {
    const map = new Map<number, Network>();
    for (const base of builtIns) {
      const edit = s.overrides.get(base.chainId);
      map.set(base.chainId, edit ? Object.freeze({ ...base, ...edit }) : base);
    }
    for (const network of s.custom)
      if (!map.has(network.chainId)) map.set(network.chainId, network);
    return map;
  }

  function chainIdOf(s: State, map: Map<number, Network>, origin: string): number {
    const own = s.origins.get(origin);
    return own !== undefined && map.has(own) ? own : s.selected;
  }

  const ready = browser.storage.local.get(NETWORKS_STORAGE_KEY).then(
    (stored) => {
      state = parseStored(stored[NETWORKS_STORAGE_KEY], builtInIds, defaultChainId);
      byId = index(state);
    },
    (error: unknown) => {
      console.error('CKM Wallet: could not read the stored networks; using the defaults', error);
    },
  );

  // Every change runs in this queue: compute the next state, store it, then publish it.
  let queue: Promise<unknown> = ready;
  function mutate<T>(change: (s: State, map: Map<number, Network>) => [State, T]): Promise<T> {
    const run = queue.then(async () => {
      const [next, result] = change(state, byId);
      const nextById = index(next);
      const watched = new Set([
        ...events.origins(),
        ...state.origins.keys(),
        ...next.origins.keys(),
      ]);
      const before = new Map([...watched].map((o) => [o, chainIdOf(state, byId, o)]));
      await browser.storage.local.set({ [NETWORKS_STORAGE_KEY]: toStored(next) });
      state = next;
      byId = nextById;
      for (const [origin, chainId] of before) {
        const now = chainIdOf(state, byId, origin);
        if (now !== chainId) events.emitToOrigin(origin, 'chainChanged', toHexChainId(now));
      }
      for (const listener of listeners) listener();
      return result;
    });
    queue = run.catch(() => {});
    return run;
  }

  function known(map: Map<number, Network>, chainId: number): Network {
    assertChainId(chainId);
    const network = map.get(chainId);
    if (!network) throw new UnknownNetworkError(chainId);
    return network;
  }

  function withOrigin(s: State, origin: string, chainId: number | undefined): State {
    const origins = new Map(s.origins);
    origins.delete(origin);
    if (chainId !== undefined) {
      origins.set(origin, chainId);
      while (origins.size > MAX_ORIGINS) origins.delete(origins.keys().next().value as string);
    }
    return { ...s, origins };
  }

  /** One JSON-RPC call; never throws: a node error or the reason the chain is down. */
  async function call(rpcUrl: string, method: string, params: unknown): Promise<RpcCallOutcome> {
    const client = getHttpRpcClient(rpcUrl, { timeout });
    let response: unknown;
    try {
      response = await client.request({ body: { method, params: params ?? [] } });
    } catch (error) {
      if (error instanceof RpcRequestError) {
        const cause = error.cause as { message?: unknown } | undefined;
        return { ok: false, node: { code: error.code, message: cause?.message, data: error.data } };
      }
      if (error instanceof TimeoutError) return { ok: false, down: 'did not answer in time' };
      if (error instanceof HttpRequestError && error.status !== undefined)
        return { ok: false, down: `answered HTTP ${error.status}` };
      return { ok: false, down: 'cannot be reached' };
    }
    if (typeof response !== 'object' || response === null || Array.isArray(response))
      return { ok: false, down: 'did not answer with a JSON-RPC response' };
    const body = response as { result?: unknown; error?: unknown };
    if (body.error !== undefined && body.error !== null) return { ok: false, node: body.error };
    if (!('result' in body)) return { ok: false, down: 'answered without a result' };
    return { ok: true, result: body.result };
  }

  const selectedNetwork = (): Network =>
    byId.get(state.selected) ?? (byId.values().next().value as Network);

  return {
    ready,
    list: () => [...byId.values()],
    get: (chainId) => byId.get(chainId),
    selected: selectedNetwork,
    async select(chainId) {
      await mutate((s, map) => {
        known(map, chainId);
        return [{ ...s, selected: chainId }, undefined];
      });
    },
    chainOf(origin) {
      return byId.get(chainIdOf(state, byId, origin)) ?? selectedNetwork();
    },
    async switchOrigin(origin, chainId) {
      checkOrigin(origin);
      await mutate((s, map) => {
        known(map, chainId);
        return [withOrigin(s, origin, chainId), undefined];
      });
    },
    async forgetOrigin(origin) {
      checkOrigin(origin);
      await mutate((s) => [withOrigin(s, origin, undefined), undefined]);
    },
    async add(input) {
      const network = checkNetworkInput(input);
      return mutate((s, map) => {
        const existing = map.get(network.chainId);
        if (existing) throw new NetworkExistsError(network.chainId, existing.name);
        if (s.custom.length >= MAX_CUSTOM_NETWORKS) throw new TooManyNetworksError();
        return [{ ...s, custom: [...s.custom, network] }, network];
      });
    },
    async update(chainId, patch) {
      assertChainId(chainId);
      if (typeof patch !== 'object' || patch === null)
        throw new InvalidNetworkFieldError('patch', 'an object', describe(patch));
      const rpcUrl = patch.rpcUrl === undefined ? undefined : checkUrl(patch.rpcUrl, 'rpcUrl');
      const name =
        patch.name === undefined ? undefined : checkText(patch.name, 'name', MAX_NAME_LENGTH);
      return mutate((s, map) => {
        const current = known(map, chainId);
        const edit = {
          ...(rpcUrl === undefined ? {} : { rpcUrl }),
          ...(name === undefined ? {} : { name }),
        };
        if (builtInIds.has(chainId)) {
          const overrides = new Map(s.overrides);
          overrides.set(chainId, { ...s.overrides.get(chainId), ...edit });
          return [{ ...s, overrides }, Object.freeze({ ...current, ...edit })];
        }
        const updated = Object.freeze({ ...current, ...edit });
        return [
          { ...s, custom: s.custom.map((n) => (n.chainId === chainId ? updated : n)) },
          updated,
        ];
      });
    },
    async remove(chainId) {
      await mutate((s, map) => {
        const network = known(map, chainId);
        if (builtInIds.has(chainId)) throw new BuiltInNetworkError(chainId, network.name);
        const origins = new Map([...s.origins].filter(([, id]) => id !== chainId));
        return [
          {
            ...s,
            selected: s.selected === chainId ? defaultChainId : s.selected,
            custom: s.custom.filter((n) => n.chainId !== chainId),
            origins,
          },
          undefined,
        ];
      });
    },
    async probeChainId(rpcUrl) {
      const outcome = await call(checkUrl(rpcUrl, 'rpcUrl'), 'eth_chainId', []);
      if (!outcome.ok) {
        if ('down' in outcome) throw new RpcUnreachableError(`it ${outcome.down}`);
        const { code, message } = nodeError(outcome.node);
        throw new RpcUnreachableError(`it answered error ${code} (${message})`);
      }
      const { result } = outcome;
      if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,14}$/.test(result))
        throw new RpcUnreachableError('its answer is not a hex chain id');
      const chainId = Number.parseInt(result, 16);
      if (chainId < 1 || chainId > MAX_CHAIN_ID)
        throw new RpcUnreachableError(`its chain id ${chainId} is out of range`);
      return chainId;
    },
    async request(chainId, method, params) {
      const network = byId.get(chainId);
      if (!network)
        throw providerErrors.chainDisconnected({
          message: `CKM Wallet has no network with chain id ${chainId}.`,
        });
      const outcome = await call(network.rpcUrl, method, params);
      if (outcome.ok) return outcome.result;
      if ('node' in outcome) throw nodeError(outcome.node);
      throw providerErrors.chainDisconnected({
        message: `The RPC of ${network.name} (chain id ${chainId}) ${outcome.down}.`,
      });
    },
    onChange: (listener) => void listeners.add(listener),
  };
}

/** Keeps a node's JSON-RPC error as it is; a malformed one still becomes an error with its text. */
function nodeError(raw: unknown): JsonRpcError<never> {
  const { code, message, data } = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    code?: unknown;
    message?: unknown;
    data?: unknown;
  };
  const text = typeof message === 'string' && message.length > 0 ? message : 'RPC error';
  const safeCode = typeof code === 'number' && Number.isInteger(code) ? code : -32603;
  return data === undefined
    ? new JsonRpcError(safeCode, text)
    : new JsonRpcError(safeCode, text, data as never);
}

function checkOrigin(origin: unknown): void {
  if (typeof origin !== 'string' || origin.length === 0 || origin.length > MAX_URL_LENGTH)
    throw new InvalidNetworkFieldError('origin', 'a non-empty origin', describe(origin));
}

function toStored(s: State): Stored {
  return {
    version: 1,
    selected: s.selected,
    custom: s.custom,
    overrides: Object.fromEntries([...s.overrides].map(([id, o]) => [String(id), o])),
    origins: Object.fromEntries(s.origins),
  };
}

/** Reads the stored form entry by entry; anything invalid is dropped (and logged). */
function parseStored(raw: unknown, builtInIds: ReadonlySet<number>, defaultChainId: number): State {
  const empty: State = {
    selected: defaultChainId,
    custom: [],
    overrides: new Map(),
    origins: new Map(),
  };
  if (raw === undefined) return empty;
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1) {
    console.error('CKM Wallet: stored networks have an unknown format; using the defaults');
    return empty;
  }
  const stored = raw as Partial<Record<keyof Stored, unknown>>;
  const dropped: string[] = [];
  const custom: Network[] = [];
  for (const entry of Array.isArray(stored.custom) ? stored.custom : []) {
    try {
      const n = entry as Network;
      const network = checkNetworkInput({
        chainId: n.chainId,
        name: n.name,
        rpcUrl: n.rpcUrl,
        symbol: n.nativeCurrency?.symbol,
        currencyName: n.nativeCurrency?.name,
        blockExplorerUrl: n.blockExplorerUrl,
      });
      if (builtInIds.has(network.chainId) || custom.some((c) => c.chainId === network.chainId))
        throw new NetworkExistsError(network.chainId, network.name);
      if (custom.length < MAX_CUSTOM_NETWORKS) custom.push(network);
    } catch (error) {
      dropped.push(`custom network: ${(error as Error).message}`);
    }
  }
  const overrides = new Map<number, Override>();
  const rawOverrides =
    typeof stored.overrides === 'object' && stored.overrides !== null ? stored.overrides : {};
  for (const [key, value] of Object.entries(rawOverrides)) {
    try {
      const chainId = Number(key);
      if (!builtInIds.has(chainId)) throw new UnknownNetworkError(chainId);
      const o = (value ?? {}) as Override;
      overrides.set(chainId, {
        ...(o.rpcUrl === undefined ? {} : { rpcUrl: checkUrl(o.rpcUrl, 'rpcUrl') }),
        ...(o.name === undefined ? {} : { name: checkText(o.name, 'name', MAX_NAME_LENGTH) }),
      });
    } catch (error) {
      dropped.push(`edit of ${key}: ${(error as Error).message}`);
    }
  }
  const isKnown = (id: unknown): id is number =>
    typeof id === 'number' && (builtInIds.has(id) || custom.some((c) => c.chainId === id));
  const origins = new Map<string, number>();
  const rawOrigins =
    typeof stored.origins === 'object' && stored.origins !== null ? stored.origins : {};
  for (const [origin, chainId] of Object.entries(rawOrigins)) {
    if (isKnown(chainId) && origins.size < MAX_ORIGINS) origins.set(origin, chainId);
    else dropped.push(`chain of ${origin}`);
  }
  const selected = isKnown(stored.selected) ? stored.selected : defaultChainId;
  if (dropped.length > 0)
    console.error(`CKM Wallet: dropped invalid stored network entries: ${dropped.join('; ')}`);
  return { selected, custom, overrides, origins };
}
