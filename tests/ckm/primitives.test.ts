import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { noblePrimitives, nodePrimitives, type Primitives, primitives } from '../../ckm/primitives';

function rng(seed: number) {
  let state = seed;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state = (state * 1_103_515_245 + 12_345) >>> 0;
      out[i] = state >>> 24;
    }
    return out;
  };
}

const node = nodePrimitives as Primitives;
const both: readonly Primitives[] = [noblePrimitives, node];
/** The order L of the prime-order subgroup of edwards25519. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function le(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}
function toLe(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0, v = value; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

describe('primitives', () => {
  it('uses OpenSSL in Node', () => {
    expect(nodePrimitives).toBeDefined();
    expect(primitives).toBe(nodePrimitives);
  });

  it('SHA-256 is the same in both', () => {
    const random = rng(1);
    for (const length of [0, 1, 55, 56, 64, 1000, 70_000]) {
      const data = random(length);
      expect(node.sha256(data)).toEqual(sha256(data));
      expect(noblePrimitives.sha256(data)).toEqual(sha256(data));
    }
    // A view into a larger buffer hashes only its own bytes.
    const big = random(100);
    expect(node.sha256(big.subarray(10, 20))).toEqual(sha256(big.slice(10, 20)));
  });

  it('Ed25519 signatures are the same bytes, and each verifies the other', () => {
    const random = rng(2);
    for (const length of [0, 32, 200, 66_000]) {
      const secret = random(32);
      const publicKey = ed25519.getPublicKey(secret);
      const message = random(length);
      const a = node.ed25519Sign(message, secret);
      expect(a).toEqual(ed25519.sign(message, secret));
      expect(a).toBeInstanceOf(Uint8Array);
      for (const p of both) expect(p.ed25519Verify(a, message, publicKey)).toBe(true);
    }
  });

  it('Ed25519 verification refuses the same forgeries in both', () => {
    const random = rng(3);
    const secret = random(32);
    const publicKey = ed25519.getPublicKey(secret);
    const message = random(100);
    const signature = ed25519.sign(message, secret);
    const s = le(signature.subarray(32));
    const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
      ['another message', signature, random(100), publicKey],
      ['another key', signature, message, ed25519.getPublicKey(random(32))],
      ['a flipped bit of R', flip(signature, 3), message, publicKey],
      ['a flipped bit of s', flip(signature, 300), message, publicKey],
      // s + L satisfies the equation but is not canonical (RFC 8032 §5.1.7 step 1).
      ['s + L', concat(signature.subarray(0, 32), toLe(s + L)), message, publicKey],
      ['a short signature', signature.subarray(0, 63), message, publicKey],
      ['a short key', signature, message, publicKey.subarray(0, 31)],
      ['a key that is not a point', signature, message, notAPoint()],
      // y = 1 (the identity) and y = p + 1 (its non-canonical twin): every "signature" with R = sB
      // would pass a verifier that takes them.
      ['the identity as key', forgery(), message, identityKey()],
      ['a non-canonical key', forgery(), message, nonCanonicalIdentity()],
      ['a small-order key', forgery(), message, smallOrderKey()],
    ];
    for (const [what, sig, msg, key] of cases)
      for (const p of both)
        expect([what, p.name, p.ed25519Verify(sig, msg, key)]).toEqual([what, p.name, false]);
  });

  it('X25519 is the same in both, and both refuse a small-order peer key', () => {
    const random = rng(4);
    for (let i = 0; i < 8; i++) {
      const a = random(32);
      const b = random(32);
      const shared = x25519.getSharedSecret(a, x25519.getPublicKey(b));
      expect(node.x25519(a, x25519.getPublicKey(b))).toEqual(shared);
      expect(node.x25519(b, x25519.getPublicKey(a))).toEqual(shared);
    }
    const zeroU = new Uint8Array(32);
    const oneU = new Uint8Array(32);
    oneU[0] = 1;
    for (const p of both)
      for (const bad of [zeroU, oneU]) expect(() => p.x25519(random(32), bad)).toThrow();
  });

  it('XChaCha20-Poly1305 is the same in both, and both refuse any change', () => {
    const random = rng(5);
    for (const length of [0, 1, 63, 64, 65, 1000, 200_000]) {
      const key = random(32);
      const nonce = random(24);
      const aad = random(length % 50);
      const plaintext = random(length);
      const sealed = node.xchachaSeal(key, nonce, plaintext, aad);
      expect(sealed).toEqual(xchacha20poly1305(key, nonce, aad).encrypt(plaintext));
      for (const p of both) {
        expect(p.xchachaOpen(key, nonce, sealed, aad)).toEqual(plaintext);
        expect(() => p.xchachaOpen(key, nonce, flip(sealed, 0), aad)).toThrow();
        expect(() => p.xchachaOpen(key, nonce, flip(sealed, sealed.length * 8 - 1), aad)).toThrow();
        expect(() => p.xchachaOpen(key, flip(nonce, 5), sealed, aad)).toThrow();
        expect(() => p.xchachaOpen(key, flip(nonce, 190), sealed, aad)).toThrow();
        expect(() => p.xchachaOpen(flip(key, 9), nonce, sealed, aad)).toThrow();
        expect(() => p.xchachaOpen(key, nonce, sealed, concat(aad, Uint8Array.of(0)))).toThrow();
        expect(() => p.xchachaOpen(key, nonce, sealed.subarray(0, 15), aad)).toThrow();
      }
    }
    // Views into larger buffers are read at their offsets.
    const buffer = random(200);
    const [key, nonce, aad, plaintext] = [
      buffer.subarray(1, 33),
      buffer.subarray(33, 57),
      buffer.subarray(57, 70),
      buffer.subarray(70, 199),
    ];
    const sealed = node.xchachaSeal(key, nonce, plaintext, aad);
    expect(sealed).toEqual(
      xchacha20poly1305(key.slice(), nonce.slice(), aad.slice()).encrypt(plaintext.slice()),
    );
    const inside = concat(random(3), sealed).subarray(3);
    expect(node.xchachaOpen(key, nonce, inside, aad)).toEqual(plaintext);
  });
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** y = 2 is not the y of a point of edwards25519. */
function notAPoint(): Uint8Array {
  const out = new Uint8Array(32);
  out[0] = 2;
  return out;
}

function identityKey(): Uint8Array {
  const out = new Uint8Array(32);
  out[0] = 1;
  return out;
}

/** p + 1 = 2^255 − 18, which reduces to y = 1. */
function nonCanonicalIdentity(): Uint8Array {
  return toLe(2n ** 255n - 18n);
}

/**
 * R = [s]B: under a key of small order A, [s]B = R + [k]A holds whenever [k]A is the identity,
 * whatever the message (always for A = O, for one k in four for A of order 4).
 */
function forgery(): Uint8Array {
  const s = 12345n;
  return concat(ed25519.Point.BASE.multiply(s).toBytes(), toLe(s));
}

/** y = 0 encodes (√−1, 0), a point of order 4. */
function smallOrderKey(): Uint8Array {
  return new Uint8Array(32);
}
