/**
 * The JSON-RPC router: looks the method up in the table and runs its handler. Errors leave as
 * EIP-1193 / EIP-1474 errors (`@metamask/rpc-errors`); the mapping to codes happens here only.
 * @module
 */
import { JsonRpcError, providerErrors, rpcErrors } from '@metamask/rpc-errors';
import type { WireRpcError } from '../../content/page-channel';
import { chainMethods } from './methods/chain';
import type { MethodTable, RequestContext, RpcRequest, Services } from './types';

export const METHODS: MethodTable = { ...chainMethods };

export type RpcOutcome = { ok: true; result: unknown } | { ok: false; error: WireRpcError };

/** Runs one request. Never throws: every failure becomes a wire error. */
export async function routeRequest(
  request: RpcRequest,
  context: RequestContext,
  services: Services,
  methods: MethodTable = METHODS,
): Promise<RpcOutcome> {
  try {
    const spec = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!spec)
      throw providerErrors.unsupportedMethod({
        message: `The method "${request.method}" is not supported by CKM Wallet.`,
      });
    return { ok: true, result: await spec.handle(request, context, services) };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

/** A deliberate RPC error keeps its code, message and data; anything else is an internal error
 * whose details stay in the background's console, never on the page. */
function toWireError(error: unknown): WireRpcError {
  if (error instanceof JsonRpcError) {
    const { code, message, data } = error;
    return data === undefined ? { code, message } : { code, message, data };
  }
  console.error('CKM Wallet: internal error while answering an RPC request', error);
  const { code, message } = rpcErrors.internal();
  return { code, message };
}
