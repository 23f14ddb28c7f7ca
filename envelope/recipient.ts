/**
 * The public-key permit `'hasRecipient'` (bc-specs §2.7; bc-envelope-rust 0.43
 * `src/extension/recipient.rs`, bc-components `encapsulation/sealed_message.rs`, bc-crypto
 * `public_key_encryption.rs`).
 *
 * The subject is encrypted with a content key; for each recipient the key is sealed to their
 * X25519 public key: a fresh ephemeral key pair `(e, E)`, `k = HKDF-SHA256(ikm = X25519(e, R),
 * salt = "agreement", L = 32)`, and `'hasRecipient': #6.40019([#6.40002([ct, nonce, auth]),
 * #6.40011(h'E')])`, where `ct` is ChaCha20-Poly1305 under `k` (no AAD) of
 * `dcbor(#6.40023(h'content key'))`.
 * @module
 */
import { randomBytes } from '@noble/ciphers/utils.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { boxFromCbor, boxToCbor, openBox, sealBox } from './aead';
import { type Cbor, decodeDcbor, encodeDcbor, MAJOR, tagged } from './dcbor';
import { decryptSubject, encryptSubject, SYMMETRIC_KEY_LENGTH } from './encrypt';
import { Envelope } from './envelope';
import {
  type EnvelopeError,
  InvalidPermitError,
  NoPermitError,
  NotObscuredError,
  NotRecipientError,
} from './errors';
import { HAS_RECIPIENT } from './knownValues';

/** Tag 40019, `crypto-sealed`. */
export const TAG_SEALED_MESSAGE = 40019;
/** Tag 40011, `agreement-public-key` (X25519). */
export const TAG_X25519_PUBLIC_KEY = 40011;
/** Tag 40023, `crypto-key` (a symmetric key). */
export const TAG_SYMMETRIC_KEY = 40023;

const X25519_KEY_LENGTH = 32;

function assertKey32(key: unknown, title: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError(`"${title}" expected Uint8Array`);
  if (key.length !== X25519_KEY_LENGTH) {
    throw new RangeError(
      `"${title}" expected ${X25519_KEY_LENGTH} bytes, got length=${key.length}`,
    );
  }
}

/**
 * The X25519 private key the reference derives from key material (bc-crypto
 * `derive_agreement_private_key`: HKDF-SHA256, salt `"agreement"`, empty info, 32 bytes).
 */
export function agreementPrivateKeyFromSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array)) throw new TypeError('"seed" expected Uint8Array');
  return hkdf(sha256, seed, utf8ToBytes('agreement'), new Uint8Array(0), X25519_KEY_LENGTH);
}

/** The X25519 public key of a private key. */
export function agreementPublicKey(privateKey: Uint8Array): Uint8Array {
  assertKey32(privateKey, 'privateKey');
  return x25519.getPublicKey(privateKey);
}

const P25519 = 2n ** 255n - 19n;

/**
 * X25519 ignores bit 255 of a public key and reduces u mod p (RFC 7748 §5), so several encodings
 * of one key give the same secret: a flipped top bit would still open. We accept only the one
 * encoding `x25519.getPublicKey` writes (u < p, top bit clear).
 */
function isCanonicalU(bytes: Uint8Array): boolean {
  let u = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) u = (u << 8n) | BigInt(bytes[i] as number);
  return u < P25519;
}

/** bc-crypto `x25519_shared_key`: HKDF-SHA256 of the X25519 secret, salt `"agreement"`. */
function sharedKey(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  let secret: Uint8Array;
  try {
    secret = x25519.getSharedSecret(privateKey, publicKey);
  } catch (e) {
    // noble refuses a low-order public key (an all-zero shared secret)
    throw new InvalidPermitError('X25519 agreement failed (low-order public key)', e);
  }
  try {
    return hkdf(sha256, secret, utf8ToBytes('agreement'), new Uint8Array(0), SYMMETRIC_KEY_LENGTH);
  } finally {
    secret.fill(0);
  }
}

export type RecipientOptions = {
  /** TESTS ONLY: the ephemeral X25519 private key (a fresh random one by default). */
  testEphemeralKey?: Uint8Array;
  /** TESTS ONLY: a fixed 12-byte nonce. */
  testNonce?: Uint8Array;
};

/** A `SealedMessage` (#6.40019) of `contentKey` to `recipientPublicKey`. */
export function sealContentKey(
  contentKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  opts: RecipientOptions = {},
): Cbor {
  if (!(contentKey instanceof Uint8Array) || contentKey.length !== SYMMETRIC_KEY_LENGTH) {
    throw new RangeError(`"contentKey" expected ${SYMMETRIC_KEY_LENGTH} bytes`);
  }
  assertKey32(recipientPublicKey, 'recipientPublicKey');
  const ephemeral = opts.testEphemeralKey ?? randomBytes(X25519_KEY_LENGTH);
  assertKey32(ephemeral, 'testEphemeralKey');
  const k = sharedKey(ephemeral, recipientPublicKey);
  try {
    const plaintext = encodeDcbor(tagged(TAG_SYMMETRIC_KEY, contentKey));
    const box = sealBox(k, plaintext, new Uint8Array(0), opts.testNonce);
    plaintext.fill(0);
    return tagged(TAG_SEALED_MESSAGE, [
      boxToCbor(box),
      tagged(TAG_X25519_PUBLIC_KEY, x25519.getPublicKey(ephemeral)),
    ]);
  } finally {
    k.fill(0);
    if (opts.testEphemeralKey === undefined) ephemeral.fill(0);
  }
}

/**
 * The content key in a `SealedMessage`, or `undefined` when it is not sealed to this key.
 * @throws {InvalidPermitError} when the message is malformed
 */
function openSealed(item: Cbor | undefined, privateKey: Uint8Array): Uint8Array | undefined {
  if (
    item?.type !== MAJOR.tagged ||
    BigInt(item.tag) !== BigInt(TAG_SEALED_MESSAGE) ||
    item.value.type !== MAJOR.array ||
    item.value.value.length !== 2
  ) {
    throw new InvalidPermitError(`'hasRecipient' object is not #6.${TAG_SEALED_MESSAGE}([_, _])`);
  }
  const [message, ephemeral] = item.value.value as [Cbor, Cbor];
  const box = boxFromCbor(message, 'SealedMessage');
  if (box.aad.length !== 0) throw new InvalidPermitError('SealedMessage with an AAD');
  if (
    ephemeral.type !== MAJOR.tagged ||
    BigInt(ephemeral.tag) !== BigInt(TAG_X25519_PUBLIC_KEY) ||
    ephemeral.value.type !== MAJOR.bytes ||
    ephemeral.value.value.length !== X25519_KEY_LENGTH
  ) {
    throw new InvalidPermitError(`SealedMessage ephemeral key is not #6.${TAG_X25519_PUBLIC_KEY}`);
  }
  if (!isCanonicalU(ephemeral.value.value)) {
    throw new InvalidPermitError(
      'SealedMessage ephemeral key is not a canonical X25519 u-coordinate',
    );
  }
  const k = sharedKey(privateKey, ephemeral.value.value);
  const plaintext = openBox(k, box);
  k.fill(0);
  if (plaintext === undefined) return undefined;
  try {
    const key = decodeDcbor(plaintext);
    if (
      key.type !== MAJOR.tagged ||
      BigInt(key.tag) !== BigInt(TAG_SYMMETRIC_KEY) ||
      key.value.type !== MAJOR.bytes ||
      key.value.value.length !== SYMMETRIC_KEY_LENGTH
    ) {
      throw new InvalidPermitError(`sealed content is not #6.${TAG_SYMMETRIC_KEY}(h'32 bytes')`);
    }
    return Uint8Array.from(key.value.value);
  } catch (e) {
    if (e instanceof InvalidPermitError) throw e;
    throw new InvalidPermitError('sealed content is not dCBOR', e);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Add a `'hasRecipient'` permit for `recipientPublicKey` to an envelope whose subject is already
 * encrypted with `contentKey` (the reference's `add_recipient`).
 * @throws {NotObscuredError} if the subject is not encrypted
 */
export function addRecipient(
  envelope: Envelope,
  recipientPublicKey: Uint8Array,
  contentKey: Uint8Array,
  opts: RecipientOptions = {},
): Envelope {
  if (!envelope.isSubjectEncrypted()) {
    throw new NotObscuredError('encrypted', envelope.subject().case.type);
  }
  const sealed = sealContentKey(contentKey, recipientPublicKey, opts);
  return envelope.addAssertion(Envelope.knownValue(HAS_RECIPIENT), Envelope.leaf(sealed));
}

/**
 * Encrypt the subject with a fresh content key sealed to each recipient (the reference's
 * `encrypt_subject_to_recipients`).
 */
export function encryptSubjectToRecipients(
  envelope: Envelope,
  recipientPublicKeys: readonly Uint8Array[],
): Envelope {
  if (recipientPublicKeys.length === 0) throw new RangeError('no recipients');
  const contentKey = randomBytes(SYMMETRIC_KEY_LENGTH);
  try {
    let result = encryptSubject(envelope, contentKey);
    for (const pub of recipientPublicKeys) result = addRecipient(result, pub, contentKey);
    return result;
  } finally {
    contentKey.fill(0);
  }
}

/** `wrap()` then `encryptSubjectToRecipients` for one recipient: the assertions are hidden too. */
export function encryptToRecipient(envelope: Envelope, recipientPublicKey: Uint8Array): Envelope {
  return encryptSubjectToRecipients(envelope.wrap(), [recipientPublicKey]);
}

/**
 * The content key from the first `'hasRecipient'` permit sealed to `recipientPrivateKey`.
 * @throws {NoPermitError | NotRecipientError | InvalidPermitError}
 */
export function recipientContentKey(
  envelope: Envelope,
  recipientPrivateKey: Uint8Array,
): Uint8Array {
  assertKey32(recipientPrivateKey, 'recipientPrivateKey');
  const permits = envelope
    .assertions()
    .filter((a) => a.asPredicate()?.asKnownValue() === HAS_RECIPIENT);
  if (permits.length === 0) throw new NoPermitError('hasRecipient');
  let invalid: EnvelopeError | undefined;
  let tried = 0;
  for (const a of permits) {
    try {
      const key = openSealed(a.asObject()?.asLeaf(), recipientPrivateKey);
      tried++;
      if (key !== undefined) return key;
    } catch (e) {
      if (!(e instanceof InvalidPermitError)) throw e;
      invalid ??= e; // a malformed permit must not hide a good one
    }
  }
  if (tried === 0 && invalid !== undefined) throw invalid;
  throw new NotRecipientError(tried);
}

/**
 * Open the permit sealed to this key and decrypt the subject (the reference's
 * `decrypt_subject_to_recipient`); the assertions are kept.
 * @throws {NoPermitError | NotRecipientError | InvalidPermitError | DecryptionError | DigestMismatchError}
 */
export function decryptSubjectToRecipient(
  envelope: Envelope,
  recipientPrivateKey: Uint8Array,
): Envelope {
  const key = recipientContentKey(envelope, recipientPrivateKey);
  try {
    return decryptSubject(envelope, key);
  } finally {
    key.fill(0);
  }
}

/** Undo `encryptToRecipient`: `decryptSubjectToRecipient`, then unwrap. */
export function decryptToRecipient(envelope: Envelope, recipientPrivateKey: Uint8Array): Envelope {
  return decryptSubjectToRecipient(envelope, recipientPrivateKey).unwrap();
}
