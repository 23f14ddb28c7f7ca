/**
 * Opening storage: embedded PGlite in `<dataDir>/db` (the default, one process), or PostgreSQL at
 * `databaseUrl` (several instances behind a load balancer). Either way the migrations run before
 * the first use, and the key-encryption key is checked against what is already stored.
 * @module
 */
import { join } from 'node:path';
import { assertKek } from './at-rest';
import { migrate } from './migrations';
import { openPgliteSql } from './pglite-sql';
import { openPostgresSql } from './postgres-sql';
import type { Sql } from './sql';
import { createSqlStorage } from './sql-storage';
import type { OpenStorageOptions, Storage } from './types';

/** PGlite's folder inside the server's data folder. */
export const PGLITE_SUBDIR = 'db';

/** The database behind `options`, not yet migrated. Exposed for tests that inspect raw rows. */
export async function openSql(options: OpenStorageOptions): Promise<Sql> {
  const hasDir = typeof options.dataDir === 'string';
  const hasUrl = typeof options.databaseUrl === 'string';
  if (hasDir === hasUrl)
    throw new TypeError('openStorage expected exactly one of "dataDir" and "databaseUrl"');
  if (options.databaseUrl !== undefined) return openPostgresSql(options.databaseUrl);
  return openPgliteSql(join(options.dataDir as string, PGLITE_SUBDIR));
}

/**
 * Opens storage and applies pending migrations. Throws `StorageUnavailableError` when the
 * database cannot be reached or its schema is newer than this server.
 * @example const storage = await openStorage({ dataDir, kek: await loadKek({ env: process.env, dataDir }) });
 */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  assertKek(options.kek);
  const sql = await openSql(options);
  try {
    await migrate(sql, { now: options.now });
  } catch (error) {
    await sql.close().catch(() => {});
    throw error;
  }
  return createSqlStorage({ sql, kek: options.kek, now: options.now });
}
