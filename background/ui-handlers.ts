/**
 * Answers the popup's messages (see `ui-api.ts`). Only our own extension pages may call it:
 * messages from content scripts (whose sender URL is the web page's) are ignored. Every answer is
 * a `UiOutcome`: failures carry a stable code and a sentence, never a stack.
 * @module
 */

import { JsonRpcError } from '@metamask/rpc-errors';
import { formatEther, type Hex } from 'viem';
import browser, { type Runtime } from 'webextension-polyfill';
import { isCkmError } from '../ckm/errors';
import type { ApprovalResults } from './approvals-api';
import { isWalletError, WalletError } from './errors';
import type { Services } from './rpc/types';
import { serverViews } from './services/key-maintenance';
import type { Network } from './services/networks';
import {
  holdRecoveryKit,
  keyManagementUiHandlers,
  newRecoveryCredential,
  recoveryKitOf,
  recoveryKitPending,
} from './ui/key-management';
import { networksUiHandlers } from './ui/networks';
import { phishingUiHandlers } from './ui/phishing';
import { policyUiHandlers } from './ui/policy';
import { broadcastUiEvent, ceremonyProgress, reportProgress, withProgress } from './ui/progress';
import { pinnedAsShown, probe, serverUrl } from './ui/servers';
import {
  type NetworkView,
  UI_MESSAGE_TAG,
  type UiEnvelope,
  type UiErrorBody,
  type UiOutcome,
  type UiReplies,
  type UiRequest,
} from './ui-api';

type Handlers = {
  [K in UiRequest['type']]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]> | UiReplies[K];
};

/** The servers `npm start` runs; a build may name others in `WXT_CKM_SERVERS` (comma-separated). */
export const DEFAULT_SERVERS: readonly string[] = (
  (import.meta.env?.WXT_CKM_SERVERS as string | undefined) ??
  'http://127.0.0.1:7101,http://127.0.0.1:7102'
)
  .split(',')
  .map((url) => url.trim())
  .filter(Boolean);

export function networkView(network: Network): NetworkView {
  return {
    chainId: network.chainId,
    name: network.name,
    symbol: network.nativeCurrency.symbol,
    rpcUrl: network.rpcUrl,
    ...(network.blockExplorerUrl ? { blockExplorerUrl: network.blockExplorerUrl } : {}),
    builtIn: network.builtIn === true,
  };
}

export { broadcastUiEvent };

/** 31 days: the longest recovery waiting period a wallet may choose. */
const MAX_RECOVERY_DELAY_SECONDS = 31 * 24 * 60 * 60;

/** The old device's warning: what the servers reported, asking again in the background. */
function pendingRecoveriesOf(services: Services) {
  if (services.keyring.status() !== 'unlocked') return {};
  void services.recoveryWatch.check().catch(() => {});
  const pending = services.recoveryWatch.pending();
  return pending.length > 0 ? { pendingRecoveries: pending } : {};
}

function requireAccount(services: Services) {
  const account = services.accounts.selected();
  if (!account) throw new WalletError('NotInitialized', 'There is no account yet.');
  return account;
}

export const handlers: Handlers = {
  async getState(_request, services) {
    const state = services.keyring.publicState();
    const network = services.networks.selected();
    const selected = services.accounts.selected();
    return {
      status: services.keyring.status(),
      version: browser.runtime.getManifest().version,
      accounts: services.accounts.list(),
      ...(selected ? { selectedAccount: selected.index } : {}),
      network: networkView(network),
      servers: serverViews(state),
      defaultServers: DEFAULT_SERVERS,
      pendingApprovals: services.approvals.list().length,
      settings: services.settings.get(),
      ...(ceremonyProgress() ? { creating: ceremonyProgress() } : {}),
      ...(services.keyring.recovery() ? { recovering: true } : {}),
      ...(services.keyring.status() === 'unlocked' && (await recoveryKitPending())
        ? { recoveryKitPending: true }
        : {}),
      ...pendingRecoveriesOf(services),
    };
  },
  probeServer: ({ url }) => probe(serverUrl(url)),
  async createWallet({ servers, password, recoveryDelaySeconds }, services) {
    if (
      recoveryDelaySeconds !== undefined &&
      (!Number.isInteger(recoveryDelaySeconds) ||
        recoveryDelaySeconds < 1 ||
        recoveryDelaySeconds > MAX_RECOVERY_DELAY_SECONDS)
    )
      throw new WalletError('InvalidInput', 'The recovery waiting period is 1 second to 31 days.');
    if (!Array.isArray(servers) || servers.length < 1 || servers.length > 15)
      throw new WalletError('InvalidInput', 'Choose 1 to 15 CKM servers.');
    const urls = servers.map((s) => serverUrl(s?.url));
    if (new Set(urls).size !== urls.length)
      throw new WalletError('InvalidInput', 'A server is listed twice.');
    const choices = await Promise.all(
      servers.map(async (server, k) => {
        const url = urls[k] as string;
        return { url, pinned: await pinnedAsShown(url, server.identity) };
      }),
    );
    return withProgress(async () => {
      const recoveryKeys = newRecoveryCredential();
      const wallet = await services.keyring.create({
        servers: choices,
        password,
        recoveryKey: recoveryKeys.identity.signingKey,
        ...(recoveryDelaySeconds !== undefined ? { recoveryDelaySeconds } : {}),
        onProgress: reportProgress,
      });
      const account = await services.accounts.initialize();
      const recoveryKit = await holdRecoveryKit(recoveryKitOf(wallet.state, recoveryKeys));
      return { address: account.address, recoveryKit };
    });
  },
  async unlock({ password }, services) {
    await services.keyring.unlock(password);
    services.approvals.resolveAll('unlock');
    return {};
  },
  async lock(_request, services) {
    await services.keyring.lock();
    return {};
  },
  addAccount: ({ name }, services) => services.accounts.add(name),
  renameAccount: ({ index, name }, services) => services.accounts.rename(index, name),
  async selectAccount({ index }, services) {
    await services.accounts.select(index);
    return {};
  },
  async getHome(_request, services) {
    const account = requireAccount(services);
    const network = services.networks.selected();
    const [balance, tokens] = await Promise.all([
      services.networks
        .request(network.chainId, 'eth_getBalance', [account.address, 'latest'])
        .then((wei) => formatEther(BigInt(wei as Hex)))
        .catch(() => undefined),
      services.assets.balances(network.chainId, account.address).catch(() => []),
    ]);
    return {
      account,
      network: networkView(network),
      ...(balance !== undefined ? { balance } : {}),
      tokens,
      activity: services.activity.list(account.address),
    };
  },
  listApprovals: (_request, services) => services.approvals.list(),
  resolveApproval: ({ id, result, continueAnyway }, services) =>
    services.approvals.resolve(id, (result ?? {}) as ApprovalResults[keyof ApprovalResults], {
      continueAnyway: continueAnyway === true,
    }),
  rejectApproval({ id }, services) {
    services.approvals.reject(id);
    return {};
  },
  closeApprovalWindow: async (_request, services) => ({
    closed: await services.approvals.closeWindowIfIdle(),
  }),
  getActivity: (_request, services) => services.activity.list(requireAccount(services).address),
  speedUp: ({ id }, services) => services.transactions.speedUp(id, ownerOf(id, services)),
  cancelTransaction: ({ id }, services) => services.transactions.cancel(id, ownerOf(id, services)),
  listConnections: (_request, services) =>
    services.permissions.list().map((grant) => ({
      origin: grant.origin,
      accounts: grant.accounts,
      chainId: services.networks.chainOf(grant.origin).chainId,
      connectedAt: grant.connectedAt,
    })),
  async disconnectOrigin({ origin }, services) {
    await services.permissions.revoke(origin);
    return {};
  },
  ...networksUiHandlers,
  ...keyManagementUiHandlers,
  ...policyUiHandlers,
  ...phishingUiHandlers,
  async removeAsset({ chainId, address, tokenId }, services) {
    await services.assets.remove(chainId, requireAccount(services).address, address, tokenId);
    return {};
  },
  updateSettings: ({ patch }, services) => services.settings.update(patch),
};

function ownerOf(id: string, services: Services) {
  const record = services.activity.get(id);
  const account = record && services.accounts.byAddress(record.from);
  if (!account) throw new WalletError('NotFound', 'That transaction is not one of this wallet’s.');
  return account;
}

/** A failure as the popup shows it. */
export function toUiError(error: unknown): UiErrorBody {
  if (isWalletError(error))
    return {
      code: error.code,
      message: error.message,
      ...(error.policy ? { policy: error.policy } : {}),
    };
  if (isCkmError(error)) return { code: error.code, message: error.shortMessage };
  if (error instanceof JsonRpcError) return { code: `Rpc${error.code}`, message: error.message };
  if (error instanceof Error && error.name === 'InvalidSettingError')
    return { code: 'InvalidInput', message: error.message };
  console.error('CKM Wallet: internal error while answering the popup', error);
  return { code: 'Internal', message: 'Something went wrong inside CKM Wallet. Please retry.' };
}

export async function handleUiRequest(
  request: UiRequest,
  services: Services,
): Promise<UiOutcome<unknown>> {
  try {
    const handler = Object.hasOwn(handlers, request.type)
      ? (handlers[request.type] as (r: UiRequest, s: Services) => unknown)
      : undefined;
    if (!handler) throw new WalletError('NotFound', `Unknown request "${request.type}".`);
    services.keyring.touch();
    return { ok: true, value: await handler(request, services) };
  } catch (error) {
    return { ok: false, error: toUiError(error) };
  }
}

/** True for a page of this extension (the popup, in its bubble or opened in a tab). */
export function isExtensionPage(sender: Runtime.MessageSender): boolean {
  return (
    sender.id === browser.runtime.id &&
    typeof sender.url === 'string' &&
    sender.url.startsWith(browser.runtime.getURL('/'))
  );
}

function isUiEnvelope(message: unknown): message is UiEnvelope {
  if (typeof message !== 'object' || message === null) return false;
  const { tag, request } = message as Record<string, unknown>;
  return (
    tag === UI_MESSAGE_TAG &&
    typeof request === 'object' &&
    request !== null &&
    typeof (request as { type?: unknown }).type === 'string'
  );
}

export function listenForUi(services: Services, ready: Promise<void>): void {
  browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
    if (!isExtensionPage(sender)) return undefined;
    if (!isUiEnvelope(message)) return undefined;
    return ready.then(() => handleUiRequest(message.request, services));
  });
}
