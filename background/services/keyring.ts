/**
 * The wallet's keys: creation (DKG with the CKM servers), installation of a restored or
 * recovered key, imported keys (MetaMask) beside the collaborative one, a recovery waiting on
 * this new device, the password vault, unlock, lock and auto-lock. Every key's device state is
 * sealed under one vault key (`vault-store.ts`), persisted before any server commits a new
 * version (docs/ckm.md §4). While unlocked the device state is in memory and its vault key in
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
  type ClientOptions,
  createWallet,
  type DeviceWalletState,
  type Progress,
  type ServerChoice,
} from '../../ckm/client/wallet';
import { asObject, decodeWire, encodeWire, readBytes, readInt } from '../../ckm/codec';
import { KEY_BYTES, type PartyKeys, partyKeysFromSecrets } from '../../ckm/identity';
import { VaultCorruptError, VaultPasswordError } from '../../envelope/errors';
import {
  openVaultKey,
  openWithVaultKey,
  sealVaultKey,
  sealWithVaultKey,
} from '../../envelope/vault';
import { WalletError } from '../errors';
import type { WalletStatus } from '../ui-api';
import { MAX_IMPORTED_KEYS } from './device-backup';
import type { SettingsService } from './settings';
import type { VaultRecord, VaultStore } from './vault-store';

const SESSION_KEY = 'keyring';
const AUTO_LOCK_ALARM = 'ckm-auto-lock';
/** Activity within this long of the last stored deadline does not rewrite it. */
const DEADLINE_SLACK_MS = 10_000;

type SessionRecord = { vaultKey: string; deadline: number | null };

/** Which key a state belongs to: the collaborative key, or an imported key by wallet id. */
type Slot = string;
const MAIN: Slot = 'main';

export type KeyringEvent = 'unlocked' | 'locked' | 'created' | 'stateChanged';

/** What `install` hands a key ceremony: persist each new state before any server commits it. */
export type InstallOptions = ClientOptions & {
  readonly onStateChange: (state: DeviceWalletState) => Promise<void>;
};

/** A recovery this (new) device started, kept sealed under the vault key until it finishes. */
export type RecoveryInProgress = {
  readonly kit: Uint8Array;
  readonly deviceKeys: PartyKeys;
  readonly readyAt: number;
};

export type KeyringService = {
  readonly ready: Promise<void>;
  status(): WalletStatus;
  /** Runs the DKG with `servers` (2-of-(n+1): this device plus any one server) and seals the vault. */
  create(args: {
    servers: readonly ServerChoice[];
    password: string;
    /** The recovery credential's public signing key (ARCHITECTURE.md flow 4b). */
    recoveryKey?: Uint8Array;
    recoveryDelaySeconds?: number;
    onProgress?: (progress: Progress | { readonly stage: 'seal' }) => void;
  }): Promise<CkmWallet>;
  /**
   * Seals a fresh vault under `password` around the wallet that `make` brings into being (a
   * restore or a finished recovery): the vault is written at the first persisted state, before
   * any server commits, exactly as `create` does. `imported` keys are stored beside it.
   */
  install(args: {
    password?: string;
    make: (options: InstallOptions) => Promise<CkmWallet>;
    /**
     * The key that signs the commits of servers that still know the old device (a restore's
     * backup device key, a recovery's credential): kept sealed until every server committed.
     */
    completionKeys?: PartyKeys;
    onProgress?: (progress: { readonly stage: 'seal' }) => void;
  }): Promise<CkmWallet>;
  /** The key kept by `install` while some server has not committed (unlocked only). */
  pendingCompletion(): PartyKeys | undefined;
  /** Forgets the completion key once every server committed. */
  completed(): Promise<void>;
  /** Stores an imported key made by `make` (a trusted-dealer import) beside the main key. */
  addImported(make: (options: InstallOptions) => Promise<CkmWallet>): Promise<CkmWallet>;
  /** Replaces an imported key's state (a restore moved it to this device). */
  putImported(state: DeviceWalletState): Promise<CkmWallet>;
  /** The imported key of `walletId`. @throws {WalletError} `Locked` / `NotFound` */
  importedWallet(walletId: string): CkmWallet;
  importedWallets(): readonly CkmWallet[];
  /** @throws {WalletError} `WrongPassword` (nothing changes) */
  checkPassword(password: string): Promise<void>;
  /** A recovery in progress on this device, while unlocked; its public facts while locked. */
  recovery(): { readonly walletId: string; readonly readyAt: number } | undefined;
  /** The sealed recovery of this device. @throws {WalletError} `Locked` / `NotFound` */
  recoveryRecord(): RecoveryInProgress;
  /** Records when the servers said the recovery may finish. */
  setRecoveryReadyAt(readyAt: number): Promise<void>;
  /** Starts a vault holding only a recovery in progress (a fresh profile, no key yet). */
  beginRecovery(args: {
    password: string;
    walletId: string;
    record: RecoveryInProgress;
  }): Promise<void>;
  /** Opens the vault of a recovery in progress after a browser restart. */
  unlockRecovery(password: string): Promise<void>;
  /** Forgets a recovery in progress (and the vault that held only it). */
  clearRecovery(): Promise<void>;
  /** @throws {WalletError} `WrongPassword` (nothing changes), `NotInitialized`, `VaultCorrupt` */
  unlock(password: string): Promise<void>;
  lock(): Promise<void>;
  /** The unlocked collaborative key. @throws {WalletError} `Locked` / `NotInitialized` */
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
  /** The vault holds a collaborative key (not just a recovery in progress). */
  let initialized = false;
  let recoveryInfo: VaultRecord['recoveryInfo'];
  let wallet: CkmWallet | undefined;
  const imported = new Map<string, CkmWallet>();
  let recovering: RecoveryInProgress | undefined;
  let completion: PartyKeys | undefined;
  let vaultKey: Uint8Array | undefined;
  let deadline: number | null = null;
  let writes: Promise<void> = Promise.resolve();
  let creating = false;

  const transportOption = () => (deps.transport ? { transport: deps.transport } : {});
  const clientOptions = (slot: Slot) => ({
    ...transportOption(),
    onStateChange: (state: DeviceWalletState) => persistState(slot, state),
  });

  /** Serializes read-modify-write of the vault record. */
  function update(change: (record: VaultRecord, key: Uint8Array) => VaultRecord): Promise<void> {
    const key = vaultKey;
    if (!key) return Promise.reject(new WalletError('Locked', 'The wallet is locked.'));
    const write = writes.then(async () => {
      const record = await store.read();
      if (!record) throw new WalletError('NotInitialized', 'There is no wallet to update.');
      await store.write(change(record, key));
    });
    writes = write.catch(() => {});
    return write;
  }

  /** Re-seals one key's device state under the vault key. */
  function persistState(slot: Slot, state: DeviceWalletState): Promise<void> {
    return update((record, key) => {
      const sealed = sealWithVaultKey(encodeDeviceState(state), key);
      if (slot === MAIN) return { ...record, state: sealed };
      return { ...record, imported: { ...record.imported, [slot]: sealed } };
    }).then(() => emit('stateChanged'));
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

  function openSealed(sealed: Uint8Array, key: Uint8Array): Uint8Array {
    try {
      return openWithVaultKey(sealed, key);
    } catch (cause) {
      throw new WalletError('VaultCorrupt', 'The stored wallet could not be opened.', { cause });
    }
  }

  function openState(sealed: Uint8Array, key: Uint8Array, slot: Slot): CkmWallet {
    const bytes = openSealed(sealed, key);
    try {
      return new CkmWallet(decodeDeviceState(bytes), clientOptions(slot));
    } catch (cause) {
      throw new WalletError('VaultCorrupt', 'The stored wallet could not be read.', { cause });
    } finally {
      bytes.fill(0);
    }
  }

  /** Every key of the vault, opened with `key`; nothing is kept unless all open. */
  async function openWith(key: Uint8Array): Promise<{
    main?: CkmWallet;
    imported: Map<string, CkmWallet>;
    recovery?: RecoveryInProgress;
    completion?: PartyKeys;
  }> {
    const record = await store.read();
    if (!record) throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
    const opened = new Map<string, CkmWallet>();
    for (const [walletId, sealed] of Object.entries(record.imported ?? {}))
      opened.set(walletId, openState(sealed, key, walletId));
    let recovery: RecoveryInProgress | undefined;
    if (record.recovery) {
      const bytes = openSealed(record.recovery, key);
      try {
        recovery = decodeRecoveryInProgress(bytes);
      } finally {
        bytes.fill(0);
      }
    }
    let completionKeys: PartyKeys | undefined;
    if (record.completion) {
      const bytes = openSealed(record.completion, key);
      try {
        completionKeys = decodeCompletion(bytes);
      } finally {
        bytes.fill(0);
      }
    }
    return {
      ...(record.state ? { main: openState(record.state, key, MAIN) } : {}),
      imported: opened,
      ...(recovery ? { recovery } : {}),
      ...(completionKeys ? { completion: completionKeys } : {}),
    };
  }

  async function lockNow(): Promise<void> {
    wallet = undefined;
    imported.clear();
    recovering = undefined;
    completion = undefined;
    vaultKey?.fill(0);
    vaultKey = undefined;
    deadline = null;
    await browser.storage.session.remove(SESSION_KEY);
    await browser.alarms.clear(AUTO_LOCK_ALARM);
    emit('locked');
  }

  /** Takes what `openWith` opened as the unlocked state. */
  function adopt(key: Uint8Array, opened: Awaited<ReturnType<typeof openWith>>): void {
    vaultKey = key;
    wallet = opened.main;
    imported.clear();
    for (const [id, w] of opened.imported) imported.set(id, w);
    recovering = opened.recovery;
    completion = opened.completion;
  }

  /** Opens the vault's lock with the password. */
  async function openLock(password: string): Promise<Uint8Array> {
    if (typeof password !== 'string' || password.length === 0)
      throw new WalletError('WrongPassword', 'Wrong password. Nothing was changed.');
    const record = await store.read();
    if (!record) throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
    try {
      return openVaultKey(record.lock, password);
    } catch (cause) {
      if (cause instanceof VaultPasswordError)
        throw new WalletError('WrongPassword', 'Wrong password. Nothing was changed.', { cause });
      if (cause instanceof VaultCorruptError)
        throw new WalletError('VaultCorrupt', 'The stored wallet is damaged.', { cause });
      throw cause;
    }
  }

  const ready = (async () => {
    await settings.ready;
    const record = await store.read();
    initialized = record?.state !== undefined;
    recoveryInfo = record?.recoveryInfo;
    const session = (await browser.storage.session.get(SESSION_KEY))[SESSION_KEY] as
      | SessionRecord
      | undefined;
    if (!record || !session) return;
    if (session.deadline !== null && session.deadline <= now()) {
      await browser.storage.session.remove(SESSION_KEY);
      return;
    }
    const key = fromHex(session.vaultKey);
    if (key?.length !== 32) return;
    try {
      adopt(key, await openWith(key));
      deadline = session.deadline;
      await saveSession();
    } catch {
      // A session that no longer opens the vault (e.g. it was replaced) is just forgotten.
      vaultKey = undefined;
      wallet = undefined;
      imported.clear();
      recovering = undefined;
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

  /**
   * Brings a collaborative key into this device's vault: `make` runs the ceremony and persists
   * through `onStateChange`; the first persisted state writes the vault (sealed under `key`,
   * locked by `lock`), so a failure after that is a failed commit, not a failed wallet.
   */
  async function installWith(
    key: Uint8Array,
    lock: Uint8Array,
    make: (options: InstallOptions) => Promise<CkmWallet>,
    onProgress?: (progress: { readonly stage: 'seal' }) => void,
    completionKeys?: PartyKeys,
  ): Promise<CkmWallet> {
    if (creating) throw new WalletError('Busy', 'A wallet is already being set up.');
    creating = true;
    /** The device state once sealed: from then on the wallet exists on this device. */
    let sealed: DeviceWalletState | undefined;
    const open = async (state: DeviceWalletState) => {
      wallet = new CkmWallet(state, clientOptions(MAIN));
      vaultKey = key;
      recovering = undefined;
      recoveryInfo = undefined;
      deadline = nextDeadline();
      await saveSession();
      emit('created');
      emit('unlocked');
      return wallet;
    };
    try {
      const made = await make({
        ...transportOption(),
        onStateChange: async (state) => {
          if (!sealed) {
            onProgress?.({ stage: 'seal' });
            const previous = await store.read();
            // A recovery's vault already exists (its lock and the recovery): it becomes a wallet.
            const completionBytes = completionKeys && encodeCompletion(completionKeys);
            try {
              await store.write({
                formatVersion: 1,
                lock,
                state: sealWithVaultKey(encodeDeviceState(state), key),
                ...(completionBytes ? { completion: sealWithVaultKey(completionBytes, key) } : {}),
                createdAt: previous?.createdAt ?? now(),
              });
            } finally {
              completionBytes?.fill(0);
            }
            initialized = true;
            vaultKey = key;
            completion = completionKeys;
          } else {
            await persistState(MAIN, state);
          }
          sealed = state;
        },
      });
      const opened = await open(made.state);
      if (made.state.uncommitted.length === 0) await forgetCompletion();
      return opened;
    } catch (error) {
      // A failure after the vault was sealed is a failed commit: the key exists and the client
      // retries the commit before its next signature (docs/ckm.md §4); a restore or recovery
      // keeps its completion key for that (`pendingCompletion`).
      if (sealed) return open(sealed);
      throw error;
    } finally {
      creating = false;
    }
  }

  async function forgetCompletion(): Promise<void> {
    if (!completion) return;
    completion = undefined;
    await update((record) => {
      const { completion: _dropped, ...rest } = record;
      return rest;
    });
  }

  function requireUnlocked(): Uint8Array {
    if (!vaultKey) throw new WalletError('Locked', 'The wallet is locked.');
    return vaultKey;
  }

  return {
    ready,
    status: () => (!initialized ? 'uninitialized' : wallet ? 'unlocked' : 'locked'),
    async create({ servers, password, recoveryKey, recoveryDelaySeconds, onProgress }) {
      await ready;
      if (initialized || recoveryInfo)
        throw new WalletError('AlreadyInitialized', 'This device already has a wallet.');
      checkNewPassword(password);
      const key = crypto.getRandomValues(new Uint8Array(32));
      try {
        return await installWith(
          key,
          sealVaultKey(key, password),
          (options) =>
            createWallet({
              servers,
              threshold: 2,
              ...(recoveryKey ? { recoveryKey } : {}),
              ...(recoveryDelaySeconds !== undefined ? { recoveryDelaySeconds } : {}),
              ...(onProgress ? { onProgress } : {}),
              ...options,
            }),
          onProgress,
        );
      } catch (error) {
        if (!initialized) key.fill(0);
        throw error;
      }
    },
    async install({ password, make, onProgress, completionKeys }) {
      await ready;
      if (initialized)
        throw new WalletError('AlreadyInitialized', 'This device already has a wallet.');
      if (recoveryInfo) {
        // Finishing a recovery: its vault (lock and key) is the wallet's.
        const key = requireUnlocked();
        const record = await store.read();
        if (!record) throw new WalletError('NotInitialized', 'The recovery was lost.');
        return installWith(key, record.lock, make, onProgress, completionKeys);
      }
      if (password === undefined) throw new WalletError('InvalidInput', 'Choose a password.');
      checkNewPassword(password);
      const key = crypto.getRandomValues(new Uint8Array(32));
      try {
        return await installWith(
          key,
          sealVaultKey(key, password),
          make,
          onProgress,
          completionKeys,
        );
      } catch (error) {
        if (!initialized) key.fill(0);
        throw error;
      }
    },
    pendingCompletion: () => (wallet ? completion : undefined),
    completed: () => forgetCompletion(),
    async setRecoveryReadyAt(readyAt) {
      if (!recoveryInfo || !recovering)
        throw new WalletError('NotFound', 'No recovery is in progress here.');
      const record = { ...recovering, readyAt };
      const bytes = encodeRecoveryInProgress(record);
      try {
        await update((stored, key) => ({
          ...stored,
          recovery: sealWithVaultKey(bytes, key),
          recoveryInfo: { walletId: recoveryInfo?.walletId ?? '', readyAt },
        }));
      } finally {
        bytes.fill(0);
      }
      recovering = record;
      recoveryInfo = { walletId: recoveryInfo.walletId, readyAt };
    },
    async addImported(make) {
      await ready;
      requireUnlocked();
      if (!wallet) throw new WalletError('Locked', 'The wallet is locked.');
      if (imported.size >= MAX_IMPORTED_KEYS)
        throw new WalletError('InvalidInput', `At most ${MAX_IMPORTED_KEYS} imported keys.`);
      let walletId: string | undefined;
      const made = await make({
        ...transportOption(),
        onStateChange: async (state) => {
          walletId = state.config.walletId;
          await persistState(walletId, state);
        },
      });
      walletId = made.state.config.walletId;
      const added = new CkmWallet(made.state, clientOptions(walletId));
      imported.set(walletId, added);
      await persistState(walletId, made.state);
      return added;
    },
    async putImported(state) {
      await ready;
      requireUnlocked();
      const walletId = state.config.walletId;
      const added = new CkmWallet(state, clientOptions(walletId));
      imported.set(walletId, added);
      await persistState(walletId, state);
      return added;
    },
    importedWallet(walletId) {
      if (!initialized)
        throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
      if (!wallet) throw new WalletError('Locked', 'The wallet is locked.');
      const found = imported.get(walletId);
      if (!found) throw new WalletError('NotFound', 'This imported key is not on this device.');
      return found;
    },
    importedWallets: () => [...imported.values()],
    async checkPassword(password) {
      await ready;
      const key = await openLock(password);
      key.fill(0);
    },
    recovery: () =>
      recoveryInfo
        ? { walletId: recoveryInfo.walletId, readyAt: recovering?.readyAt ?? recoveryInfo.readyAt }
        : undefined,
    recoveryRecord() {
      if (!recoveryInfo) throw new WalletError('NotFound', 'No recovery is in progress here.');
      if (!recovering) throw new WalletError('Locked', 'Enter the password you chose for it.');
      return recovering;
    },
    async beginRecovery({ password, walletId, record }) {
      await ready;
      if (initialized || recoveryInfo)
        throw new WalletError('AlreadyInitialized', 'This device already has a wallet.');
      checkNewPassword(password);
      const key = crypto.getRandomValues(new Uint8Array(32));
      const info = { walletId, readyAt: record.readyAt };
      const bytes = encodeRecoveryInProgress(record);
      try {
        await store.write({
          formatVersion: 1,
          lock: sealVaultKey(key, password),
          recovery: sealWithVaultKey(bytes, key),
          recoveryInfo: info,
          createdAt: now(),
        });
      } finally {
        bytes.fill(0);
      }
      vaultKey = key;
      recovering = record;
      recoveryInfo = info;
      deadline = nextDeadline();
      await saveSession();
      emit('stateChanged');
    },
    async unlockRecovery(password) {
      await ready;
      if (!recoveryInfo) throw new WalletError('NotFound', 'No recovery is in progress here.');
      const key = await openLock(password);
      adopt(key, await openWith(key));
      deadline = nextDeadline();
      await saveSession();
      emit('stateChanged');
    },
    async clearRecovery() {
      await ready;
      if (initialized || !recoveryInfo) return;
      await store.clear();
      recoveryInfo = undefined;
      await lockNow();
    },
    async unlock(password) {
      await ready;
      if (!initialized)
        throw new WalletError('NotInitialized', 'There is no wallet on this device yet.');
      const key = await openLock(password);
      adopt(key, await openWith(key));
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

function checkNewPassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || password.length < 8)
    throw new WalletError('InvalidInput', 'Choose a password of at least 8 characters.');
}

const RECOVERY_TYPE = 'recovery-in-progress';

function encodeRecoveryInProgress(record: RecoveryInProgress): Uint8Array {
  return encodeWire(RECOVERY_TYPE, {
    kit: record.kit,
    signingSecret: record.deviceKeys.signingSecret,
    agreementSecret: record.deviceKeys.agreementSecret,
    readyAt: record.readyAt,
  });
}

function decodeRecoveryInProgress(bytes: Uint8Array): RecoveryInProgress {
  try {
    const body = asObject(decodeWire(bytes, RECOVERY_TYPE, 1 << 16), RECOVERY_TYPE, [
      'kit',
      'signingSecret',
      'agreementSecret',
      'readyAt',
    ]);
    return {
      kit: readBytes(body, 'kit', { min: 1, max: 1 << 15 }),
      deviceKeys: partyKeysFromSecrets(
        readBytes(body, 'signingSecret', KEY_BYTES),
        readBytes(body, 'agreementSecret', KEY_BYTES),
      ),
      readyAt: readInt(body, 'readyAt', { min: 0, max: Number.MAX_SAFE_INTEGER }),
    };
  } catch (cause) {
    throw new WalletError('VaultCorrupt', 'The stored recovery could not be read.', { cause });
  }
}

const COMPLETION_TYPE = 'install-completion';

function encodeCompletion(keys: PartyKeys): Uint8Array {
  return encodeWire(COMPLETION_TYPE, {
    signingSecret: keys.signingSecret,
    agreementSecret: keys.agreementSecret,
  });
}

function decodeCompletion(bytes: Uint8Array): PartyKeys {
  try {
    const body = asObject(decodeWire(bytes, COMPLETION_TYPE, 1024), COMPLETION_TYPE, [
      'signingSecret',
      'agreementSecret',
    ]);
    return partyKeysFromSecrets(
      readBytes(body, 'signingSecret', KEY_BYTES),
      readBytes(body, 'agreementSecret', KEY_BYTES),
    );
  } catch (cause) {
    throw new WalletError('VaultCorrupt', 'The stored wallet could not be read.', { cause });
  }
}
