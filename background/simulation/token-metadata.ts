/**
 * Names for the tokens a preview shows: `symbol()` and, for ERC-20, `decimals()` by `eth_call`,
 * cached in memory per (chain id, contract). A token's code could answer anything, so a symbol is
 * cleaned (hidden characters gone, at most 16 characters) and decimals must fit a uint8 (EIP-20
 * declares `uint8 decimals()`). Symbols that are `bytes32` (MKR, SAI) are read too.
 *
 * Only answers are cached (a symbol, or a node saying the call fails); an RPC that is down or
 * slow leaves nothing behind, so the next prompt asks again.
 * @module
 */
import { type Address, decodeAbiParameters, type Hex, hexToString } from 'viem';
import type { Standard, TokenMetadata } from './balance-changes';
import { cleanText } from './revert-reason';
import type { Rpc } from './types';

const SYMBOL = '0x95d89b41'; // bytes4(keccak256("symbol()"))
const DECIMALS = '0x313ce567'; // bytes4(keccak256("decimals()"))
const MAX_SYMBOL_LENGTH = 16;
/** Tokens looked up per preview; the rest are named by their address. */
export const MAX_LOOKUPS = 8;
const MAX_CACHED = 1000;

export type TokenMetadataCache = {
  get(chainId: number, token: Address): TokenMetadata | undefined;
  set(chainId: number, token: Address, metadata: TokenMetadata): void;
};

/** A bounded in-memory cache; the oldest entry goes first. */
export function createTokenMetadataCache(max = MAX_CACHED): TokenMetadataCache {
  const entries = new Map<string, TokenMetadata>();
  const key = (chainId: number, token: Address) => `${chainId}:${token.toLowerCase()}`;
  return {
    get: (chainId, token) => entries.get(key(chainId, token)),
    set(chainId, token, metadata) {
      entries.delete(key(chainId, token));
      entries.set(key(chainId, token), metadata);
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
  };
}

/** The background's one cache (it lives as long as the service worker). */
export const tokenMetadataCache: TokenMetadataCache = createTokenMetadataCache();

type Read<T> = { readonly answered: boolean; readonly value?: T };

/** One `eth_call`; `answered` is false when the RPC itself failed (down, timeout). */
async function read<T>(
  rpc: Rpc,
  token: Address,
  data: Hex,
  decode: (result: Hex) => T | undefined,
): Promise<Read<T>> {
  let result: unknown;
  try {
    result = await rpc('eth_call', [{ to: token, data }, 'latest']);
  } catch (error) {
    // A JSON-RPC error from the node (a revert: no such function) is an answer; 4901 or a
    // failure with no code (our timeout) is not.
    const code = (error as { code?: unknown } | null)?.code;
    return { answered: typeof code === 'number' && code !== 4901 };
  }
  if (typeof result !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(result))
    return { answered: true };
  try {
    const value = decode(result as Hex);
    return value === undefined ? { answered: true } : { answered: true, value };
  } catch {
    return { answered: true };
  }
}

/** `string symbol()`, else a `bytes32` symbol; cleaned, empty means none. */
export function decodeSymbol(result: Hex): string | undefined {
  let text: string;
  if (result.length === 66) text = hexToString(result as Hex, { size: 32 }).replace(/\0+$/, '');
  else [text] = decodeAbiParameters([{ type: 'string' }], result);
  const clean = cleanText(text, MAX_SYMBOL_LENGTH);
  return clean.length > 0 ? clean : undefined;
}

/** `uint8 decimals()`: exactly one word holding 0..255. */
export function decodeDecimals(result: Hex): number | undefined {
  if (result.length !== 66) return undefined;
  const value = BigInt(result);
  return value <= 255n ? Number(value) : undefined;
}

/**
 * Metadata of the first `MAX_LOOKUPS` tokens (cached ones cost nothing); a token whose lookup
 * failed or was not made is absent from the map.
 */
export async function readTokenMetadata(args: {
  rpc: Rpc;
  chainId: number;
  tokens: readonly { readonly address: Address; readonly standard: Standard }[];
  cache?: TokenMetadataCache;
}): Promise<Map<Address, TokenMetadata>> {
  const { rpc, chainId } = args;
  const cache = args.cache ?? tokenMetadataCache;
  const found = new Map<Address, TokenMetadata>();
  const wanted = new Map<Address, Standard>();
  for (const { address, standard } of args.tokens) {
    const token = address.toLowerCase() as Address;
    if (!wanted.has(token) && wanted.size < MAX_LOOKUPS) wanted.set(token, standard);
  }
  await Promise.all(
    [...wanted].map(async ([token, standard]) => {
      const cached = cache.get(chainId, token);
      if (cached) {
        found.set(token, cached);
        return;
      }
      const [symbol, decimals] = await Promise.all([
        read(rpc, token, SYMBOL, decodeSymbol),
        standard === 'ERC20'
          ? read(rpc, token, DECIMALS, decodeDecimals)
          : Promise.resolve<Read<number>>({ answered: true }),
      ]);
      const metadata: TokenMetadata = {
        ...(symbol.value !== undefined ? { symbol: symbol.value } : {}),
        ...(decimals.value !== undefined ? { decimals: decimals.value } : {}),
      };
      found.set(token, metadata);
      if (symbol.answered && decimals.answered) cache.set(chainId, token, metadata);
    }),
  );
  return found;
}
