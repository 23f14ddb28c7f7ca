/**
 * The bc-components `EncryptedMessage` with an arbitrary AAD, for the key-wrapping inside permits
 * (`EncryptedKey`, `SealedMessage`): `#6.40002([ciphertext, nonce, auth])`, plus a fourth element
 * `aad` when the AAD is not empty. IETF ChaCha20-Poly1305 (RFC 8439) from `@noble/ciphers`.
 * Envelope elements use `encrypt.ts`, whose AAD is always the element digest.
 * @module
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { type Cbor, MAJOR, tagged } from './dcbor';
import { AUTH_LENGTH, NONCE_LENGTH, TAG_ENCRYPTED } from './envelope';
import { InvalidPermitError } from './errors';

/** The parts of an `EncryptedMessage` whose AAD is free-form. */
export type SealedBox = {
  readonly ciphertext: Uint8Array;
  readonly nonce: Uint8Array;
  readonly auth: Uint8Array;
  readonly aad: Uint8Array;
};

/** ChaCha20-Poly1305 under `key` with a fresh random nonce (or `testNonce`). */
export function sealBox(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  testNonce?: Uint8Array,
): SealedBox {
  const nonce = testNonce ?? randomBytes(NONCE_LENGTH);
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`nonce expected ${NONCE_LENGTH} bytes`);
  const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  return {
    ciphertext: sealed.subarray(0, sealed.length - AUTH_LENGTH),
    nonce,
    auth: sealed.subarray(sealed.length - AUTH_LENGTH),
    aad,
  };
}

/** The plaintext, or `undefined` when the AEAD refuses (wrong key or altered message). */
export function openBox(key: Uint8Array, box: SealedBox): Uint8Array | undefined {
  try {
    return chacha20poly1305(key, box.nonce, box.aad).decrypt(concatBytes(box.ciphertext, box.auth));
  } catch {
    return undefined;
  }
}

/** `#6.40002([ct, nonce, auth])`, or `[ct, nonce, auth, aad]` when the AAD is not empty. */
export function boxToCbor(box: SealedBox): Cbor {
  const parts = [box.ciphertext, box.nonce, box.auth];
  if (box.aad.length > 0) parts.push(box.aad);
  return tagged(TAG_ENCRYPTED, parts);
}

/** Strict inverse of `boxToCbor`. @throws {InvalidPermitError} */
export function boxFromCbor(item: Cbor, what: string): SealedBox {
  if (item.type !== MAJOR.tagged || BigInt(item.tag) !== BigInt(TAG_ENCRYPTED)) {
    throw new InvalidPermitError(`${what}: expected #6.${TAG_ENCRYPTED}`);
  }
  const arr = item.value;
  if (arr.type !== MAJOR.array || (arr.value.length !== 3 && arr.value.length !== 4)) {
    throw new InvalidPermitError(`${what}: expected an array of 3 or 4 elements`);
  }
  const [ciphertext, nonce, auth, aad] = arr.value.map((x, i) => {
    if (x.type !== MAJOR.bytes) throw new InvalidPermitError(`${what}: element ${i} is not bytes`);
    return x.value;
  }) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array | undefined];
  if (nonce.length !== NONCE_LENGTH || auth.length !== AUTH_LENGTH) {
    throw new InvalidPermitError(`${what}: nonce or tag of the wrong length`);
  }
  if (aad !== undefined && aad.length === 0) {
    throw new InvalidPermitError(`${what}: an empty AAD must be left out`);
  }
  return { ciphertext, nonce, auth, aad: aad ?? new Uint8Array(0) };
}
