/**
 * Restore and recovery on a fresh profile (issue #7, ARCHITECTURE.md flow 4):
 * - **restore**: a backup kit and its password; the key moves to a new device identity at once
 *   (`restoreFromBackup`), so the backup's identity is retired;
 * - **recovery**: the recovery key; every server starts the wallet's waiting period, which the
 *   wallet's own device can cancel; afterwards the servers re-share to this device.
 *
 * Both persist the new device state before any server commits (the keyring's `install`); if a
 * server is lost in between, the key that may still sign its commit (the backup's device key or
 * the credential) stays sealed in the vault and a retry finishes the commits.
 * @module
 */
import {
  abandonRecovery,
  type CkmWallet,
  type ClientOptions,
  completeRecovery,
  completeRestore,
  type DeviceWalletState,
  type Progress,
  recoverWithServers,
  recoveryOutlook,
  recoveryStatus,
  restoreFromBackup,
  startRecovery,
} from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import { generatePartyKeys, identityId, type PartyKeys } from '../../ckm/identity';
import {
  joinRecoveryKit,
  type RecoveryKit,
  recoveryKitBytes,
  recoveryKitFromBytes,
  recoveryKitFromUr,
} from '../../ckm/recovery-kit';
import { publicKeyToAddress } from '../../tss/index';
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import { decodeDeviceBackup } from '../services/device-backup';
import type { CreateProgress, RecoveryKitInput, RecoveryView, UiReplies } from '../ui-api';
import { openBackup, sealedBackupOf } from './kits';

type Hex = `0x${string}`;
type Report = (progress: Progress | CreateProgress | { stage: 'seal' }) => void;

function kitOf(input: RecoveryKitInput): RecoveryKit {
  if (typeof input !== 'object' || input === null)
    throw new WalletError('InvalidInput', 'Paste your recovery key, or its shares.');
  try {
    if (input.kind === 'ur') return recoveryKitFromUr(input.text);
    if (input.kind === 'shares') return joinRecoveryKit(input.texts);
  } catch (cause) {
    if (isCkmError(cause))
      throw new WalletError('InvalidInput', `${cause.shortMessage}.`, { cause });
    throw cause;
  }
  throw new WalletError('InvalidInput', 'Paste your recovery key, or its shares.');
}

const choicesOf = (kit: RecoveryKit) =>
  kit.servers.map((s) => ({ url: s.url, pinned: s.identity }));

/** A ckm failure as the popup shows it; the recovery-specific ones keep their own codes. */
function asWalletError(cause: unknown, what: string): unknown {
  if (!isCkmError(cause)) return cause;
  if (cause.code === 'RecoveryPending')
    return new WalletError('RecoveryPending', 'The waiting period is not over yet.', { cause });
  if (cause.code === 'RecoveryCancelled')
    return new WalletError(
      'RecoveryCancelled',
      'The wallet’s own device cancelled this recovery.',
      { cause },
    );
  return new WalletError(
    cause.code === 'ServerUnavailable' || cause.code === 'Timeout' ? 'ServerUnavailable' : 'Busy',
    `${what}: ${cause.shortMessage}. Nothing was lost; try again.`,
    { cause },
  );
}

/** Finishes the commits of an interrupted restore or recovery, if one is pending. */
export async function finishCommits(services: Services): Promise<void> {
  const keys = services.keyring.pendingCompletion();
  if (!keys) return;
  const wallet = services.keyring.wallet();
  try {
    await wallet.commitPending({ strict: true, authKeys: keys });
  } catch (cause) {
    throw asWalletError(cause, 'A server has not confirmed the move yet');
  }
  await services.keyring.completed();
}

/** The restored or recovered key's first account (m/0). */
async function afterInstall(services: Services): Promise<{ address: Hex }> {
  const account = await services.accounts.initialize();
  return { address: account.address };
}

/** Runs `make`, and on a failure after the new state was persisted, finishes the commits once. */
function withCompletion(
  make: (
    options: ClientOptions & { onStateChange: (s: DeviceWalletState) => Promise<void> },
  ) => Promise<CkmWallet>,
  complete: (state: DeviceWalletState, options: ClientOptions) => Promise<CkmWallet>,
) {
  return async (
    options: ClientOptions & { onStateChange: (s: DeviceWalletState) => Promise<void> },
  ) => {
    let persisted: DeviceWalletState | undefined;
    const tracked = {
      ...options,
      onStateChange: async (state: DeviceWalletState) => {
        await options.onStateChange(state);
        persisted = state;
      },
    };
    try {
      return await make(tracked);
    } catch (error) {
      if (!persisted) throw error;
      return complete(persisted, tracked);
    }
  };
}

export const recoveryUiHandlers = {
  async restoreBackup(
    { backup, password }: { backup: Parameters<typeof sealedBackupOf>[0]; password: string },
    services: Services,
    report: Report,
  ): Promise<UiReplies['restoreBackup']> {
    if (services.keyring.status() === 'unlocked' && services.keyring.pendingCompletion()) {
      // A retry of a restore that stopped before every server confirmed it.
      await finishCommits(services);
      return { address: services.accounts.list()[0]?.address ?? ('0x' as Hex) };
    }
    const bytes = openBackup(sealedBackupOf(backup), password);
    let bundle: ReturnType<typeof decodeDeviceBackup>;
    try {
      bundle = decodeDeviceBackup(bytes);
    } finally {
      bytes.fill(0);
    }
    const backupKeys = bundle.main.deviceKeys;
    try {
      await services.keyring.install({
        password,
        completionKeys: backupKeys,
        onProgress: report,
        make: withCompletion(
          (options) => restoreFromBackup({ state: bundle.main, ...options, onProgress: report }),
          (state, options) => completeRestore({ state, backupDeviceKeys: backupKeys, ...options }),
        ),
      });
    } catch (cause) {
      // A backup's device identity retired by a later restore or recovery is refused by every
      // server: say so, since trying again cannot help.
      if (isCkmError(cause, 'Unauthorized'))
        throw new WalletError(
          'InvalidInput',
          'This backup is older than the last restore or recovery of this wallet, so the servers no longer accept it. Use a newer backup, or the recovery key.',
          { cause },
        );
      throw asWalletError(cause, 'The restore failed');
    }
    const result = await afterInstall(services);
    // Imported keys move to this device too; one that cannot yet is kept as backed up.
    for (const state of bundle.imported) {
      let moved: DeviceWalletState = state;
      try {
        const restored = await services.keyring.addImported((options) =>
          restoreFromBackup({ state, ...options }),
        );
        moved = restored.state;
      } catch {
        await services.keyring.putImported(state);
      }
      await services.accounts.addImported({
        walletId: moved.config.walletId,
        address: publicKeyToAddress(moved.share.publicKey) as Hex,
      });
    }
    // The keyring opens the wallet even when a commit failed; until every server has committed,
    // one still knows the backup's identity: not done, so the popup offers the retry.
    await finishCommits(services);
    return result;
  },

  async startRecovery(
    { kit: input, password }: { kit: RecoveryKitInput; password: string },
    services: Services,
  ): Promise<UiReplies['startRecovery']> {
    const kit = kitOf(input);
    const existing = services.keyring.recovery();
    let deviceKeys: PartyKeys;
    if (existing) {
      // Again (e.g. after the old device cancelled): same new device identity.
      const record = services.keyring.recoveryRecord();
      if (existing.walletId !== kit.walletId)
        throw new WalletError(
          'InvalidInput',
          'Another recovery is in progress here: abandon it first.',
        );
      deviceKeys = record.deviceKeys;
    } else {
      deviceKeys = generatePartyKeys();
      // Persisted first: the finish must present this same device identity.
      await services.keyring.beginRecovery({
        password,
        walletId: kit.walletId,
        record: { kit: recoveryKitBytes(kit), deviceKeys, readyAt: 0 },
      });
    }
    let started: Awaited<ReturnType<typeof startRecovery>>;
    try {
      started = await startRecovery({
        walletId: kit.walletId,
        servers: choicesOf(kit),
        recoveryKeys: kit.recoveryKeys,
        deviceKeys,
      });
    } catch (cause) {
      throw asWalletError(cause, 'The servers could not start the recovery');
    }
    const readyAt = Math.max(...started.map((s) => s.readyAt));
    await services.keyring.setRecoveryReadyAt(readyAt);
    const names = new Map(kit.servers.map((s) => [s.url, s.name]));
    return {
      walletId: kit.walletId,
      readyAt,
      recoveries: started.map((s) => ({
        server: names.get(s.url) ?? s.url,
        newDevice: identityId(deviceKeys.identity),
        startedAt: s.startedAt,
        readyAt: s.readyAt,
      })),
    };
  },

  async recoveryStatus(services: Services): Promise<UiReplies['recoveryStatus']> {
    const info = services.keyring.recovery();
    if (!info) return { state: 'none', recoveries: [] };
    let record: ReturnType<typeof services.keyring.recoveryRecord>;
    try {
      record = services.keyring.recoveryRecord();
    } catch {
      // Locked after a browser restart: what is known without the password.
      return { state: 'waiting', readyAt: info.readyAt, recoveries: [] };
    }
    const kit = recoveryKitFromBytes(record.kit);
    let statuses: Awaited<ReturnType<typeof recoveryStatus>>;
    try {
      statuses = await recoveryStatus({
        walletId: kit.walletId,
        servers: choicesOf(kit),
        recoveryKeys: kit.recoveryKeys,
      });
    } catch (cause) {
      throw asWalletError(cause, 'The servers could not be asked');
    }
    const outlook = recoveryOutlook(statuses, record.deviceKeys.identity);
    const recoveries: RecoveryView[] = [];
    for (const s of statuses)
      if (s.pending)
        recoveries.push({
          server: s.name,
          newDevice: identityId(s.pending.newDevice),
          startedAt: s.pending.startedAt,
          readyAt: s.pending.readyAt,
        });
    return {
      state: outlook.state,
      ...(outlook.readyAt !== undefined ? { readyAt: outlook.readyAt } : {}),
      recoveries,
    };
  },

  async finishRecovery(
    { password }: { password?: string },
    services: Services,
    report: Report,
  ): Promise<UiReplies['finishRecovery']> {
    if (services.keyring.status() === 'unlocked' && services.keyring.pendingCompletion()) {
      await finishCommits(services);
      return { address: services.accounts.list()[0]?.address ?? ('0x' as Hex) };
    }
    if (!services.keyring.recovery())
      throw new WalletError('NotFound', 'No recovery is in progress here.');
    if (password !== undefined) await services.keyring.unlockRecovery(password);
    const record = services.keyring.recoveryRecord();
    const kit = recoveryKitFromBytes(record.kit);
    const target = {
      walletId: kit.walletId,
      servers: choicesOf(kit),
      recoveryKeys: kit.recoveryKeys,
    };
    try {
      await services.keyring.install({
        completionKeys: kit.recoveryKeys,
        onProgress: report,
        make: withCompletion(
          (options) =>
            recoverWithServers({
              ...target,
              deviceKeys: record.deviceKeys,
              ...options,
              onProgress: report,
            }),
          (state, options) =>
            completeRecovery({ state, recoveryKeys: kit.recoveryKeys, ...options }),
        ),
      });
    } catch (cause) {
      throw asWalletError(cause, 'The recovery failed');
    }
    const result = await afterInstall(services);
    // As for a restore: a server that has not committed still knows the old device.
    await finishCommits(services);
    return result;
  },

  async abandonRecovery(services: Services): Promise<UiReplies['abandonRecovery']> {
    if (!services.keyring.recovery()) return {};
    try {
      const kit = recoveryKitFromBytes(services.keyring.recoveryRecord().kit);
      await abandonRecovery({
        walletId: kit.walletId,
        servers: choicesOf(kit),
        recoveryKeys: kit.recoveryKeys,
      });
    } catch {
      // Locked, or a server is down: the pending recovery stays until the old device (or the
      // servers' own expiry) ends it; this device forgets it either way.
    }
    await services.keyring.clearRecovery();
    return {};
  },
};
