/**
 * The storage interface the CKM server codes against: wallets, two-phase key versions,
 * in-flight sessions, the replay cache and the audit log. Two backends implement it with one
 * SQL dialect: embedded PGlite (one process, `--data DIR`) and PostgreSQL (`--database-url`,
 * several instances behind a load balancer continue each other's sessions).
 *
 * Shares, session states and the server's keys cross this interface as plaintext and are sealed
 * by the storage layer (see `at-rest.ts`) before they reach the database.
 * @module
 */
import type { PolicyTransaction, RecoveryRecord, RecoveryStart } from '../../ckm/server/store';

export type KeyStatus = 'pending' | 'active';

export type WalletRecord = {
  walletId: string;
  deviceSigningKey: Uint8Array;
  deviceAgreementKey: Uint8Array;
  /** This server's party index in the wallet. */
  party: number;
  /** The wallet's configuration as enrolled (wire-encoded by `ckm/`); public, stored as is. */
  config: Uint8Array;
  /** Milliseconds since the epoch. */
  createdAt: number;
};

/** The wallet fields a re-share replaces at commit. */
export type WalletUpdate = Omit<WalletRecord, 'walletId' | 'createdAt'>;

export type KeyVersionRecord = {
  walletId: string;
  version: number;
  status: KeyStatus;
  /** Compressed secp256k1 point, 33 bytes. */
  publicKey: Uint8Array;
  /** The server's share, plaintext after decryption. */
  share: Uint8Array;
  createdAt: number;
  /** A re-share's version: the device signing key the wallet takes at its commit (`getKey` only). */
  nextDeviceSigningKey?: Uint8Array;
};

export type SessionRecord = {
  sessionId: string;
  walletId: string;
  kind: string;
  step: number;
  /**
   * Names this write of the state (1..256 characters, chosen by the writer, fresh for every
   * create and advance): an instance that reads back its own revision knows the row holds what
   * it wrote.
   */
  revision: string;
  /** Plaintext after decryption. */
  state: Uint8Array;
  /** Milliseconds since the epoch; the session is gone once `now > expiresAt`. */
  expiresAt: number;
  updatedAt: number;
};

export type {
  LedgerEntry,
  LedgerTotal,
  PolicyHoldRecord,
  PolicyTransaction,
  RecoveryRecord,
  RecoveryStart,
  RecoveryStatus,
} from '../../ckm/server/store';

/** One line of the audit log. Never put a secret in any field. */
export type AuditEntry = {
  walletId: string | null;
  actor: string;
  action: string;
  digest?: string | null;
  outcome: string;
  detail?: string | null;
};

export interface Storage {
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
  /** Server identity secret keys (opaque blob, encrypted by the storage layer with the KEK). Returns the stored blob; if none, stores `create()` atomically (two instances racing keep one). */
  serverKeys(create: () => Uint8Array): Promise<Uint8Array>;
  createWallet(w: Omit<WalletRecord, 'createdAt'>): Promise<'created' | 'exists'>;
  getWallet(walletId: string): Promise<WalletRecord | undefined>;
  /** Stores a new key version as pending (refuses an existing (walletId, version) → StorageConflictError). The wallet must exist (StorageNotFoundError otherwise). */
  /**
   * With `walletUpdate` (a re-share that changes the parties), the wallet row takes those values
   * in the same transaction that commits this version.
   */
  putPendingKey(
    k: Omit<KeyVersionRecord, 'status' | 'createdAt'> & { walletUpdate?: WalletUpdate },
  ): Promise<void>;
  /** Atomically: version becomes active, every other version of the wallet is deleted (and a pending recovery whose new device this version installs is completed). Idempotent when already active (then nothing changes, so a repeated commit never drops a newer pending version). Throws StorageNotFoundError if the version does not exist. */
  commitKey(walletId: string, version: number): Promise<void>;
  /** Drops a pending version (abort of a failed refresh). No-op when absent; never drops an active one. */
  discardPendingKey(walletId: string, version: number): Promise<void>;
  getActiveKey(walletId: string): Promise<KeyVersionRecord | undefined>;
  getKey(walletId: string, version: number): Promise<KeyVersionRecord | undefined>;
  /** Every version of the wallet, oldest first, without shares. */
  listKeys(walletId: string): Promise<Omit<KeyVersionRecord, 'share'>[]>;
  /** Replaces the share bytes of an existing version (used to persist a ban flag). StorageNotFoundError if absent. */
  updateKeyShare(walletId: string, version: number, share: Uint8Array): Promise<void>;
  /** StorageConflictError if the id exists. */
  createSession(s: Omit<SessionRecord, 'updatedAt'>): Promise<void>;
  /**
   * undefined if absent or expired (now > expiresAt). With `knownRevision`, a session still at
   * that revision comes without `state`: the large sealed column is neither read nor decrypted.
   */
  getSession(
    sessionId: string,
    knownRevision?: string,
  ): Promise<(Omit<SessionRecord, 'state'> & { state?: Uint8Array }) | undefined>;
  /** Compare-and-swap: only if the stored step equals `fromStep` and not expired; returns false otherwise (another instance advanced it, or it expired). The new state is stored under `revision`. */
  advanceSession(
    sessionId: string,
    fromStep: number,
    toStep: number,
    state: Uint8Array,
    expiresAt: number,
    revision: string,
  ): Promise<boolean>;
  deleteSession(sessionId: string): Promise<void>;
  countLiveSessions(walletId: string, now: number): Promise<number>;
  /** Deletes sessions with `now > expiresAt` and returns how many; also sweeps expired replay-cache entries. */
  deleteExpiredSessions(now: number): Promise<number>;
  /** Replay cache shared by every instance: true if new (remembered until expiresAt), false if already seen and unexpired. */
  rememberNonce(scope: string, nonce: string, expiresAt: number): Promise<boolean>;
  /** The wallet's latest recovery, if one was ever started. */
  getRecovery(walletId: string): Promise<RecoveryRecord | undefined>;
  /**
   * Starts a recovery atomically: `started` (a new pending row, replacing a closed one),
   * `exists` (one is pending for these same device keys; unchanged) or `conflict` (one is pending
   * for another device). Returns the row as it is afterwards.
   */
  startRecovery(
    start: RecoveryStart,
  ): Promise<{ outcome: 'started' | 'exists' | 'conflict'; record: RecoveryRecord }>;
  /**
   * Cancels the pending recovery that started at `startedAt`, if it still is pending (and, with
   * `before`, still in its waiting period: `readyAt > before`); false when nothing matched.
   */
  cancelRecovery(cancel: {
    walletId: string;
    startedAt: number;
    at: number;
    by: string;
    before?: number;
  }): Promise<boolean>;
  /**
   * Runs `fn` in one transaction that first locks the wallet's row (`SELECT … FOR UPDATE`), so
   * policy checks of one wallet run one after the other on every instance (migration 4).
   * Committed when `fn` resolves, rolled back when it throws. StorageNotFoundError if the wallet
   * does not exist. Inside `fn`, use only `tx`: on PGlite another query waits for the transaction.
   */
  policyTransaction<T>(walletId: string, fn: (tx: PolicyTransaction) => Promise<T>): Promise<T>;
  audit(e: AuditEntry): Promise<void>;
  /** The wallet's newest entries first, at most `limit` (1..1000). */
  listAudit(walletId: string, limit: number): Promise<(AuditEntry & { at: number })[]>;
}

type CommonOpenOptions = {
  /** 32-byte key-encryption key (see `loadKek`). Never stored, never logged. */
  kek: Uint8Array;
  /** Clock in ms since the epoch; `Date.now` unless a test injects one. */
  now?: () => number;
};

/** Embedded PGlite in `<dataDir>/db`, or PostgreSQL at `databaseUrl`; never both. */
export type OpenStorageOptions =
  | (CommonOpenOptions & { dataDir: string; databaseUrl?: never })
  | (CommonOpenOptions & { databaseUrl: string; dataDir?: never });

export type LoadKekOptions = {
  /** `--kek-file`: 32 raw bytes or 64 hex characters; must not be readable by group or others. */
  file?: string;
  /** Looked up for `CKM_KEK` (64 hex characters). */
  env?: NodeJS.ProcessEnv;
  /** Development default: `<dataDir>/kek`, created with mode 0600 on first start. */
  dataDir?: string;
};

// The two entry points, re-exported so this file holds the whole interface.
export { loadKek } from './kek';
export { openStorage } from './open';
