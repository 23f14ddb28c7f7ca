/**
 * Symmetric encryption of envelopes (bc-specs §2.6; bc-envelope-rust 0.43
 * `src/extension/encrypt.rs`, bc-components `symmetric/encrypted_message.rs`), with IETF
 * ChaCha20-Poly1305 (RFC 8439) from `@noble/ciphers`.
 *
 * `encryptSubject` replaces the subject by `#6.40002([ciphertext, nonce, auth, aad])`, where the
 * plaintext is the subject's tagged dCBOR `#6.200(content)` and the AAD is
 * `dcbor(#6.40001(subject digest))`: the digest travels in clear, authenticated, so the digest
 * tree (and a node's assertions, which stay in clear) does not change. `encrypt` wraps first, so
 * the assertions are hidden too. Decrypting re-checks that the plaintext has the declared digest.
 * @module
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { decodeEnvelope } from './decode';
import { compareDigests, digestHex } from './digest';
import { AUTH_LENGTH, digestAad, Envelope, NONCE_LENGTH } from './envelope';
import { DecryptionError, DigestMismatchError, NotObscuredError } from './errors';

/** A ChaCha20-Poly1305 key is 32 bytes (bc-components `SymmetricKey`). */
export const SYMMETRIC_KEY_LENGTH = 32;

export type EncryptOptions = {
  /**
   * TESTS ONLY: a fixed 12-byte nonce. Reusing a nonce under one key breaks ChaCha20-Poly1305;
   * production code leaves this out and gets 12 fresh random bytes per encryption.
   */
  testNonce?: Uint8Array;
};

function assertKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError('"key" expected Uint8Array');
  if (key.length !== SYMMETRIC_KEY_LENGTH) {
    throw new RangeError(`"key" expected ${SYMMETRIC_KEY_LENGTH} bytes, got length=${key.length}`);
  }
}

/**
 * Encrypt one whole element (any case but encrypted/elided) as an encrypted element with the same
 * digest. The obscure action of `elideRemoving(…, { encrypt: key })` and the core of
 * `encryptSubject`.
 */
export function encryptElement(
  element: Envelope,
  key: Uint8Array,
  opts: EncryptOptions = {},
): Envelope {
  assertKey(key);
  const nonce = opts.testNonce ?? randomBytes(NONCE_LENGTH);
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_LENGTH) {
    throw new RangeError(`"testNonce" expected ${NONCE_LENGTH} bytes`);
  }
  const digest = element.digest;
  // plaintext = dcbor(#6.200(content)); aad = dcbor(#6.40001(digest)) (bc-specs §2.6)
  const sealed = chacha20poly1305(key, nonce, digestAad(digest)).encrypt(element.toBytes());
  const ciphertext = sealed.subarray(0, sealed.length - AUTH_LENGTH);
  const auth = sealed.subarray(sealed.length - AUTH_LENGTH);
  return Envelope.encrypted({ ciphertext, nonce, auth, digest });
}

/**
 * Decrypt one encrypted element and check the result has the digest the message declares.
 * @throws {DecryptionError | DigestMismatchError | DecodeEnvelopeErrorType | NotObscuredError}
 */
export function decryptElement(element: Envelope, key: Uint8Array): Envelope {
  assertKey(key);
  const c = element.case;
  if (c.type !== 'encrypted') throw new NotObscuredError('encrypted', c.type);
  const m = c.message;
  let plaintext: Uint8Array;
  try {
    plaintext = chacha20poly1305(key, m.nonce, digestAad(m.digest)).decrypt(
      concatBytes(m.ciphertext, m.auth),
    );
  } catch (e) {
    throw new DecryptionError(e);
  }
  // Strict decoding of the plaintext, then: "the recomputed digest equals the AAD digest".
  const inner = decodeEnvelope(plaintext);
  if (compareDigests(inner.digest, m.digest) !== 0) {
    throw new DigestMismatchError(digestHex(m.digest), inner.digestHex);
  }
  return inner;
}

/**
 * Encrypt the subject; a node's assertions stay in clear and every digest is unchanged.
 * @example encryptSubject(Envelope.from('Alice').addAssertion('knows', 'Bob'), key)
 * // ENCRYPTED [ "knows": "Bob" ]
 */
export function encryptSubject(
  envelope: Envelope,
  key: Uint8Array,
  opts: EncryptOptions = {},
): Envelope {
  assertKey(key);
  const subject = envelope.subject();
  if (subject.case.type === 'encrypted') {
    throw new NotObscuredError('encrypted', 'already encrypted');
  }
  if (subject.case.type === 'elided') {
    throw new NotObscuredError('encrypted', 'elided and cannot be encrypted');
  }
  const sealed = encryptElement(subject, key, opts);
  return envelope.case.type === 'node'
    ? Envelope.nodeUnchecked(sealed, envelope.case.assertions)
    : sealed;
}

/**
 * `wrap()` then `encryptSubject`: the whole envelope, assertions included, becomes one
 * encrypted element with the digest of the wrapped envelope.
 * @example format(encrypt(alice, key)) // 'ENCRYPTED'
 */
export function encrypt(envelope: Envelope, key: Uint8Array, opts: EncryptOptions = {}): Envelope {
  return encryptSubject(envelope.wrap(), key, opts);
}

/**
 * Decrypt the subject; the assertions are kept, and the node's digest must be unchanged.
 * @throws {DecryptionError | DigestMismatchError | NotObscuredError | DecodeEnvelopeErrorType}
 */
export function decryptSubject(envelope: Envelope, key: Uint8Array): Envelope {
  const subject = decryptElement(envelope.subject(), key);
  if (envelope.case.type !== 'node') return subject;
  const result = Envelope.node(subject, envelope.case.assertions);
  if (!result.isEquivalentTo(envelope)) {
    throw new DigestMismatchError(envelope.digestHex, result.digestHex);
  }
  return result;
}

/**
 * Undo `encrypt`: decrypt the subject, then unwrap it.
 * @throws {DecryptionError | DigestMismatchError | NotObscuredError | InvalidEnvelopeError}
 */
export function decrypt(envelope: Envelope, key: Uint8Array): Envelope {
  return decryptSubject(envelope, key).unwrap();
}
