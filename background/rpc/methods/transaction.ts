/**
 * `eth_sendTransaction`: validated, filled from the chain, reviewed (fees and nonce editable),
 * threshold-signed and broadcast; resolves with the transaction hash.
 * @module
 */
import { parseTransactionRequest } from '../../services/transactions';
import type { MethodTable } from '../types';
import { ensureUnlocked, permittedAccount } from './access';
import { chainView } from './sign';

export const transactionMethods = {
  eth_sendTransaction: {
    policy: 'connected',
    handle: async ({ params }, { origin }, services) => {
      const request = parseTransactionRequest(params);
      const account = permittedAccount(origin, request.from, services);
      await ensureUnlocked(origin, services);
      const chainId = services.networks.chainOf(origin).chainId;
      const prepared = await services.transactions.prepare(request, chainId);
      return services.approvals.requestAndRun(
        origin,
        {
          kind: 'transaction',
          account: account.address,
          chain: chainView(chainId, services),
          transaction: prepared.view,
          insight: prepared.insight,
        },
        (edits) => services.transactions.send({ account, origin, prepared, edits }),
      );
    },
  },
} as const satisfies MethodTable;
