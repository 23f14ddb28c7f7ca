/**
 * Signatures (bc-specs §2.10; bc-envelope-rust 0.43 `src/extension/signature/*.rs`, bc-components
 * `signing/*.rs`, bc-crypto `*_signing.rs`).
 *
 * The signed message is the 32-byte digest of the subject; the signature is added as
 * `'signed': #6.40020(sig)` with `sig` = `h'64'` (BIP-340 Schnorr), `[1, h'64']` (ECDSA over
 * SHA-256(SHA-256(digest)), RFC 6979, low-S) or `[2, h'64']` (Ed25519). `sign` wraps first, so the
 * signature covers the assertions too. A signature with metadata is
 * `{ Signature [ metadata… ] } [ 'signed': Signature ]`: the outer signature, by the same key,
 * covers the wrapped signature and its metadata.
 * @module
 */
import { randomBytes } from '@noble/ciphers/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { type Cbor, cborInteger, MAJOR, tagged } from './dcbor';
import { Envelope } from './envelope';
import { SignatureVerificationError } from './errors';
import { SIGNED } from './knownValues';

/** Tag 40020, `signature`. */
export const TAG_SIGNATURE = 40020;

export type SignatureScheme = 'schnorr' | 'ecdsa' | 'ed25519';

/** A signing key: a 32-byte secret for the scheme. */
export type SigningPrivateKey = {
  readonly scheme: SignatureScheme;
  readonly secretKey: Uint8Array;
};
/** Schnorr: 32-byte x-only key; ECDSA: 33-byte compressed point; Ed25519: 32 bytes. */
export type SigningPublicKey = { readonly scheme: SignatureScheme; readonly publicKey: Uint8Array };

type Signature = { scheme: SignatureScheme; bytes: Uint8Array };

const SCHEME_CODE = { ecdsa: 1n, ed25519: 2n } as const;

/**
 * The signing key the reference derives from key material (bc-crypto
 * `derive_signing_private_key`: HKDF-SHA256, salt `"signing"`, empty info, 32 bytes).
 */
export function signingPrivateKeyFromSeed(
  seed: Uint8Array,
  scheme: SignatureScheme = 'schnorr',
): SigningPrivateKey {
  if (!(seed instanceof Uint8Array)) throw new TypeError('"seed" expected Uint8Array');
  return { scheme, secretKey: hkdf(sha256, seed, utf8ToBytes('signing'), new Uint8Array(0), 32) };
}

/** The public key of a signing key. */
export function signingPublicKey(key: SigningPrivateKey): SigningPublicKey {
  switch (key.scheme) {
    case 'schnorr':
      return { scheme: 'schnorr', publicKey: schnorr.getPublicKey(key.secretKey) };
    case 'ecdsa':
      return { scheme: 'ecdsa', publicKey: secp256k1.getPublicKey(key.secretKey, true) };
    case 'ed25519':
      return { scheme: 'ed25519', publicKey: ed25519.getPublicKey(key.secretKey) };
  }
}

export type SignOptions = {
  /**
   * Assertions about the signature (`Envelope.assertion('note', …)`, a date…): signed again with
   * the same key, as the reference's `SignatureMetadata`.
   */
  metadata?: readonly Envelope[];
  /** TESTS ONLY: BIP-340 auxiliary randomness (32 fresh random bytes by default). */
  testAuxRand?: Uint8Array;
};

function signDigest(key: SigningPrivateKey, digest: Uint8Array, opts: SignOptions): Cbor {
  switch (key.scheme) {
    case 'schnorr': {
      const aux = opts.testAuxRand ?? randomBytes(32);
      return tagged(TAG_SIGNATURE, schnorr.sign(digest, key.secretKey, aux));
    }
    case 'ecdsa': {
      const sig = secp256k1.sign(sha256(sha256(digest)), key.secretKey, {
        prehash: false,
        lowS: true,
      });
      return tagged(TAG_SIGNATURE, [SCHEME_CODE.ecdsa, sig]);
    }
    case 'ed25519':
      return tagged(TAG_SIGNATURE, [SCHEME_CODE.ed25519, ed25519.sign(digest, key.secretKey)]);
  }
}

/**
 * Add a `'signed'` assertion over the subject's digest (the reference's `add_signature_opt`).
 * The assertions already on the envelope are not covered: use `sign` for that.
 * @example addSignature(Envelope.from('Hello'), key) // "Hello" [ 'signed': Signature(Ed25519) ]
 */
export function addSignature(
  envelope: Envelope,
  key: SigningPrivateKey,
  opts: SignOptions = {},
): Envelope {
  let signature = Envelope.leaf(signDigest(key, envelope.subject().digest, opts));
  const metadata = opts.metadata ?? [];
  if (metadata.length > 0) {
    for (const a of metadata) signature = signature.addAssertionEnvelope(a);
    const wrapped = signature.wrap();
    const outer = Envelope.leaf(signDigest(key, wrapped.digest, opts));
    signature = wrapped.addAssertion(Envelope.knownValue(SIGNED), outer);
  }
  return envelope.addAssertion(Envelope.knownValue(SIGNED), signature);
}

/** `wrap()` then `addSignature`: the signature covers the subject and all its assertions. */
export function sign(envelope: Envelope, key: SigningPrivateKey, opts: SignOptions = {}): Envelope {
  return addSignature(envelope.wrap(), key, opts);
}

/** A `#6.40020` leaf as a signature, or undefined. */
function parseSignature(envelope: Envelope): Signature | undefined {
  const leaf = envelope.asLeaf();
  if (leaf?.type !== MAJOR.tagged || BigInt(leaf.tag) !== BigInt(TAG_SIGNATURE)) return undefined;
  const v = leaf.value;
  if (v.type === MAJOR.bytes) {
    return v.value.length === 64 ? { scheme: 'schnorr', bytes: v.value } : undefined;
  }
  if (v.type !== MAJOR.array || v.value.length !== 2) return undefined;
  const [code, bytes] = v.value as [Cbor, Cbor];
  if (bytes.type !== MAJOR.bytes || bytes.value.length !== 64) return undefined;
  const n = cborInteger(code);
  if (code.type !== MAJOR.unsigned) return undefined;
  if (n === SCHEME_CODE.ecdsa) return { scheme: 'ecdsa', bytes: bytes.value };
  if (n === SCHEME_CODE.ed25519) return { scheme: 'ed25519', bytes: bytes.value };
  return undefined;
}

function verifyDigest(sig: Signature, digest: Uint8Array, key: SigningPublicKey): boolean {
  if (sig.scheme !== key.scheme) return false;
  try {
    switch (sig.scheme) {
      case 'schnorr':
        return schnorr.verify(sig.bytes, digest, key.publicKey);
      case 'ecdsa':
        return secp256k1.verify(sig.bytes, sha256(sha256(digest)), key.publicKey, {
          prehash: false,
          lowS: true,
        });
      case 'ed25519':
        // RFC 8032 strict (the reference's `verify_strict`): no ZIP-215 leniency.
        return ed25519.verify(sig.bytes, digest, key.publicKey, { zip215: false });
    }
  } catch {
    return false;
  }
}

/**
 * The metadata envelope of the first `'signed'` assertion that verifies with `key` (the
 * signature leaf itself when there is no metadata), or undefined.
 */
function findSignature(envelope: Envelope, key: SigningPublicKey): Envelope | undefined {
  const digest = envelope.subject().digest;
  for (const a of envelope.assertions()) {
    if (a.asPredicate()?.asKnownValue() !== SIGNED) continue;
    const object = a.asObject();
    if (object === undefined) continue;
    const plain = parseSignature(object);
    if (plain !== undefined) {
      if (verifyDigest(plain, digest, key)) return object;
      continue;
    }
    // With metadata: { Signature [ meta… ] } [ 'signed': Signature-over-the-wrapped ]
    if (object.subject().case.type !== 'wrapped') continue;
    if (findSignature(object, key) === undefined) continue;
    let inner: Envelope;
    try {
      inner = object.subject().unwrap();
    } catch {
      continue;
    }
    const sig = parseSignature(inner.subject());
    if (sig !== undefined && verifyDigest(sig, digest, key)) return inner;
  }
  return undefined;
}

/** Whether some `'signed'` assertion verifies over the subject with `key`. */
export function hasSignatureFrom(envelope: Envelope, key: SigningPublicKey): boolean {
  return findSignature(envelope, key) !== undefined;
}

/**
 * Verify that `key` signed the subject (the reference's `verify_signature_from`); returns the
 * envelope. @throws {SignatureVerificationError}
 */
export function verifySignature(envelope: Envelope, key: SigningPublicKey): Envelope {
  verifySignatureReturningMetadata(envelope, key);
  return envelope;
}

/**
 * `verifySignature`, returning the signature's metadata envelope: `Signature [ meta… ]`, or the
 * bare signature leaf when there is none. @throws {SignatureVerificationError}
 */
export function verifySignatureReturningMetadata(
  envelope: Envelope,
  key: SigningPublicKey,
): Envelope {
  const found = findSignature(envelope, key);
  if (found === undefined) {
    const count = envelope
      .assertions()
      .filter((a) => a.asPredicate()?.asKnownValue() === SIGNED).length;
    throw new SignatureVerificationError(
      `no 'signed' assertion of ${count} verifies with this ${key.scheme} key`,
    );
  }
  return found;
}

/** Undo `sign`: verify, then unwrap. @throws {SignatureVerificationError} */
export function verify(envelope: Envelope, key: SigningPublicKey): Envelope {
  return verifySignature(envelope, key).unwrap();
}

/** `threshold` of `keys` signed the subject. @throws {SignatureVerificationError} */
export function verifySignaturesThreshold(
  envelope: Envelope,
  keys: readonly SigningPublicKey[],
  threshold: number,
): Envelope {
  const n = keys.filter((k) => hasSignatureFrom(envelope, k)).length;
  if (n < threshold) {
    throw new SignatureVerificationError(`${n} of ${keys.length} keys signed, ${threshold} needed`);
  }
  return envelope;
}
