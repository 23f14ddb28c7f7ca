/**
 * Where the sealed vault lives: one record in IndexedDB (via `idb`). The record holds only
 * envelopes — the vault key sealed under the password, and the device state sealed under the
 * vault key (`envelope/vault.ts`) — and the wallet's public address; nothing secret in clear.
 * @module
 */
import { type DBSchema, openDB } from 'idb';

export type VaultRecord = {
  readonly formatVersion: 1;
  /** `sealVaultKey(vaultKey, password)`. */
  readonly lock: Uint8Array;
  /**
   * `sealWithVaultKey(encodeDeviceState(state), vaultKey)`: the collaborative key. Absent only
   * while a recovery started on this device waits for its period (`recovery`).
   */
  readonly state?: Uint8Array;
  /** Imported keys (MetaMask), each sealed like `state`, by wallet id. */
  readonly imported?: Readonly<Record<string, Uint8Array>>;
  /** A recovery in progress on this (new) device, sealed under the vault key. */
  readonly recovery?: Uint8Array;
  /**
   * While a restore or recovery has servers that have not committed yet: the key that may still
   * sign their commits (the backup's device key, or the recovery credential), sealed.
   */
  readonly completion?: Uint8Array;
  /** Public facts of that recovery, readable while locked. */
  readonly recoveryInfo?: { readonly walletId: string; readonly readyAt: number };
  readonly createdAt: number;
};

/** The vault's storage; IndexedDB in the extension, a map in unit tests. */
export type VaultStore = {
  read(): Promise<VaultRecord | undefined>;
  write(record: VaultRecord): Promise<void>;
  clear(): Promise<void>;
};

interface VaultDb extends DBSchema {
  vault: { key: string; value: VaultRecord };
}

const DB_NAME = 'ckm-wallet';
const RECORD_KEY = 'main';

export function indexedDbVaultStore(): VaultStore {
  const db = openDB<VaultDb>(DB_NAME, 1, {
    upgrade(database) {
      database.createObjectStore('vault');
    },
  });
  return {
    read: async () => (await db).get('vault', RECORD_KEY),
    write: async (record) => void (await (await db).put('vault', record, RECORD_KEY)),
    clear: async () => (await db).delete('vault', RECORD_KEY),
  };
}

export function memoryVaultStore(): VaultStore {
  let record: VaultRecord | undefined;
  return {
    read: async () => record,
    write: async (next) => {
      record = structuredClone(next);
    },
    clear: async () => {
      record = undefined;
    },
  };
}
