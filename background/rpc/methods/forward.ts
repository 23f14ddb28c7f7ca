/**
 * The fall-through for methods the table does not answer: the request goes to the RPC of the
 * chain the calling origin is on (`networks.chainOf(origin)`), as MetaMask's
 * `providerAsMiddleware` does for reads (eth_call, eth_getBalance, eth_getLogs, eth_estimateGas,
 * eth_sendRawTransaction, web3_clientVersion…).
 *
 * What must never reach a node is refused with EIP-1193 4200 here, even if the table forgets it:
 * - the wallet's own namespaces (`wallet_`, `metamask_`, `snap_`) and everything that signs or
 *   names accounts (`eth_sign*` covers eth_sign, eth_signTransaction and eth_signTypedData*,
 *   `personal_`, eth_sendTransaction, eth_accounts, eth_requestAccounts, eth_coinbase,
 *   eth_getEncryptionPublicKey, eth_decrypt): a dev node such as anvil holds unlocked keys and
 *   would answer with its own;
 * - the namespaces that change a dev node's state (`anvil_`, `hardhat_`, `evm_`, `ganache_`) or
 *   administer a node (`admin_`, `miner_`, `engine_`, `txpool_`): a web page must not rewrite
 *   the user's local chain or read its mempool through the wallet;
 * - the subscription and filter methods (the wallet answers them itself, see
 *   `methods/subscriptions.ts`; a load-balanced RPC's own filters are not reliable).
 * @module
 */
import { providerErrors, rpcErrors } from '@metamask/rpc-errors';
import type { RequestContext, RpcRequest, Services } from '../types';

/** Prefixes never forwarded (compared case-sensitively, as JSON-RPC method names are). */
export const NEVER_FORWARDED_PREFIXES: readonly string[] = Object.freeze([
  'wallet_',
  'metamask_',
  'snap_',
  'personal_',
  'eth_sign',
  'anvil_',
  'hardhat_',
  'evm_',
  'ganache_',
  'admin_',
  'miner_',
  'engine_',
  'txpool_',
]);

/** Exact names never forwarded. */
export const NEVER_FORWARDED_METHODS: ReadonlySet<string> = new Set([
  'eth_sendTransaction',
  'eth_accounts',
  'eth_requestAccounts',
  'eth_coinbase',
  'eth_getEncryptionPublicKey',
  'eth_decrypt',
  'eth_subscribe',
  'eth_unsubscribe',
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_newPendingTransactionFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
]);

/** A JSON-RPC method name as nodes use them: letters, digits and `_`, at most 128 characters. */
const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** True if `method` may be sent to a node. */
export function isForwardable(method: string): boolean {
  return (
    METHOD_NAME.test(method) &&
    !NEVER_FORWARDED_METHODS.has(method) &&
    !NEVER_FORWARDED_PREFIXES.some((prefix) => method.startsWith(prefix))
  );
}

/**
 * Sends one request the method table does not answer to the chain of the calling origin.
 * The node's answer comes back as it is, its JSON-RPC errors included (code, message, data);
 * a chain that cannot be reached is 4901.
 */
export async function forwardToChain(
  request: RpcRequest,
  context: RequestContext,
  services: Pick<Services, 'networks'>,
): Promise<unknown> {
  const { method, params } = request;
  if (typeof method !== 'string' || !isForwardable(method))
    throw providerErrors.unsupportedMethod({
      message: `The method "${String(method).slice(0, 128)}" is not supported by CKM Wallet.`,
    });
  // JSON-RPC 2.0 §4.2: params, when present, are by-position (array) or by-name (object).
  if (params !== undefined && (typeof params !== 'object' || params === null))
    throw rpcErrors.invalidParams({
      message: `"params" of ${method} expected an array or an object.`,
    });
  const { networks } = services;
  return networks.request(networks.chainOf(context.origin).chainId, method, params ?? []);
}
