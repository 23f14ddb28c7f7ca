/**
 * The database schema, as ordered migrations applied when storage opens. Written once in plain
 * PostgreSQL that PGlite runs unchanged: TEXT ids, BYTEA for keys and sealed secrets, BIGINT for
 * millisecond timestamps.
 *
 * Each migration runs in one transaction with the `schema_migrations` bookkeeping, behind a
 * transaction-level advisory lock (PostgreSQL §9.27.10 `pg_advisory_xact_lock`), so several
 * server instances starting together on one PostgreSQL apply each migration exactly once; the
 * others wait and then find it applied. Never edit a released migration: append a new one.
 * @module
 */
import { StorageUnavailableError } from './errors';
import type { Sql } from './sql';

export type Migration = {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
};

/** Advisory lock id for schema changes: "ckm" and 1 as one 32-bit integer. */
const MIGRATION_LOCK_ID = 0x636b6d01;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      // The server's own identity keys: a single row, sealed (table `server_keys`).
      `CREATE TABLE server_keys (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        sealed BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      // Public material only: the device's keys that authenticate its requests.
      `CREATE TABLE wallets (
        wallet_id TEXT PRIMARY KEY,
        device_signing_key BYTEA NOT NULL,
        device_agreement_key BYTEA NOT NULL,
        party INTEGER NOT NULL,
        config BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      // Two-phase key versions: a refresh adds a 'pending' row beside the 'active' one; commit
      // switches in one transaction, so a crash leaves the old or the new share, never neither.
      `CREATE TABLE key_versions (
        wallet_id TEXT NOT NULL REFERENCES wallets (wallet_id) ON DELETE CASCADE,
        version INTEGER NOT NULL CHECK (version >= 0),
        status TEXT NOT NULL CHECK (status IN ('pending', 'active')),
        public_key BYTEA NOT NULL,
        share_sealed BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        -- A re-share changes the wallet's parties: the new configuration (public) waits here
        -- and replaces the wallet row's in the same transaction as the commit.
        next_config BYTEA,
        next_party INTEGER,
        next_device_signing_key BYTEA,
        next_device_agreement_key BYTEA,
        PRIMARY KEY (wallet_id, version)
      )`,
      `CREATE UNIQUE INDEX key_versions_one_active ON key_versions (wallet_id) WHERE status = 'active'`,
      // In-flight protocol sessions, shared by every instance; `step` is the compare-and-swap guard.
      `CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        wallet_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        step INTEGER NOT NULL,
        state_sealed BYTEA NOT NULL,
        expires_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      'CREATE INDEX sessions_wallet_expiry ON sessions (wallet_id, expires_at)',
      'CREATE INDEX sessions_expiry ON sessions (expires_at)',
      // Replay cache shared by every instance.
      `CREATE TABLE replay_nonces (
        scope TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (scope, nonce)
      )`,
      'CREATE INDEX replay_nonces_expiry ON replay_nonces (expires_at)',
      // Who asked what, when, the digest and the outcome. Never a secret.
      `CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        wallet_id TEXT,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        digest TEXT,
        outcome TEXT NOT NULL,
        detail TEXT
      )`,
      'CREATE INDEX audit_log_wallet ON audit_log (wallet_id, id)',
    ],
  },
  {
    version: 2,
    name: 'session revisions',
    statements: [
      // Names each write of a session's state, so the instance that wrote it can skip reading
      // the sealed state back (ckm/server/service.ts). Rows from before have none: never a match.
      `ALTER TABLE sessions ADD COLUMN revision TEXT NOT NULL DEFAULT ''`,
    ],
  },
  {
    version: 3,
    name: 'recoveries',
    statements: [
      // A wallet's recovery without a backup (docs/ckm.md §5): at most one row per wallet, the
      // latest. 'pending' from the credential's start until the re-share commits ('completed')
      // or someone cancels it ('cancelled'); `cancelled_at` survives a later start, so the new
      // device can learn it was refused. Public keys and times only.
      `CREATE TABLE recoveries (
        wallet_id TEXT PRIMARY KEY REFERENCES wallets (wallet_id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('pending', 'cancelled', 'completed')),
        new_signing_key BYTEA NOT NULL,
        new_agreement_key BYTEA NOT NULL,
        started_at BIGINT NOT NULL,
        ready_at BIGINT NOT NULL,
        cancelled_at BIGINT,
        cancelled_by TEXT,
        completed_at BIGINT
      )`,
    ],
  },
  {
    version: 4,
    name: 'policy firewall',
    statements: [
      // A wallet's policy state (docs/ckm.md §10): the rules in force and a pending loosening,
      // encoded by ckm/policy/codec.ts. Public (the owner's own rules), so not sealed; protected
      // like every other row by who may write the database.
      `CREATE TABLE policies (
        wallet_id TEXT PRIMARY KEY REFERENCES wallets (wallet_id) ON DELETE CASCADE,
        state BYTEA NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      // What this server co-signed leaving the wallet, per asset, for the rolling daily limits.
      // A re-sign of the same `ledger_key` (a transaction's chain, sender and nonce) replaces its
      // rows. Amounts up to 2^256 − 1 (78 digits) are summed by the database as NUMERIC.
      `CREATE TABLE policy_ledger (
        wallet_id TEXT NOT NULL REFERENCES wallets (wallet_id) ON DELETE CASCADE,
        ledger_key TEXT NOT NULL,
        chain_id BIGINT NOT NULL,
        asset TEXT NOT NULL,
        amount NUMERIC(78, 0) NOT NULL CHECK (amount >= 0),
        at BIGINT NOT NULL,
        PRIMARY KEY (wallet_id, ledger_key, chain_id, asset)
      )`,
      'CREATE INDEX policy_ledger_wallet_at ON policy_ledger (wallet_id, at)',
      // Payloads held for a waiting period: co-signed once after `ready_at` unless cancelled.
      `CREATE TABLE policy_holds (
        wallet_id TEXT NOT NULL REFERENCES wallets (wallet_id) ON DELETE CASCADE,
        hold_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        ready_at BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'cancelled', 'used')),
        summary TEXT NOT NULL,
        cancelled_at BIGINT,
        PRIMARY KEY (wallet_id, hold_id)
      )`,
      'CREATE INDEX policy_holds_wallet_created ON policy_holds (wallet_id, created_at)',
    ],
  },
];

/**
 * Applies the migrations that `sql` lacks, in order; returns the versions it applied (none when
 * the schema is current). Refuses a database whose schema is newer than this server knows.
 */
export async function migrate(
  sql: Sql,
  options: { migrations?: readonly Migration[]; now?: () => number } = {},
): Promise<number[]> {
  const migrations = options.migrations ?? MIGRATIONS;
  const now = options.now ?? Date.now;
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`,
    );
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const known = Math.max(0, ...migrations.map((migration) => migration.version));
    const newest = Math.max(0, ...applied);
    if (newest > known)
      throw new StorageUnavailableError(
        `database schema version ${newest} is newer than this server knows (${known}); upgrade the server`,
      );
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, now()],
      );
      done.push(migration.version);
    }
    return done;
  });
}
