/**
 * Chain identity methods.
 * @module
 */
import { toHexChainId } from '../../services/networks';
import type { MethodTable } from '../types';

export const chainMethods = {
  /** EIP-695: the current chain id, hex. Answered for every origin, as MetaMask does. */
  eth_chainId: {
    policy: 'public',
    handle: (_request, _context, { networks }) => toHexChainId(networks.current().chainId),
  },
} as const satisfies MethodTable;
