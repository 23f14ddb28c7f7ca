/**
 * The JSON-RPC router: looks the method up in the table, applies its policy, runs its handler;
 * a method the wallet does not handle itself goes to the origin's chain RPC. Errors leave as
 * EIP-1193 / EIP-1474 errors (`@metamask/rpc-errors`); the mapping to codes happens here only.
 * @module
 */
import { JsonRpcError, providerErrors, rpcErrors } from '@metamask/rpc-errors';

/** JSON data an RPC error may carry (what `@metamask/rpc-errors` accepts). */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

import type { WireRpcError } from '../../content/page-channel';
import { isWalletError, type WalletError } from '../errors';
import { accountMethods } from './methods/accounts';
import { assetMethods } from './methods/assets';
import { chainMethods } from './methods/chain';
import { forwardToChain } from './methods/forward';
import { signMethods } from './methods/sign';
import { subscriptionMethods } from './methods/subscriptions';
import { transactionMethods } from './methods/transaction';
import type { MethodHandler, MethodTable, RequestContext, RpcRequest, Services } from './types';

export const METHODS: MethodTable = {
  ...chainMethods,
  ...accountMethods,
  ...signMethods,
  ...transactionMethods,
  ...assetMethods,
  ...subscriptionMethods,
};

export type RpcOutcome = { ok: true; result: unknown } | { ok: false; error: WireRpcError };

/** Runs one request. Never throws: every failure becomes a wire error. */
export async function routeRequest(
  request: RpcRequest,
  context: RequestContext,
  services: Services,
  methods: MethodTable = METHODS,
  fallback: MethodHandler = forwardToChain,
): Promise<RpcOutcome> {
  try {
    const spec = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!spec) return { ok: true, result: await fallback(request, context, services) };
    if (spec.policy === 'connected') {
      await services.permissions.ready;
      if (!services.permissions.isConnected(context.origin))
        throw providerErrors.unauthorized({
          message: `${context.origin} is not connected to CKM Wallet: call eth_requestAccounts first.`,
        });
    }
    return { ok: true, result: await spec.handle(request, context, services) };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

function fromWalletError(error: WalletError): JsonRpcError<Json> {
  switch (error.code) {
    case 'Locked':
    case 'NotInitialized':
      return providerErrors.unauthorized({ message: error.message });
    case 'InvalidInput':
      return rpcErrors.invalidParams({ message: error.message });
    // EIP-1474 -32003 "Transaction rejected": the servers' policy refused (or held) it; the
    // rule travels in `data` so a dApp can tell the user more than "failed".
    case 'PolicyRefused':
      return rpcErrors.transactionRejected({
        message: error.message,
        ...(error.policy ? { data: { policy: { ...error.policy } as Json } } : {}),
      });
    default:
      return rpcErrors.internal({ message: error.message });
  }
}

/** A deliberate RPC error keeps its code, message and data; anything else is an internal error
 * whose details stay in the background's console, never on the page. */
function toWireError(error: unknown): WireRpcError {
  const known = isWalletError(error) ? fromWalletError(error) : error;
  if (known instanceof JsonRpcError) {
    const { code, message, data } = known;
    return data === undefined ? { code, message } : { code, message, data };
  }
  console.error('CKM Wallet: internal error while answering an RPC request', error);
  const { code, message } = rpcErrors.internal();
  return { code, message };
}
