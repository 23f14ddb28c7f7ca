/**
 * The wallet core in the MV3 service worker: builds the services, wires their events (which
 * origins see which accounts, the popup's refreshes) and starts listening to pages (through the
 * relay's ports) and to the popup. Listeners are registered synchronously at start, as MV3
 * requires; each waits for the stored state to load before it answers.
 * @module
 */

import browser from 'webextension-polyfill';
import type { Transport } from '../ckm/client/transport';
import { listenForProviders } from './provider-connections';
import { visibleAccounts } from './rpc/methods/access';
import type { Services } from './rpc/types';
import { createAccountsService } from './services/accounts';
import { createActivityService } from './services/activity';
import { createApprovalsService, type WindowOpener } from './services/approvals';
import { createAssetsService } from './services/assets';
import { createHeldService } from './services/held';
import { createIdentityService } from './services/identity';
import { registerInpageScripts } from './services/inpage-registration';
import { createKeyMaintenanceService } from './services/key-maintenance';
import { createKeyringService } from './services/keyring';
import { createNetworksService, type NetworksServiceOptions } from './services/networks';
import { createPermissionsService } from './services/permissions';
import { createPhishingService } from './services/phishing';
import { createProviderEventsService } from './services/provider-events';
import { createRecoveryWatchService } from './services/recovery-watch';
import { createSettingsService } from './services/settings';
import { createSignerService } from './services/signer';
import { createSubscriptionsService } from './services/subscriptions';
import { createTransactionsService } from './services/transactions';
import { indexedDbVaultStore, type VaultStore } from './services/vault-store';
import { broadcastUiEvent, listenForUi } from './ui-handlers';

/** What tests replace: storage, the approval window, the servers' transport, the built-in chains. */
export type ServiceDeps = {
  readonly store?: VaultStore;
  readonly opener?: WindowOpener;
  readonly transport?: Transport;
  readonly networks?: NetworksServiceOptions;
};

export function createServices(deps: ServiceDeps = {}): Services {
  const settings = createSettingsService();
  const events = createProviderEventsService();
  const networks = createNetworksService(events, deps.networks);
  const keyring = createKeyringService({
    store: deps.store ?? indexedDbVaultStore(),
    settings,
    ...(deps.transport ? { transport: deps.transport } : {}),
  });
  const accounts = createAccountsService(keyring);
  const permissions = createPermissionsService();
  const phishing = createPhishingService();
  const approvals = createApprovalsService(deps.opener, phishing);
  const signer = createSignerService(keyring, accounts);
  const activity = createActivityService(networks);
  const assets = createAssetsService(networks);
  const held = createHeldService();
  const transactions = createTransactionsService({ networks, signer, activity, assets, held });
  const subscriptions = createSubscriptionsService(networks, events);
  const keyMaintenance = createKeyMaintenanceService({ keyring, settings });
  const recoveryWatch = createRecoveryWatchService({ keyring });
  const identity = createIdentityService({ keyring, keyMaintenance });
  return {
    settings,
    networks,
    keyring,
    accounts,
    permissions,
    approvals,
    events,
    signer,
    transactions,
    activity,
    assets,
    subscriptions,
    keyMaintenance,
    recoveryWatch,
    identity,
    held,
    phishing,
  };
}

/** Everything stored has been read. */
export function servicesReady(services: Services): Promise<void> {
  return Promise.all([
    services.settings.ready,
    services.networks.ready,
    services.keyring.ready,
    services.accounts.ready,
    services.permissions.ready,
    services.activity.ready,
    services.assets.ready,
    services.keyMaintenance.ready,
    services.held.ready,
    services.phishing.ready,
  ]).then(() => {});
}

/** `accountsChanged` to each open origin whose visible accounts may have changed. */
export function wireAccountEvents(services: Services): void {
  const last = new Map<string, string>();
  const notify = (origins: readonly string[]) => {
    for (const origin of origins) {
      const accounts = visibleAccounts(origin, services);
      const key = accounts.join(',');
      if (last.get(origin) === key) continue;
      last.set(origin, key);
      services.events.emitToOrigin(origin, 'accountsChanged', accounts);
    }
  };
  const all = () => notify(services.events.origins());
  services.keyring.on((event) => {
    if (event === 'created') {
      void services.keyMaintenance.startSchedule();
      // The identity starts with the key, so every later change is recorded.
      void services.identity.start().catch(() => {});
    }
    if (event === 'locked' || event === 'unlocked') all();
    broadcastUiEvent({ type: 'stateChanged' });
  });
  services.permissions.onChange((origin) => notify([origin]));
  services.accounts.onSelectedChange(all);
  services.approvals.onChange(() => broadcastUiEvent({ type: 'approvalsChanged' }));
  services.activity.onChange(() => broadcastUiEvent({ type: 'stateChanged' }));
  services.networks.onChange(() => broadcastUiEvent({ type: 'stateChanged' }));
  services.recoveryWatch.onChange(() => broadcastUiEvent({ type: 'stateChanged' }));
  // A port's first `accountsChanged` is only sent on a change: remember what it saw at connect.
  services.events.onPortOpened((origin) => {
    if (!last.has(origin)) last.set(origin, visibleAccounts(origin, services).join(','));
  });
}

export function startBackground(deps: ServiceDeps = {}): Services {
  const services = createServices(deps);
  const ready = servicesReady(services);
  listenForProviders(services, ready);
  listenForUi(services, ready);
  wireAccountEvents(services);
  void registerInpageScripts(services.settings);
  keepAwakeWhilePagesAreOpen(services);
  return services;
}

/**
 * Chrome stops an idle worker after 30 s, and throttles hidden tabs' timers (so their relay's
 * heartbeat) to one a minute after 5 minutes: while any page holds a provider port, one cheap
 * extension call every 20 s keeps the worker — and the pages' subscriptions — alive.
 */
function keepAwakeWhilePagesAreOpen(services: Services): void {
  setInterval(() => {
    if (services.events.origins().length > 0) void browser.runtime.getPlatformInfo();
  }, 20_000);
}
