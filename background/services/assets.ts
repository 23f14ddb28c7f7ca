/**
 * Watched assets (EIP-747 `wallet_watchAsset`): ERC-20, ERC-721 and ERC-1155 tokens per chain and
 * account, in `storage.local`, with their balances read from the chain.
 *
 * INTERFACE FIRST: placeholder until the assets work (issue #6 items 4 and 9) lands.
 * @module
 */
import type { TokenView } from '../ui-api';
import type { NetworksService } from './networks';

export type WatchedAsset = Omit<TokenView, 'balance'>;

export type AssetsService = {
  readonly ready: Promise<void>;
  list(chainId: number, account: `0x${string}`): readonly WatchedAsset[];
  add(chainId: number, account: `0x${string}`, asset: WatchedAsset): Promise<void>;
  remove(chainId: number, account: `0x${string}`, address: `0x${string}`, tokenId?: string): Promise<void>;
  /** The assets with balances (absent where the chain did not answer). */
  balances(chainId: number, account: `0x${string}`): Promise<readonly TokenView[]>;
};

export function createAssetsService(_networks: NetworksService): AssetsService {
  return {
    ready: Promise.resolve(),
    list: () => [],
    add: async () => {},
    remove: async () => {},
    balances: async () => [],
  };
}
