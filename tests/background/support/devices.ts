/**
 * Several browser profiles ("devices") of the wallet in one test process, each a whole
 * background service graph (`createServices`) with its own vault store, all against the same
 * real in-process CKM servers and a real anvil. `wxt`'s fake browser is one global, so only one
 * device is active at a time: switching saves the active device's `storage.local` and
 * `storage.session` and puts the other's back (run the devices one after another, never at once).
 *
 * The popup's server probe (`background/ui/servers.ts`) reads identity documents with `fetch`;
 * {@link routeFetchToCluster} hands the in-process servers' URLs to the cluster's transport (the
 * real server logic), and everything else (anvil) to the real `fetch`.
 * @module
 */
import { vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createServices, servicesReady, wireAccountEvents } from '../../../background/index';
import type { Services } from '../../../background/rpc/types';
import { memoryVaultStore, type VaultStore } from '../../../background/services/vault-store';
import type { UiErrorBody, UiReplies, UiRequest } from '../../../background/ui-api';
import { handleUiRequest } from '../../../background/ui-handlers';
import type { InProcessCluster } from '../../ckm/support/in-process';
import { type Anvil, networkAt } from './chain-node';

type Storage = Record<string, unknown>;

export type Device = {
  readonly name: string;
  readonly services: Services;
  readonly store: VaultStore;
  local: Storage;
  session: Storage;
};

let active: Device | undefined;

/** Sends the in-process servers' URLs to `cluster` (its real server logic); the rest to the network. */
export function routeFetchToCluster(cluster: InProcessCluster): void {
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!cluster.servers.some((s) => url.startsWith(s.url))) return realFetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const reply = await cluster.transport.send({
      url,
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      headers,
      ...(init.body ? { body: new Uint8Array(init.body as ArrayBuffer) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return new Response(reply.body as Uint8Array<ArrayBuffer>, {
      status: reply.status,
      headers: reply.headers,
    });
  });
}

/** Makes `device`'s browser storage the fake browser's (saving the active device's first). */
export async function use(device: Device | undefined): Promise<void> {
  if (active === device) return;
  if (active) {
    active.local = await fakeBrowser.storage.local.get();
    active.session = await fakeBrowser.storage.session.get();
  }
  await fakeBrowser.storage.local.clear();
  await fakeBrowser.storage.session.clear();
  if (device) {
    await fakeBrowser.storage.local.set(device.local);
    await fakeBrowser.storage.session.set(device.session);
  }
  active = device;
}

/** A fresh browser profile: empty storage, a new vault, the whole service graph on anvil. */
export function newDevice(name: string, cluster: InProcessCluster, anvil: Anvil): Promise<Device> {
  return startDevice(name, cluster, anvil, memoryVaultStore(), {});
}

/**
 * The browser restarts on `device`'s profile: a new service graph on the same vault and
 * `storage.local`, with `storage.session` (memory only) gone.
 */
export async function restartDevice(
  device: Device,
  cluster: InProcessCluster,
  anvil: Anvil,
): Promise<Device> {
  await use(undefined);
  return startDevice(`${device.name} (restarted)`, cluster, anvil, device.store, device.local);
}

async function startDevice(
  name: string,
  cluster: InProcessCluster,
  anvil: Anvil,
  store: VaultStore,
  local: Storage,
): Promise<Device> {
  await use(undefined);
  await fakeBrowser.storage.local.set(local);
  // `getState` reports the extension's version; wxt's fake browser has no manifest.
  fakeBrowser.runtime.getManifest = () => ({
    manifest_version: 3,
    name: 'CKM Wallet',
    version: '0.0.0',
  });
  const services = createServices({
    store,
    transport: cluster.transport,
    networks: {
      builtIns: [networkAt(anvil.chainId, anvil.url, 'Localhost 8545')],
      defaultChainId: anvil.chainId,
    },
  });
  wireAccountEvents(services);
  await servicesReady(services);
  const device: Device = { name, services, store, local: {}, session: {} };
  active = device;
  return device;
}

/** Any popup request on `device`; an error answer throws with its code. */
export async function ui<T extends UiRequest>(
  device: Device,
  request: T,
): Promise<UiReplies[T['type']]> {
  await use(device);
  const outcome = await handleUiRequest(request, device.services);
  if (!outcome.ok)
    throw new Error(
      `${device.name} ${request.type}: ${outcome.error.code} ${outcome.error.message}`,
    );
  return outcome.value as UiReplies[T['type']];
}

/** The error answer of a popup request that must fail. */
export async function uiError(device: Device, request: UiRequest): Promise<UiErrorBody> {
  await use(device);
  const outcome = await handleUiRequest(request, device.services);
  if (outcome.ok)
    throw new Error(
      `${device.name} ${request.type} unexpectedly answered ${JSON.stringify(outcome.value)}`,
    );
  return outcome.error;
}

/** The servers of `cluster` as the onboarding screen shows them (probed: URL and fingerprint). */
export async function probedServers(
  device: Device,
  cluster: InProcessCluster,
  count = cluster.servers.length,
): Promise<{ url: string; identity: string }[]> {
  const shown: { url: string; identity: string }[] = [];
  for (const server of cluster.servers.slice(0, count)) {
    const probe = await ui(device, { type: 'probeServer', url: server.url });
    shown.push({ url: probe.url, identity: probe.identity });
  }
  return shown;
}

type Receipt = { status: `0x${string}`; blockNumber: `0x${string}` | null };

/** Waits for `hash`'s receipt on anvil (the test's own hand). */
export async function mined(anvil: Anvil, hash: `0x${string}`): Promise<Receipt> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as Receipt | null;
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no receipt for ${hash}`);
}

/**
 * `device` signs and broadcasts a plain transfer from its account `from` (the popup's send path:
 * prepare from the chain, sign with the threshold key, broadcast); resolves once it is mined.
 */
export async function sendAndWait(
  device: Device,
  anvil: Anvil,
  from: `0x${string}`,
  to: `0x${string}`,
  value: bigint,
): Promise<Receipt> {
  await use(device);
  const { services } = device;
  const account = services.accounts.byAddress(from);
  if (!account) throw new Error(`${from} is not an account of ${device.name}`);
  const prepared = await services.transactions.prepare(
    { from, to, value, data: '0x', legacy: false },
    anvil.chainId,
  );
  const sent = await services.transactions.send({
    account,
    origin: 'CKM Wallet',
    prepared,
    edits: {},
  });
  return mined(anvil, sent.value);
}
