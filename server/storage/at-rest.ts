/**
 * Encryption at rest: every secret column (shares, session states, the server's keys) is sealed
 * with XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03; computed by OpenSSL through
 * `ckm/primitives.ts`, the same bytes as `@noble/ciphers`) under the key-encryption key (KEK),
 * which lives outside the database.
 *
 * Sealed layout: `nonce (24 random bytes) ‖ ciphertext ‖ tag (16)`. A 192-bit random nonce makes
 * collisions negligible however many rows are written, so no counter has to be kept in sync
 * between server instances.
 *
 * The associated data binds the row identity:
 *   "ckm/at-rest/v1" ‖ table ‖ field₁ ‖ field₂ … (each part length-prefixed, 4 bytes big-endian),
 * so a ciphertext copied into another row (another wallet, version or session) does not open;
 * it fails like a wrong KEK, with a `StorageCorruptError` that names the row.
 * @module
 */
import { primitives } from '../../ckm/primitives';
import { StorageCorruptError } from './errors';

const AT_REST_TAG = 'ckm/at-rest/v1';
export const KEK_LENGTH = 32;
const NONCE_LENGTH = 24;
const TAG_LENGTH = 16;

/** Tables whose rows carry a sealed column. */
export type SealedTable = 'server_keys' | 'key_versions' | 'sessions';

/** One part of a row's identity. Numbers are non-negative safe integers (8 bytes big-endian). */
export type RowField = string | number | Uint8Array;

export type RowIdentity = {
  table: SealedTable;
  fields: readonly RowField[];
  /** For error messages only, e.g. `key_versions(wallet w1, version 2)`; never secret. */
  label: string;
};

const encoder = /* @__PURE__ */ new TextEncoder();

function fieldBytes(field: RowField): Uint8Array {
  if (typeof field === 'string') return encoder.encode(field);
  if (field instanceof Uint8Array) return field;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(field));
  return out;
}

/** "ckm/at-rest/v1" ‖ table ‖ fields, each length-prefixed so no two identities share bytes. */
export function rowAad(row: Pick<RowIdentity, 'table' | 'fields'>): Uint8Array {
  const parts = [AT_REST_TAG, row.table, ...row.fields].map(fieldBytes);
  const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.length);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}

export function assertKek(kek: unknown): asserts kek is Uint8Array {
  if (!(kek instanceof Uint8Array)) throw new TypeError('"kek" expected Uint8Array');
  if (kek.length !== KEK_LENGTH)
    throw new RangeError(
      `"kek" expected Uint8Array of length ${KEK_LENGTH}, got length=${kek.length}`,
    );
}

/**
 * Seals `plaintext` for `row`. `randomBytes` is injectable for deterministic tests only.
 * @example sealAtRest(kek, { table: 'sessions', fields: [sessionId, walletId, kind], label }, state)
 */
export function sealAtRest(
  kek: Uint8Array,
  row: RowIdentity,
  plaintext: Uint8Array,
  randomBytes: (length: number) => Uint8Array = (length) =>
    crypto.getRandomValues(new Uint8Array(length)),
): Uint8Array {
  assertKek(kek);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError(`${row.label}: expected Uint8Array`);
  const nonce = randomBytes(NONCE_LENGTH);
  const ciphertext = primitives.xchachaSeal(kek, nonce, plaintext, rowAad(row));
  const sealed = new Uint8Array(NONCE_LENGTH + ciphertext.length);
  sealed.set(nonce, 0);
  sealed.set(ciphertext, NONCE_LENGTH);
  return sealed;
}

/** Opens what `sealAtRest` sealed for the same row, or throws `StorageCorruptError` naming it. */
export function openAtRest(kek: Uint8Array, row: RowIdentity, sealed: Uint8Array): Uint8Array {
  assertKek(kek);
  if (!(sealed instanceof Uint8Array) || sealed.length < NONCE_LENGTH + TAG_LENGTH)
    throw new StorageCorruptError(row.label, 'is truncated (shorter than nonce and tag)');
  const nonce = sealed.subarray(0, NONCE_LENGTH);
  try {
    return primitives.xchachaOpen(kek, nonce, sealed.subarray(NONCE_LENGTH), rowAad(row));
  } catch {
    // The cipher's own message says only "invalid tag"; ours names the row.
    throw new StorageCorruptError(row.label);
  }
}
