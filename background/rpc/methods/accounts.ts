/**
 * Accounts and EIP-2255 permissions: connecting a site, what it sees, revoking it.
 * @module
 */
import { providerErrors, rpcErrors } from '@metamask/rpc-errors';
import { toHexChainId } from '../../services/networks';
import type { MethodTable, RequestContext, Services } from '../types';
import { ensureUnlocked, visibleAccounts } from './access';

/** Asks the user to connect `origin` (one prompt per origin at a time: -32002 otherwise). */
async function connect(origin: string, services: Services): Promise<`0x${string}`[]> {
  await ensureUnlocked(origin, services);
  const existing = visibleAccounts(origin, services);
  if (existing.length > 0) return existing;
  if (services.approvals.has(origin, 'connect'))
    throw rpcErrors.resourceUnavailable({
      message: `A connection request from ${origin} is already waiting. Open CKM Wallet to answer it.`,
    });
  const offered = [
    ...(services.accounts.selected() ? [services.accounts.selected()?.address] : []),
    ...services.accounts.list().map((a) => a.address),
  ].filter((a, i, all): a is `0x${string}` => a !== undefined && all.indexOf(a) === i);
  const { accounts } = await services.approvals.request(origin, {
    kind: 'connect',
    accounts: offered,
  });
  const chosen = accounts.filter((a) => services.accounts.byAddress(a) !== undefined);
  if (chosen.length === 0) throw providerErrors.userRejectedRequest();
  await services.permissions.grant(origin, chosen);
  return visibleAccounts(origin, services);
}

/** EIP-2255 params: exactly `[{ eth_accounts: {} }]`. */
function assertEthAccountsOnly(params: unknown, method: string): void {
  if (
    !Array.isArray(params) ||
    params.length !== 1 ||
    typeof params[0] !== 'object' ||
    params[0] === null ||
    Array.isArray(params[0])
  )
    throw rpcErrors.invalidParams({ message: `${method} expects [{ eth_accounts: {} }].` });
  const names = Object.keys(params[0]);
  if (names.length === 0)
    throw rpcErrors.invalidParams({ message: `${method}: no permission named.` });
  const unknown = names.filter((n) => n !== 'eth_accounts');
  if (unknown.length > 0)
    throw rpcErrors.invalidParams({
      message: `${method}: CKM Wallet grants only "eth_accounts", not ${unknown.map((u) => `"${u}"`).join(', ')}.`,
    });
}

function providerState(context: RequestContext, services: Services) {
  const chainId = services.networks.chainOf(context.origin).chainId;
  return {
    isUnlocked: services.keyring.status() === 'unlocked',
    chainId: toHexChainId(chainId),
    networkVersion: String(chainId),
    accounts: visibleAccounts(context.origin, services),
  };
}

export const accountMethods = {
  eth_requestAccounts: {
    policy: 'public',
    handle: (_request, { origin }, services) => connect(origin, services),
  },
  eth_accounts: {
    policy: 'public',
    handle: (_request, { origin }, services) => visibleAccounts(origin, services),
  },
  eth_coinbase: {
    policy: 'public',
    handle: (_request, { origin }, services) => visibleAccounts(origin, services)[0] ?? null,
  },
  wallet_requestPermissions: {
    policy: 'public',
    handle: async ({ params }, { origin }, services) => {
      assertEthAccountsOnly(params, 'wallet_requestPermissions');
      await connect(origin, services);
      return services.permissions.eip2255(origin);
    },
  },
  wallet_getPermissions: {
    policy: 'public',
    handle: (_request, { origin }, services) => services.permissions.eip2255(origin),
  },
  wallet_revokePermissions: {
    policy: 'public',
    handle: async ({ params }, { origin }, services) => {
      assertEthAccountsOnly(params, 'wallet_revokePermissions');
      await services.permissions.revoke(origin);
      return null;
    },
  },
  metamask_getProviderState: {
    policy: 'public',
    handle: (_request, context, services) => providerState(context, services),
  },
  /** MetaMask's no-ops that dApps and libraries still call. */
  metamask_sendDomainMetadata: { policy: 'public', handle: () => true },
  metamask_logWeb3ShimUsage: { policy: 'public', handle: () => null },
} as const satisfies MethodTable;
