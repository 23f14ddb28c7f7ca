/**
 * The wallet core in the MV3 service worker: builds the services and starts listening to pages
 * (through the relay's ports) and to the popup.
 * @module
 */
import { listenForProviders } from './provider-connections';
import type { Services } from './rpc/types';
import { createNetworksService } from './services/networks';
import { listenForUi } from './ui-handlers';

export function startBackground(): Services {
  const services: Services = { networks: createNetworksService() };
  listenForProviders(services);
  listenForUi(services);
  return services;
}
