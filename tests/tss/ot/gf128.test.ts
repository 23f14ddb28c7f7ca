import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GF128_BYTES,
  gf128Add,
  gf128Mul,
  gf128MulAcc,
  gf128Multiples,
  gf128ToWords,
  gf128WordsToBytes,
} from '../../../tss/ot/gf128';
import { seededRng } from '../support/rng';

// A deliberately naive second implementation: BigInt polynomials, schoolbook product, then
// reduction by x^128 + x^7 + x^2 + x + 1, with the little-endian bit encoding of gf128.ts.
const MODULUS = (1n << 128n) | 0x87n;
function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let k = bytes.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k] as number);
  return v;
}
function fromBig(v: bigint): Uint8Array {
  const out = new Uint8Array(GF128_BYTES);
  for (let k = 0; k < GF128_BYTES; k++) out[k] = Number((v >> BigInt(8 * k)) & 0xffn);
  return out;
}
function naiveMul(a: Uint8Array, b: Uint8Array): Uint8Array {
  const x = toBig(a);
  const y = toBig(b);
  let product = 0n;
  for (let i = 0n; i < 128n; i++) if ((y >> i) & 1n) product ^= x << i;
  for (let d = 254n; d >= 128n; d--) if ((product >> d) & 1n) product ^= MODULUS << (d - 128n);
  return fromBig(product);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
/** GCM writes the same field with the bits of every byte reversed. */
function reflect(bytes: Uint8Array): Uint8Array {
  return bytes.map((byte) => {
    let r = 0;
    for (let b = 0; b < 8; b++) r |= ((byte >> b) & 1) << (7 - b);
    return r;
  });
}
/** GCM's "•" on GCM-ordered blocks, via our multiplication. */
const gcmMul = (x: Uint8Array, y: Uint8Array) => reflect(gf128Mul(reflect(x), reflect(y)));
function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(cipher.update(block));
}

const element = fc.uint8Array({ minLength: 16, maxLength: 16 });
const one = fromBig(1n);
const zero = new Uint8Array(16);
const xPow = (e: number) => fromBig(1n << BigInt(e));

describe('GF(2^128) (x^128 + x^7 + x^2 + x + 1, little-endian bits)', () => {
  it('reduces x·x^127 to x^7 + x^2 + x + 1', () => {
    expect(hex(gf128Mul(xPow(1), xPow(127)))).toBe(`87${'00'.repeat(15)}`);
    // x^254 = x^126·(x^7 + x^2 + x + 1) = x^127 + x^126 + x^12 + x^6 + x^5 + x^2 + x + 1.
    const expected = (1n << 127n) | (1n << 126n) | (1n << 12n) | 0b1100111n;
    expect(hex(gf128Mul(xPow(127), xPow(127)))).toBe(hex(fromBig(expected)));
  });

  it('has 1 as identity and 0 as annihilator, and x^64·x^64 = x^128', () => {
    const a = fromHex('00112233445566778899aabbccddeeff');
    expect(gf128Mul(a, one)).toEqual(a);
    expect(gf128Mul(one, a)).toEqual(a);
    expect(gf128Mul(a, zero)).toEqual(zero);
    expect(gf128Mul(xPow(64), xPow(64))).toEqual(fromBig(0x87n));
  });

  it('agrees with GCM test case 2 (McGrew–Viega): X1 = C•H', () => {
    const h = fromHex('66e94bd4ef8a2c3b884cfa59ca342b2e');
    const c = fromHex('0388dace60b6a392f328c2b971b2fe78');
    expect(hex(gcmMul(c, h))).toBe('5e2ec746917062882c85b0685353deb7');
  });

  it('agrees with GHASH from node:crypto AES-GCM on random keys', () => {
    const rng = seededRng('gf128/ghash');
    for (let run = 0; run < 8; run++) {
      const key = rng(16);
      const iv = rng(12);
      const plaintext = rng(16);
      const gcm = createCipheriv('aes-128-gcm', key, iv);
      const ciphertext = new Uint8Array(Buffer.concat([gcm.update(plaintext), gcm.final()]));
      const tag = new Uint8Array(gcm.getAuthTag());
      // GCM: H = E_K(0), GHASH = ((C•H) ⊕ len)•H with len = 0^64 ‖ [128]_64, tag = E_K(J0) ⊕ GHASH.
      const h = aesBlock(key, new Uint8Array(16));
      const lengths = new Uint8Array(16);
      lengths[15] = 0x80;
      const ghash = gcmMul(gf128Add(gcmMul(ciphertext, h), lengths), h);
      const j0 = new Uint8Array(16);
      j0.set(iv);
      j0[15] = 1;
      expect(hex(gf128Add(ghash, aesBlock(key, j0)))).toBe(hex(tag));
    }
  });

  it('matches the naive BigInt re-statement', () => {
    fc.assert(
      fc.property(element, element, (a, b) => {
        expect(hex(gf128Mul(a, b))).toBe(hex(naiveMul(a, b)));
      }),
      { numRuns: 200 },
    );
  });

  it('is commutative, associative and distributive', () => {
    fc.assert(
      fc.property(element, element, element, (a, b, c) => {
        expect(gf128Mul(a, b)).toEqual(gf128Mul(b, a));
        expect(gf128Mul(gf128Mul(a, b), c)).toEqual(gf128Mul(a, gf128Mul(b, c)));
        expect(gf128Mul(a, gf128Add(b, c))).toEqual(gf128Add(gf128Mul(a, b), gf128Mul(a, c)));
      }),
      { numRuns: 100 },
    );
  });

  it('accumulates with a precomputed multiples table at an offset', () => {
    fc.assert(
      fc.property(element, element, element, (a, b, c) => {
        const buffer = new Uint8Array(40);
        buffer.set(a, 3);
        buffer.set(b, 21);
        const acc = gf128ToWords(c);
        gf128MulAcc(acc, gf128Multiples(buffer, 3), buffer, 21);
        expect(gf128WordsToBytes(acc)).toEqual(gf128Add(c, gf128Mul(a, b)));
        const out = new Uint8Array(20);
        gf128WordsToBytes(acc, out, 4);
        expect(out.subarray(4)).toEqual(gf128Add(c, gf128Mul(a, b)));
      }),
      { numRuns: 50 },
    );
  });

  it('rejects wrong lengths and types', () => {
    expect(() => gf128Mul(new Uint8Array(15), one)).toThrow(RangeError);
    expect(() => gf128Mul(one, new Uint8Array(17))).toThrow(RangeError);
    expect(() => gf128Mul([1] as unknown as Uint8Array, one)).toThrow(TypeError);
    expect(() => gf128Add(one, new Uint8Array(8))).toThrow(RangeError);
    expect(() => gf128Multiples(new Uint8Array(16), 1)).toThrow(RangeError);
    expect(() => gf128MulAcc(new Uint32Array(3), gf128Multiples(one), one)).toThrow(RangeError);
    expect(() => gf128ToWords(one, -1)).toThrow(RangeError);
  });
});
