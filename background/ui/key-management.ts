/**
 * The popup's key-management requests (`ui-api.ts`, issue #7): backup kits, restore, recovery
 * (new device and old device), refresh, server replacement, MetaMask import and migration, and
 * the identity document. Merged into the popup's handler table by `ui-handlers.ts`.
 *
 * Each request is answered by the service that owns it; a request whose service is not wired
 * yet answers `NotAvailable` (the popup shows that sentence) rather than pretending.
 * @module
 */
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import type { UiReplies, UiRequest } from '../ui-api';

type KeyRequestType =
  | 'splitRecoveryKit'
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

const notAvailable = (): never => {
  throw new WalletError('NotAvailable', 'This part of the wallet is not available yet.');
};

export const keyManagementUiHandlers: KeyHandlers = {
  splitRecoveryKit: notAvailable,
  dismissRecoveryKit: notAvailable,
  exportBackup: notAvailable,
  splitBackup: notAvailable,
  restoreBackup: notAvailable,
  startRecovery: notAvailable,
  recoveryStatus: notAvailable,
  finishRecovery: notAvailable,
  abandonRecovery: notAvailable,
  pendingRecoveries: notAvailable,
  cancelRecovery: notAvailable,
  getKeyInfo: notAvailable,
  refreshKey: notAvailable,
  replaceServer: notAvailable,
  previewMnemonic: notAvailable,
  importMnemonic: notAvailable,
  importPrivateKey: notAvailable,
  previewMigration: notAvailable,
  migrateAccount: notAvailable,
  exportIdentity: notAvailable,
};
