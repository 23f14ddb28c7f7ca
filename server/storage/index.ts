/**
 * The CKM server's storage: PGlite by default, PostgreSQL for several instances, secrets sealed
 * at rest under a key-encryption key kept outside the database.
 * @module
 */
export { KEK_LENGTH, openAtRest, rowAad, sealAtRest } from './at-rest';
export {
  KekError,
  type KekErrorReason,
  StorageConflictError,
  StorageCorruptError,
  StorageError,
  type StorageErrorCode,
  StorageNotFoundError,
  StorageUnavailableError,
} from './errors';
export { DEV_KEK_FILE, KEK_ENV, loadKek } from './kek';
export { MIGRATIONS, migrate } from './migrations';
export { openSql, openStorage, PGLITE_SUBDIR } from './open';
export type {
  AuditEntry,
  KeyStatus,
  KeyVersionRecord,
  LoadKekOptions,
  OpenStorageOptions,
  SessionRecord,
  Storage,
  WalletRecord,
} from './types';
