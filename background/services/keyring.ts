/**
 * The wallet's key: creation (DKG with the CKM servers), the password vault, unlock, lock and
 * auto-lock. While unlocked the device state is in memory and its vault key in
 * `storage.session` (memory only, cleared when the browser closes), so a service-worker restart
 * does not lock the wallet; the auto-lock deadline lives there too and an alarm enforces it.
 * @module
 */
import browser from 'webextension-polyfill';
import { fromHex, toHex } from '../../ckm/bytes';
import { decodeDeviceState, encodeDeviceState } from '../../ckm/client/device-state';
import type { Transport } from '../../ckm/client/transport';
import {
  CkmWallet,
  createWallet,
  type DeviceWalletState,
  type Progress,
  type ServerChoice,
} from '../../ckm/client/wallet';
import { VaultCorruptError, VaultPasswordError } from '../../envelope/errors';
import {
  openVaultKey,
  openWithVaultKey,
  sealVaultKey,
  sealWithVaultKey,
} from '../../envelope/vault';
import { WalletError } from '../errors';
import type { WalletStatus } from '../ui-api';
import type { SettingsService } from './settings';
import type { VaultStore } from './vault-store';

const SESSION_KEY = 'keyring';
const AUTO_LOCK_ALARM = 'ckm-auto-lock';
/** Activity within this long of the last stored deadline does not rewrite it. */
const DEADLINE_SLACK_MS = 10_000;

type SessionRecord = { vaultKey: string; deadline: number | null };

export type KeyringEvent = 'unlocked' | 'locked' | 'created' | 'stateChanged';

export type KeyringService = {
  readonly ready: Promise<void>;
  status(): WalletStatus;
  /** Runs the DKG with `servers` (2-of-(n+1): this device plus any one server) and seals the vault. */
  create(args: {
    servers: readonly ServerChoice[];
    password: string;
    onProgress?: (progress: Progress | { readonly stage: 'seal' }) => void;
  }): Promise<CkmWallet>;
  /** @throws {WalletError} `WrongPassword` (nothing changes), `NotInitialized`, `VaultCorrupt` */
  unlock(password: string): Promise<void>;
  lock(): Promise<void>;
  /** The unlocked wallet. @throws {WalletError} `Locked` / `NotInitialized` */
  wallet(): CkmWallet;
  /** Public facts that stay readable while locked (none secret). */
  publicState(): DeviceWalletState | undefined;
  /** Counts as activity for the auto-lock. */
  touch(): void;
  on(listener: (event: KeyringEvent) => void): void;
};

export function createKeyringService(deps: {
  store: VaultStore;
  settings: SettingsService;
  transport?: Transport;
  now?: () => number;
}): KeyringService {
  const { store, settings } = deps;
  const now = deps.now ?? Date.now;
  const listeners = new Set<(event: KeyringEvent) => void>();
  const emit = (event: KeyringEvent) => {
    for (const listener of listeners) listener(event);
  };
  let initialized = false;
  let wallet: CkmWallet | undefined;
  let vaultKey: Uint8Array | undefined;
  let deadline: number | null = null;
  let writes: Promise<void> = Promise.resolve();
  let creating = false;

  const clientOptions = () => ({
    ...(deps.transport ? { transport: deps.transport } : {}),
    onStateChange: (state: DeviceWalletState) => persistState(state),
  });

  /** Re-seals the device state under the vault key; writes are serialized. */
  function persistState(state: DeviceWalletState): Promise<void> {
    const key = vaultKey;
    if (!key) return Promise.reject(new WalletError('Locked', 'The wallet is locked.'));
    const write = writes.then(async () => {
      const record = await store.read();
      if (!record) throw new WalletError('NotInitialized', 'There is no wallet to update.');
      await store.write({ ...record, state: sealWithVaultKey(encodeDeviceState(state), key) });
    });
    writes = write.catch(() => {});
    return write.then(() => emit('stateChanged'));
  }

  async function saveSession(): Promise<void> {
    if (!vaultKey) return;
    const record: SessionRecord = { vaultKey: toHex(vaultKey), deadline };
    await browser.storage.session.set({ [SESSION_KEY]: record });
    if (deadline === null) await browser.alarms.clear(AUTO_LOCK_ALARM);
    else await browser.alarms.create(AUTO_LOCK_ALARM, { when: deadline });
  }

  function nextDeadline(): number | null {
    const minutes = settings.get().autoLockMinutes;
    return minutes === 0 ? null : now() + minutes * 60_000;
  }

  async function openWith(key: Uint8Array): Promise<CkmWallet> {
    const record = await store.read();
    if (!record) throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
    let bytes: Uint8Array;
    try {
      bytes = openWithVaultKey(record.state, key);
    } catch (cause) {
      throw new WalletError('VaultCorrupt', 'The stored wallet could not be opened.', { cause });
    }
    try {
      return new CkmWallet(decodeDeviceState(bytes), clientOptions());
    } finally {
      bytes.fill(0);
    }
  }

  async function lockNow(): Promise<void> {
    wallet = undefined;
    vaultKey?.fill(0);
    vaultKey = undefined;
    deadline = null;
    await browser.storage.session.remove(SESSION_KEY);
    await browser.alarms.clear(AUTO_LOCK_ALARM);
    emit('locked');
  }

  const ready = (async () => {
    await settings.ready;
    initialized = (await store.read()) !== undefined;
    const session = (await browser.storage.session.get(SESSION_KEY))[SESSION_KEY] as
      | SessionRecord
      | undefined;
    if (!initialized || !session) return;
    if (session.deadline !== null && session.deadline <= now()) {
      await browser.storage.session.remove(SESSION_KEY);
      return;
    }
    const key = fromHex(session.vaultKey);
    if (key?.length !== 32) return;
    try {
      vaultKey = key;
      wallet = await openWith(key);
      deadline = session.deadline;
      await saveSession();
    } catch {
      // A session that no longer opens the vault (e.g. it was replaced) is just forgotten.
      vaultKey = undefined;
      wallet = undefined;
      await browser.storage.session.remove(SESSION_KEY);
    }
  })();

  browser.alarms.onAlarm.addListener(async (alarm) => {
    if (alarm.name !== AUTO_LOCK_ALARM) return;
    await ready;
    if (wallet && deadline !== null && deadline <= now() + 1_000) await lockNow();
  });
  settings.onChange(() => {
    if (!wallet) return;
    deadline = nextDeadline();
    void saveSession();
  });

  return {
    ready,
    status: () => (!initialized ? 'uninitialized' : wallet ? 'unlocked' : 'locked'),
    async create({ servers, password, onProgress }) {
      await ready;
      if (initialized)
        throw new WalletError('AlreadyInitialized', 'This device already has a wallet.');
      if (creating) throw new WalletError('Busy', 'A wallet is already being created.');
      if (typeof password !== 'string' || password.length < 8)
        throw new WalletError('InvalidInput', 'Choose a password of at least 8 characters.');
      creating = true;
      const key = crypto.getRandomValues(new Uint8Array(32));
      /** The device state once sealed: from then on the wallet exists on this device. */
      let sealed: DeviceWalletState | undefined;
      const open = async (state: DeviceWalletState) => {
        wallet = new CkmWallet(state, clientOptions());
        vaultKey = key;
        deadline = nextDeadline();
        await saveSession();
        emit('created');
        emit('unlocked');
        return wallet;
      };
      try {
        const created = await createWallet({
          servers,
          threshold: 2,
          ...(deps.transport ? { transport: deps.transport } : {}),
          ...(onProgress ? { onProgress } : {}),
          onStateChange: async (state) => {
            // The first persist (after the DKG, before any server commits) creates the vault.
            if (!sealed) {
              onProgress?.({ stage: 'seal' });
              await store.write({
                formatVersion: 1,
                lock: sealVaultKey(key, password),
                state: sealWithVaultKey(encodeDeviceState(state), key),
                createdAt: now(),
              });
              initialized = true;
              vaultKey = key;
            } else {
              await persistState(state);
            }
            sealed = state;
          },
        });
        return await open(created.state);
      } catch (error) {
        // A failure after the vault was sealed is a failed commit: the key exists and the
        // client retries the commit before its next signature (docs/ckm.md §4). The wallet is
        // created; only a failure before that is the user's to retry.
        if (sealed) return open(sealed);
        key.fill(0);
        throw error;
      } finally {
        creating = false;
      }
    },
    async unlock(password) {
      await ready;
      if (!initialized)
        throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
      if (typeof password !== 'string' || password.length === 0)
        throw new WalletError('WrongPassword', 'Wrong password. Nothing was changed.');
      const record = await store.read();
      if (!record)
        throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
      let key: Uint8Array;
      try {
        key = openVaultKey(record.lock, password);
      } catch (cause) {
        if (cause instanceof VaultPasswordError)
          throw new WalletError('WrongPassword', 'Wrong password. Nothing was changed.', { cause });
        if (cause instanceof VaultCorruptError)
          throw new WalletError('VaultCorrupt', 'The stored wallet is damaged.', { cause });
        throw cause;
      }
      const opened = await openWith(key);
      vaultKey = key;
      wallet = opened;
      deadline = nextDeadline();
      await saveSession();
      emit('unlocked');
    },
    async lock() {
      await ready;
      if (!wallet) return;
      await lockNow();
    },
    wallet() {
      if (!initialized)
        throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
      if (!wallet) throw new WalletError('Locked', 'The wallet is locked.');
      return wallet;
    },
    publicState: () => wallet?.state,
    touch() {
      if (!wallet) return;
      const next = nextDeadline();
      if (next === deadline) return;
      if (next !== null && deadline !== null && next - deadline < DEADLINE_SLACK_MS) return;
      deadline = next;
      void saveSession();
    },
    on: (listener) => void listeners.add(listener),
  };
}
