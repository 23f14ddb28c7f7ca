/**
 * Warnings that need the chain, not just the request (issue #8 item 2): an approval whose spender
 * is a plain account (`spender-is-eoa`), and a contract deployed less than a day ago
 * (`new-contract`). The pure decoders (`background/decode/`) cannot see either.
 *
 * Who the spenders and contracts are comes from the request itself, read again here rather than
 * from the insight's display tree: `transactionParties` decodes the calldata with the decoders'
 * own `TOKEN_ABI`, and `typedDataParties` takes a Permit's or Permit2's `spender` only when the
 * decoder raised its `permit`/`permit2` warning (so both agree on what is a permit).
 *
 * "Deployed less than a day ago" is read from state, not from an indexer: the block about 24 h
 * before the latest block (by its timestamp; `dayAgoBlock`) holds no code at the address while
 * the latest does. On a chain younger than a day every contract is new. The block is found by
 * interpolation search over block numbers by timestamp (a few calls even on mainnet) and cached
 * per chain for 5 minutes of both wall time and chain time: the latest block is read each time, so
 * a dev chain whose clock jumps (anvil's `evm_increaseTime`) is searched again at once.
 *
 * A warning is only ever added, never invented from a failure: a node that cannot serve old state
 * (a pruned full node answers "missing trie node"), an RPC error, or the 3 s budget running out
 * means no warning for what was not learned, and never a throw. At most 2 `eth_getCode` per
 * address, run in parallel, plus the latest block and the cached day-ago search.
 * @module
 */
import { type Address, decodeFunctionData, getAddress, type Hex, isAddress, toHex } from 'viem';
import type { TypedDataPayload } from '../../ckm/payload/types';
import { TOKEN_ABI } from '../decode/transaction';
import type { TypedDataInsight, Warning } from '../decode/types';
import { newContract, spenderIsEoa } from '../decode/warnings';

/** One JSON-RPC call to the chain the request is for. */
export type ChainRpc = (method: string, params: unknown[]) => Promise<unknown>;

/** What `chainWarnings` checks: addresses a request gives power or value to. */
export type Parties = {
  /** Approval spenders: approve, increaseAllowance, setApprovalForAll, Permit, Permit2. */
  readonly spenders: readonly Address[];
  /** Other addresses involved (tx.to, token recipients); only those with code are aged. */
  readonly contracts: readonly Address[];
};

export type ChainWarningsParameters = Parties & {
  readonly rpc: ChainRpc;
  readonly chainId: number;
  /** Milliseconds since the epoch (the cache's clock). */
  readonly now: number;
  /** The whole check's budget; what is not known by then gives no warning. Default 3 s. */
  readonly timeoutMs?: number;
  /** Where the day-ago block is kept; default one cache for the whole background. */
  readonly cache?: DayAgoCache;
};

export const DAY_SECONDS = 86_400;
export const DEFAULT_CHAIN_WARNINGS_TIMEOUT_MS = 3_000;
const CACHE_MS = 5 * 60_000;
const CACHE_SECONDS = BigInt(CACHE_MS / 1000);
/** The search stops once a block is at most this close before the target (seconds). */
const CLOSE_ENOUGH_SECONDS = 600;
const MAX_SEARCH_STEPS = 40;

/** `young`: the chain's first block is less than a day old; else the block ~24 h ago. */
export type DayAgo = { readonly young: true } | { readonly young: false; readonly block: bigint };

export type DayAgoCache = Map<
  number,
  {
    readonly value: DayAgo;
    /** Wall time (ms) after which the entry is stale. */
    readonly expires: number;
    /** The latest block's timestamp (s) the entry was computed from. */
    readonly latestTimestamp: bigint;
  }
>;

export function createDayAgoCache(): DayAgoCache {
  return new Map();
}

const sharedCache = createDayAgoCache();

/**
 * The chain's warnings for a request: `spender-is-eoa` (danger) for each spender without code,
 * then `new-contract` (caution) for each involved address with code that had none a day ago.
 * Never throws.
 * @example
 * await chainWarnings({ rpc, chainId: 1, spenders: [spender], contracts: [token], now: Date.now() })
 * // → [{ kind: 'spender-is-eoa', severity: 'danger', … }]
 */
export async function chainWarnings(parameters: ChainWarningsParameters): Promise<Warning[]> {
  const { rpc, chainId, now } = parameters;
  const deadline = timer(parameters.timeoutMs ?? DEFAULT_CHAIN_WARNINGS_TIMEOUT_MS);
  try {
    const spenders = unique(parameters.spenders);
    const all = unique([...parameters.spenders, ...parameters.contracts]);
    if (all.length === 0) return [];
    const codes = await beforeDeadline(
      Promise.all(all.map((address) => getCode(rpc, address, 'latest'))),
      deadline,
    );
    if (codes === undefined) return [];
    const codeOf = new Map(all.map((address, i) => [address, codes[i]]));
    const warnings: Warning[] = [];
    for (const spender of spenders) {
      const code = codeOf.get(spender);
      // A 7702-delegated account runs code but is still held by a person's key.
      if (code !== undefined && (code === '0x' || isDelegation(code)))
        warnings.push(spenderIsEoa(spender));
    }
    const deployed = all.filter((address) => {
      const code = codeOf.get(address);
      return code !== undefined && code !== '0x' && !isDelegation(code);
    });
    if (deployed.length === 0) return warnings;
    const fresh = await beforeDeadline(
      newContracts(rpc, chainId, deployed, now, parameters.cache ?? sharedCache),
      deadline,
    );
    for (const address of fresh ?? []) warnings.push(newContract(address));
    return warnings;
  } catch {
    return [];
  } finally {
    deadline.clear();
  }
}

async function newContracts(
  rpc: ChainRpc,
  chainId: number,
  deployed: readonly Address[],
  now: number,
  cache: DayAgoCache,
): Promise<Address[]> {
  const dayAgo = await cachedDayAgo(rpc, chainId, now, cache);
  if (dayAgo === undefined) return [];
  if (dayAgo.young) return [...deployed];
  const then = await Promise.all(
    deployed.map((address) => getCode(rpc, address, toHex(dayAgo.block))),
  );
  // `undefined`: the node could not serve that block's state, so nothing is known.
  return deployed.filter((_, i) => then[i] === '0x');
}

async function cachedDayAgo(
  rpc: ChainRpc,
  chainId: number,
  now: number,
  cache: DayAgoCache,
): Promise<DayAgo | undefined> {
  try {
    const latest = await header(rpc, 'latest');
    const hit = cache.get(chainId);
    const drift = hit ? latest.timestamp - hit.latestTimestamp : undefined;
    if (hit && hit.expires > now && drift !== undefined && drift >= 0n && drift <= CACHE_SECONDS)
      return hit.value;
    const value = await dayAgoBlock(rpc, latest);
    cache.set(chainId, { value, expires: now + CACHE_MS, latestTimestamp: latest.timestamp });
    return value;
  } catch {
    return undefined;
  }
}

export type BlockHeader = { readonly number: bigint; readonly timestamp: bigint };

/**
 * The last block at most 24 h older than the latest block (to within 10 minutes earlier), or
 * `young` when the chain's first block is less than a day old. Interpolation search by
 * timestamp, falling back to bisection whenever a guess does not halve the range, so it ends
 * within ~2·log2(height) calls even when block times are uneven. Throws on RPC errors.
 */
export async function dayAgoBlock(rpc: ChainRpc, latestBlock?: BlockHeader): Promise<DayAgo> {
  const [latest, genesis] = await Promise.all([
    latestBlock ?? header(rpc, 'latest'),
    header(rpc, '0x0'),
  ]);
  const target = latest.timestamp - BigInt(DAY_SECONDS);
  if (genesis.timestamp > target) return { young: true };
  // Invariant: lo.timestamp ≤ target < hi.timestamp.
  let lo = genesis;
  let hi = latest;
  let bisect = false;
  for (let step = 0; step < MAX_SEARCH_STEPS; step++) {
    if (hi.number - lo.number <= 1n || target - lo.timestamp <= BigInt(CLOSE_ENOUGH_SECONDS))
      return { young: false, block: lo.number };
    const span = hi.number - lo.number;
    let guess = bisect
      ? lo.number + span / 2n
      : lo.number + ((target - lo.timestamp) * span) / (hi.timestamp - lo.timestamp);
    if (guess <= lo.number) guess = lo.number + 1n;
    if (guess >= hi.number) guess = hi.number - 1n;
    const block = await header(rpc, toHex(guess));
    if (block.number !== guess) throw new Error('the node answered another block');
    if (block.timestamp <= target) lo = block;
    else hi = block;
    // The next step bisects when this one did not at least halve the range.
    bisect = !bisect && hi.number - lo.number > span / 2n;
  }
  throw new Error('the day-ago block search did not converge');
}

async function header(rpc: ChainRpc, tag: string): Promise<BlockHeader> {
  const block = (await rpc('eth_getBlockByNumber', [tag, false])) as {
    number?: unknown;
    timestamp?: unknown;
  } | null;
  if (!block || !isQuantity(block.number) || !isQuantity(block.timestamp))
    throw new Error(`the node answered no block ${tag}`);
  return { number: BigInt(block.number), timestamp: BigInt(block.timestamp) };
}

/** The code at `address` in block `tag`, or undefined when the node would not say. */
async function getCode(rpc: ChainRpc, address: Address, tag: string): Promise<Hex | undefined> {
  try {
    const code = await rpc('eth_getCode', [address, tag]);
    return typeof code === 'string' && /^0x(?:[0-9a-fA-F]{2})*$/.test(code)
      ? (code.toLowerCase() as Hex)
      : undefined;
  } catch {
    return undefined;
  }
}

/** EIP-7702: an account delegated to code holds `0xef0100 ‖ address`. */
function isDelegation(code: Hex): boolean {
  return code.length === 2 + 23 * 2 && code.startsWith('0xef0100');
}

function isQuantity(value: unknown): value is Hex {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value);
}

function unique(addresses: readonly Address[]): Address[] {
  const seen = new Map<string, Address>();
  for (const address of addresses)
    if (isAddress(address, { strict: false })) seen.set(address.toLowerCase(), getAddress(address));
  return [...seen.values()];
}

type Deadline = { readonly expired: Promise<undefined>; clear(): void };

function timer(ms: number): Deadline {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => {
    handle = setTimeout(() => resolve(undefined), ms);
  });
  return { expired, clear: () => clearTimeout(handle) };
}

function beforeDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T | undefined> {
  return Promise.race([work, deadline.expired]);
}

/**
 * The spenders and contracts of a transaction: the called contract, and for the token functions
 * `TOKEN_ABI` decodes, the spender or operator of an approval (not of a revoke: amount 0,
 * `setApprovalForAll(…, false)`, or the zero address) and the recipient of a transfer. Calldata
 * that does not decode gives just the called contract.
 */
export function transactionParties(transaction: { to?: Hex; data?: Hex }): Parties {
  const { to, data } = transaction;
  if (to === undefined) return { spenders: [], contracts: [] };
  const contracts: Address[] = [getAddress(to)];
  const spenders: Address[] = [];
  let call: ReturnType<typeof decodeFunctionData<typeof TOKEN_ABI>>;
  try {
    if (data === undefined || data.length < 10) return { spenders, contracts };
    call = decodeFunctionData({ abi: TOKEN_ABI, data });
  } catch {
    return { spenders, contracts };
  }
  const grant = (spender: Address, granted: boolean) => {
    if (granted && BigInt(spender) !== 0n) spenders.push(getAddress(spender));
  };
  switch (call.functionName) {
    case 'approve':
      grant(call.args[0], call.args[1] > 0n);
      break;
    case 'increaseAllowance':
      grant(call.args[0], call.args[1] > 0n);
      break;
    case 'setApprovalForAll':
      grant(call.args[0], call.args[1]);
      break;
    case 'transfer':
      contracts.push(getAddress(call.args[0]));
      break;
    case 'transferFrom':
    case 'safeTransferFrom':
    case 'safeBatchTransferFrom':
      contracts.push(getAddress(call.args[1]));
      break;
  }
  return { spenders, contracts };
}

/**
 * The spender of a Permit or Permit2 signature, when the decoder recognised one (its `permit` or
 * `permit2` warning) and `message.spender` is an address; otherwise no parties.
 */
export function typedDataParties(
  typedData: Pick<TypedDataPayload, 'message'>,
  insight: Pick<TypedDataInsight, 'warnings'>,
): Parties {
  const isPermit = insight.warnings.some((w) => w.kind === 'permit' || w.kind === 'permit2');
  const spender = typedData.message.spender;
  if (!isPermit || typeof spender !== 'string' || !isAddress(spender, { strict: false }))
    return { spenders: [], contracts: [] };
  return { spenders: BigInt(spender) === 0n ? [] : [getAddress(spender)], contracts: [] };
}

/** `insight` with `extra` warnings appended (the same object when there are none). */
export function withWarnings<T extends { readonly warnings: readonly Warning[] }>(
  insight: T,
  extra: readonly Warning[],
): T {
  return extra.length === 0 ? insight : { ...insight, warnings: [...insight.warnings, ...extra] };
}
