/**
 * What the server-side logic needs from storage (a port; `server/storage/` implements it on
 * PGlite and PostgreSQL). Secrets handed to it (shares, session states, server keys) are
 * encrypted at rest by the implementation; this layer sees plaintext.
 * @module
 */

export type KeyStatus = 'pending' | 'active';

export type WalletRecord = {
  readonly walletId: string;
  readonly deviceSigningKey: Uint8Array;
  readonly deviceAgreementKey: Uint8Array;
  /** This server's party index in the wallet. */
  readonly party: number;
  /** The wallet's configuration as enrolled (`walletConfigToWire`, wire-encoded). */
  readonly config: Uint8Array;
  readonly createdAt: number;
};

/** The wallet fields a re-share replaces at commit. */
export type WalletUpdate = Omit<WalletRecord, 'walletId' | 'createdAt'>;

export type KeyVersionRecord = {
  readonly walletId: string;
  readonly version: number;
  readonly status: KeyStatus;
  readonly publicKey: Uint8Array;
  readonly share: Uint8Array;
  readonly createdAt: number;
  /** A re-share's version: the device signing key the wallet takes at its commit (`getKey` only). */
  readonly nextDeviceSigningKey?: Uint8Array;
};

export type SessionRecord = {
  readonly sessionId: string;
  readonly walletId: string;
  readonly kind: string;
  readonly step: number;
  /**
   * Names this write of the state: the writer picks a fresh random one each time (create and
   * every advance), so an instance that finds its own revision knows the row holds what it wrote.
   */
  readonly revision: string;
  readonly state: Uint8Array;
  readonly expiresAt: number;
  readonly updatedAt: number;
};

export type AuditEntry = {
  readonly walletId: string | null;
  readonly actor: string;
  readonly action: string;
  readonly digest?: string | null;
  readonly outcome: string;
  readonly detail?: string | null;
};

/**
 * A wallet's latest recovery without a backup (docs/ckm.md §5). `pending` from the credential's
 * start until its re-share commits (`completed`) or someone cancels it (`cancelled`).
 */
export type RecoveryStatus = 'pending' | 'cancelled' | 'completed';

export type RecoveryRecord = {
  readonly walletId: string;
  readonly status: RecoveryStatus;
  /** The new device's identity keys, named by the credential at the start. */
  readonly newSigningKey: Uint8Array;
  readonly newAgreementKey: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** The end of the waiting period: no recovery re-share before it. */
  readonly readyAt: number;
  /** The latest cancellation (kept when a new recovery starts), by whom. */
  readonly cancelledAt: number | null;
  readonly cancelledBy: string | null;
  readonly completedAt: number | null;
};

export type RecoveryStart = Pick<
  RecoveryRecord,
  'walletId' | 'newSigningKey' | 'newAgreementKey' | 'startedAt' | 'readyAt'
>;

/**
 * One asset a co-signed payload lets leave (docs/ckm.md §10): the policy ledger counts these
 * over a rolling 24 h. `ledgerKey` names the payload's slot (a transaction's chain, sender and
 * nonce): a re-sign of the same slot (speed-up, cancel) replaces its entries, never adds to them.
 */
export type LedgerEntry = {
  readonly chainId: number;
  /** `'native'` or the token contract's checksummed address. */
  readonly asset: string;
  /** Decimal integer string, 0 ≤ amount < 2^256. */
  readonly amount: string;
};

/** What this server co-signed of one asset since a time (decimal string of the sum). */
export type LedgerTotal = LedgerEntry;

/** A held payload (docs/ckm.md §10): the same intent is co-signed once after `readyAt`. */
export type PolicyHoldRecord = {
  /** The hex SHA-256 of the payload's intent (`intentId`): the same on every server. */
  readonly holdId: string;
  readonly createdAt: number;
  readonly readyAt: number;
  readonly status: 'waiting' | 'cancelled' | 'used';
  /** One line for people, e.g. "Send 5 ETH to 0xAb…cd on chain 1". Public. */
  readonly summary: string;
  /** When the owner cancelled it (a cancelled hold refuses its intent for a day after). */
  readonly cancelledAt?: number;
};

/**
 * A wallet's policy rows, read and written inside one transaction that holds the wallet's row
 * lock, so two signing requests of one wallet never both pass a daily limit (each sees the
 * other's ledger entries). Use only these methods inside it: other store calls may wait for the
 * transaction to end.
 */
export interface PolicyTransaction {
  /** The wallet's stored policy state (`encodePolicyState`; public), if it ever had one. */
  getPolicy(): Promise<Uint8Array | undefined>;
  putPolicy(state: Uint8Array): Promise<void>;
  /** Sums per (chainId, asset) of the ledger entries at or after `since`, except `exceptKey`'s. */
  spent(since: number, exceptKey?: string): Promise<LedgerTotal[]>;
  /** Replaces every entry under `ledgerKey` by `entries` (none: the key's entries are removed). */
  replaceLedger(ledgerKey: string, entries: readonly LedgerEntry[], at: number): Promise<void>;
  /** Drops ledger entries older than `before` (they count for nothing any more). */
  pruneLedger(before: number): Promise<void>;
  getHold(holdId: string): Promise<PolicyHoldRecord | undefined>;
  /** Inserts the hold, or replaces the one under its id. */
  putHold(hold: PolicyHoldRecord): Promise<void>;
  /** Holds created at or after `since`, newest first (at most `limit`). */
  listHolds(since: number, limit: number): Promise<PolicyHoldRecord[]>;
}

export interface ServerStore {
  createWallet(wallet: Omit<WalletRecord, 'createdAt'>): Promise<'created' | 'exists'>;
  getWallet(walletId: string): Promise<WalletRecord | undefined>;
  /** With `walletUpdate`, the wallet row takes those values when this version is committed. */
  putPendingKey(
    key: Omit<KeyVersionRecord, 'status' | 'createdAt'> & { walletUpdate?: WalletUpdate },
  ): Promise<void>;
  /** Also completes a pending recovery whose new device this version's re-share installs. */
  commitKey(walletId: string, version: number): Promise<void>;
  discardPendingKey(walletId: string, version: number): Promise<void>;
  getActiveKey(walletId: string): Promise<KeyVersionRecord | undefined>;
  getKey(walletId: string, version: number): Promise<KeyVersionRecord | undefined>;
  listKeys(walletId: string): Promise<Omit<KeyVersionRecord, 'share'>[]>;
  updateKeyShare(walletId: string, version: number, share: Uint8Array): Promise<void>;
  createSession(session: Omit<SessionRecord, 'updatedAt'>): Promise<void>;
  /**
   * With `knownRevision`, a session whose revision is that one comes without its state (the
   * caller holds it already), so the large sealed column is neither read nor decrypted.
   */
  getSession(
    sessionId: string,
    knownRevision?: string,
  ): Promise<(Omit<SessionRecord, 'state'> & { readonly state?: Uint8Array }) | undefined>;
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
   * Runs `fn` in one transaction holding the wallet's row lock (docs/ckm.md §10: two requests of
   * one wallet are evaluated one after the other). Rolled back when `fn` throws. `NotFound` (a
   * storage error) if the wallet does not exist.
   */
  policyTransaction<T>(walletId: string, fn: (tx: PolicyTransaction) => Promise<T>): Promise<T>;
  audit(entry: AuditEntry): Promise<void>;
}
