/**
 * Contracts that legitimately ask for approvals: marketplaces' transfer proxies (which
 * `setApprovalForAll` is normally granted to), Permit2 and the large DEX routers. The wallet warns
 * about `setApprovalForAll` to anything else, and a server with `blockUnknownApprovals` refuses
 * unlimited approvals and `setApprovalForAll` to anything else (or not on the wallet's allowlist).
 *
 * Shipped with the code on both sides so that the extension and the servers agree. It is short on
 * purpose: a spender missing here only costs a warning (or, with the rule on, an allowlist entry),
 * while a wrong entry would silence one. Addresses are the projects' published deployments;
 * the CREATE2-deterministic ones (Seaport, its conduit, Permit2) are the same on every chain listed.
 * @module
 */
import { type Address, getAddress } from 'viem';

export type KnownSpender = {
  readonly name: string;
  readonly kind: 'marketplace' | 'permit2' | 'dex';
};

/** Mainnet and the large L2s where the deterministic deployments live. */
const DETERMINISTIC_CHAINS = [1, 10, 56, 137, 8453, 42161, 43114, 11155111] as const;

const EVERYWHERE: readonly (readonly [string, KnownSpender])[] = [
  [
    '0x00000000000000adc04c56bf30ac9d3c0aaf14dc',
    { name: 'OpenSea Seaport 1.5', kind: 'marketplace' },
  ],
  [
    '0x0000000000000068f116a894984e2db1123eb395',
    { name: 'OpenSea Seaport 1.6', kind: 'marketplace' },
  ],
  ['0x1e0049783f008a0085193e00003d00cd54003c71', { name: 'OpenSea conduit', kind: 'marketplace' }],
  ['0x000000000022d473030f116ddee9f6b43ac78ba3', { name: 'Uniswap Permit2', kind: 'permit2' }],
];

const MAINNET_ONLY: readonly (readonly [string, KnownSpender])[] = [
  [
    '0x00000000000111abe46ff893f3b2fdf1f759a8a8',
    { name: 'Blur execution delegate', kind: 'marketplace' },
  ],
  [
    '0x000000000060c4ca14cfc4325359062ace33fe3d',
    { name: 'LooksRare transfer manager', kind: 'marketplace' },
  ],
  ['0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad', { name: 'Uniswap Universal Router', kind: 'dex' }],
  ['0x7a250d5630b4cf539739df2c5dacb4c659f2488d', { name: 'Uniswap V2 router', kind: 'dex' }],
  ['0xe592427a0aece92de3edee1f18e0157c05861564', { name: 'Uniswap V3 router', kind: 'dex' }],
  ['0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45', { name: 'Uniswap V3 router 2', kind: 'dex' }],
  ['0x1111111254eeb25477b68fb85ed929f73a960582', { name: '1inch v5 router', kind: 'dex' }],
  ['0x111111125421ca6dc452d289314280a0f8842a65', { name: '1inch v6 router', kind: 'dex' }],
];

const byChain = new Map<number, ReadonlyMap<string, KnownSpender>>();
for (const chainId of DETERMINISTIC_CHAINS) {
  const entries = new Map<string, KnownSpender>(EVERYWHERE);
  if (chainId === 1) for (const [address, spender] of MAINNET_ONLY) entries.set(address, spender);
  byChain.set(chainId, entries);
}

/** The known spender at `address` on `chainId`, or undefined. Case-insensitive. */
export function knownSpender(chainId: number, address: string): KnownSpender | undefined {
  return byChain.get(chainId)?.get(address.toLowerCase());
}

/** Every known spender on `chainId` (checksummed), for documentation and the settings screen. */
export function knownSpenders(chainId: number): readonly (KnownSpender & { address: Address })[] {
  return [...(byChain.get(chainId) ?? new Map<string, KnownSpender>())].map(([address, s]) => ({
    ...s,
    address: getAddress(address),
  }));
}
