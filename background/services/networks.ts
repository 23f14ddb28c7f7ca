/**
 * The networks the wallet knows and the one it is on. Until the networks store lands (issue 6:
 * add/switch chain, persisted per user), the wallet is on the local dev chain that `npm start`
 * runs (anvil, chain id 31337).
 * @module
 */

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
};

export const LOCAL_DEV_CHAIN: Network = Object.freeze({
  chainId: 31337,
  name: 'Localhost 8545',
  rpcUrl: 'http://127.0.0.1:8545',
  nativeCurrency: Object.freeze({ name: 'Ether', symbol: 'ETH', decimals: 18 }),
});

export type NetworksService = {
  /** The network that dApps and the popup currently see. */
  current(): Network;
};

export function createNetworksService(initial: Network = LOCAL_DEV_CHAIN): NetworksService {
  const network = initial;
  return { current: () => network };
}

/** EIP-1193 / EIP-695 form of a chain id: lower-case hex with `0x`, no leading zeros. */
export function toHexChainId(chainId: number): `0x${string}` {
  return `0x${chainId.toString(16)}`;
}
