/**
 * `eth_subscribe` (`newHeads`, `logs`) and the filter methods (`eth_newFilter`,
 * `eth_newBlockFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`),
 * answered by the wallet over the chain's HTTP RPC, as MetaMask's eth-json-rpc-filters does. The
 * node's own filters are never used: a public RPC is load-balanced, and a filter installed on one
 * backend is unknown to the next.
 *
 * Subscriptions. Each belongs to one provider port and to the chain its origin was on when it
 * subscribed. One polling loop per chain (`setTimeout`, every `pollIntervalMs`) asks
 * `eth_blockNumber`; for each new block a `newHeads` subscription gets the block's header
 * (`eth_getBlockByNumber`, without the body), and a `logs` subscription gets each matching log of
 * the new range (`eth_getLogs`), one notification per item:
 * `events.emitToPort(portId, 'message', { type: 'eth_subscription', data: { subscription, result } })`.
 * The loop stops when its chain has no subscription left; a closed port drops its subscriptions.
 * Each round also makes one cheap extension API call (`keepAlive`): an MV3 service worker is
 * stopped after 30 s without extension events or API calls, and a quiet chain (a dev node that
 * mines on demand) would otherwise let it die with every subscription in it.
 * A subscriber that fell far behind (a sleeping laptop) gets the most recent blocks only.
 *
 * Filters. Each belongs to one origin (ids are random, and another origin's id is "not found").
 * They are computed when polled: `eth_getFilterChanges` returns what happened since the last poll
 * (or since creation), `eth_getFilterLogs` the filter's whole range. A filter not polled for
 * `filterTimeoutMs` (5 minutes, geth's default) is dropped; an origin keeps at most
 * {@link MAX_FILTERS_PER_ORIGIN} (the oldest goes).
 *
 * Not handled: reorgs (no `removed: true` logs are sent); `newPendingTransactions` and
 * `eth_newPendingTransactionFilter` (an HTTP RPC has no pending-transaction feed) are refused.
 * @module
 */
import browser from 'webextension-polyfill';
import type { NetworksService } from './networks';
import type { ProviderEventsService } from './provider-events';

type Hex = `0x${string}`;

export const DEFAULT_POLL_INTERVAL_MS = 2000;
export const DEFAULT_FILTER_TIMEOUT_MS = 5 * 60_000;
export const MAX_SUBSCRIPTIONS_PER_PORT = 100;
export const MAX_FILTERS_PER_ORIGIN = 100;
/** Blocks a `newHeads` subscriber or a block filter is told about at once (the newest ones). */
export const MAX_BLOCKS_PER_POLL = 50;
/** Widest range of one `eth_getLogs` for a subscription or filter change (the newest blocks). */
export const MAX_LOG_RANGE = 1000;
/** Addresses or topic alternatives in one criterion. */
export const MAX_CRITERIA = 100;

/* ---------------------------------------------------------------------------------------------
 * Errors (mapped to JSON-RPC codes in `rpc/methods/subscriptions.ts`)
 * ------------------------------------------------------------------------------------------- */

/** Bad params: `"topics[1]" expected null, a 32-byte hex string or an array of them`. */
export class SubscriptionParamsError extends Error {
  override readonly name = 'SubscriptionParamsError';
}

/** A subscription kind or filter type this wallet refuses (pending transactions). */
export class UnsupportedSubscriptionError extends Error {
  override readonly name = 'UnsupportedSubscriptionError';
}

/** No such filter for this origin (expired, uninstalled, never existed, or another origin's). */
export class FilterNotFoundError extends Error {
  override readonly name = 'FilterNotFoundError';
  constructor() {
    super('filter not found');
  }
}

/** A port asked for more than {@link MAX_SUBSCRIPTIONS_PER_PORT} subscriptions. */
export class SubscriptionLimitError extends Error {
  override readonly name = 'SubscriptionLimitError';
  constructor() {
    super(
      `At most ${MAX_SUBSCRIPTIONS_PER_PORT} subscriptions per page; unsubscribe from some first.`,
    );
  }
}

/* ---------------------------------------------------------------------------------------------
 * Params
 * ------------------------------------------------------------------------------------------- */

/** `address` and `topics` of a log filter, as `eth_getLogs` takes them. */
export type LogCriteria = {
  readonly address?: Hex | readonly Hex[];
  readonly topics?: readonly (Hex | readonly Hex[] | null)[];
};

/** A block bound of `eth_newFilter`: a number, or a tag. */
type BlockBound = bigint | 'latest' | 'earliest' | 'pending' | 'safe' | 'finalized';

type LogFilterParams = LogCriteria & {
  readonly fromBlock: BlockBound;
  readonly toBlock: BlockBound;
};

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TOPIC = /^0x[0-9a-fA-F]{64}$/;
const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/;
const BLOCK_TAGS = new Set(['latest', 'earliest', 'pending', 'safe', 'finalized']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function refuseUnknownKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
) {
  const unknown = Object.keys(object).filter((key) => !allowed.includes(key));
  if (unknown.length > 0)
    throw new SubscriptionParamsError(
      `${where} has unsupported keys: ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}`,
    );
}

function parseAddress(value: unknown): Hex | readonly Hex[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_CRITERIA)
    throw new SubscriptionParamsError(`"address" expected at most ${MAX_CRITERIA} addresses`);
  for (const entry of list)
    if (typeof entry !== 'string' || !ADDRESS.test(entry))
      throw new SubscriptionParamsError(
        '"address" expected a 20-byte hex address or an array of them',
      );
  return Array.isArray(value) ? (value as Hex[]) : (value as Hex);
}

function parseTopics(value: unknown): LogCriteria['topics'] {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 4)
    throw new SubscriptionParamsError('"topics" expected an array of at most 4 entries');
  return value.map((topic, i) => {
    if (topic === null) return null;
    if (typeof topic === 'string' && TOPIC.test(topic)) return topic as Hex;
    if (
      Array.isArray(topic) &&
      topic.length <= MAX_CRITERIA &&
      topic.every((t) => typeof t === 'string' && TOPIC.test(t))
    )
      return topic as Hex[];
    throw new SubscriptionParamsError(
      `"topics[${i}]" expected null, a 32-byte hex string or an array of them`,
    );
  });
}

function parseBound(value: unknown, field: string): BlockBound {
  if (value === undefined || value === null) return 'latest';
  if (typeof value === 'string' && BLOCK_TAGS.has(value)) return value as BlockBound;
  if (typeof value === 'string' && QUANTITY.test(value)) return BigInt(value);
  throw new SubscriptionParamsError(`"${field}" expected a block tag or a hex block number`);
}

/** `eth_subscribe` params: `["newHeads"]` or `["logs", { address?, topics? }?]`. */
export function parseSubscribeParams(
  params: unknown,
): { kind: 'newHeads' } | { kind: 'logs'; criteria: LogCriteria } {
  if (!Array.isArray(params) || params.length < 1 || params.length > 2)
    throw new SubscriptionParamsError('eth_subscribe expects params [kind] or [kind, options]');
  const [kind, options] = params;
  if (kind === 'newPendingTransactions' || kind === 'syncing')
    throw new UnsupportedSubscriptionError(
      `eth_subscribe "${kind}" is not supported by CKM Wallet: it reads chains over HTTP, which has no such feed.`,
    );
  if (kind === 'newHeads') {
    if (params.length !== 1)
      throw new SubscriptionParamsError('eth_subscribe "newHeads" takes no options');
    return { kind };
  }
  if (kind === 'logs') {
    if (options === undefined) return { kind, criteria: {} };
    if (!isPlainObject(options))
      throw new SubscriptionParamsError(
        'eth_subscribe "logs" options expected an object { address, topics }',
      );
    refuseUnknownKeys(options, ['address', 'topics'], 'eth_subscribe "logs" options');
    return { kind, criteria: criteria(options) };
  }
  throw new SubscriptionParamsError(
    `eth_subscribe expected "newHeads" or "logs", got ${typeof kind === 'string' ? `"${kind.slice(0, 40)}"` : typeof kind}`,
  );
}

/** `eth_newFilter` param: `{ fromBlock?, toBlock?, address?, topics? }`. */
export function parseFilterParams(params: unknown): LogFilterParams {
  if (!Array.isArray(params) || params.length !== 1 || !isPlainObject(params[0]))
    throw new SubscriptionParamsError(
      'eth_newFilter expects params [{ fromBlock, toBlock, address, topics }]',
    );
  const [options] = params as [Record<string, unknown>];
  refuseUnknownKeys(options, ['fromBlock', 'toBlock', 'address', 'topics'], 'eth_newFilter filter');
  const fromBlock = parseBound(options.fromBlock, 'fromBlock');
  const toBlock = parseBound(options.toBlock, 'toBlock');
  if (typeof fromBlock === 'bigint' && typeof toBlock === 'bigint' && fromBlock > toBlock)
    throw new SubscriptionParamsError('"fromBlock" expected to be at most "toBlock"');
  return { ...criteria(options), fromBlock, toBlock };
}

function criteria(options: Record<string, unknown>): LogCriteria {
  const address = parseAddress(options.address);
  const topics = parseTopics(options.topics);
  return {
    ...(address === undefined ? {} : { address }),
    ...(topics === undefined ? {} : { topics }),
  };
}

/** The one id param of `eth_unsubscribe` and the filter methods. */
export function parseIdParam(params: unknown, method: string): Hex {
  if (!Array.isArray(params) || params.length !== 1 || typeof params[0] !== 'string')
    throw new SubscriptionParamsError(`${method} expects params [id]`);
  const [id] = params as [string];
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(id))
    throw new SubscriptionParamsError(`${method} expected a hex id`);
  return id.toLowerCase() as Hex;
}

/* ---------------------------------------------------------------------------------------------
 * The service
 * ------------------------------------------------------------------------------------------- */

export type SubscriptionsService = {
  /** `eth_subscribe` params; returns the subscription id. */
  subscribe(portId: string, origin: string, params: unknown): Promise<Hex>;
  /** `eth_unsubscribe`: true if this port had that subscription. */
  unsubscribe(portId: string, id: unknown): Promise<boolean>;
  /** `eth_newFilter` params; returns the filter id. */
  newFilter(origin: string, params: unknown): Promise<Hex>;
  newBlockFilter(origin: string): Promise<Hex>;
  /** New block hashes or logs since the last call. */
  getFilterChanges(origin: string, id: unknown): Promise<readonly unknown[]>;
  /** Every log of a log filter's range. */
  getFilterLogs(origin: string, id: unknown): Promise<readonly unknown[]>;
  uninstallFilter(origin: string, id: unknown): Promise<boolean>;
  /** Stops every polling loop and forgets everything (service-worker shutdown, tests). */
  dispose(): void;
};

export type SubscriptionsServiceOptions = {
  readonly pollIntervalMs?: number;
  readonly filterTimeoutMs?: number;
  /** Clock for filter expiry. */
  readonly now?: () => number;
  /** Called once per polling round (default: `runtime.getPlatformInfo`, which keeps MV3 alive). */
  readonly keepAlive?: () => void;
};

function callExtensionApi(): void {
  try {
    browser.runtime.getPlatformInfo().catch(() => {});
  } catch {
    // Not an extension context (unit tests): nothing to keep alive.
  }
}

type Subscription = {
  readonly id: Hex;
  readonly portId: string;
  readonly chainId: number;
  readonly kind: 'newHeads' | 'logs';
  readonly criteria: LogCriteria;
  /** The next block this subscriber has not been told about. */
  nextBlock: bigint;
};

type Filter = {
  readonly id: Hex;
  readonly origin: string;
  readonly chainId: number;
  readonly kind: 'block' | 'log';
  readonly params?: LogFilterParams;
  nextBlock: bigint;
  lastPolled: number;
  /** Polls of one filter run one after the other (no block reported twice). */
  busy: Promise<unknown>;
};

type Block = Record<string, unknown> & { readonly hash?: unknown };

export function createSubscriptionsService(
  networks: Pick<NetworksService, 'chainOf' | 'request'>,
  events: Pick<ProviderEventsService, 'emitToPort' | 'onPortClosed'>,
  options: SubscriptionsServiceOptions = {},
): SubscriptionsService {
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const filterTimeout = options.filterTimeoutMs ?? DEFAULT_FILTER_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const keepAlive = options.keepAlive ?? callExtensionApi;
  const subscriptions = new Map<Hex, Subscription>();
  const filters = new Map<Hex, Filter>();
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let disposed = false;

  events.onPortClosed((portId) => {
    for (const sub of subscriptions.values())
      if (sub.portId === portId) subscriptions.delete(sub.id);
  });

  async function blockNumber(chainId: number): Promise<bigint> {
    return quantity(await networks.request(chainId, 'eth_blockNumber', []), 'eth_blockNumber');
  }

  function getBlock(chainId: number, n: bigint): Promise<Block | null> {
    return networks.request(chainId, 'eth_getBlockByNumber', [
      toHex(n),
      false,
    ]) as Promise<Block | null>;
  }

  function getLogs(chainId: number, from: bigint, to: bigint, c: LogCriteria) {
    return networks.request(chainId, 'eth_getLogs', [
      { ...c, fromBlock: toHex(from), toBlock: toHex(to) },
    ]) as Promise<unknown[]>;
  }

  function notify(sub: Subscription, result: unknown): void {
    events.emitToPort(sub.portId, 'message', {
      type: 'eth_subscription',
      data: { subscription: sub.id, result },
    });
  }

  /* ------------------------------ polling loops (subscriptions) ------------------------------ */

  function hasSubscribers(chainId: number): boolean {
    for (const sub of subscriptions.values()) if (sub.chainId === chainId) return true;
    return false;
  }

  function ensureLoop(chainId: number): void {
    if (disposed || timers.has(chainId)) return;
    timers.set(
      chainId,
      setTimeout(() => void poll(chainId), interval),
    );
  }

  async function poll(chainId: number): Promise<void> {
    try {
      if (!hasSubscribers(chainId)) return;
      keepAlive();
      const latest = await blockNumber(chainId);
      // One fetch per block per round, shared by every newHeads subscriber of the chain.
      const blocks = new Map<bigint, Promise<Block | null>>();
      const block = (n: bigint) => {
        let pending = blocks.get(n);
        if (!pending) {
          pending = getBlock(chainId, n);
          blocks.set(n, pending);
        }
        return pending;
      };
      const due = [...subscriptions.values()].filter(
        (s) => s.chainId === chainId && s.nextBlock <= latest,
      );
      // Settled, not all: the next round must not start while a delivery of this one still runs.
      await Promise.allSettled(due.map((sub) => deliver(sub, latest, block)));
    } catch {
      // The chain did not answer this round; the next round tries again.
    } finally {
      timers.delete(chainId);
      if (hasSubscribers(chainId)) ensureLoop(chainId);
    }
  }

  async function deliver(
    sub: Subscription,
    latest: bigint,
    block: (n: bigint) => Promise<Block | null>,
  ): Promise<void> {
    const live = () => subscriptions.get(sub.id) === sub;
    if (sub.kind === 'newHeads') {
      const first = max(sub.nextBlock, latest - BigInt(MAX_BLOCKS_PER_POLL) + 1n);
      for (let n = first; n <= latest; n++) {
        const found = await block(n);
        if (!found || !live()) return; // not there yet on this backend: next round
        notify(sub, toHeader(found));
        sub.nextBlock = n + 1n;
      }
      return;
    }
    const from = max(sub.nextBlock, latest - BigInt(MAX_LOG_RANGE) + 1n);
    const logs = await getLogs(sub.chainId, from, latest, sub.criteria);
    if (!live()) return;
    if (!Array.isArray(logs)) throw new Error('eth_getLogs did not answer an array');
    for (const log of logs) notify(sub, log);
    sub.nextBlock = latest + 1n;
  }

  /* ------------------------------------------ filters ---------------------------------------- */

  function sweep(): void {
    const deadline = now() - filterTimeout;
    for (const filter of filters.values())
      if (filter.lastPolled < deadline) filters.delete(filter.id);
  }

  function ownFilter(origin: string, id: unknown, method: string): Filter {
    sweep();
    const filter = filters.get(parseIdParam([id], method));
    if (!filter || filter.origin !== origin) throw new FilterNotFoundError();
    return filter;
  }

  async function install(
    origin: string,
    kind: Filter['kind'],
    params?: LogFilterParams,
  ): Promise<Hex> {
    sweep();
    const chainId = networks.chainOf(origin).chainId;
    const latest = await blockNumber(chainId);
    const own = [...filters.values()].filter((f) => f.origin === origin);
    for (const old of own.slice(0, Math.max(0, own.length - MAX_FILTERS_PER_ORIGIN + 1)))
      filters.delete(old.id);
    const id = randomId();
    filters.set(id, {
      id,
      origin,
      chainId,
      kind,
      ...(params ? { params } : {}),
      nextBlock: latest + 1n,
      lastPolled: now(),
      busy: Promise.resolve(),
    });
    return id;
  }

  async function changes(filter: Filter): Promise<readonly unknown[]> {
    const latest = await blockNumber(filter.chainId);
    if (filter.nextBlock > latest) return [];
    if (filter.kind === 'block') {
      const hashes: unknown[] = [];
      const first = max(filter.nextBlock, latest - BigInt(MAX_BLOCKS_PER_POLL) + 1n);
      for (let n = first; n <= latest; n++) {
        const block = await getBlock(filter.chainId, n);
        if (!block) break;
        hashes.push(block.hash);
        filter.nextBlock = n + 1n;
      }
      return hashes;
    }
    const params = filter.params as LogFilterParams;
    const lower = max(filter.nextBlock, latest - BigInt(MAX_LOG_RANGE) + 1n);
    const from = typeof params.fromBlock === 'bigint' ? max(lower, params.fromBlock) : lower;
    const to = upperBound(params.toBlock, latest);
    filter.nextBlock = latest + 1n;
    if (from > to) return [];
    const logs = await getLogs(filter.chainId, from, to, params);
    return Array.isArray(logs) ? logs : [];
  }

  return {
    async subscribe(portId, origin, params) {
      const request = parseSubscribeParams(params);
      let count = 0;
      for (const sub of subscriptions.values()) if (sub.portId === portId) count++;
      if (count >= MAX_SUBSCRIPTIONS_PER_PORT) throw new SubscriptionLimitError();
      const chainId = networks.chainOf(origin).chainId;
      const latest = await blockNumber(chainId);
      const id = randomId();
      subscriptions.set(id, {
        id,
        portId,
        chainId,
        kind: request.kind,
        criteria: request.kind === 'logs' ? request.criteria : {},
        nextBlock: latest + 1n,
      });
      ensureLoop(chainId);
      return id;
    },
    async unsubscribe(portId, id) {
      const key = parseIdParam([id], 'eth_unsubscribe');
      const sub = subscriptions.get(key);
      if (!sub || sub.portId !== portId) return false;
      subscriptions.delete(key);
      return true;
    },
    newFilter: (origin, params) => install(origin, 'log', parseFilterParams(params)),
    newBlockFilter: (origin) => install(origin, 'block'),
    getFilterChanges(origin, id) {
      const filter = ownFilter(origin, id, 'eth_getFilterChanges');
      filter.lastPolled = now();
      const run = filter.busy.then(() => changes(filter));
      filter.busy = run.catch(() => {});
      return run;
    },
    async getFilterLogs(origin, id) {
      const filter = ownFilter(origin, id, 'eth_getFilterLogs');
      filter.lastPolled = now();
      if (filter.kind !== 'log' || !filter.params)
        throw new SubscriptionParamsError('eth_getFilterLogs expected the id of a log filter');
      const { fromBlock, toBlock, ...rest } = filter.params;
      const logs = await networks.request(filter.chainId, 'eth_getLogs', [
        { ...rest, fromBlock: boundParam(fromBlock), toBlock: boundParam(toBlock) },
      ]);
      return Array.isArray(logs) ? logs : [];
    },
    async uninstallFilter(origin, id) {
      sweep();
      const key = parseIdParam([id], 'eth_uninstallFilter');
      const filter = filters.get(key);
      if (!filter || filter.origin !== origin) return false;
      filters.delete(key);
      return true;
    },
    dispose() {
      disposed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      subscriptions.clear();
      filters.clear();
    },
  };
}

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------- */

/** The header of a block as `newHeads` sends it: the block without its body. */
function toHeader(block: Block): Record<string, unknown> {
  const {
    transactions: _t,
    uncles: _u,
    withdrawals: _w,
    size: _s,
    totalDifficulty: _d,
    ...header
  } = block;
  return header;
}

function quantity(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !QUANTITY.test(value))
    throw new Error(`${what} did not answer a hex quantity`);
  return BigInt(value);
}

function toHex(n: bigint): Hex {
  return `0x${n.toString(16)}`;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** The last block a filter's `toBlock` lets through, given the chain's latest. */
function upperBound(bound: BlockBound, latest: bigint): bigint {
  if (typeof bound === 'bigint') return bound < latest ? bound : latest;
  if (bound === 'earliest') return 0n;
  return latest; // latest, pending, safe and finalized: the newest block we know of
}

function boundParam(bound: BlockBound): string {
  return typeof bound === 'bigint' ? toHex(bound) : bound;
}

/** A random 128-bit id, lower-case hex (as geth's subscription and filter ids). */
function randomId(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
