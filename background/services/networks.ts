/**
 * The networks the wallet knows, the one the popup is on, and the chain each connected origin is
 * on (MetaMask's per-dApp network). Forwarding to a chain's RPC lives here too, so every RPC URL
 * goes through one place.
 *
 * INTERFACE FIRST: the implementation below is the in-memory placeholder that the networks work
 * (issue #6 item 9: built-ins, custom networks, editable RPC URLs, persistence) replaces.
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
  readonly blockExplorerUrl?: string;
  /** Shipped with the wallet (its RPC URL may be edited; it cannot be removed). */
  readonly builtIn?: boolean;
};

export const LOCAL_DEV_CHAIN: Network = Object.freeze({
  chainId: 31337,
  name: 'Localhost 8545',
  rpcUrl: 'http://127.0.0.1:8545',
  nativeCurrency: Object.freeze({ name: 'Ether', symbol: 'ETH', decimals: 18 }),
  builtIn: true,
});

export type NetworksService = {
  /** Resolves once the stored networks are loaded. */
  readonly ready: Promise<void>;
  list(): readonly Network[];
  get(chainId: number): Network | undefined;
  /** The popup's network; a newly connected origin starts on it. */
  selected(): Network;
  select(chainId: number): Promise<void>;
  /** The chain `origin` is on (its own choice, else the selected network). */
  chainOf(origin: string): Network;
  /** Moves one origin to a known chain (emits `chainChanged` to it when it changes). */
  switchOrigin(origin: string, chainId: number): Promise<void>;
  /** Sends one JSON-RPC request to a chain's RPC; RPC errors keep their code and message. */
  request(chainId: number, method: string, params?: unknown): Promise<unknown>;
};

/** EIP-1193 / EIP-695 form of a chain id: lower-case hex with `0x`, no leading zeros. */
export function toHexChainId(chainId: number): `0x${string}` {
  return `0x${chainId.toString(16)}`;
}

/** Placeholder: one network, nothing persisted. */
export function createNetworksService(initial: Network = LOCAL_DEV_CHAIN): NetworksService {
  const network = initial;
  return {
    ready: Promise.resolve(),
    list: () => [network],
    get: (chainId) => (chainId === network.chainId ? network : undefined),
    selected: () => network,
    select: async () => {},
    chainOf: () => network,
    switchOrigin: async () => {},
    async request(_chainId, method, params) {
      const response = await fetch(network.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result;
    },
  };
}
