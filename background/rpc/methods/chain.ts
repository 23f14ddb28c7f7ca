/**
 * Chain identity and chain switching: `eth_chainId` (EIP-695), `net_version`,
 * `wallet_switchEthereumChain` (EIP-3326) and `wallet_addEthereumChain` (EIP-3085).
 *
 * All four are `public`, as in MetaMask: a dApp may ask which chain it is on, and ask the user to
 * switch or add a chain, before it is connected. Switching and adding always go through a prompt,
 * so an unconnected page gains nothing it could not get by asking; the chain each origin is on
 * is its own (see `services/networks.ts`), so one page never moves another.
 *
 * Params are checked before any prompt opens or any URL is fetched; a bad one is -32602 with
 * the reason.
 * @module
 */
import { providerErrors, rpcErrors } from '@metamask/rpc-errors';
import {
  checkSymbol,
  checkText,
  checkUrl,
  MAX_CHAIN_ID,
  MAX_NAME_LENGTH,
  type Network,
  NetworkError,
  type NetworkInput,
  TooManyNetworksError,
  toChainView,
  toHexChainId,
  UnknownNetworkError,
} from '../../services/networks';
import type { MethodTable, RequestContext, RpcRequest, Services } from '../types';

/** At most this many URLs are read from a dApp's `rpcUrls`, `blockExplorerUrls`, `iconUrls`. */
const MAX_URLS = 16;

const ADD_CHAIN_KEYS = new Set([
  'chainId',
  'chainName',
  'rpcUrls',
  'nativeCurrency',
  'blockExplorerUrls',
  'iconUrls',
]);
const NATIVE_CURRENCY_KEYS = new Set(['name', 'symbol', 'decimals']);

/** EIP-3326 4902, in MetaMask's words (dApps match on the code, some on the text). */
export function unrecognizedChainError(chainId: number) {
  return providerErrors.custom({
    code: 4902,
    message: `Unrecognized chain ID "${toHexChainId(chainId)}". Try adding the chain using wallet_addEthereumChain first.`,
  });
}

/** The one object param of EIP-3326 / EIP-3085 (`params: [{ … }]`). */
function singleObjectParam(request: RpcRequest): Record<string, unknown> {
  const { method, params } = request;
  if (!Array.isArray(params) || params.length !== 1)
    throw rpcErrors.invalidParams({
      message: `${method} expects params [object], got ${shape(params)}.`,
    });
  const [param] = params;
  if (!isPlainObject(param))
    throw rpcErrors.invalidParams({
      message: `${method} expects params [object], got [${shape(param)}].`,
    });
  return param;
}

function refuseUnknownKeys(
  object: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  where: string,
): void {
  const unknown = Object.keys(object).filter((key) => !allowed.has(key));
  if (unknown.length > 0)
    throw rpcErrors.invalidParams({
      message: `${where} has unsupported keys: ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}.`,
    });
}

/**
 * EIP-3326 / EIP-695: `chainId` is a `0x`-prefixed hex string without leading zeros, and a valid
 * chain id (1..{@link MAX_CHAIN_ID}).
 */
export function parseHexChainId(value: unknown, field = 'chainId'): number {
  if (typeof value !== 'string')
    throw rpcErrors.invalidParams({
      message: `"${field}" expected a hex string, got ${shape(value)}.`,
    });
  if (!/^0x[1-9a-fA-F][0-9a-fA-F]{0,13}$/.test(value))
    throw rpcErrors.invalidParams({
      message: `"${field}" expected a 0x-prefixed hex chain id without leading zeros, got "${value.slice(0, 24)}".`,
    });
  const chainId = Number.parseInt(value, 16);
  if (chainId > MAX_CHAIN_ID)
    throw rpcErrors.invalidParams({
      message: `"${field}" expected a chain id of at most ${toHexChainId(MAX_CHAIN_ID)}, got "${value}".`,
    });
  return chainId;
}

/** The first usable URL of a dApp's list; -32602 when the list is malformed or none is usable. */
function firstUrl(
  value: unknown,
  field: string,
  options: { required: boolean; httpOnlyOnLoopback: boolean },
): string | undefined {
  if (value === undefined || value === null) {
    if (options.required)
      throw rpcErrors.invalidParams({
        message: `"${field}" expected an array of URLs, got ${shape(value)}.`,
      });
    return undefined;
  }
  if (!Array.isArray(value) || value.length > MAX_URLS)
    throw rpcErrors.invalidParams({
      message: `"${field}" expected an array of at most ${MAX_URLS} URLs, got ${shape(value)}.`,
    });
  if (value.length === 0) {
    if (options.required)
      throw rpcErrors.invalidParams({ message: `"${field}" expected at least one URL, got none.` });
    return undefined;
  }
  const reasons: string[] = [];
  for (const entry of value) {
    try {
      return checkUrl(entry, field, { httpOnlyOnLoopback: options.httpOnlyOnLoopback });
    } catch (error) {
      reasons.push((error as Error).message);
    }
  }
  throw rpcErrors.invalidParams({ message: `No usable URL in "${field}": ${reasons.join('; ')}.` });
}

/** EIP-3085 `AddEthereumChainParameter`, checked strictly. */
export function parseAddChainParam(request: RpcRequest): NetworkInput {
  const param = singleObjectParam(request);
  refuseUnknownKeys(param, ADD_CHAIN_KEYS, 'wallet_addEthereumChain parameter');
  const chainId = parseHexChainId(param.chainId);
  const currency = param.nativeCurrency;
  if (!isPlainObject(currency))
    throw rpcErrors.invalidParams({
      message: `"nativeCurrency" expected an object { name, symbol, decimals }, got ${shape(currency)}.`,
    });
  refuseUnknownKeys(currency, NATIVE_CURRENCY_KEYS, '"nativeCurrency"');
  if (currency.decimals !== 18)
    throw rpcErrors.invalidParams({
      message: `"nativeCurrency.decimals" expected 18, got ${shape(currency.decimals)}.`,
    });
  if (
    param.iconUrls !== undefined &&
    (!Array.isArray(param.iconUrls) || param.iconUrls.length > MAX_URLS)
  )
    throw rpcErrors.invalidParams({
      message: `"iconUrls" expected an array of at most ${MAX_URLS} URLs, got ${shape(param.iconUrls)}.`,
    });
  try {
    const name = checkText(param.chainName, 'chainName', MAX_NAME_LENGTH);
    const symbol = checkSymbol(currency.symbol, 'nativeCurrency.symbol');
    const currencyName = checkText(currency.name, 'nativeCurrency.name', MAX_NAME_LENGTH);
    // As MetaMask: a dApp may propose plain http only to this machine.
    const rpcUrl = firstUrl(param.rpcUrls, 'rpcUrls', { required: true, httpOnlyOnLoopback: true });
    const blockExplorerUrl = firstUrl(param.blockExplorerUrls, 'blockExplorerUrls', {
      required: false,
      httpOnlyOnLoopback: true,
    });
    return {
      chainId,
      name,
      rpcUrl: rpcUrl as string,
      symbol,
      currencyName,
      ...(blockExplorerUrl === undefined ? {} : { blockExplorerUrl }),
    };
  } catch (error) {
    throw toRpcError(error);
  }
}

/** A service error as the page sees it; anything else is left to the router. */
function toRpcError(error: unknown): unknown {
  if (error instanceof UnknownNetworkError) return unrecognizedChainError(error.chainId);
  if (error instanceof TooManyNetworksError)
    return rpcErrors.limitExceeded({ message: error.message });
  // Field errors, a taken chain id, an RPC serving another chain or not answering.
  if (error instanceof NetworkError) return rpcErrors.invalidParams({ message: error.message });
  return error;
}

/**
 * One chain prompt per origin at a time, as MetaMask: a second switch or add while one waits is
 * -32002 (resource unavailable), so a page cannot stack prompts.
 */
function refuseIfPending(origin: string, { approvals }: Pick<Services, 'approvals'>): void {
  if (approvals.has(origin, 'switchChain') || approvals.has(origin, 'addChain'))
    throw rpcErrors.resourceUnavailable({
      message: 'A request to switch or add a chain is already waiting for the user. Please wait.',
    });
}

/**
 * Asks the user to move `origin` to `target`, then moves it. Nothing is asked when the origin
 * is already there. Rejection is the approval's 4001.
 */
async function switchWithApproval(
  origin: string,
  target: Network,
  { networks, approvals }: Pick<Services, 'networks' | 'approvals'>,
): Promise<null> {
  const current = networks.chainOf(origin);
  if (current.chainId === target.chainId) return null;
  await approvals.request(origin, {
    kind: 'switchChain',
    from: toChainView(current),
    to: toChainView(target),
  });
  try {
    await networks.switchOrigin(origin, target.chainId);
  } catch (error) {
    throw toRpcError(error);
  }
  return null;
}

async function switchEthereumChain(
  request: RpcRequest,
  { origin }: RequestContext,
  services: Services,
): Promise<null> {
  const param = singleObjectParam(request);
  refuseUnknownKeys(param, new Set(['chainId']), 'wallet_switchEthereumChain parameter');
  const chainId = parseHexChainId(param.chainId);
  const target = services.networks.get(chainId);
  if (!target) throw unrecognizedChainError(chainId);
  if (services.networks.chainOf(origin).chainId === chainId) return null;
  refuseIfPending(origin, services);
  return switchWithApproval(origin, target, services);
}

async function addEthereumChain(
  request: RpcRequest,
  { origin }: RequestContext,
  services: Services,
): Promise<null> {
  const { networks, approvals } = services;
  const input = parseAddChainParam(request);
  refuseIfPending(origin, services);
  const existing = networks.get(input.chainId);
  if (existing && sameUrl(existing.rpcUrl, input.rpcUrl))
    return switchWithApproval(origin, existing, services);

  // The RPC must serve the chain it claims (MetaMask checks eth_chainId too), before any prompt.
  let served: number;
  try {
    served = await networks.probeChainId(input.rpcUrl);
  } catch (error) {
    throw toRpcError(error);
  }
  if (served !== input.chainId)
    throw rpcErrors.invalidParams({
      message: `The RPC URL serves chain id ${toHexChainId(served)}, not the requested ${toHexChainId(input.chainId)}.`,
    });

  // A known chain with another RPC URL: the prompt offers to use the dApp's URL for it (its
  // name and currency stay ours). A new chain: the prompt shows everything the dApp proposed.
  const chain = existing
    ? toChainView(existing)
    : { chainId: input.chainId, name: input.name, symbol: input.symbol };
  await approvals.request(origin, {
    kind: 'addChain',
    chain,
    rpcUrl: input.rpcUrl,
    ...(input.blockExplorerUrl === undefined ? {} : { blockExplorerUrl: input.blockExplorerUrl }),
  });
  let added: Network;
  try {
    added = existing
      ? await networks.update(input.chainId, { rpcUrl: input.rpcUrl })
      : await networks.add(input);
  } catch (error) {
    throw toRpcError(error);
  }

  // As MetaMask: the chain stays added whether or not the user then agrees to switch to it.
  try {
    return await switchWithApproval(origin, added, services);
  } catch (error) {
    if ((error as { code?: unknown }).code === 4001) return null;
    throw error;
  }
}

export const chainMethods = {
  /** EIP-695: the chain this origin is on, hex. */
  eth_chainId: {
    policy: 'public',
    handle: (_request, { origin }, { networks }) => toHexChainId(networks.chainOf(origin).chainId),
  },
  /** The chain id in decimal (the legacy "network id"; equal to the chain id on every chain we list). */
  net_version: {
    policy: 'public',
    handle: (_request, { origin }, { networks }) => String(networks.chainOf(origin).chainId),
  },
  /** EIP-3326: `[{ chainId }]`; 4902 for a chain the wallet does not know; null once switched. */
  wallet_switchEthereumChain: { policy: 'public', handle: switchEthereumChain },
  /** EIP-3085: add (after checking the RPC's eth_chainId and asking), then offer to switch. */
  wallet_addEthereumChain: { policy: 'public', handle: addEthereumChain },
} as const satisfies MethodTable;

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function shape(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
