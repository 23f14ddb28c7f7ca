/**
 * `eth_subscribe` / `eth_unsubscribe` (geth's pub-sub API over the provider's `message` event)
 * and the filter methods (eth_newFilter, eth_newBlockFilter, eth_getFilterChanges,
 * eth_getFilterLogs, eth_uninstallFilter), answered by the wallet by polling the chain's HTTP
 * RPC (`services/subscriptions.ts`).
 *
 * All `public`: they only read the chain, which MetaMask forwards before a dApp connects.
 * Subscriptions need the page's port (notifications go to it); filters belong to the origin.
 * @module
 */
import { JsonRpcError, providerErrors, rpcErrors } from '@metamask/rpc-errors';
import {
  FilterNotFoundError,
  SubscriptionLimitError,
  SubscriptionParamsError,
  UnsupportedSubscriptionError,
} from '../../services/subscriptions';
import type { MethodHandler, MethodTable, RequestContext } from '../types';

/** The service's errors as JSON-RPC errors; anything else (node errors, 4901) passes as it is. */
function toRpcError(error: unknown): unknown {
  if (error instanceof SubscriptionParamsError || error instanceof UnsupportedSubscriptionError)
    return rpcErrors.invalidParams({ message: error.message });
  // geth's answer, word for word: ethers and viem recreate the filter when they see it.
  if (error instanceof FilterNotFoundError) return new JsonRpcError(-32000, 'filter not found');
  if (error instanceof SubscriptionLimitError)
    return rpcErrors.limitExceeded({ message: error.message });
  return error;
}

function mapped(handle: MethodHandler): MethodHandler {
  return async (request, context, services) => {
    try {
      return await handle(request, context, services);
    } catch (error) {
      throw toRpcError(error);
    }
  };
}

function portOf({ portId }: RequestContext, method: string): string {
  if (portId === undefined)
    throw providerErrors.unsupportedMethod({
      message: `${method} needs a page connection that can receive notifications.`,
    });
  return portId;
}

/** The one id param of the filter methods and eth_unsubscribe (checked by the service). */
function idParam(params: unknown): unknown {
  if (!Array.isArray(params) || params.length !== 1)
    throw new SubscriptionParamsError('expected params [id]');
  return params[0];
}

export const subscriptionMethods = {
  /** `["newHeads"]` or `["logs", { address?, topics? }]` → subscription id. */
  eth_subscribe: {
    policy: 'public',
    handle: mapped((request, context, { subscriptions }) =>
      subscriptions.subscribe(portOf(context, 'eth_subscribe'), context.origin, request.params),
    ),
  },
  /** `[id]` → true if this page had that subscription. */
  eth_unsubscribe: {
    policy: 'public',
    handle: mapped((request, context, { subscriptions }) =>
      subscriptions.unsubscribe(portOf(context, 'eth_unsubscribe'), idParam(request.params)),
    ),
  },
  /** `[{ fromBlock?, toBlock?, address?, topics? }]` → filter id. */
  eth_newFilter: {
    policy: 'public',
    handle: mapped((request, { origin }, { subscriptions }) =>
      subscriptions.newFilter(origin, request.params),
    ),
  },
  eth_newBlockFilter: {
    policy: 'public',
    handle: mapped((_request, { origin }, { subscriptions }) =>
      subscriptions.newBlockFilter(origin),
    ),
  },
  eth_newPendingTransactionFilter: {
    policy: 'public',
    handle: async () => {
      throw providerErrors.unsupportedMethod({
        message:
          'eth_newPendingTransactionFilter is not supported by CKM Wallet: it reads chains over HTTP, which has no pending-transaction feed.',
      });
    },
  },
  /** `[id]` → block hashes or logs since the last call. */
  eth_getFilterChanges: {
    policy: 'public',
    handle: mapped((request, { origin }, { subscriptions }) =>
      subscriptions.getFilterChanges(origin, idParam(request.params)),
    ),
  },
  /** `[id]` → every log of the filter's range. */
  eth_getFilterLogs: {
    policy: 'public',
    handle: mapped((request, { origin }, { subscriptions }) =>
      subscriptions.getFilterLogs(origin, idParam(request.params)),
    ),
  },
  /** `[id]` → true if the filter existed. */
  eth_uninstallFilter: {
    policy: 'public',
    handle: mapped((request, { origin }, { subscriptions }) =>
      subscriptions.uninstallFilter(origin, idParam(request.params)),
    ),
  },
} as const satisfies MethodTable;
