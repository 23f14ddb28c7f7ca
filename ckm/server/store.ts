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
  audit(entry: AuditEntry): Promise<void>;
}
