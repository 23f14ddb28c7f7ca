/**
 * Errors of the storage layer (after viem's `BaseError`): one base class with a machine-readable
 * `code` and a `shortMessage` for people, one subclass per code so callers can `instanceof`.
 *
 * Messages name the table and the row (wallet id, version, session id), never a secret, a
 * ciphertext, the key-encryption key or a database URL (which may carry a password).
 *
 * Programming errors at the door (a wrong type, a wrong length) are `TypeError` / `RangeError`,
 * as in noble; they are bugs in the caller, not storage conditions.
 * @module
 */

export type StorageErrorCode = 'Conflict' | 'NotFound' | 'Corrupt' | 'Unavailable';

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: StorageErrorCode;
  /** One sentence for people: what failed, without secrets. */
  readonly shortMessage: string;

  constructor(code: StorageErrorCode, shortMessage: string, options: { cause?: unknown } = {}) {
    super(
      `${code}: ${shortMessage}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.shortMessage = shortMessage;
  }
}

/** The row already exists (a key version, a session id). */
export class StorageConflictError extends StorageError {
  override name = 'StorageConflictError';
  constructor(shortMessage: string) {
    super('Conflict', shortMessage);
  }
}

/** The row the operation needs does not exist. */
export class StorageNotFoundError extends StorageError {
  override name = 'StorageNotFoundError';
  constructor(shortMessage: string, options: { cause?: unknown } = {}) {
    super('NotFound', shortMessage, options);
  }
}

/**
 * A sealed column did not authenticate: the wrong key-encryption key, a ciphertext moved to
 * another row, or tampering. `row` names the row (never its contents).
 */
export class StorageCorruptError extends StorageError {
  override name = 'StorageCorruptError';
  constructor(
    readonly row: string,
    detail = 'does not decrypt under this key-encryption key (wrong key, moved or tampered)',
  ) {
    super('Corrupt', `${row} ${detail}`);
  }
}

/** The database could not be reached or refused the operation. */
export class StorageUnavailableError extends StorageError {
  override name = 'StorageUnavailableError';
  /** The database's SQLSTATE (PostgreSQL Appendix A) when it answered with an error. */
  readonly sqlState: string | undefined;
  constructor(shortMessage: string, options: { cause?: unknown; sqlState?: string } = {}) {
    super('Unavailable', shortMessage, options);
    this.sqlState = options.sqlState;
  }
}

export type KekErrorReason = 'Missing' | 'Ambiguous' | 'Malformed' | 'Permissions';

/**
 * The key-encryption key could not be loaded. Messages name the source (a file path, the
 * `CKM_KEK` variable), never the key.
 */
export class KekError extends Error {
  override name = 'KekError';
  constructor(
    readonly reason: KekErrorReason,
    readonly shortMessage: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${reason}: ${shortMessage}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}
