/**
 * The one seam between the storage logic and a database driver: `query(text, params)` and
 * `transaction(fn)`. Both backends speak the same plain PostgreSQL (BYTEA, BIGINT milliseconds,
 * TEXT), so everything above this file is written once.
 *
 * Adapters normalise what drivers differ on: BIGINT comes back as a JavaScript number (every
 * value we store, milliseconds and counts, is below 2^53), BYTEA as a Uint8Array, and every
 * driver failure becomes a `StorageUnavailableError` carrying the SQLSTATE when there is one.
 * @module
 */
import { StorageError, StorageUnavailableError } from './errors';

export type SqlValue = string | number | boolean | Uint8Array | null;
export type SqlRow = Record<string, unknown>;

export interface SqlQuery {
  /** Runs one statement with `$1`, `$2`… placeholders; returns the rows (empty when none). */
  query<Row extends SqlRow = SqlRow>(text: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

export interface Sql extends SqlQuery {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** SQLSTATE codes we react to (PostgreSQL Appendix A). */
export const SQLSTATE = {
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
} as const;

/** The SQLSTATE of a driver error, if it has one (both drivers put it in `code`). */
function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A driver error as a `StorageUnavailableError`; storage errors thrown inside pass through. */
export function toStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const sqlState = sqlStateOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(
    sqlState === undefined
      ? `database unavailable: ${reason}`
      : `database refused the operation (SQLSTATE ${sqlState}): ${reason}`,
    { cause: error, sqlState },
  );
}

/** Runs `operation`, turning any driver failure into a `StorageError`. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStorageError(error);
  }
}
