/**
 * The wallet's uses of envelopes in one place (issue #4 for issues #6 and #7): the device's key
 * share (the bytes of `encodeKeyShare`, `tss/wire.ts`) sealed under the user's password for
 * IndexedDB, re-sealed on a password change, exported as a backup kit (bytes, a UR and the UR
 * parts of an animated QR), and split into / joined from SSKR shares.
 *
 * A sealed share is, in envelope notation:
 * ```
 * ENCRYPTED [
 *     'hasSecret': EncryptedKey(Argon2id)
 *     'hasRecipient': SealedMessage      // only with { recipient }
 * ]
 * ```
 * and the encrypted subject is the wrapped
 * `Bytes(n) [ 'isA': "ckm-key-share", "formatVersion": 1 ]`.
 *
 * Every failure the user can cause is one of four classes with a plain-English `shortMessage`:
 * `VaultPasswordError`, `VaultCorruptError`, `VaultShareMismatchError`,
 * `VaultNotEnoughSharesError`; none returns a partial result. A misuse by the caller (wrong
 * argument types) is a `TypeError` / `RangeError`.
 * @module
 */
import { randomBytes } from '@noble/ciphers/utils.js';
import { MAJOR } from './dcbor';
import { decodeEnvelope } from './decode';
import { decryptSubject, encryptSubject, SYMMETRIC_KEY_LENGTH } from './encrypt';
import { Envelope } from './envelope';
import {
  EnvelopeError,
  MixedSharesError,
  NotEnoughSharesError,
  NotRecipientError,
  VaultCorruptError,
  VaultNotEnoughSharesError,
  VaultPasswordError,
  VaultShareMismatchError,
  WrongPasswordError,
} from './errors';
import { IS_A } from './knownValues';
import { addRecipient, decryptToRecipient } from './recipient';
import { addSecret, type SecretMethodInput, unlock } from './secret';
import { type SskrSpec, sskrJoin, sskrSplit } from './sskr';
import { envelopeToUr, envelopeToUrParts } from './ur';

/** The `'isA'` of a sealed key share's content. */
export const KEY_SHARE_TYPE = 'ckm-key-share';
/** The predicate of the format version assertion. */
export const FORMAT_VERSION_PREDICATE = 'formatVersion';
/** The format version this code writes and reads. */
export const VAULT_FORMAT_VERSION = 1;
/** Largest key share accepted (an `encodeKeyShare` is a few KiB). */
export const MAX_SHARE_BYTES = 1 << 20;

export type SealOptions = {
  /** An X25519 public key that may also open the share (`openShareWithKey`). */
  recipient?: Uint8Array;
  /** The password KDF (default Argon2id m = 19 MiB, t = 2, p = 1). */
  kdf?: SecretMethodInput;
};

function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array`);
}

function assertPassword(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected string`);
  if (value.length === 0) throw new RangeError(`"${name}" must not be empty`);
}

/** The `'isA'` of a sealed vault key (see `sealVaultKey`). */
export const VAULT_KEY_TYPE = 'ckm-vault-key';

/** The content envelope: the bytes with what they are and the format version. */
function content(share: Uint8Array, type: string = KEY_SHARE_TYPE): Envelope {
  return Envelope.from(share)
    .addAssertion(Envelope.knownValue(IS_A), type)
    .addAssertion(FORMAT_VERSION_PREDICATE, VAULT_FORMAT_VERSION);
}

/**
 * Seal a key share under a password (and optionally to a recipient): the envelope's tagged dCBOR.
 * @example const stored = sealShare(encodeKeyShare(share), password)
 */
export function sealShare(
  shareBytes: Uint8Array,
  password: string,
  opts: SealOptions = {},
): Uint8Array {
  assertBytes(shareBytes, 'shareBytes');
  assertPassword(password, 'password');
  if (shareBytes.length === 0 || shareBytes.length > MAX_SHARE_BYTES) {
    throw new RangeError(`"shareBytes" must be 1…${MAX_SHARE_BYTES} bytes`);
  }
  if (opts.recipient !== undefined) assertBytes(opts.recipient, 'recipient');
  const contentKey = randomBytes(SYMMETRIC_KEY_LENGTH);
  try {
    let sealed = encryptSubject(content(shareBytes).wrap(), contentKey);
    sealed = addSecret(sealed, opts.kdf ?? 'argon2id', password, contentKey);
    if (opts.recipient !== undefined) sealed = addRecipient(sealed, opts.recipient, contentKey);
    return sealed.toBytes();
  } finally {
    contentKey.fill(0);
  }
}

/** Decode stored bytes, any decoding failure being a `VaultCorruptError`. */
function decodeStored(bytes: Uint8Array, what: string): Envelope {
  try {
    return decodeEnvelope(bytes);
  } catch (e) {
    if (e instanceof EnvelopeError) throw new VaultCorruptError(`${what}: ${e.shortMessage}`, e);
    throw e;
  }
}

/** The share bytes of an opened content envelope, after checking what it is. */
function shareOfContent(opened: Envelope, expectedType: string = KEY_SHARE_TYPE): Uint8Array {
  let type: unknown;
  let version: unknown;
  for (const a of opened.assertions()) {
    const p = a.asPredicate();
    const o = a.asObject()?.asLeaf();
    if (p?.asKnownValue() === IS_A) type = o?.type === MAJOR.text ? o.value : undefined;
    else if (p?.asLeaf()?.value === FORMAT_VERSION_PREDICATE) {
      version = o?.type === MAJOR.unsigned ? Number(o.value) : undefined;
    }
  }
  if (type !== expectedType) throw new VaultCorruptError(`not a "${expectedType}"`);
  if (version !== VAULT_FORMAT_VERSION) {
    throw new VaultCorruptError(`unsupported format version ${String(version)}`);
  }
  const leaf = opened.subject().asLeaf();
  if (leaf?.type !== MAJOR.bytes) throw new VaultCorruptError('the share is not a byte string');
  return Uint8Array.from(leaf.value);
}

/**
 * The key share sealed by `sealShare`.
 * @throws {VaultPasswordError} the password is wrong
 * @throws {VaultCorruptError} the bytes are damaged, or not a sealed CKM key share
 */
export function openShare(envelopeBytes: Uint8Array, password: string): Uint8Array {
  return shareOfContent(unlockStored(envelopeBytes, password, 'sealed share'));
}

/** The content of stored bytes sealed under a password, with the vault's typed errors. */
function unlockStored(envelopeBytes: Uint8Array, password: string, what: string): Envelope {
  assertBytes(envelopeBytes, 'envelopeBytes');
  assertPassword(password, 'password');
  const sealed = decodeStored(envelopeBytes, what);
  try {
    return unlock(sealed, password);
  } catch (e) {
    if (e instanceof WrongPasswordError) throw new VaultPasswordError(e);
    if (e instanceof EnvelopeError) throw new VaultCorruptError(e.shortMessage, e);
    throw e;
  }
}

/**
 * The key share, opened with the recipient's X25519 private key instead of the password.
 * @throws {NotRecipientError} the key is not a recipient of this share
 * @throws {VaultCorruptError}
 */
export function openShareWithKey(
  envelopeBytes: Uint8Array,
  recipientPrivateKey: Uint8Array,
): Uint8Array {
  assertBytes(envelopeBytes, 'envelopeBytes');
  assertBytes(recipientPrivateKey, 'recipientPrivateKey');
  const sealed = decodeStored(envelopeBytes, 'sealed share');
  let opened: Envelope;
  try {
    opened = decryptToRecipient(sealed, recipientPrivateKey);
  } catch (e) {
    if (e instanceof NotRecipientError) throw e;
    if (e instanceof EnvelopeError) throw new VaultCorruptError(e.shortMessage, e);
    throw e;
  }
  return shareOfContent(opened);
}

/**
 * Open with the old password and seal again under the new one, with a fresh content key and salt.
 * A recipient permit is not carried over (its private key is not here): pass `opts.recipient`.
 * @throws {VaultPasswordError | VaultCorruptError} as `openShare`
 */
export function resealShare(
  envelopeBytes: Uint8Array,
  oldPassword: string,
  newPassword: string,
  opts: SealOptions = {},
): Uint8Array {
  assertPassword(newPassword, 'newPassword');
  const share = openShare(envelopeBytes, oldPassword);
  try {
    return sealShare(share, newPassword, opts);
  } finally {
    share.fill(0);
  }
}

/** What the backup screens show and save. */
export type BackupKit = {
  /** The sealed envelope's bytes (a file to save). */
  envelope: Uint8Array;
  /** The whole envelope as one `ur:envelope/…` (text to copy). */
  urText: string;
  /** UR parts for an animated QR (one single-part UR when it fits one code); see `qr.ts`. */
  qrParts: string[];
};

/**
 * The backup kit of a sealed share (or of one SSKR share from `splitBackup`). The envelope must be
 * encrypted: a kit is never made of plaintext.
 * @throws {VaultCorruptError}
 */
export function exportBackupKit(
  envelopeBytes: Uint8Array,
  opts: { maxFragmentLength?: number } = {},
): BackupKit {
  assertBytes(envelopeBytes, 'envelopeBytes');
  const envelope = decodeStored(envelopeBytes, 'backup');
  if (!envelope.isSubjectEncrypted()) {
    throw new VaultCorruptError('the envelope is not sealed (its subject is not encrypted)');
  }
  return {
    envelope: Uint8Array.from(envelopeBytes),
    urText: envelopeToUr(envelope),
    qrParts: envelopeToUrParts(envelope, opts),
  };
}

/**
 * Split a sealed share into SSKR share envelopes (bytes), one array per group; e.g.
 * `{ groupThreshold: 1, groups: [{ threshold: 2, count: 3 }] }` for 2-of-3.
 * @throws {VaultCorruptError} if `envelopeBytes` is not an envelope; `RangeError` for a bad spec
 */
export function splitBackup(envelopeBytes: Uint8Array, spec: SskrSpec): Uint8Array[][] {
  assertBytes(envelopeBytes, 'envelopeBytes');
  const envelope = decodeStored(envelopeBytes, 'backup');
  const key = randomBytes(SYMMETRIC_KEY_LENGTH);
  try {
    return sskrSplit(envelope, spec, key).map((group) => group.map((s) => s.toBytes()));
  } finally {
    key.fill(0);
  }
}

/**
 * The sealed share rebuilt from enough SSKR share envelopes (bytes, any order, repeats allowed).
 * @throws {VaultShareMismatchError} shares from different splits
 * @throws {VaultNotEnoughSharesError} too few shares
 * @throws {VaultCorruptError} a damaged share
 */
export function joinBackup(shares: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(shares)) throw new TypeError('"shares" expected Uint8Array[]');
  const envelopes = shares.map((s, i) => {
    assertBytes(s, `shares[${i}]`);
    return decodeStored(s, `share ${i + 1}`);
  });
  try {
    return sskrJoin(envelopes).toBytes();
  } catch (e) {
    if (e instanceof MixedSharesError) throw new VaultShareMismatchError(e.details ?? '', e);
    if (e instanceof NotEnoughSharesError) throw new VaultNotEnoughSharesError(e.code, e);
    if (e instanceof EnvelopeError) throw new VaultCorruptError(e.shortMessage, e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The extension's vault: a password-sealed vault key, and the device state under that key

/**
 * Seal a random 32-byte vault key under the password (same permit as `sealShare`, typed
 * `"ckm-vault-key"`). The extension keeps its device state under this key (`sealWithVaultKey`),
 * so the state can be re-sealed after every change while unlocked without keeping the password,
 * and a password change re-seals only this small envelope.
 */
export function sealVaultKey(
  vaultKey: Uint8Array,
  password: string,
  opts: SealOptions = {},
): Uint8Array {
  assertVaultKey(vaultKey);
  assertPassword(password, 'password');
  const contentKey = randomBytes(SYMMETRIC_KEY_LENGTH);
  try {
    const sealed = addSecret(
      encryptSubject(content(vaultKey, VAULT_KEY_TYPE).wrap(), contentKey),
      opts.kdf ?? 'argon2id',
      password,
      contentKey,
    );
    return sealed.toBytes();
  } finally {
    contentKey.fill(0);
  }
}

/**
 * The vault key sealed by `sealVaultKey`.
 * @throws {VaultPasswordError} the password is wrong
 * @throws {VaultCorruptError} the bytes are damaged, or not a sealed vault key
 */
export function openVaultKey(envelopeBytes: Uint8Array, password: string): Uint8Array {
  const key = shareOfContent(
    unlockStored(envelopeBytes, password, 'sealed vault key'),
    VAULT_KEY_TYPE,
  );
  if (key.length !== SYMMETRIC_KEY_LENGTH)
    throw new VaultCorruptError('the vault key is not 32 bytes');
  return key;
}

/** Seal share (or device-state) bytes under a vault key: `ENCRYPTED` of the same content as `sealShare`. */
export function sealWithVaultKey(shareBytes: Uint8Array, vaultKey: Uint8Array): Uint8Array {
  assertBytes(shareBytes, 'shareBytes');
  assertVaultKey(vaultKey);
  if (shareBytes.length === 0 || shareBytes.length > MAX_SHARE_BYTES) {
    throw new RangeError(`"shareBytes" must be 1…${MAX_SHARE_BYTES} bytes`);
  }
  return encryptSubject(content(shareBytes).wrap(), vaultKey).toBytes();
}

/**
 * The bytes sealed by `sealWithVaultKey`.
 * @throws {VaultCorruptError} damaged bytes, or another vault key (authentication fails)
 */
export function openWithVaultKey(envelopeBytes: Uint8Array, vaultKey: Uint8Array): Uint8Array {
  assertBytes(envelopeBytes, 'envelopeBytes');
  assertVaultKey(vaultKey);
  const sealed = decodeStored(envelopeBytes, 'sealed state');
  let opened: Envelope;
  try {
    opened = decryptSubject(sealed, vaultKey).unwrap();
  } catch (e) {
    if (e instanceof EnvelopeError) throw new VaultCorruptError(e.shortMessage, e);
    throw e;
  }
  return shareOfContent(opened);
}

function assertVaultKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'vaultKey');
  if (key.length !== SYMMETRIC_KEY_LENGTH) throw new RangeError('"vaultKey" must be 32 bytes');
}
