/**
 * The symmetric and Ed25519/X25519 primitives of `ckm/` (and of the server's encryption at rest),
 * each computed by Node's OpenSSL where the code runs in Node and by the audited noble libraries
 * everywhere else (the extension). Both give the same bytes: Ed25519 signatures are
 * deterministic (RFC 8032), X25519, SHA-256 and XChaCha20-Poly1305 are functions of their inputs
 * (tests/ckm/primitives.test.ts checks each pair). In Node they are 5–20 times faster, which is
 * most of what a CKM server spends outside the threshold protocol itself.
 *
 * - XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) in Node is HChaCha20 (noble, one block) to
 *   derive the subkey from the key and the first 16 nonce bytes, then OpenSSL's IETF
 *   ChaCha20-Poly1305 (RFC 8439) under the subkey with the nonce `0⁴ ‖ nonce[16..24]`: the
 *   definition of the construction (§2.3 of the draft).
 * - Ed25519 verification is strict in both: non-canonical encodings and `s ≥ L` are refused.
 *   noble (with `zip215: false`) checks the cofactored equation and refuses a public key of small
 *   order; OpenSSL checks the cofactorless equation, which accepts a subset of those signatures
 *   (RFC 8032 §5.1.7 allows either), and compares R by its encoding. Before OpenSSL sees a public
 *   key it is checked here as noble would (canonical, on the curve, not of small order), once per
 *   key, so the Node path never accepts what the noble path refuses. Honest signatures verify in
 *   both.
 * - X25519 refuses an all-zero shared secret in both (RFC 7748 §6.1), by throwing.
 *
 * OpenSSL key objects are kept for reuse (building one costs more than signing with it): public
 * keys by value, a bounded number; secret keys only by the identity of the `Uint8Array` that holds
 * them (a `WeakMap`), so no copy of a secret outlives its owner's buffer.
 * @module
 */
import type * as NodeCrypto from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { setBounded } from './bounded-map';
import { isAllZero, toHex } from './bytes';

export type Primitives = {
  /** `node` (OpenSSL) or `noble`. */
  readonly name: 'node' | 'noble';
  sha256(data: Uint8Array): Uint8Array;
  /** RFC 8032 Ed25519 with a 32-byte secret seed. */
  ed25519Sign(message: Uint8Array, secret: Uint8Array): Uint8Array;
  /** Strict verification (see the module doc); false for anything that is not a valid signature. */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** X25519(secret, publicKey); throws if the shared secret is all zero or the key unusable. */
  x25519(secret: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** XChaCha20-Poly1305: ciphertext ‖ 16-byte tag. */
  xchachaSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  /** Opens what `xchachaSeal` sealed; throws on any change. */
  xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
};

export const noblePrimitives: Primitives = {
  name: 'noble',
  sha256: (data) => nobleSha256(data),
  ed25519Sign: (message, secret) => ed25519.sign(message, secret),
  ed25519Verify(signature, message, publicKey) {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  x25519: (secret, publicKey) => x25519.getSharedSecret(secret, publicKey),
  xchachaSeal: (key, nonce, plaintext, aad) =>
    xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  xchachaOpen: (key, nonce, sealed, aad) => xchacha20poly1305(key, nonce, aad).decrypt(sealed),
};

// ---------------------------------------------------------------------------------------------
// Node (OpenSSL)

const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const XNONCE_BYTES = 24;
const TAG_BYTES = 16;
/** DER prefixes of a raw 32-byte key in PKCS #8 / SubjectPublicKeyInfo (RFC 8410). */
const DER = {
  ed25519Secret: '302e020100300506032b657004220420',
  ed25519Public: '302a300506032b6570032100',
  x25519Secret: '302e020100300506032b656e04220420',
  x25519Public: '302a300506032b656e032100',
} as const;
/** Public key objects kept per kind; the oldest goes first when full. */
const PUBLIC_KEY_CACHE = 4096;
/** "expand 32-byte k" (RFC 8439 §2.3), as words in the host's byte order, as noble takes them. */
const SIGMA = /* @__PURE__ */ new Uint32Array(
  /* @__PURE__ */ new TextEncoder().encode('expand 32-byte k').buffer,
);

function nodeCryptoModule(): typeof NodeCrypto | undefined {
  // No static import: the extension's bundle must not pull in node:crypto.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

/** Bytes as a Node Buffer without copying (Node's APIs want Buffers or ArrayBufferViews). */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array with the bytes of `buffer` (never Node's shared pool). */
function own(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

function secretDer(prefix: string, secret: Uint8Array): Buffer {
  const der = Buffer.alloc(prefix.length / 2 + KEY_BYTES);
  der.write(prefix, 'hex');
  der.set(secret, prefix.length / 2);
  return der;
}

/** HChaCha20(key, nonce[0..16]) → the 32-byte XChaCha20 subkey (noble's, on host-order words). */
function xchachaSubkey(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const k = new Uint32Array(key.slice(0, KEY_BYTES).buffer);
  const n = new Uint32Array(nonce.slice(0, 16).buffer);
  const out = new Uint32Array(8);
  hchacha(SIGMA, k, n, out);
  k.fill(0);
  return new Uint8Array(out.buffer);
}

function checkAead(key: Uint8Array, nonce: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES)
    throw new RangeError('"key" expected 32 bytes');
  if (!(nonce instanceof Uint8Array) || nonce.length !== XNONCE_BYTES)
    throw new RangeError('"nonce" expected 24 bytes');
}

function ietfNonce(nonce: Uint8Array): Buffer {
  const out = Buffer.alloc(12);
  out.set(nonce.subarray(16, 24), 4);
  return out;
}

function makeNodePrimitives(crypto: typeof NodeCrypto): Primitives {
  type KeyObject = NodeCrypto.KeyObject;
  const secretKeys = {
    ed25519: new WeakMap<Uint8Array, KeyObject>(),
    x25519: new WeakMap<Uint8Array, KeyObject>(),
  };
  /** Public keys by hex; `null` marks an Ed25519 key that noble's strict rules refuse. */
  const publicKeys = {
    ed25519: new Map<string, KeyObject | null>(),
    x25519: new Map<string, KeyObject>(),
  };

  function secretKey(kind: 'ed25519' | 'x25519', secret: Uint8Array): KeyObject {
    if (!(secret instanceof Uint8Array) || secret.length !== KEY_BYTES)
      throw new RangeError('"secret" expected 32 bytes');
    const cache = secretKeys[kind];
    let key = cache.get(secret);
    if (!key) {
      const der = secretDer(kind === 'ed25519' ? DER.ed25519Secret : DER.x25519Secret, secret);
      key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      der.fill(0);
      cache.set(secret, key);
    }
    return key;
  }

  function remember<V>(cache: Map<string, V>, hex: string, value: V): V {
    return setBounded(cache, hex, value, PUBLIC_KEY_CACHE);
  }

  function publicKeyObject(prefix: string, key: Uint8Array): KeyObject {
    return crypto.createPublicKey({
      key: Buffer.concat([Buffer.from(prefix, 'hex'), view(key)]),
      format: 'der',
      type: 'spki',
    });
  }

  /** The key object of an Ed25519 public key noble's strict rules accept, else null. */
  function verifyingKey(publicKey: Uint8Array): KeyObject | null {
    const hex = toHex(publicKey);
    const cached = publicKeys.ed25519.get(hex);
    if (cached !== undefined) return cached;
    let key: KeyObject | null = null;
    try {
      const point = ed25519.Point.fromBytes(publicKey, false); // canonical, on the curve
      if (!point.isSmallOrder()) key = publicKeyObject(DER.ed25519Public, publicKey);
    } catch {
      key = null;
    }
    return remember(publicKeys.ed25519, hex, key);
  }

  return {
    name: 'node',
    sha256: (data) => own(crypto.createHash('sha256').update(view(data)).digest()),
    ed25519Sign: (message, secret) =>
      own(crypto.sign(null, view(message), secretKey('ed25519', secret))),
    ed25519Verify(signature, message, publicKey) {
      if (
        !(signature instanceof Uint8Array) ||
        signature.length !== SIGNATURE_BYTES ||
        !(message instanceof Uint8Array) ||
        !(publicKey instanceof Uint8Array) ||
        publicKey.length !== KEY_BYTES
      )
        return false;
      const key = verifyingKey(publicKey);
      if (key === null) return false;
      try {
        return crypto.verify(null, view(message), key, view(signature));
      } catch {
        return false;
      }
    },
    x25519(secret, publicKey) {
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY_BYTES)
        throw new RangeError('"publicKey" expected 32 bytes');
      const hex = toHex(publicKey);
      const peer =
        publicKeys.x25519.get(hex) ??
        remember(publicKeys.x25519, hex, publicKeyObject(DER.x25519Public, publicKey));
      // OpenSSL refuses an all-zero result itself; the check below keeps the contract explicit.
      const shared = own(
        crypto.diffieHellman({ privateKey: secretKey('x25519', secret), publicKey: peer }),
      );
      if (isAllZero(shared)) throw new Error('X25519 gave an all-zero shared secret');
      return shared;
    },
    xchachaSeal(key, nonce, plaintext, aad) {
      checkAead(key, nonce);
      const subkey = xchachaSubkey(key, nonce);
      try {
        const cipher = crypto.createCipheriv('chacha20-poly1305', subkey, ietfNonce(nonce), {
          authTagLength: TAG_BYTES,
        });
        cipher.setAAD(view(aad), { plaintextLength: plaintext.length });
        const out = new Uint8Array(plaintext.length + TAG_BYTES);
        const body = cipher.update(view(plaintext));
        out.set(body, 0);
        const rest = cipher.final();
        out.set(rest, body.length);
        out.set(cipher.getAuthTag(), plaintext.length);
        return out;
      } finally {
        subkey.fill(0);
      }
    },
    xchachaOpen(key, nonce, sealed, aad) {
      checkAead(key, nonce);
      if (!(sealed instanceof Uint8Array) || sealed.length < TAG_BYTES)
        throw new Error('invalid tag');
      const subkey = xchachaSubkey(key, nonce);
      try {
        const decipher = crypto.createDecipheriv('chacha20-poly1305', subkey, ietfNonce(nonce), {
          authTagLength: TAG_BYTES,
        });
        const length = sealed.length - TAG_BYTES;
        decipher.setAAD(view(aad), { plaintextLength: length });
        decipher.setAuthTag(view(sealed.subarray(length)));
        const body = decipher.update(view(sealed.subarray(0, length)));
        let rest: Buffer;
        try {
          rest = decipher.final();
        } catch {
          body.fill(0);
          throw new Error('invalid tag');
        }
        const out = new Uint8Array(length);
        out.set(body, 0);
        out.set(rest, body.length);
        body.fill(0);
        return out;
      } finally {
        subkey.fill(0);
      }
    },
  };
}

const nodeCrypto = nodeCryptoModule();

/** OpenSSL's primitives when running in Node, else undefined. */
export const nodePrimitives: Primitives | undefined = nodeCrypto
  ? makeNodePrimitives(nodeCrypto)
  : undefined;

/** What `ckm/` uses: Node's where available, else noble's. */
export const primitives: Primitives = nodePrimitives ?? noblePrimitives;
