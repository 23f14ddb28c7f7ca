/**
 * `eth_subscribe` (`newHeads`, `logs`) and the filter methods, by polling the chain's HTTP RPC.
 * Notifications go to the subscribing port as EIP-1193 `message` events
 * (`{ type: 'eth_subscription', data: { subscription, result } }`).
 *
 * INTERFACE FIRST: placeholder until the subscriptions work (issue #6 item 4) lands.
 * @module
 */
import type { NetworksService } from './networks';
import type { ProviderEventsService } from './provider-events';

export type SubscriptionsService = {
  subscribe(portId: string, origin: string, params: unknown): Promise<`0x${string}`>;
  unsubscribe(portId: string, id: unknown): Promise<boolean>;
};

export function createSubscriptionsService(
  _networks: NetworksService,
  _events: ProviderEventsService,
): SubscriptionsService {
  return {
    subscribe: async () => {
      throw new Error('eth_subscribe is not built yet');
    },
    unsubscribe: async () => false,
  };
}
