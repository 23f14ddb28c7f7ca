/**
 * The popup's key-management requests (`ui-api.ts`, issue #7): backup kits, restore, recovery
 * (new device and old device), refresh, server replacement, MetaMask import and migration, and
 * the identity document. Merged into the popup's handler table by `ui-handlers.ts`.
 *
 * Each request is answered by the service that owns it.
 * @module
 */
import browser from 'webextension-polyfill';
import { fromHex, toHex } from '../../ckm/bytes';
import type { DeviceWalletState } from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import { generatePartyKeys, identityId, type PartyKeys } from '../../ckm/identity';
import {
  type RecoveryKit,
  recoveryKitBytes,
  recoveryKitFromBytes,
  recoveryKitToUr,
  splitRecoveryKit,
} from '../../ckm/recovery-kit';
import type { Envelope } from '../../envelope/envelope';
import { envelopeToUr, envelopeToUrParts } from '../../envelope/ur';
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import { encodeDeviceBackup } from '../services/device-backup';
import type { KitView, UiReplies, UiRequest } from '../ui-api';
import { importUiHandlers } from './import';
import { backupKit, backupShareKits, bytesToBase64, checkSpec } from './kits';
import { reportProgress, withProgress } from './progress';
import { recoveryUiHandlers } from './recovery';
import { pinnedAsShown, probedName, serverUrl } from './servers';

type KeyRequestType =
  | 'splitRecoveryKit'
  | 'showRecoveryKit'
  | 'dismissRecoveryKit'
  | 'exportBackup'
  | 'splitBackup'
  | 'restoreBackup'
  | 'startRecovery'
  | 'recoveryStatus'
  | 'finishRecovery'
  | 'abandonRecovery'
  | 'pendingRecoveries'
  | 'cancelRecovery'
  | 'getKeyInfo'
  | 'refreshKey'
  | 'replaceServer'
  | 'previewMnemonic'
  | 'importMnemonic'
  | 'importPrivateKey'
  | 'previewMigration'
  | 'migrateAccount'
  | 'exportIdentity';

type KeyHandlers = {
  [K in KeyRequestType]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]> | UiReplies[K];
};

/** The recovery key made at creation waits here (memory only) until the user says it is saved. */
const RECOVERY_KIT_KEY = 'recoveryKit';

/** A fresh recovery credential for `createWallet`: its public key goes into the configuration. */
export function newRecoveryCredential(): PartyKeys {
  return generatePartyKeys();
}

/** Keeps the new wallet's recovery key for the popup to show, until `dismissRecoveryKit`. */
export async function holdRecoveryKit(kit: RecoveryKit): Promise<KitView> {
  const bytes = recoveryKitBytes(kit);
  await browser.storage.session.set({ [RECOVERY_KIT_KEY]: toHex(bytes) });
  return recoveryKitView(kit, bytes);
}

function recoveryKitView(kit: RecoveryKit, bytes = recoveryKitBytes(kit)): KitView {
  const { urText, qrParts } = recoveryKitToUr(kit);
  return {
    fileName: 'ckm-wallet-recovery-key.envelope',
    fileBase64: bytesToBase64(bytes),
    urText,
    qrParts,
  };
}

/** True while the recovery key made at creation waits to be saved. */
export async function recoveryKitPending(): Promise<boolean> {
  return (await browser.storage.session.get(RECOVERY_KIT_KEY))[RECOVERY_KIT_KEY] !== undefined;
}

async function heldRecoveryKit(): Promise<RecoveryKit> {
  const hex = (await browser.storage.session.get(RECOVERY_KIT_KEY))[RECOVERY_KIT_KEY];
  const bytes = typeof hex === 'string' ? fromHex(hex) : undefined;
  if (!bytes)
    throw new WalletError(
      'NotFound',
      'The recovery key was already saved and cannot be shown again.',
    );
  return recoveryKitFromBytes(bytes);
}

/** The kit of the main wallet's recovery credential, for its configuration and servers. */
export function recoveryKitOf(state: DeviceWalletState, recoveryKeys: PartyKeys): RecoveryKit {
  return {
    walletId: state.config.walletId,
    servers: state.config.parties
      .filter((p) => p.role === 'server')
      .map((p) => ({ url: state.urls.get(p.index) ?? '', name: p.name, identity: p.identity })),
    recoveryKeys,
  };
}

/** Every key of this device as backup bytes. */
function deviceBackupBytes(services: Services): Uint8Array {
  return encodeDeviceBackup({
    main: services.keyring.wallet().state,
    imported: services.keyring.importedWallets().map((w) => w.state),
  });
}

export const keyManagementUiHandlers: KeyHandlers = {
  async splitRecoveryKit({ threshold, count }, services) {
    checkSpec({ threshold, count });
    services.keyring.wallet(); // a locked wallet does not show its recovery key
    const kit = await heldRecoveryKit();
    return splitRecoveryKit(kit, { threshold, count }).map((share, i) => ({
      fileName: `ckm-wallet-recovery-key-share-${i + 1}-of-${count}.envelope`,
      fileBase64: bytesToBase64(share.toBytes()),
      urText: envelopeToUr(share),
      qrParts: envelopeToUrParts(share),
    }));
  },
  async showRecoveryKit(_request, services) {
    services.keyring.wallet(); // a locked wallet does not show its recovery key
    return recoveryKitView(await heldRecoveryKit());
  },
  async dismissRecoveryKit() {
    await browser.storage.session.remove(RECOVERY_KIT_KEY);
    return {};
  },
  async exportBackup({ password }, services) {
    await services.keyring.checkPassword(password);
    const bytes = deviceBackupBytes(services);
    try {
      return backupKit(bytes, password, Date.now());
    } finally {
      bytes.fill(0);
    }
  },
  async splitBackup({ password, threshold, count }, services) {
    checkSpec({ threshold, count });
    await services.keyring.checkPassword(password);
    const bytes = deviceBackupBytes(services);
    try {
      return backupShareKits(bytes, password, { threshold, count }, Date.now());
    } finally {
      bytes.fill(0);
    }
  },
  restoreBackup: (request, services) =>
    withProgress(() => recoveryUiHandlers.restoreBackup(request, services, reportProgress)),
  startRecovery: (request, services) => recoveryUiHandlers.startRecovery(request, services),
  recoveryStatus: (_request, services) => recoveryUiHandlers.recoveryStatus(services),
  finishRecovery: (request, services) =>
    withProgress(() => recoveryUiHandlers.finishRecovery(request, services, reportProgress)),
  abandonRecovery: (_request, services) => recoveryUiHandlers.abandonRecovery(services),
  pendingRecoveries: (_request, services) => services.recoveryWatch.check(true),
  cancelRecovery: (_request, services) => services.recoveryWatch.cancel(),
  getKeyInfo: (_request, services) => {
    services.keyring.wallet();
    return services.keyMaintenance.info();
  },
  refreshKey: (_request, services) => services.keyMaintenance.refresh(),
  async replaceServer({ party, url, identity }, services) {
    const normalized = serverUrl(url);
    const state = services.keyring.wallet().state;
    const server = state.config.parties.find((p) => p.index === party && p.role === 'server');
    const pinned = await pinnedAsShown(normalized, identity);
    // The same request again after a replacement stopped before every server committed: the
    // replaced party is gone and the newcomer already in place; what is left is the commits.
    const newcomer = state.config.parties.find(
      (p) => p.role === 'server' && state.urls.get(p.index) === normalized,
    );
    if (
      Number.isInteger(party) &&
      !server &&
      newcomer &&
      identityId(newcomer.identity) === identityId(pinned) &&
      state.uncommitted.length > 0
    )
      return services.keyMaintenance.finishCommits();
    if (!Number.isInteger(party) || !server)
      throw new WalletError('InvalidInput', 'Choose one of the wallet’s servers to replace.');
    return services.keyMaintenance.replaceServer({
      party,
      url: normalized,
      pinned,
      name: probedName(normalized),
    });
  },
  previewMnemonic: (request) => importUiHandlers.previewMnemonic(request),
  importMnemonic: (request, services) => importUiHandlers.importMnemonic(request, services),
  importPrivateKey: (request, services) => importUiHandlers.importPrivateKey(request, services),
  previewMigration: (request, services) => importUiHandlers.previewMigration(request, services),
  migrateAccount: (request, services) => importUiHandlers.migrateAccount(request, services),
  async exportIdentity({ index }, services) {
    let walletId: string | undefined;
    if (index !== undefined) {
      const account = services.accounts.list().find((a) => a.index === index);
      if (!account?.walletId) throw new WalletError('InvalidInput', 'Choose an imported account.');
      walletId = account.walletId;
    }
    let file: Envelope;
    try {
      file = await services.identity.file(walletId);
    } catch (cause) {
      if (isCkmError(cause))
        throw new WalletError(
          'ServerUnavailable',
          `The identity could not be signed: ${cause.shortMessage}.`,
          { cause },
        );
      throw cause;
    }
    return {
      fileName: 'ckm-wallet-identity.envelope',
      fileBase64: bytesToBase64(file.toBytes()),
      urText: envelopeToUr(file),
      qrParts: envelopeToUrParts(file),
    };
  },
};
