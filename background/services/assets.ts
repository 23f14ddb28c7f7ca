/**
 * Watched assets (EIP-747 `wallet_watchAsset`): ERC-20, ERC-721 and ERC-1155 tokens per chain and
 * account, in `storage.local`, with their balances read from the chain through `networks`.
 *
 * Balances: ERC-20 `balanceOf(account)` formatted with the token's decimals; ERC-721
 * `ownerOf(tokenId)` as "1" when the account owns it and "0" otherwise; ERC-1155
 * `balanceOf(account, id)`. The chain readers are exported for `wallet_watchAsset`, which checks
 * a token before it asks the user.
 * @see https://eips.ethereum.org/EIPS/eip-747
 * @module
 */
import {
  type Address,
  decodeFunctionResult,
  encodeFunctionData,
  formatUnits,
  getAddress,
  type Hex,
  isAddress,
  isAddressEqual,
  parseAbi,
} from 'viem';
import browser from 'webextension-polyfill';
import { WalletError } from '../errors';
import type { TokenView } from '../ui-api';
import type { NetworksService } from './networks';

export type WatchedAsset = Omit<TokenView, 'balance'>;

export type AssetsService = {
  readonly ready: Promise<void>;
  list(chainId: number, account: `0x${string}`): readonly WatchedAsset[];
  add(chainId: number, account: `0x${string}`, asset: WatchedAsset): Promise<void>;
  remove(
    chainId: number,
    account: `0x${string}`,
    address: `0x${string}`,
    tokenId?: string,
  ): Promise<void>;
  /** The assets with balances (absent where the chain did not answer). */
  balances(chainId: number, account: `0x${string}`): Promise<readonly TokenView[]>;
};

const STORAGE_KEY = 'assets';
/** Watched assets per chain and account; past it `add` refuses (a hostile site could flood the list). */
export const MAX_ASSETS_PER_ACCOUNT = 500;
/** EIP-747 leaves symbols open; MetaMask caps them at 11 characters, and so do we. */
export const MAX_SYMBOL_LENGTH = 11;
/** NFT symbols come from the contract (or are empty); bounded only for display. */
export const MAX_NFT_SYMBOL_LENGTH = 64;
/** MetaMask's bound on ERC-20 decimals. */
export const MAX_DECIMALS = 36;
const TOKEN_ID = /^(0|[1-9][0-9]{0,77})$/;
const MAX_UINT256 = (1n << 256n) - 1n;

export const ERC20_ABI = parseAbi([
  'function balanceOf(address account) view returns (uint256)',
  'function decimals() view returns (uint8)',
  'function symbol() view returns (string)',
]);
export const ERC721_ABI = parseAbi([
  'function ownerOf(uint256 tokenId) view returns (address)',
  'function symbol() view returns (string)',
]);
export const ERC1155_ABI = parseAbi([
  'function balanceOf(address account, uint256 id) view returns (uint256)',
]);

type Stored = {
  readonly version: 1;
  readonly lists: Readonly<Record<string, readonly WatchedAsset[]>>;
};

function keyOf(chainId: number, account: string): string {
  return `${chainId}:${account.toLowerCase()}`;
}

function sameAsset(a: WatchedAsset, address: string, tokenId: string | undefined): boolean {
  return a.address.toLowerCase() === address.toLowerCase() && a.tokenId === tokenId;
}

/** Text that shows as itself: no control characters, no bidirectional overrides. */
export function isDisplaySafe(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    )
      return false;
  }
  return true;
}

/** A token id as a canonical decimal below 2^256, or undefined. */
export function canonicalTokenId(value: unknown): string | undefined {
  if (typeof value !== 'string' || !TOKEN_ID.test(value) || BigInt(value) > MAX_UINT256)
    return undefined;
  return value;
}

/** The asset as stored, or undefined when any field is out of shape (hand-edited or old storage). */
export function checkedAsset(value: unknown): WatchedAsset | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { standard, address, symbol, decimals, tokenId } = value as Record<string, unknown>;
  if (standard !== 'ERC20' && standard !== 'ERC721' && standard !== 'ERC1155') return undefined;
  if (typeof address !== 'string' || !isAddress(address)) return undefined;
  if (typeof symbol !== 'string' || !isDisplaySafe(symbol)) return undefined;
  if (
    standard === 'ERC20'
      ? symbol.length === 0 || symbol.length > MAX_SYMBOL_LENGTH
      : symbol.length > MAX_NFT_SYMBOL_LENGTH
  )
    return undefined;
  if (
    decimals !== undefined &&
    (!Number.isInteger(decimals) || (decimals as number) < 0 || (decimals as number) > MAX_DECIMALS)
  )
    return undefined;
  const id = tokenId === undefined ? undefined : canonicalTokenId(tokenId);
  if (
    (standard === 'ERC20') !== (tokenId === undefined) ||
    (tokenId !== undefined && id === undefined)
  )
    return undefined;
  if (standard === 'ERC20' && decimals === undefined) return undefined;
  return Object.freeze({
    standard,
    address: getAddress(address),
    symbol,
    ...(decimals === undefined ? {} : { decimals: decimals as number }),
    ...(id === undefined ? {} : { tokenId: id }),
  });
}

/**
 * Creates the service; it loads the stored lists at once (`ready`).
 * @example
 * const assets = createAssetsService(networks);
 * await assets.add(31337, account, { standard: 'ERC20', address, symbol: 'TST', decimals: 4 });
 * await assets.balances(31337, account); // → [{ …, balance: '0.001' }]
 */
export function createAssetsService(networks: Pick<NetworksService, 'request'>): AssetsService {
  let lists = new Map<string, readonly WatchedAsset[]>();
  const ready = browser.storage.local.get(STORAGE_KEY).then((stored) => {
    const value = stored[STORAGE_KEY] as Partial<Stored> | undefined;
    if (value?.version !== 1 || typeof value.lists !== 'object' || value.lists === null) return;
    lists = new Map(
      Object.entries(value.lists).map(([key, assets]) => [
        key,
        (Array.isArray(assets) ? assets : [])
          .map(checkedAsset)
          .filter((asset): asset is WatchedAsset => asset !== undefined),
      ]),
    );
  });

  async function save(): Promise<void> {
    const stored: Stored = { version: 1, lists: Object.fromEntries(lists) };
    await browser.storage.local.set({ [STORAGE_KEY]: stored });
  }

  return {
    ready,
    list: (chainId, account) => lists.get(keyOf(chainId, account)) ?? [],
    async add(chainId, account, asset) {
      await ready;
      const checked = checkedAsset(asset);
      if (!checked) throw new WalletError('InvalidInput', 'The asset is not a valid token.');
      const key = keyOf(chainId, account);
      const current = lists.get(key) ?? [];
      const others = current.filter((a) => !sameAsset(a, checked.address, checked.tokenId));
      if (others.length >= MAX_ASSETS_PER_ACCOUNT)
        throw new WalletError(
          'InvalidInput',
          `This account already watches ${MAX_ASSETS_PER_ACCOUNT} assets on this network; remove some first.`,
        );
      // Same token again: replaced in place (e.g. a new symbol), so the order stays.
      const index = current.findIndex((a) => sameAsset(a, checked.address, checked.tokenId));
      lists.set(
        key,
        index === -1 ? [...current, checked] : current.map((a, i) => (i === index ? checked : a)),
      );
      await save();
    },
    async remove(chainId, account, address, tokenId) {
      await ready;
      const key = keyOf(chainId, account);
      const current = lists.get(key) ?? [];
      const next = current.filter((a) => !sameAsset(a, address, tokenId));
      if (next.length === current.length) return;
      if (next.length === 0) lists.delete(key);
      else lists.set(key, next);
      await save();
    },
    async balances(chainId, account) {
      await ready;
      const assets = lists.get(keyOf(chainId, account)) ?? [];
      return Promise.all(
        assets.map(async (asset): Promise<TokenView> => {
          const balance = await readBalance(networks, chainId, account, asset).catch(
            () => undefined,
          );
          return balance === undefined ? asset : { ...asset, balance };
        }),
      );
    },
  };
}

/* ---------------------------------------------------------------------------------------------
 * Chain reads
 * ------------------------------------------------------------------------------------------- */

type Networks = Pick<NetworksService, 'request'>;

/** `eth_call` at the latest block; the raw return data. */
async function call(networks: Networks, chainId: number, to: Address, data: Hex): Promise<Hex> {
  const result = await networks.request(chainId, 'eth_call', [{ to, data }, 'latest']);
  if (typeof result !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(result))
    throw new WalletError(
      'ChainError',
      'The chain answered eth_call with something other than data.',
    );
  return result as Hex;
}

/** Whether a node error is a revert (EIP-1474 code 3, or a message that says so). */
export function isRevert(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 3 || (typeof message === 'string' && /revert/i.test(message));
}

/** ERC-20 `balanceOf(account)`, raw. */
export async function readErc20Balance(
  networks: Networks,
  chainId: number,
  token: Address,
  account: Address,
): Promise<bigint> {
  const data = encodeFunctionData({ abi: ERC20_ABI, functionName: 'balanceOf', args: [account] });
  const result = await call(networks, chainId, token, data);
  return decodeFunctionResult({ abi: ERC20_ABI, functionName: 'balanceOf', data: result });
}

/** ERC-20 `symbol()` and `decimals()`; each undefined when the contract does not answer it. */
export async function readErc20Metadata(
  networks: Networks,
  chainId: number,
  token: Address,
): Promise<{ symbol?: string; decimals?: number }> {
  const [symbol, decimals] = await Promise.all([
    call(networks, chainId, token, encodeFunctionData({ abi: ERC20_ABI, functionName: 'symbol' }))
      .then((data) => decodeFunctionResult({ abi: ERC20_ABI, functionName: 'symbol', data }))
      .catch(() => undefined),
    call(networks, chainId, token, encodeFunctionData({ abi: ERC20_ABI, functionName: 'decimals' }))
      .then((data) => decodeFunctionResult({ abi: ERC20_ABI, functionName: 'decimals', data }))
      .catch(() => undefined),
  ]);
  return {
    ...(symbol === undefined ? {} : { symbol }),
    ...(decimals === undefined ? {} : { decimals }),
  };
}

/** ERC-721 `ownerOf(tokenId)`; undefined when the call reverts (no such token). */
export async function readErc721Owner(
  networks: Networks,
  chainId: number,
  token: Address,
  tokenId: bigint,
): Promise<Address | undefined> {
  const data = encodeFunctionData({ abi: ERC721_ABI, functionName: 'ownerOf', args: [tokenId] });
  let result: Hex;
  try {
    result = await call(networks, chainId, token, data);
  } catch (error) {
    if (isRevert(error)) return undefined;
    throw error;
  }
  return decodeFunctionResult({ abi: ERC721_ABI, functionName: 'ownerOf', data: result });
}

/** ERC-721 `symbol()` (optional metadata extension); undefined when absent. */
export async function readErc721Symbol(
  networks: Networks,
  chainId: number,
  token: Address,
): Promise<string | undefined> {
  return call(
    networks,
    chainId,
    token,
    encodeFunctionData({ abi: ERC721_ABI, functionName: 'symbol' }),
  )
    .then((data) => decodeFunctionResult({ abi: ERC721_ABI, functionName: 'symbol', data }))
    .catch(() => undefined);
}

/** ERC-1155 `balanceOf(account, id)`, raw. */
export async function readErc1155Balance(
  networks: Networks,
  chainId: number,
  token: Address,
  account: Address,
  id: bigint,
): Promise<bigint> {
  const data = encodeFunctionData({
    abi: ERC1155_ABI,
    functionName: 'balanceOf',
    args: [account, id],
  });
  const result = await call(networks, chainId, token, data);
  return decodeFunctionResult({ abi: ERC1155_ABI, functionName: 'balanceOf', data: result });
}

/** The display balance of one asset for `account`. */
async function readBalance(
  networks: Networks,
  chainId: number,
  account: Address,
  asset: WatchedAsset,
): Promise<string> {
  switch (asset.standard) {
    case 'ERC20':
      return formatUnits(
        await readErc20Balance(networks, chainId, asset.address, account),
        asset.decimals ?? 0,
      );
    case 'ERC721': {
      const owner = await readErc721Owner(
        networks,
        chainId,
        asset.address,
        BigInt(asset.tokenId ?? '0'),
      );
      return owner !== undefined && isAddressEqual(owner, account) ? '1' : '0';
    }
    case 'ERC1155':
      return (
        await readErc1155Balance(
          networks,
          chainId,
          asset.address,
          account,
          BigInt(asset.tokenId ?? '0'),
        )
      ).toString();
  }
}
