/**
 * `Storage` over any `Sql` (PGlite or PostgreSQL): the server's wallets, two-phase key versions,
 * in-flight sessions, replay cache and audit log, written once in one SQL dialect.
 *
 * Secrets (shares, session states, server keys) are sealed by `at-rest.ts` before they are
 * written and opened after they are read; the database never sees them in the clear. Every
 * read-modify-write is one conditional statement or one transaction, so several instances on
 * one PostgreSQL never lose each other's updates:
 * - sessions advance by compare-and-swap on `step` (a conditional UPDATE);
 * - `commitKey` locks the wallet row, then deletes the other versions and activates the new one;
 * - the replay cache is one INSERT … ON CONFLICT that only revives an expired entry;
 * - a policy check (`policyTransaction`) locks the wallet row for its whole read-evaluate-write.
 * @module
 */
import { openAtRest, type RowIdentity, sealAtRest } from './at-rest';
import { StorageConflictError, StorageNotFoundError, StorageUnavailableError } from './errors';
import { SQLSTATE, type Sql, type SqlQuery } from './sql';
import type {
  KeyStatus,
  KeyVersionRecord,
  LedgerEntry,
  PolicyHoldRecord,
  PolicyTransaction,
  RecoveryRecord,
  RecoveryStatus,
  SessionRecord,
  Storage,
  WalletRecord,
} from './types';

const MAX_ID_LENGTH = 256;
const MAX_AUDIT_FIELD_LENGTH = 256;
/** Longer details are cut, not refused: losing an audit line is worse than shortening it. */
const MAX_AUDIT_DETAIL_LENGTH = 2000;
const MAX_AUDIT_LIMIT = 1000;
/** PostgreSQL INTEGER. */
const MAX_INT32 = 2 ** 31 - 1;
const PUBLIC_KEY_LENGTH = 33;
/** A hold's one-line summary (public text written by the service). */
const MAX_SUMMARY_LENGTH = 512;
/** Asset names: `native` or a 0x-prefixed address. */
const MAX_ASSET_LENGTH = 64;
/** 0 ≤ amount < 10^78 (2^256 − 1 has 78 digits), canonical decimal. */
const AMOUNT = /^(0|[1-9][0-9]{0,77})$/;
const HOLD_STATUSES: readonly PolicyHoldRecord['status'][] = ['waiting', 'cancelled', 'used'];

// ── Checks at the door (programming errors: TypeError for a type, RangeError for a value) ──

function assertText(value: unknown, name: string, maxLength: number): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected string`);
  if (value.length === 0 || value.length > maxLength)
    throw new RangeError(`"${name}" expected 1..${maxLength} characters, got ${value.length}`);
}

function assertId(value: unknown, name: string): asserts value is string {
  assertText(value, name, MAX_ID_LENGTH);
}

function assertInteger(value: unknown, name: string, max: number): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`"${name}" expected number`);
  if (!Number.isSafeInteger(value) || value < 0 || value > max)
    throw new RangeError(`"${name}" expected an integer in 0..${max}, got ${value}`);
}

function assertInt32(value: unknown, name: string): asserts value is number {
  assertInteger(value, name, MAX_INT32);
}
function assertTime(value: unknown, name: string): asserts value is number {
  assertInteger(value, name, Number.MAX_SAFE_INTEGER);
}

function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array`);
  if (length !== undefined && value.length !== length)
    throw new RangeError(
      `"${name}" expected Uint8Array of length ${length}, got length=${value.length}`,
    );
}

function assertOptionalText(value: unknown, name: string, maxLength: number): void {
  if (value !== undefined && value !== null) assertText(value, name, maxLength);
}

function assertLedgerEntry(entry: LedgerEntry, name: string): void {
  assertTime(entry.chainId, `${name}.chainId`);
  assertText(entry.asset, `${name}.asset`, MAX_ASSET_LENGTH);
  if (typeof entry.amount !== 'string') throw new TypeError(`"${name}.amount" expected string`);
  if (!AMOUNT.test(entry.amount))
    throw new RangeError(`"${name}.amount" expected a decimal integer below 10^78`);
}

function assertHold(hold: PolicyHoldRecord): void {
  assertId(hold.holdId, 'hold.holdId');
  assertTime(hold.createdAt, 'hold.createdAt');
  assertTime(hold.readyAt, 'hold.readyAt');
  if (!HOLD_STATUSES.includes(hold.status))
    throw new RangeError(`"hold.status" expected ${HOLD_STATUSES.join('|')}`);
  assertText(hold.summary, 'hold.summary', MAX_SUMMARY_LENGTH);
  if (hold.cancelledAt !== undefined) assertTime(hold.cancelledAt, 'hold.cancelledAt');
}

/** Public keys compared in full (they are public: no constant time needed). */
function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ── Row identities (the associated data of each sealed column) ──

const serverKeysRow: RowIdentity = { table: 'server_keys', fields: ['1'], label: 'server_keys(1)' };

const keyRow = (walletId: string, version: number, publicKey: Uint8Array): RowIdentity => ({
  table: 'key_versions',
  fields: [walletId, version, publicKey],
  label: `key_versions(wallet ${walletId}, version ${version})`,
});

const sessionRow = (sessionId: string): RowIdentity => ({
  table: 'sessions',
  fields: [sessionId],
  label: `sessions(${sessionId})`,
});

// ── Rows as they come back ──

type WalletRow = {
  wallet_id: string;
  device_signing_key: Uint8Array;
  device_agreement_key: Uint8Array;
  party: number;
  config: Uint8Array;
  created_at: number;
};
type KeyRow = {
  wallet_id: string;
  version: number;
  status: KeyStatus;
  public_key: Uint8Array;
  created_at: number;
};
type SealedKeyRow = KeyRow & { share_sealed: Uint8Array };
type SessionRow = {
  session_id: string;
  wallet_id: string;
  kind: string;
  step: number;
  revision: string;
  /** Null when the caller knew the revision (see `getSession`). */
  state_sealed: Uint8Array | null;
  expires_at: number;
  updated_at: number;
};
type RecoveryRow = {
  wallet_id: string;
  status: RecoveryStatus;
  new_signing_key: Uint8Array;
  new_agreement_key: Uint8Array;
  started_at: number;
  ready_at: number;
  cancelled_at: number | null;
  cancelled_by: string | null;
  completed_at: number | null;
};
const RECOVERY_COLUMNS =
  'wallet_id, status, new_signing_key, new_agreement_key, started_at, ready_at, cancelled_at, cancelled_by, completed_at';

function toRecovery(row: RecoveryRow): RecoveryRecord {
  return {
    walletId: row.wallet_id,
    status: row.status,
    newSigningKey: row.new_signing_key,
    newAgreementKey: row.new_agreement_key,
    startedAt: row.started_at,
    readyAt: row.ready_at,
    cancelledAt: row.cancelled_at,
    cancelledBy: row.cancelled_by,
    completedAt: row.completed_at,
  };
}

type HoldRow = {
  hold_id: string;
  created_at: number;
  ready_at: number;
  status: PolicyHoldRecord['status'];
  summary: string;
  cancelled_at: number | null;
};
const HOLD_COLUMNS = 'hold_id, created_at, ready_at, status, summary, cancelled_at';

function toHold(row: HoldRow): PolicyHoldRecord {
  return {
    holdId: row.hold_id,
    createdAt: row.created_at,
    readyAt: row.ready_at,
    status: row.status,
    summary: row.summary,
    ...(row.cancelled_at === null ? {} : { cancelledAt: row.cancelled_at }),
  };
}

/** A wallet's policy rows through `tx`, which holds the wallet's row lock (see `policyTransaction`). */
function policyRows(tx: SqlQuery, walletId: string, at: () => number): PolicyTransaction {
  return {
    async getPolicy() {
      const [row] = await tx.query<{ state: Uint8Array }>(
        'SELECT state FROM policies WHERE wallet_id = $1',
        [walletId],
      );
      return row?.state;
    },
    async putPolicy(state) {
      assertBytes(state, 'state');
      await tx.query(
        `INSERT INTO policies (wallet_id, state, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (wallet_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
        [walletId, state, at()],
      );
    },
    async spent(since, exceptKey) {
      assertTime(since, 'since');
      if (exceptKey !== undefined) assertId(exceptKey, 'exceptKey');
      // NUMERIC sums exactly; as text it needs no driver-specific decimal type.
      const rows = await tx.query<{ chain_id: number; asset: string; total: string }>(
        `SELECT chain_id, asset, SUM(amount)::TEXT AS total FROM policy_ledger
         WHERE wallet_id = $1 AND at >= $2 AND ($3::TEXT IS NULL OR ledger_key <> $3::TEXT)
         GROUP BY chain_id, asset ORDER BY chain_id, asset`,
        [walletId, since, exceptKey ?? null],
      );
      return rows.map((row) => ({ chainId: row.chain_id, asset: row.asset, amount: row.total }));
    },
    async replaceLedger(ledgerKey, entries, time) {
      assertId(ledgerKey, 'ledgerKey');
      assertTime(time, 'at');
      for (const [k, entry] of entries.entries()) assertLedgerEntry(entry, `entries[${k}]`);
      await tx.query('DELETE FROM policy_ledger WHERE wallet_id = $1 AND ledger_key = $2', [
        walletId,
        ledgerKey,
      ]);
      for (const entry of entries)
        await tx.query(
          `INSERT INTO policy_ledger (wallet_id, ledger_key, chain_id, asset, amount, at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (wallet_id, ledger_key, chain_id, asset)
           DO UPDATE SET amount = policy_ledger.amount + EXCLUDED.amount`,
          [walletId, ledgerKey, entry.chainId, entry.asset, entry.amount, time],
        );
    },
    async pruneLedger(before) {
      assertTime(before, 'before');
      await tx.query('DELETE FROM policy_ledger WHERE wallet_id = $1 AND at < $2', [
        walletId,
        before,
      ]);
    },
    async getHold(holdId) {
      assertId(holdId, 'holdId');
      const [row] = await tx.query<HoldRow>(
        `SELECT ${HOLD_COLUMNS} FROM policy_holds WHERE wallet_id = $1 AND hold_id = $2`,
        [walletId, holdId],
      );
      return row === undefined ? undefined : toHold(row);
    },
    async putHold(hold) {
      assertHold(hold);
      await tx.query(
        `INSERT INTO policy_holds (wallet_id, hold_id, created_at, ready_at, status, summary,
           cancelled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (wallet_id, hold_id) DO UPDATE SET created_at = EXCLUDED.created_at,
           ready_at = EXCLUDED.ready_at, status = EXCLUDED.status, summary = EXCLUDED.summary,
           cancelled_at = EXCLUDED.cancelled_at`,
        [
          walletId,
          hold.holdId,
          hold.createdAt,
          hold.readyAt,
          hold.status,
          hold.summary,
          hold.cancelledAt ?? null,
        ],
      );
    },
    async listHolds(since, limit) {
      assertTime(since, 'since');
      assertInteger(limit, 'limit', MAX_AUDIT_LIMIT);
      const rows = await tx.query<HoldRow>(
        `SELECT ${HOLD_COLUMNS} FROM policy_holds WHERE wallet_id = $1 AND created_at >= $2
         ORDER BY created_at DESC, hold_id LIMIT $3`,
        [walletId, since, limit],
      );
      return rows.map(toHold);
    },
  };
}

type AuditRow = {
  at: number;
  wallet_id: string | null;
  actor: string;
  action: string;
  digest: string | null;
  outcome: string;
  detail: string | null;
};

const KEY_COLUMNS = 'wallet_id, version, status, public_key, created_at';

function toKeyMeta(row: KeyRow): Omit<KeyVersionRecord, 'share'> {
  return {
    walletId: row.wallet_id,
    version: row.version,
    status: row.status,
    publicKey: row.public_key,
    createdAt: row.created_at,
  };
}

export type SqlStorageOptions = {
  sql: Sql;
  /** 32 bytes; copied, and the copy is wiped on `close()`. */
  kek: Uint8Array;
  now?: () => number;
};

/** Builds `Storage` over an already migrated `Sql`; `close()` closes the `Sql` too. */
export function createSqlStorage(options: SqlStorageOptions): Storage {
  const { sql } = options;
  const kek = Uint8Array.from(options.kek);
  const now = options.now ?? Date.now;
  let closed = false;

  const seal = (row: RowIdentity, plaintext: Uint8Array) => sealAtRest(kek, row, plaintext);
  const open = (row: RowIdentity, sealed: Uint8Array) => openAtRest(kek, row, sealed);
  const assertOpen = () => {
    if (closed) throw new StorageUnavailableError('storage is closed');
  };

  function toKeyRecord(row: SealedKeyRow): KeyVersionRecord {
    const share = open(keyRow(row.wallet_id, row.version, row.public_key), row.share_sealed);
    return { ...toKeyMeta(row), share };
  }

  return {
    kind: sql.kind,

    async close() {
      if (closed) return;
      closed = true;
      kek.fill(0);
      await sql.close();
    },

    async serverKeys(create) {
      assertOpen();
      const read = async () => {
        const [row] = await sql.query<{ sealed: Uint8Array }>(
          'SELECT sealed FROM server_keys WHERE id = 1',
        );
        return row === undefined ? undefined : open(serverKeysRow, row.sealed);
      };
      const stored = await read();
      if (stored !== undefined) return stored;
      const fresh = create();
      assertBytes(fresh, 'serverKeys');
      // Two instances starting together: the first insert wins, both return what it stored.
      await sql.query(
        'INSERT INTO server_keys (id, sealed, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING',
        [seal(serverKeysRow, fresh), now()],
      );
      const kept = await read();
      if (kept === undefined)
        throw new StorageUnavailableError('server_keys(1) vanished after insert');
      return kept;
    },

    async createWallet(w) {
      assertOpen();
      assertId(w.walletId, 'walletId');
      assertBytes(w.deviceSigningKey, 'deviceSigningKey');
      assertBytes(w.deviceAgreementKey, 'deviceAgreementKey');
      assertInt32(w.party, 'party');
      assertBytes(w.config, 'config');
      const rows = await sql.query(
        `INSERT INTO wallets (wallet_id, device_signing_key, device_agreement_key, party, config, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (wallet_id) DO NOTHING RETURNING wallet_id`,
        [w.walletId, w.deviceSigningKey, w.deviceAgreementKey, w.party, w.config, now()],
      );
      return rows.length === 1 ? 'created' : 'exists';
    },

    async getWallet(walletId) {
      assertOpen();
      assertId(walletId, 'walletId');
      const [row] = await sql.query<WalletRow>(
        `SELECT wallet_id, device_signing_key, device_agreement_key, party, config, created_at
         FROM wallets WHERE wallet_id = $1`,
        [walletId],
      );
      if (row === undefined) return undefined;
      return {
        walletId: row.wallet_id,
        deviceSigningKey: row.device_signing_key,
        deviceAgreementKey: row.device_agreement_key,
        party: row.party,
        config: row.config,
        createdAt: row.created_at,
      } satisfies WalletRecord;
    },

    async putPendingKey(k) {
      assertOpen();
      assertId(k.walletId, 'walletId');
      assertInt32(k.version, 'version');
      assertBytes(k.publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
      assertBytes(k.share, 'share');
      const update = k.walletUpdate;
      if (update) {
        assertBytes(update.deviceSigningKey, 'walletUpdate.deviceSigningKey');
        assertBytes(update.deviceAgreementKey, 'walletUpdate.deviceAgreementKey');
        assertInt32(update.party, 'walletUpdate.party');
        assertBytes(update.config, 'walletUpdate.config');
      }
      const row = keyRow(k.walletId, k.version, k.publicKey);
      let inserted: unknown[];
      try {
        inserted = await sql.query(
          `INSERT INTO key_versions (wallet_id, version, status, public_key, share_sealed, created_at,
             next_config, next_party, next_device_signing_key, next_device_agreement_key)
           VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (wallet_id, version) DO NOTHING RETURNING version`,
          [
            k.walletId,
            k.version,
            k.publicKey,
            seal(row, k.share),
            now(),
            update?.config ?? null,
            update?.party ?? null,
            update?.deviceSigningKey ?? null,
            update?.deviceAgreementKey ?? null,
          ],
        );
      } catch (error) {
        if (
          error instanceof StorageUnavailableError &&
          error.sqlState === SQLSTATE.foreignKeyViolation
        )
          throw new StorageNotFoundError(`wallet ${k.walletId} does not exist`, { cause: error });
        throw error;
      }
      if (inserted.length === 0) throw new StorageConflictError(`${row.label} already exists`);
    },

    async commitKey(walletId, version) {
      assertOpen();
      assertId(walletId, 'walletId');
      assertInt32(version, 'version');
      await sql.transaction(async (tx) => {
        // Serialises every key change of this wallet: two commits never interleave their deletes.
        await tx.query('SELECT wallet_id FROM wallets WHERE wallet_id = $1 FOR UPDATE', [walletId]);
        const [target] = await tx.query<{ status: KeyStatus }>(
          'SELECT status FROM key_versions WHERE wallet_id = $1 AND version = $2',
          [walletId, version],
        );
        if (target === undefined)
          throw new StorageNotFoundError(
            `key_versions(wallet ${walletId}, version ${version}) does not exist`,
          );
        if (target.status === 'active') return;
        // Delete first: the partial unique index allows one active version per wallet.
        await tx.query('DELETE FROM key_versions WHERE wallet_id = $1 AND version <> $2', [
          walletId,
          version,
        ]);
        await tx.query(
          `UPDATE key_versions SET status = 'active' WHERE wallet_id = $1 AND version = $2`,
          [walletId, version],
        );
        // A recovery is over once its re-share's key is active: in this same transaction.
        await tx.query(
          `UPDATE recoveries SET status = 'completed', completed_at = $3
           FROM key_versions k
           WHERE recoveries.wallet_id = $1 AND recoveries.status = 'pending'
             AND k.wallet_id = $1 AND k.version = $2
             AND k.next_device_signing_key = recoveries.new_signing_key`,
          [walletId, version, now()],
        );
        // A re-share's new parties take effect with its key, in this same transaction.
        await tx.query(
          `UPDATE wallets SET config = k.next_config, party = k.next_party,
             device_signing_key = k.next_device_signing_key,
             device_agreement_key = k.next_device_agreement_key
           FROM key_versions k
           WHERE wallets.wallet_id = $1 AND k.wallet_id = $1 AND k.version = $2
             AND k.next_config IS NOT NULL`,
          [walletId, version],
        );
      });
    },

    async discardPendingKey(walletId, version) {
      assertOpen();
      assertId(walletId, 'walletId');
      assertInt32(version, 'version');
      await sql.query(
        `DELETE FROM key_versions WHERE wallet_id = $1 AND version = $2 AND status = 'pending'`,
        [walletId, version],
      );
    },

    async getActiveKey(walletId) {
      assertOpen();
      assertId(walletId, 'walletId');
      const [row] = await sql.query<SealedKeyRow>(
        `SELECT ${KEY_COLUMNS}, share_sealed FROM key_versions
         WHERE wallet_id = $1 AND status = 'active'`,
        [walletId],
      );
      return row === undefined ? undefined : toKeyRecord(row);
    },

    async getKey(walletId, version) {
      assertOpen();
      assertId(walletId, 'walletId');
      assertInt32(version, 'version');
      const [row] = await sql.query<SealedKeyRow & { next_device_signing_key: Uint8Array | null }>(
        `SELECT ${KEY_COLUMNS}, share_sealed, next_device_signing_key FROM key_versions
         WHERE wallet_id = $1 AND version = $2`,
        [walletId, version],
      );
      if (row === undefined) return undefined;
      const record = toKeyRecord(row);
      return row.next_device_signing_key === null
        ? record
        : { ...record, nextDeviceSigningKey: row.next_device_signing_key };
    },

    async listKeys(walletId) {
      assertOpen();
      assertId(walletId, 'walletId');
      const rows = await sql.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM key_versions WHERE wallet_id = $1 ORDER BY version`,
        [walletId],
      );
      return rows.map(toKeyMeta);
    },

    async updateKeyShare(walletId, version, share) {
      assertOpen();
      assertId(walletId, 'walletId');
      assertInt32(version, 'version');
      assertBytes(share, 'share');
      const missing = () =>
        new StorageNotFoundError(
          `key_versions(wallet ${walletId}, version ${version}) does not exist`,
        );
      const [row] = await sql.query<{ public_key: Uint8Array }>(
        'SELECT public_key FROM key_versions WHERE wallet_id = $1 AND version = $2',
        [walletId, version],
      );
      if (row === undefined) throw missing();
      // The public key is part of the row identity; matching it keeps the seal and the row together.
      const updated = await sql.query(
        `UPDATE key_versions SET share_sealed = $3
         WHERE wallet_id = $1 AND version = $2 AND public_key = $4 RETURNING version`,
        [walletId, version, seal(keyRow(walletId, version, row.public_key), share), row.public_key],
      );
      if (updated.length === 0) throw missing();
    },

    async createSession(s) {
      assertOpen();
      assertId(s.sessionId, 'sessionId');
      assertId(s.walletId, 'walletId');
      assertId(s.kind, 'kind');
      assertInt32(s.step, 'step');
      assertId(s.revision, 'revision');
      assertBytes(s.state, 'state');
      assertTime(s.expiresAt, 'expiresAt');
      const rows = await sql.query(
        `INSERT INTO sessions (session_id, wallet_id, kind, step, revision, state_sealed, expires_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (session_id) DO NOTHING RETURNING session_id`,
        [
          s.sessionId,
          s.walletId,
          s.kind,
          s.step,
          s.revision,
          seal(sessionRow(s.sessionId), s.state),
          s.expiresAt,
          now(),
        ],
      );
      if (rows.length === 0)
        throw new StorageConflictError(`sessions(${s.sessionId}) already exists`);
    },

    async getSession(sessionId, knownRevision) {
      assertOpen();
      assertId(sessionId, 'sessionId');
      if (knownRevision !== undefined) assertId(knownRevision, 'knownRevision');
      // PostgreSQL reads (detoasts) the sealed state only when the revision differs.
      const [row] = await sql.query<SessionRow>(
        `SELECT session_id, wallet_id, kind, step, revision, expires_at, updated_at,
           CASE WHEN revision = $3 THEN NULL ELSE state_sealed END AS state_sealed
         FROM sessions WHERE session_id = $1 AND expires_at >= $2`,
        [sessionId, now(), knownRevision ?? null],
      );
      if (row === undefined) return undefined;
      const record = {
        sessionId: row.session_id,
        walletId: row.wallet_id,
        kind: row.kind,
        step: row.step,
        revision: row.revision,
        expiresAt: row.expires_at,
        updatedAt: row.updated_at,
      };
      if (knownRevision !== undefined && row.revision === knownRevision) return record;
      if (row.state_sealed === null)
        throw new StorageUnavailableError(
          `sessions(${row.session_id}) came back without its state`,
        );
      return {
        ...record,
        state: open(sessionRow(row.session_id), row.state_sealed),
      } satisfies SessionRecord;
    },

    async advanceSession(sessionId, fromStep, toStep, state, expiresAt, revision) {
      assertOpen();
      assertId(sessionId, 'sessionId');
      assertInt32(fromStep, 'fromStep');
      assertInt32(toStep, 'toStep');
      // Steps only move forward: with A→B→A allowed, a stale writer could win the swap (ABA).
      if (toStep <= fromStep)
        throw new RangeError(
          `"toStep" expected greater than fromStep (${fromStep}), got ${toStep}`,
        );
      assertBytes(state, 'state');
      assertTime(expiresAt, 'expiresAt');
      assertId(revision, 'revision');
      const at = now();
      // One conditional UPDATE: under concurrency the loser re-reads the winner's step and
      // matches nothing (PostgreSQL §13.2.1); PGlite runs statements one at a time.
      const rows = await sql.query(
        `UPDATE sessions SET step = $3, state_sealed = $4, expires_at = $5, updated_at = $6,
           revision = $7
         WHERE session_id = $1 AND step = $2 AND expires_at >= $6 RETURNING session_id`,
        [sessionId, fromStep, toStep, seal(sessionRow(sessionId), state), expiresAt, at, revision],
      );
      return rows.length === 1;
    },

    async deleteSession(sessionId) {
      assertOpen();
      assertId(sessionId, 'sessionId');
      await sql.query('DELETE FROM sessions WHERE session_id = $1', [sessionId]);
    },

    async countLiveSessions(walletId, at) {
      assertOpen();
      assertId(walletId, 'walletId');
      assertTime(at, 'now');
      const [row] = await sql.query<{ n: number }>(
        // Finished sessions (step 4) stay until expiry only to answer retries: they do not count.
        'SELECT count(*) AS n FROM sessions WHERE wallet_id = $1 AND expires_at >= $2 AND step < 4',
        [walletId, at],
      );
      return row?.n ?? 0;
    },

    async deleteExpiredSessions(at) {
      assertOpen();
      assertTime(at, 'now');
      const [row] = await sql.query<{ n: number }>(
        `WITH gone AS (DELETE FROM sessions WHERE expires_at < $1 RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [at],
      );
      await sql.query('DELETE FROM replay_nonces WHERE expires_at < $1', [at]);
      return row?.n ?? 0;
    },

    async rememberNonce(scope, nonce, expiresAt) {
      assertOpen();
      assertId(scope, 'scope');
      assertId(nonce, 'nonce');
      assertTime(expiresAt, 'expiresAt');
      // New → inserted; seen but expired → revived; seen and live → nothing returned. A racing
      // twin waits on the primary key, then sees the committed row as live.
      const rows = await sql.query(
        `INSERT INTO replay_nonces (scope, nonce, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (scope, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE replay_nonces.expires_at < $4 RETURNING nonce`,
        [scope, nonce, expiresAt, now()],
      );
      return rows.length === 1;
    },

    async getRecovery(walletId) {
      assertOpen();
      assertId(walletId, 'walletId');
      const [row] = await sql.query<RecoveryRow>(
        `SELECT ${RECOVERY_COLUMNS} FROM recoveries WHERE wallet_id = $1`,
        [walletId],
      );
      return row === undefined ? undefined : toRecovery(row);
    },

    async startRecovery(r) {
      assertOpen();
      assertId(r.walletId, 'walletId');
      assertBytes(r.newSigningKey, 'newSigningKey', 32);
      assertBytes(r.newAgreementKey, 'newAgreementKey', 32);
      assertTime(r.startedAt, 'startedAt');
      assertTime(r.readyAt, 'readyAt');
      return sql.transaction(async (tx) => {
        // Serialises starts (and key commits) of this wallet: one pending recovery at a time.
        const locked = await tx.query(
          'SELECT wallet_id FROM wallets WHERE wallet_id = $1 FOR UPDATE',
          [r.walletId],
        );
        if (locked.length === 0)
          throw new StorageNotFoundError(`wallet ${r.walletId} does not exist`);
        const read = async () => {
          const [row] = await tx.query<RecoveryRow>(
            `SELECT ${RECOVERY_COLUMNS} FROM recoveries WHERE wallet_id = $1`,
            [r.walletId],
          );
          return row === undefined ? undefined : toRecovery(row);
        };
        const existing = await read();
        if (existing?.status === 'pending') {
          const same =
            samePublicKey(existing.newSigningKey, r.newSigningKey) &&
            samePublicKey(existing.newAgreementKey, r.newAgreementKey);
          return { outcome: same ? 'exists' : 'conflict', record: existing } as const;
        }
        // A closed row is replaced; its last cancellation stays for the status answer.
        await tx.query(
          `INSERT INTO recoveries (wallet_id, status, new_signing_key, new_agreement_key,
             started_at, ready_at, cancelled_at, cancelled_by, completed_at)
           VALUES ($1, 'pending', $2, $3, $4, $5, NULL, NULL, NULL)
           ON CONFLICT (wallet_id) DO UPDATE SET status = 'pending',
             new_signing_key = EXCLUDED.new_signing_key,
             new_agreement_key = EXCLUDED.new_agreement_key,
             started_at = EXCLUDED.started_at, ready_at = EXCLUDED.ready_at,
             completed_at = NULL`,
          [r.walletId, r.newSigningKey, r.newAgreementKey, r.startedAt, r.readyAt],
        );
        const record = await read();
        if (record === undefined)
          throw new StorageUnavailableError(`recoveries(${r.walletId}) vanished after insert`);
        return { outcome: 'started', record } as const;
      });
    },

    async cancelRecovery(c) {
      assertOpen();
      assertId(c.walletId, 'walletId');
      assertTime(c.startedAt, 'startedAt');
      assertTime(c.at, 'at');
      assertText(c.by, 'by', MAX_AUDIT_FIELD_LENGTH);
      if (c.before !== undefined) assertTime(c.before, 'before');
      // One conditional UPDATE: a cancel racing the waiting period's end or another start
      // matches nothing rather than cancelling a recovery it did not see.
      const rows = await sql.query(
        `UPDATE recoveries SET status = 'cancelled', cancelled_at = $3, cancelled_by = $4
         WHERE wallet_id = $1 AND status = 'pending' AND started_at = $2
           AND ($5::BIGINT IS NULL OR ready_at > $5::BIGINT) RETURNING wallet_id`,
        [c.walletId, c.startedAt, c.at, c.by, c.before ?? null],
      );
      return rows.length === 1;
    },

    async policyTransaction(walletId, fn) {
      assertOpen();
      assertId(walletId, 'walletId');
      // `fn`'s own error (a refusal of the caller's) comes out as it was, after the rollback;
      // only the driver's become storage errors.
      let own: { error: unknown } | undefined;
      try {
        return await sql.transaction(async (tx) => {
          // Serialises the policy checks of this wallet across instances (READ COMMITTED: the
          // second waits here, then reads the first's ledger rows).
          const locked = await tx.query(
            'SELECT wallet_id FROM wallets WHERE wallet_id = $1 FOR UPDATE',
            [walletId],
          );
          if (locked.length === 0)
            throw new StorageNotFoundError(`wallet ${walletId} does not exist`);
          try {
            return await fn(policyRows(tx, walletId, now));
          } catch (error) {
            own = { error };
            throw error;
          }
        });
      } catch (error) {
        throw own ? own.error : error;
      }
    },

    async audit(e) {
      assertOpen();
      if (e.walletId !== null) assertId(e.walletId, 'walletId');
      assertText(e.actor, 'actor', MAX_AUDIT_FIELD_LENGTH);
      assertText(e.action, 'action', MAX_AUDIT_FIELD_LENGTH);
      assertText(e.outcome, 'outcome', MAX_AUDIT_FIELD_LENGTH);
      assertOptionalText(e.digest, 'digest', MAX_AUDIT_FIELD_LENGTH);
      if (e.detail !== undefined && e.detail !== null && typeof e.detail !== 'string')
        throw new TypeError('"detail" expected string');
      const detail =
        e.detail && e.detail.length > MAX_AUDIT_DETAIL_LENGTH
          ? `${e.detail.slice(0, MAX_AUDIT_DETAIL_LENGTH - 1)}…`
          : (e.detail ?? null);
      await sql.query(
        `INSERT INTO audit_log (at, wallet_id, actor, action, digest, outcome, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [now(), e.walletId, e.actor, e.action, e.digest ?? null, e.outcome, detail],
      );
    },

    async listAudit(walletId, limit) {
      assertOpen();
      assertId(walletId, 'walletId');
      assertInteger(limit, 'limit', MAX_AUDIT_LIMIT);
      if (limit === 0)
        throw new RangeError(`"limit" expected an integer in 1..${MAX_AUDIT_LIMIT}, got 0`);
      const rows = await sql.query<AuditRow>(
        `SELECT at, wallet_id, actor, action, digest, outcome, detail FROM audit_log
         WHERE wallet_id = $1 ORDER BY id DESC LIMIT $2`,
        [walletId, limit],
      );
      return rows.map((row) => ({
        at: row.at,
        walletId: row.wallet_id,
        actor: row.actor,
        action: row.action,
        digest: row.digest,
        outcome: row.outcome,
        detail: row.detail,
      }));
    },
  };
}
