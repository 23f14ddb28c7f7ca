/**
 * GF(2^128), the field of the OT-extension consistency check (KOS15 eprint 2015/546, updated
 * Fig. 10; Roy22 SoftSpokenOT eprint 2022/192 with k=1), modulo the standard pentanomial
 * x^128 + x^7 + x^2 + x + 1 (the GCM/GHASH polynomial).
 *
 * Encoding (pinned, every transcript depends on it): an element is 16 bytes, **little-endian in
 * bytes and in bits**: bit b (value 1 << b) of byte k is the coefficient of x^(8k+b). So the
 * element 1 is `01 00 … 00`, x is `02 00 … 00` and x^127 is `00 … 00 80`. This is the order in
 * which the OT-extension columns pack their bits (bit p of a column at byte p>>3, bit p&7), so
 * the 128-bit block j of a column is directly the field element of bits 128j…128j+127.
 * GCM writes the same field with the bits of each byte reversed (its x^0 is the MSB of byte 0);
 * the tests cross-check against GHASH from `node:crypto` through that reflection.
 *
 * Multiplication is constant-time: no branch and no memory index depends on an operand. A fixed
 * left operand a is expanded once into its 128 multiples a·x^k ({@link gf128Multiples}); a
 * product then XORs each multiple under a mask made from one bit of b ({@link gf128MulAcc}).
 * @module
 */

/** Bytes of one field element. */
export const GF128_BYTES = 16;

function assertElement(value: Uint8Array, offset: number, field: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${field}" expected Uint8Array`);
  if (!Number.isInteger(offset) || offset < 0 || offset + GF128_BYTES > value.length)
    throw new RangeError(`"${field}" expected ${GF128_BYTES} bytes at offset ${offset}`);
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}

/**
 * The 128 multiples a·x^k (k = 0…127) of a, as 4 little-endian 32-bit words each (512 words):
 * word w of a·x^k is at index 4k + w. Expand once, multiply by many.
 */
export function gf128Multiples(a: Uint8Array, offset = 0): Uint32Array {
  assertElement(a, offset, 'a');
  const table = new Uint32Array(4 * 128);
  let w0 = readU32(a, offset);
  let w1 = readU32(a, offset + 4);
  let w2 = readU32(a, offset + 8);
  let w3 = readU32(a, offset + 12);
  for (let k = 0; k < 128; k++) {
    table[4 * k] = w0;
    table[4 * k + 1] = w1;
    table[4 * k + 2] = w2;
    table[4 * k + 3] = w3;
    // ·x: shift left by one; x^128 ≡ x^7 + x^2 + x + 1 folds the carry back as 0x87.
    const carry = -(w3 >>> 31);
    w3 = ((w3 << 1) | (w2 >>> 31)) >>> 0;
    w2 = ((w2 << 1) | (w1 >>> 31)) >>> 0;
    w1 = ((w1 << 1) | (w0 >>> 31)) >>> 0;
    w0 = ((w0 << 1) ^ (0x87 & carry)) >>> 0;
  }
  return table;
}

/**
 * acc ⊕= a·b, where `table` = {@link gf128Multiples}(a) and b is the 16 bytes of `b` at
 * `offset`; `acc` is 4 little-endian 32-bit words. Constant-time in a and b.
 */
export function gf128MulAcc(acc: Uint32Array, table: Uint32Array, b: Uint8Array, offset = 0): void {
  assertElement(b, offset, 'b');
  if (acc.length !== 4 || table.length !== 4 * 128)
    throw new RangeError('"acc" expected 4 words and "table" 512 words');
  let r0 = acc[0] as number;
  let r1 = acc[1] as number;
  let r2 = acc[2] as number;
  let r3 = acc[3] as number;
  for (let byte = 0; byte < GF128_BYTES; byte++) {
    const bits = b[offset + byte] as number;
    for (let bit = 0; bit < 8; bit++) {
      const mask = -((bits >>> bit) & 1);
      const t = 4 * (8 * byte + bit);
      r0 ^= (table[t] as number) & mask;
      r1 ^= (table[t + 1] as number) & mask;
      r2 ^= (table[t + 2] as number) & mask;
      r3 ^= (table[t + 3] as number) & mask;
    }
  }
  acc[0] = r0;
  acc[1] = r1;
  acc[2] = r2;
  acc[3] = r3;
}

/** The 4 little-endian 32-bit words of the element at `offset` of `bytes`. */
export function gf128ToWords(bytes: Uint8Array, offset = 0): Uint32Array {
  assertElement(bytes, offset, 'bytes');
  const out = new Uint32Array(4);
  for (let w = 0; w < 4; w++) out[w] = readU32(bytes, offset + 4 * w);
  return out;
}

/** Writes the 16-byte encoding of 4 little-endian words at `offset` of `out` (see the module doc). */
export function gf128WordsToBytes(
  words: Uint32Array,
  out: Uint8Array = new Uint8Array(GF128_BYTES),
  offset = 0,
): Uint8Array {
  assertElement(out, offset, 'out');
  for (let w = 0; w < 4; w++) {
    const v = words[w] as number;
    out[offset + 4 * w] = v & 0xff;
    out[offset + 4 * w + 1] = (v >>> 8) & 0xff;
    out[offset + 4 * w + 2] = (v >>> 16) & 0xff;
    out[offset + 4 * w + 3] = v >>> 24;
  }
  return out;
}

/**
 * a·b in GF(2^128) (16-byte elements, encoding in the module doc).
 * @example
 * const x = new Uint8Array(16); x[0] = 2;
 * const x127 = new Uint8Array(16); x127[15] = 0x80;
 * gf128Mul(x, x127); // 87 00 … 00 = x^7 + x^2 + x + 1
 */
export function gf128Mul(a: Uint8Array, b: Uint8Array): Uint8Array {
  assertElement(a, 0, 'a');
  assertElement(b, 0, 'b');
  if (a.length !== GF128_BYTES || b.length !== GF128_BYTES)
    throw new RangeError(`"a" and "b" expected ${GF128_BYTES} bytes`);
  const acc = new Uint32Array(4);
  gf128MulAcc(acc, gf128Multiples(a), b);
  return gf128WordsToBytes(acc);
}

/** a + b = a ⊕ b in GF(2^128). */
export function gf128Add(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (
    !(a instanceof Uint8Array) ||
    !(b instanceof Uint8Array) ||
    a.length !== GF128_BYTES ||
    b.length !== GF128_BYTES
  )
    throw new RangeError(`"a" and "b" expected ${GF128_BYTES} bytes`);
  const out = new Uint8Array(GF128_BYTES);
  for (let i = 0; i < GF128_BYTES; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}
