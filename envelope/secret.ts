/**
 * The password permit `'hasSecret'` (bc-specs §2.8; bc-envelope-rust 0.43
 * `src/extension/secret.rs`, bc-components `encrypted_key/*.rs`).
 *
 * The subject is encrypted with a random 32-byte content key; the key itself is encrypted under a
 * key derived from the password and attached as `'hasSecret': #6.40027(#6.40002([ct, nonce, auth,
 * aad]))` (an `EncryptedKey`), where the plaintext is the raw content key and the AAD is the dCBOR
 * of the derivation parameters, so they travel in clear and authenticated:
 *
 * | KDF      | parameters (AAD)                        | our defaults                     |
 * | -------- | --------------------------------------- | -------------------------------- |
 * | HKDF     | `[0, #6.40018(salt), hash]`             | SHA-256 (no stretching)          |
 * | PBKDF2   | `[1, #6.40018(salt), iterations, hash]` | 100 000, SHA-256                 |
 * | scrypt   | `[2, #6.40018(salt), logN, r, p]`       | 15, 8, 1                         |
 * | Argon2id | `[3, #6.40018(salt)]`                   | m = 19 456 KiB, t = 2, p = 1     |
 *
 * `hash` is 0 = SHA-256, 1 = SHA-512; the salt is 16 random bytes. Argon2id's cost is not in the
 * wire form: it is fixed to the Rust `argon2` 0.5 `Argon2::default()` the reference uses.
 * @module
 */
import { randomBytes } from '@noble/ciphers/utils.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { boxFromCbor, boxToCbor, openBox, sealBox } from './aead';
import { type Cbor, cborInteger, decodeDcbor, encodeDcbor, MAJOR, tagged, toCbor } from './dcbor';
import { decryptSubject, encryptSubject, SYMMETRIC_KEY_LENGTH } from './encrypt';
import { Envelope } from './envelope';
import { InvalidPermitError, NoPermitError, NotObscuredError, WrongPasswordError } from './errors';
import { HAS_SECRET } from './knownValues';

/** Tag 40027, `encrypted-key`. */
export const TAG_ENCRYPTED_KEY = 40027;
/** Tag 40018, `salt`. */
export const TAG_SALT = 40018;
/** Salt length we write (bc-components `SALT_LEN`). */
export const SALT_LENGTH = 16;

/** Argon2id cost: Rust `argon2` 0.5 `Params::DEFAULT_*`, what the reference derives with. */
export const ARGON2ID_PARAMS = { m: 19_456, t: 2, p: 1, version: 0x13 } as const;

/**
 * Work we agree to do when unlocking someone else's envelope: the parameters come from the
 * envelope, so without a cap a crafted permit could ask for hours of PBKDF2 or gigabytes of scrypt.
 */
export const KDF_LIMITS = {
  pbkdf2MaxIterations: 2_000_000,
  /** 128 · r · 2^logN bytes; 256 MiB. */
  scryptMaxMemory: 2 ** 28,
  scryptMaxP: 16,
  minSaltLength: 8,
  maxSaltLength: 64,
  /** `'hasSecret'` permits tried per unlock: each costs a full KDF run. */
  maxPermits: 16,
} as const;

export type HashName = 'sha256' | 'sha512';

/** A key-derivation method and its parameters (bc-components `KeyDerivationMethod` + params). */
export type SecretMethod =
  | { readonly kdf: 'argon2id' }
  | { readonly kdf: 'scrypt'; readonly logN?: number; readonly r?: number; readonly p?: number }
  | { readonly kdf: 'pbkdf2'; readonly iterations?: number; readonly hash?: HashName }
  | { readonly kdf: 'hkdf'; readonly hash?: HashName };

/** A method, or just its name for the defaults. `'hkdf'` does not stretch: not for passwords. */
export type SecretMethodInput = SecretMethod | SecretMethod['kdf'];

/** The parameters as they travel, salt included. */
type KdfParams =
  | { kdf: 'hkdf'; salt: Uint8Array; hash: HashName }
  | { kdf: 'pbkdf2'; salt: Uint8Array; iterations: number; hash: HashName }
  | { kdf: 'scrypt'; salt: Uint8Array; logN: number; r: number; p: number }
  | { kdf: 'argon2id'; salt: Uint8Array };

export type SecretOptions = {
  /** TESTS ONLY: a fixed salt (16 bytes are written by default). */
  testSalt?: Uint8Array;
  /** TESTS ONLY: a fixed 12-byte nonce for the key wrap. */
  testNonce?: Uint8Array;
};

/** A password as bytes: text is NFC-normalized, then UTF-8. */
function passwordBytes(password: string | Uint8Array): Uint8Array {
  if (typeof password === 'string') return utf8ToBytes(password.normalize('NFC'));
  if (password instanceof Uint8Array) return password;
  throw new TypeError('"password" expected string or Uint8Array');
}

function toParams(input: SecretMethodInput, salt: Uint8Array): KdfParams {
  const m: SecretMethod = typeof input === 'string' ? ({ kdf: input } as SecretMethod) : input;
  switch (m.kdf) {
    case 'argon2id':
      return { kdf: 'argon2id', salt };
    case 'scrypt':
      return { kdf: 'scrypt', salt, logN: m.logN ?? 15, r: m.r ?? 8, p: m.p ?? 1 };
    case 'pbkdf2':
      return { kdf: 'pbkdf2', salt, iterations: m.iterations ?? 100_000, hash: m.hash ?? 'sha256' };
    case 'hkdf':
      return { kdf: 'hkdf', salt, hash: m.hash ?? 'sha256' };
    default:
      throw new TypeError(`unknown secret method ${String((m as { kdf: unknown }).kdf)}`);
  }
}

const HASH_CODE: Record<HashName, number> = { sha256: 0, sha512: 1 };
const HASH_LABEL: Record<HashName, string> = { sha256: 'SHA256', sha512: 'SHA512' };

function paramsToCbor(p: KdfParams): Cbor {
  const salt = tagged(TAG_SALT, p.salt);
  switch (p.kdf) {
    case 'hkdf':
      return toCbor([0, salt, HASH_CODE[p.hash]]);
    case 'pbkdf2':
      return toCbor([1, salt, p.iterations, HASH_CODE[p.hash]]);
    case 'scrypt':
      return toCbor([2, salt, p.logN, p.r, p.p]);
    case 'argon2id':
      return toCbor([3, salt]);
  }
}

/** Checks that the parameters are in range (on lock and on unlock). @throws {InvalidPermitError} */
function checkParams(p: KdfParams): void {
  const n = p.salt.length;
  if (n < KDF_LIMITS.minSaltLength || n > KDF_LIMITS.maxSaltLength) {
    throw new InvalidPermitError(`salt of ${n} bytes`);
  }
  if (p.kdf === 'pbkdf2') {
    if (!Number.isSafeInteger(p.iterations) || p.iterations < 1) {
      throw new InvalidPermitError('PBKDF2 iterations must be a positive integer');
    }
    if (p.iterations > KDF_LIMITS.pbkdf2MaxIterations) {
      throw new InvalidPermitError(
        `PBKDF2 asks for ${p.iterations} iterations, over our limit of ${KDF_LIMITS.pbkdf2MaxIterations}`,
      );
    }
  }
  if (p.kdf === 'scrypt') {
    const { logN, r, p: par } = p;
    if (![logN, r, par].every((x) => Number.isSafeInteger(x) && x >= 1) || logN > 30) {
      throw new InvalidPermitError('scrypt parameters must be positive integers');
    }
    if (128 * r * 2 ** logN > KDF_LIMITS.scryptMaxMemory || par > KDF_LIMITS.scryptMaxP) {
      throw new InvalidPermitError(`scrypt asks for logN=${logN} r=${r} p=${par}, over our limits`);
    }
  }
}

/** Strict parse of the AAD's parameters. @throws {InvalidPermitError} */
function paramsFromCbor(item: Cbor, limits = true): KdfParams {
  if (item.type !== MAJOR.array) throw new InvalidPermitError('KDF parameters are not an array');
  const v = item.value;
  const int = (i: number): number => {
    const x = v[i];
    const n = x === undefined ? undefined : cborInteger(x);
    if (n === undefined || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new InvalidPermitError(`KDF parameter ${i} is not an unsigned integer`);
    }
    return Number(n);
  };
  const hash = (i: number): HashName => {
    const h = int(i);
    if (h === 0) return 'sha256';
    if (h === 1) return 'sha512';
    throw new InvalidPermitError(`unknown hash type ${h}`);
  };
  const s = v[1];
  if (
    s?.type !== MAJOR.tagged ||
    BigInt(s.tag) !== BigInt(TAG_SALT) ||
    s.value.type !== MAJOR.bytes
  ) {
    throw new InvalidPermitError(`KDF salt is not #6.${TAG_SALT}(bytes)`);
  }
  const salt = s.value.value;
  const method = int(0);
  const expectLength = (n: number): void => {
    if (v.length !== n) throw new InvalidPermitError(`KDF ${method}: ${v.length} parameters`);
  };
  let p: KdfParams;
  switch (method) {
    case 0:
      expectLength(3);
      p = { kdf: 'hkdf', salt, hash: hash(2) };
      break;
    case 1:
      expectLength(4);
      p = { kdf: 'pbkdf2', salt, iterations: int(2), hash: hash(3) };
      break;
    case 2:
      expectLength(5);
      p = { kdf: 'scrypt', salt, logN: int(2), r: int(3), p: int(4) };
      break;
    case 3:
      expectLength(2);
      p = { kdf: 'argon2id', salt };
      break;
    default:
      throw new InvalidPermitError(`KDF method ${method} is not supported`);
  }
  if (limits) checkParams(p);
  return p;
}

const HASH_FN = { sha256, sha512 } as const;

/** The 32-byte key-encryption key. */
function deriveKey(p: KdfParams, password: Uint8Array): Uint8Array {
  const dkLen = SYMMETRIC_KEY_LENGTH;
  switch (p.kdf) {
    case 'hkdf':
      // bc-crypto `hkdf_hmac_sha256(key_material, salt, len)`: salt = salt, info empty.
      return hkdf(HASH_FN[p.hash], password, p.salt, new Uint8Array(0), dkLen);
    case 'pbkdf2':
      return pbkdf2(HASH_FN[p.hash], password, p.salt, { c: p.iterations, dkLen });
    case 'scrypt':
      return scrypt(password, p.salt, { N: 2 ** p.logN, r: p.r, p: p.p, dkLen, maxmem: 2 ** 29 });
    case 'argon2id':
      return argon2id(password, p.salt, { ...ARGON2ID_PARAMS, dkLen });
  }
}

/** `EncryptedKey(HKDF(SHA256))`, `EncryptedKey(Argon2id)`, … as the reference prints it. */
function describe(p: KdfParams): string {
  switch (p.kdf) {
    case 'hkdf':
      return `HKDF(${HASH_LABEL[p.hash]})`;
    case 'pbkdf2':
      return `PBKDF2(${HASH_LABEL[p.hash]})`;
    case 'scrypt':
      return 'Scrypt';
    case 'argon2id':
      return 'Argon2id';
  }
}

/** The `format` summary of a `#6.40027` leaf's content, or undefined if it does not parse. */
export function summarizeEncryptedKey(content: Cbor): string | undefined {
  try {
    const box = boxFromCbor(content, 'EncryptedKey');
    return `EncryptedKey(${describe(paramsFromCbor(decodeDcbor(box.aad), false))})`;
  } catch {
    return undefined;
  }
}

/**
 * The `'hasSecret'` object for `contentKey`: `#6.40027(#6.40002([ct, nonce, auth, aad]))`.
 * Runs the KDF once (Argon2id: about 200 ms on a laptop).
 */
export function encryptedKey(
  method: SecretMethodInput,
  password: string | Uint8Array,
  contentKey: Uint8Array,
  opts: SecretOptions = {},
): Cbor {
  if (!(contentKey instanceof Uint8Array) || contentKey.length !== SYMMETRIC_KEY_LENGTH) {
    throw new RangeError(`"contentKey" expected ${SYMMETRIC_KEY_LENGTH} bytes`);
  }
  const params = toParams(method, opts.testSalt ?? randomBytes(SALT_LENGTH));
  checkParams(params);
  const kek = deriveKey(params, passwordBytes(password));
  try {
    const aad = encodeDcbor(paramsToCbor(params));
    return tagged(TAG_ENCRYPTED_KEY, boxToCbor(sealBox(kek, contentKey, aad, opts.testNonce)));
  } finally {
    kek.fill(0);
  }
}

/**
 * Add a password permit to an envelope whose subject is already encrypted with `contentKey`
 * (the reference's `add_secret`). Several permits (passwords, recipients, SSKR) may share a key.
 * @throws {NotObscuredError} if the subject is not encrypted
 */
export function addSecret(
  envelope: Envelope,
  method: SecretMethodInput,
  password: string | Uint8Array,
  contentKey: Uint8Array,
  opts: SecretOptions = {},
): Envelope {
  if (!envelope.isSubjectEncrypted()) {
    throw new NotObscuredError('encrypted', envelope.subject().case.type);
  }
  const object = Envelope.leaf(encryptedKey(method, password, contentKey, opts));
  return envelope.addAssertion(Envelope.knownValue(HAS_SECRET), object);
}

/**
 * Encrypt the subject with a fresh content key and add one password permit for it (the
 * reference's `lock_subject`). A node's assertions stay in clear; use `lock` to hide them too.
 * @example lockSubject(Envelope.from('secret'), 'argon2id', 'correct horse')
 * // ENCRYPTED [ 'hasSecret': EncryptedKey(Argon2id) ]
 */
export function lockSubject(
  envelope: Envelope,
  method: SecretMethodInput,
  password: string | Uint8Array,
  opts: SecretOptions = {},
): Envelope {
  const contentKey = randomBytes(SYMMETRIC_KEY_LENGTH);
  try {
    return addSecret(encryptSubject(envelope, contentKey), method, password, contentKey, opts);
  } finally {
    contentKey.fill(0);
  }
}

/** `wrap()` then `lockSubject`: the assertions are hidden too. */
export function lock(
  envelope: Envelope,
  method: SecretMethodInput,
  password: string | Uint8Array,
  opts: SecretOptions = {},
): Envelope {
  return lockSubject(envelope.wrap(), method, password, opts);
}

/**
 * The content key from the first `'hasSecret'` permit that opens with `password`.
 * @throws {NoPermitError | WrongPasswordError | InvalidPermitError}
 */
export function unlockContentKey(envelope: Envelope, password: string | Uint8Array): Uint8Array {
  const pw = passwordBytes(password);
  const permits = envelope
    .assertions()
    .filter((a) => a.asPredicate()?.asKnownValue() === HAS_SECRET)
    .map((a) => a.asObject()?.asLeaf());
  if (permits.length === 0) throw new NoPermitError('hasSecret');
  if (permits.length > KDF_LIMITS.maxPermits) {
    throw new InvalidPermitError(
      `${permits.length} 'hasSecret' permits, over our limit of ${KDF_LIMITS.maxPermits}`,
    );
  }
  let tried = 0;
  let invalid: InvalidPermitError | undefined;
  for (const leaf of permits) {
    let box: ReturnType<typeof boxFromCbor>;
    let params: KdfParams;
    try {
      if (leaf?.type !== MAJOR.tagged || BigInt(leaf.tag) !== BigInt(TAG_ENCRYPTED_KEY)) {
        throw new InvalidPermitError(`'hasSecret' object is not #6.${TAG_ENCRYPTED_KEY}`);
      }
      box = boxFromCbor(leaf.value, 'EncryptedKey');
      let aadItem: Cbor;
      try {
        aadItem = decodeDcbor(box.aad);
      } catch (e) {
        throw new InvalidPermitError('EncryptedKey AAD is not dCBOR', e);
      }
      params = paramsFromCbor(aadItem);
    } catch (e) {
      if (!(e instanceof InvalidPermitError)) throw e;
      invalid ??= e; // a malformed permit must not hide a good one
      continue;
    }
    tried++;
    const kek = deriveKey(params, pw);
    const key = openBox(kek, box);
    kek.fill(0);
    if (key === undefined) continue;
    if (key.length !== SYMMETRIC_KEY_LENGTH) {
      key.fill(0);
      throw new InvalidPermitError(`EncryptedKey holds ${key.length} bytes, not a 32-byte key`);
    }
    return key;
  }
  if (tried === 0 && invalid !== undefined) throw invalid;
  throw new WrongPasswordError(tried);
}

/**
 * Open a password permit and decrypt the subject (the reference's `unlock_subject`); the
 * assertions, permits included, are kept.
 * @throws {NoPermitError | WrongPasswordError | InvalidPermitError} before any decryption;
 *   {DecryptionError | DigestMismatchError} when the key opens but the content was altered
 */
export function unlockSubject(envelope: Envelope, password: string | Uint8Array): Envelope {
  const key = unlockContentKey(envelope, password);
  try {
    return decryptSubject(envelope, key);
  } finally {
    key.fill(0);
  }
}

/** Undo `lock`: `unlockSubject`, then unwrap. */
export function unlock(envelope: Envelope, password: string | Uint8Array): Envelope {
  return unlockSubject(envelope, password).unwrap();
}
