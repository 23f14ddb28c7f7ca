/**
 * Raw DEFLATE (RFC 1951) byte for byte as the Rust reference writes it: bc-components 0.31
 * `Compressed::from_decompressed_data` calls `miniz_oxide::deflate::compress_to_vec(data, 6)`
 * (miniz_oxide ^0.8.9, a port of Rich Geldreich's miniz `tdefl`). DEFLATE output is not canonical,
 * so matching the reference's bytes means repeating its exact choices; this module reproduces
 * miniz_oxide 0.8.9 `src/deflate/core.rs` for level 6 and nothing else:
 *
 * - flags `create_comp_flags_from_zip_params(6, 0, 0)` = 128 probes, lazy parsing, no zlib
 *   header, so `compress_normal` (not `compress_fast`, not stored-only);
 * - `DictOxide`: a 32 KiB ring buffer mirrored 257 bytes past its end, 15-bit hash chains whose
 *   entries are positions truncated to 16 bits (0 ends a chain), `find_match` probing 3 links per
 *   probe, 44 probes (12 once a match of 32 is held);
 * - the lazy-match rules of `compress_normal` (including its quirks: length-3 matches farther
 *   than 8 KiB dropped, a match whose distance equals the masked position dropped);
 * - `LZOxide` code buffer (64 KiB) and the block split (`lz_buf_tight`, `buf_fat`);
 * - `flush_block`: static codes below 48 bytes, dynamic above, a stored block when the coded
 *   block is not shorter; `optimize_table` (radix sort, Moffat's in-place minimum redundancy,
 *   `enforce_max_code_size`) and `start_dynamic_block`'s run-length coding of code lengths.
 *
 * `compress_to_vec` streams into a growing output buffer; its block boundaries depend only on the
 * LZ buffer, never on the output buffer, so compressing in one pass gives the same bytes.
 * Verified against miniz_oxide 0.8.9 (and Debian's 0.6.2) on thousands of inputs; see
 * `tests/envelope/miniz-oracle/README.md`. Inflate with any correct inflater (we use fflate).

Licence: miniz_oxide is available under MIT OR Zlib OR Apache-2.0; this port, an altered
version plainly marked as such, follows it under the Zlib licence's terms (© the miniz_oxide
authors and Rich Geldreich for miniz).
 * @module
 */
import { CompressionError } from './errors';

/** `a[i]`: every index here is in range by construction (the checker cannot see it). */
function at(a: ArrayLike<number>, i: number): number {
  return a[i] as number;
}

/** `a[i] += by`, wrapping to the element type as miniz's u16 counters do. */
function bump(a: Uint16Array | Int32Array | Uint32Array, i: number, by = 1): void {
  a[i] = at(a, i) + by;
}

/** The level bc-components passes to `compress_to_vec`. */
export const MINIZ_LEVEL = 6;

// --- Constants (miniz_oxide core.rs, buffer.rs) ----------------------------------------------

const LZ_DICT_SIZE = 32_768;
const LZ_DICT_SIZE_MASK = LZ_DICT_SIZE - 1;
const MIN_MATCH_LEN = 3;
const MAX_MATCH_LEN = 258;
/** `LZ_DICT_FULL_SIZE`: the ring buffer plus a mirror of its first 257 bytes, plus one. */
const LZ_DICT_FULL_SIZE = LZ_DICT_SIZE + MAX_MATCH_LEN - 1 + 1;
const LZ_CODE_BUF_SIZE = 64 * 1024;
const LZ_CODE_BUF_MASK = LZ_CODE_BUF_SIZE - 1;
const LZ_HASH_BITS = 15;
const LZ_HASH_SHIFT = Math.floor((LZ_HASH_BITS + 2) / 3); // 5
const LZ_HASH_SIZE = 1 << LZ_HASH_BITS;
const MAX_HUFF_SYMBOLS_0 = 288;
const MAX_HUFF_SYMBOLS_1 = 32;
const MAX_HUFF_SYMBOLS_2 = 19;
const MAX_SUPPORTED_HUFF_CODESIZE = 15;
/** `NUM_PROBES[6]`; `probes_from_flags` turns it into [1 + (128 + 2) / 3, 1 + (32 + 2) / 3]. */
const LEVEL6_PROBES = 128;
const MAX_PROBES_SHORT = 1 + Math.floor((LEVEL6_PROBES + 2) / 3); // 44
const MAX_PROBES_LONG = 1 + Math.floor(((LEVEL6_PROBES >> 2) + 2) / 3); // 12, once 32 bytes match
/** RFC 1951 §3.2.7: the order code-length code lengths are sent in (`HUFFMAN_LENGTH_ORDER`). */
const HUFFMAN_LENGTH_ORDER = /* @__PURE__ */ Uint8Array.of(
  16,
  17,
  18,
  0,
  8,
  7,
  9,
  6,
  10,
  5,
  11,
  4,
  12,
  3,
  13,
  2,
  14,
  1,
  15,
);

// RFC 1951 §3.2.5 length and distance codes. miniz_oxide tabulates them (LEN_SYM, LEN_EXTRA,
// SMALL_DIST_*, LARGE_DIST_*); every code's base − 3 (lengths) or base − 1 (distances) is a
// multiple of 2^extra, so its "value & mask" extra bits equal value − base, as here.
const LENGTH_BASE = /* @__PURE__ */ Uint16Array.of(
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
);
const LENGTH_EXTRA = /* @__PURE__ */ Uint8Array.of(
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
);
const DIST_BASE = /* @__PURE__ */ Uint16Array.of(
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
);
const DIST_EXTRA = /* @__PURE__ */ Uint8Array.of(
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
);

/** Largest index i with bases[i] ≤ value (the code whose range holds value). */
function codeFor(bases: Uint16Array, value: number): number {
  let i = bases.length - 1;
  while (at(bases, i) > value) i--;
  return i;
}

/** `LEN_SYM` / `LEN_EXTRA`, indexed by match length − 3 (0…255): code − 257, extra bits. */
const LEN_SYM = /* @__PURE__ */ Uint8Array.from({ length: 256 }, (_, v) =>
  codeFor(LENGTH_BASE, v + 3),
);
const LEN_EXTRA = /* @__PURE__ */ LEN_SYM.map((c) => at(LENGTH_EXTRA, c));
/** Distance code and extra bits, indexed by distance − 1 (0…32767). */
const DIST_SYM = /* @__PURE__ */ Uint8Array.from({ length: LZ_DICT_SIZE }, (_, d) =>
  codeFor(DIST_BASE, d + 1),
);

// --- Bit output (OutputBufferOxide) ----------------------------------------------------------

/** A growing byte buffer written LSB-first, whole bytes as soon as 8 bits are in (`put_bits`). */
class BitWriter {
  bytes = new Uint8Array(1024);
  pos = 0;
  private bitBuffer = 0;
  private bitsIn = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  /** `put_bits`: append `len` ≤ 16 bits, low bit first. */
  putBits(bits: number, len: number): void {
    this.bitBuffer |= bits << this.bitsIn;
    this.bitsIn += len;
    this.reserve(3);
    while (this.bitsIn >= 8) {
      this.bytes[this.pos++] = this.bitBuffer & 0xff;
      this.bitBuffer >>>= 8;
      this.bitsIn -= 8;
    }
  }

  /** `pad_to_bytes`: zero bits up to the next byte boundary. */
  padToBytes(): void {
    if (this.bitsIn !== 0) this.putBits(0, 8 - this.bitsIn);
  }

  /** `write_bytes` (byte-aligned). */
  writeBytes(src: Uint8Array): void {
    this.reserve(src.length);
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  /** `save` / `load`: rewind to a point, to replace a coded block by a stored one. */
  save(): { pos: number; bitBuffer: number; bitsIn: number } {
    return { pos: this.pos, bitBuffer: this.bitBuffer, bitsIn: this.bitsIn };
  }

  load(s: { pos: number; bitBuffer: number; bitsIn: number }): void {
    this.pos = s.pos;
    this.bitBuffer = s.bitBuffer;
    this.bitsIn = s.bitsIn;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

// --- LZ code buffer (LZOxide) ----------------------------------------------------------------

/**
 * Literals (1 byte) and matches (length − 3, distance − 1 as u16 LE) with a flag byte before each
 * group of 8 codes; flag bits enter from the top (1 = match).
 */
class LzCodes {
  readonly codes = new Uint8Array(LZ_CODE_BUF_SIZE);
  codePosition = 1;
  flagPosition = 0;
  /** Uncompressed bytes the block's codes stand for. */
  totalBytes = 0;
  numFlagsLeft = 8;

  writeCode(val: number): void {
    this.codes[this.codePosition & 0xffff] = val;
    this.codePosition++;
  }

  /** `init_flag`: drop an empty trailing flag byte, or align a partial one to bit 0. */
  initFlag(): void {
    if (this.numFlagsLeft === 8) {
      this.codes[this.flagPosition & 0xffff] = 0;
      this.codePosition--;
    } else {
      const f = this.flagPosition & 0xffff;
      this.codes[f] = at(this.codes, f) >> this.numFlagsLeft;
    }
  }

  private shiftFlag(match: boolean): void {
    const f = this.flagPosition & 0xffff;
    this.codes[f] = (at(this.codes, f) >> 1) | (match ? 0x80 : 0);
    // consume_flag / plant_flag
    if (--this.numFlagsLeft === 0) {
      this.numFlagsLeft = 8;
      this.flagPosition = this.codePosition++;
    }
  }

  /** `record_literal` (the symbol count lives in the Huffman state). */
  literal(lit: number): void {
    this.totalBytes++;
    this.writeCode(lit);
    this.shiftFlag(false);
  }

  /** `record_match`. */
  match(len: number, dist: number): void {
    this.totalBytes += len;
    const d = dist - 1;
    this.writeCode(len - MIN_MATCH_LEN);
    this.writeCode(d & 0xff);
    this.writeCode((d >> 8) & 0xff);
    this.shiftFlag(true);
  }

  /** What `flush_block` resets after a block. */
  reset(): void {
    this.codePosition = 1;
    this.flagPosition = 0;
    this.numFlagsLeft = 8;
    this.totalBytes = 0;
  }
}

// --- Huffman tables (HuffmanOxide) -----------------------------------------------------------

type Table = 0 | 1 | 2; // LITLEN_TABLE, DIST_TABLE, HUFF_CODES_TABLE
type Tables<T> = readonly [T, T, T];

class Huffman {
  /** Symbol counts, codes (bit-reversed) and code lengths of the three tables. */
  readonly count: Tables<Uint16Array> = [
    new Uint16Array(288),
    new Uint16Array(288),
    new Uint16Array(288),
  ];
  readonly codes: Tables<Uint16Array> = [
    new Uint16Array(288),
    new Uint16Array(288),
    new Uint16Array(288),
  ];
  readonly codeSizes: Tables<Uint8Array> = [
    new Uint8Array(288),
    new Uint8Array(288),
    new Uint8Array(288),
  ];

  /** `record_literal` / `record_match`'s counts. */
  countLiteral(lit: number): void {
    bump(this.count[0], lit);
  }

  countMatch(len: number, dist: number): void {
    bump(this.count[1], at(DIST_SYM, dist - 1));
    bump(this.count[0], 257 + at(LEN_SYM, len - MIN_MATCH_LEN));
  }

  clearCounts(): void {
    this.count[0].fill(0);
    this.count[1].fill(0, 0, MAX_HUFF_SYMBOLS_1);
  }

  /**
   * `optimize_table`: code lengths from counts (or, for a static table, the lengths already set),
   * then canonical codes (RFC 1951 §3.2.2), bit-reversed for LSB-first output.
   */
  optimizeTable(t: Table, tableLen: number, codeSizeLimit: number, staticTable: boolean): void {
    const numCodes = new Int32Array(33);
    const sizes = this.codeSizes[t];
    if (staticTable) {
      for (let i = 0; i < tableLen; i++) bump(numCodes, at(sizes, i));
    } else {
      const keys: number[] = [];
      const syms: number[] = [];
      const count = this.count[t];
      for (let i = 0; i < tableLen; i++) {
        if (at(count, i) !== 0) {
          keys.push(at(count, i));
          syms.push(i);
        }
      }
      const sorted = radixSortSymbols(keys, syms);
      calculateMinimumRedundancy(sorted.keys);
      for (const depth of sorted.keys) bump(numCodes, depth);
      enforceMaxCodeSize(numCodes, sorted.keys.length, codeSizeLimit);
      sizes.fill(0);
      this.codes[t].fill(0);
      // The most frequent symbols (sorted last) take the shortest codes.
      let last = sorted.keys.length;
      for (let len = 1; len <= codeSizeLimit; len++) {
        const first = last - at(numCodes, len);
        for (let k = first; k < last; k++) sizes[at(sorted.syms, k)] = len;
        last = first;
      }
    }
    const nextCode = new Uint32Array(MAX_SUPPORTED_HUFF_CODESIZE + 1);
    let j = 0;
    for (let i = 2; i <= codeSizeLimit; i++) {
      j = (j + at(numCodes, i - 1)) << 1;
      nextCode[i] = j;
    }
    const codes = this.codes[t];
    for (let i = 0; i < tableLen; i++) {
      const size = at(sizes, i);
      if (size === 0) continue;
      const code = at(nextCode, size);
      nextCode[size] = code + 1;
      codes[i] = reverseBits(code & 0xffff, size);
    }
  }

  /** `start_static_block`: RFC 1951 §3.2.6 fixed codes, block type 01. */
  startStaticBlock(out: BitWriter): void {
    const lit = this.codeSizes[0];
    lit.fill(8, 0, 144);
    lit.fill(9, 144, 256);
    lit.fill(7, 256, 280);
    lit.fill(8, 280, 288);
    this.codeSizes[1].fill(5, 0, 32);
    this.optimizeTable(0, 288, 15, true);
    this.optimizeTable(1, 32, 15, true);
    out.putBits(0b01, 2);
  }

  /** `start_dynamic_block`: build both tables, then send them run-length coded (§3.2.7). */
  startDynamicBlock(out: BitWriter): void {
    this.count[0][256] = 1; // one end-of-block code
    this.optimizeTable(0, MAX_HUFF_SYMBOLS_0, 15, false);
    this.optimizeTable(1, MAX_HUFF_SYMBOLS_1, 15, false);
    const numLitCodes = 286 - trailingZeros(this.codeSizes[0], 257, 286);
    const numDistCodes = 30 - trailingZeros(this.codeSizes[1], 1, 30);
    const toPack = new Uint8Array(numLitCodes + numDistCodes);
    toPack.set(this.codeSizes[0].subarray(0, numLitCodes));
    toPack.set(this.codeSizes[1].subarray(0, numDistCodes), numLitCodes);
    this.count[2].fill(0, 0, MAX_HUFF_SYMBOLS_2);
    const packed = packCodeSizes(toPack, this.count[2]);
    this.optimizeTable(2, MAX_HUFF_SYMBOLS_2, 7, false);

    out.putBits(2, 2);
    out.putBits(numLitCodes - 257, 5);
    out.putBits(numDistCodes - 1, 5);
    const lenSizes = this.codeSizes[2];
    const lenCodes = this.codes[2];
    let numBitLengths = 18;
    for (let i = 18; i >= 0 && at(lenSizes, at(HUFFMAN_LENGTH_ORDER, i)) === 0; i--) {
      numBitLengths--;
    }
    numBitLengths = Math.max(4, numBitLengths + 1);
    out.putBits(numBitLengths - 4, 4);
    for (let i = 0; i < numBitLengths; i++) {
      out.putBits(at(lenSizes, at(HUFFMAN_LENGTH_ORDER, i)), 3);
    }
    for (let i = 0; i < packed.length; i++) {
      const code = at(packed, i);
      out.putBits(at(lenCodes, code), at(lenSizes, code));
      // 16, 17, 18 carry 2, 3, 7 bits of repeat count.
      if (code >= 16) out.putBits(at(packed, ++i), code === 16 ? 2 : code === 17 ? 3 : 7);
    }
  }
}

/** How many of `a[from…to)` are zero, counted back from `to` (`take_while(== 0)` on the reverse). */
function trailingZeros(a: Uint8Array, from: number, to: number): number {
  let n = 0;
  while (n < to - from && at(a, to - 1 - n) === 0) n++;
  return n;
}

/** The low `len` bits of `code`, reversed (`reverse_bits() >> (16 - len)`). */
function reverseBits(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) r |= ((code >> i) & 1) << (len - 1 - i);
  return r;
}

/**
 * `radix_sort_symbols`: a stable LSD sort by count, one pass when every count is below 256.
 * Returns keys (u16, as miniz keeps them) and symbols in the sorted order.
 */
function radixSortSymbols(
  keys: number[],
  syms: number[],
): { keys: Uint16Array; syms: Uint16Array } {
  const n = keys.length;
  let curKeys = Uint16Array.from(keys);
  let curSyms = Uint16Array.from(syms);
  let highZero = 0;
  for (const k of curKeys) if (k >> 8 === 0) highZero++;
  const passes = highZero === n ? 1 : 2;
  for (let pass = 0; pass < passes; pass++) {
    const shift = pass * 8;
    const offsets = new Uint32Array(256);
    for (const k of curKeys) bump(offsets, (k >> shift) & 0xff);
    let total = 0;
    for (let i = 0; i < 256; i++) {
      const c = at(offsets, i);
      offsets[i] = total;
      total += c;
    }
    const newKeys = new Uint16Array(n);
    const newSyms = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const bucket = (at(curKeys, i) >> shift) & 0xff;
      const to = at(offsets, bucket);
      offsets[bucket] = to + 1;
      newKeys[to] = at(curKeys, i);
      newSyms[to] = at(curSyms, i);
    }
    curKeys = newKeys;
    curSyms = newSyms;
  }
  return { keys: curKeys, syms: curSyms };
}

/**
 * `calculate_minimum_redundancy`: Moffat and Katajainen's in-place Huffman code lengths
 * ("In-Place Calculation of Minimum-Redundancy Codes", 1995) over counts sorted ascending;
 * replaces each count by its code length. u16 arithmetic as in miniz.
 */
function calculateMinimumRedundancy(a: Uint16Array): void {
  const n = a.length;
  if (n === 0) return;
  if (n === 1) {
    a[0] = 1;
    return;
  }
  a[0] = at(a, 0) + at(a, 1);
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < n - 1; next++) {
    // The smaller of the next internal node and the next leaf, twice: a new internal node.
    if (leaf >= n || at(a, root) < at(a, leaf)) {
      a[next] = at(a, root);
      a[root++] = next;
    } else a[next] = at(a, leaf++);
    if (leaf >= n || (root < next && at(a, root) < at(a, leaf))) {
      a[next] = at(a, next) + at(a, root);
      a[root++] = next;
    } else a[next] = at(a, next) + at(a, leaf++);
  }
  // Parent pointers to internal-node depths, then depths to leaf depths.
  a[n - 2] = 0;
  for (let next = n - 3; next >= 0; next--) a[next] = at(a, at(a, next)) + 1;
  let avbl = 1;
  let used = 0;
  let dpth = 0;
  let r = n - 2;
  let next = n - 1;
  while (avbl > 0) {
    while (r >= 0 && at(a, r) === dpth) {
      used++;
      r--;
    }
    while (avbl > used) {
      a[next--] = dpth;
      avbl--;
    }
    avbl = 2 * used;
    dpth++;
    used = 0;
  }
}

/** `enforce_max_code_size`: fold lengths over the limit back in, as miniz does (not optimally). */
function enforceMaxCodeSize(numCodes: Int32Array, codeListLen: number, maxCodeSize: number): void {
  if (codeListLen <= 1) return;
  for (let i = maxCodeSize + 1; i < numCodes.length; i++)
    bump(numCodes, maxCodeSize, at(numCodes, i));
  // Kraft sum in units of 2^-maxCodeSize; each step below removes one unit of excess.
  let total = 0;
  for (let i = 1; i <= maxCodeSize; i++) total += at(numCodes, i) * 2 ** (maxCodeSize - i);
  for (let k = 2 ** maxCodeSize; k < total; k++) {
    bump(numCodes, maxCodeSize, -1);
    for (let i = maxCodeSize - 1; i >= 1; i--) {
      if (at(numCodes, i) !== 0) {
        bump(numCodes, i, -1);
        bump(numCodes, i + 1, 2);
        break;
      }
    }
  }
}

/**
 * `start_dynamic_block`'s `Rle`: code lengths as 0–15, 16 (repeat previous 3–6), 17 (3–10 zeros),
 * 18 (11–138 zeros), each repeat code followed by its count − base; counts symbols into `counts`.
 */
function packCodeSizes(sizes: Uint8Array, counts: Uint16Array): number[] {
  const packed: number[] = [];
  let zCount = 0;
  let repeatCount = 0;
  let prev = 0xff;
  const flushRepeat = (): void => {
    if (repeatCount === 0) return;
    if (repeatCount < 3) {
      bump(counts, prev, repeatCount);
      for (let i = 0; i < repeatCount; i++) packed.push(prev);
    } else {
      bump(counts, 16);
      packed.push(16, repeatCount - 3);
    }
    repeatCount = 0;
  };
  const flushZeros = (): void => {
    if (zCount === 0) return;
    if (zCount < 3) {
      bump(counts, 0, zCount);
      for (let i = 0; i < zCount; i++) packed.push(0);
    } else if (zCount <= 10) {
      bump(counts, 17);
      packed.push(17, zCount - 3);
    } else {
      bump(counts, 18);
      packed.push(18, zCount - 11);
    }
    zCount = 0;
  };
  for (const size of sizes) {
    if (size === 0) {
      flushRepeat();
      if (++zCount === 138) flushZeros();
    } else {
      flushZeros();
      if (size !== prev) {
        flushRepeat();
        bump(counts, size);
        packed.push(size);
      } else if (++repeatCount === 6) flushRepeat();
    }
    prev = size;
  }
  if (repeatCount !== 0) flushRepeat();
  else flushZeros();
  return packed;
}

// --- Dictionary and match finder (DictOxide) -------------------------------------------------

class Dict {
  /** The ring buffer; bytes at positions < 257 are mirrored at LZ_DICT_SIZE + position. */
  readonly b = new Uint8Array(LZ_DICT_FULL_SIZE);
  /** Hash chain links and heads: positions truncated to u16; 0 ends a chain. */
  readonly next = new Uint16Array(LZ_DICT_SIZE);
  readonly hash = new Uint16Array(LZ_HASH_SIZE);
  codeBufDictPos = 0;
  lookaheadSize = 0;
  lookaheadPos = 0;
  /** Bytes behind the lookahead that matches may reach. */
  size = 0;

  /** `read_u16_le`. */
  u16(i: number): number {
    return at(this.b, i) | (at(this.b, i + 1) << 8);
  }

  byte(i: number): number {
    return at(this.b, i);
  }

  /** Put one input byte at ring position `dst` (masked), mirroring the first 257. */
  put(dst: number, c: number): void {
    this.b[dst] = c;
    if (dst < MAX_MATCH_LEN - 1) this.b[LZ_DICT_SIZE + dst] = c;
  }

  /** Link `insPos` into the chain of `h` (`next[ins] = hash[h]; hash[h] = ins as u16`). */
  link(insPos: number, h: number): void {
    this.next[insPos & LZ_DICT_SIZE_MASK] = at(this.hash, h);
    this.hash[h] = insPos & 0xffff;
  }

  /** How many bytes from `p` and `q` agree, up to 8 (`read_unaligned_u64` xor, trailing zeros / 8). */
  private common8(p: number, q: number): number {
    const pm = p & LZ_DICT_SIZE_MASK;
    const qm = q & LZ_DICT_SIZE_MASK;
    let k = 0;
    while (k < 8 && this.byte(pm + k) === this.byte(qm + k)) k++;
    return k;
  }

  /**
   * `find_match`: a match at `lookaheadPos` longer than `matchLen`, no farther than `maxDist`,
   * no longer than `maxMatchLen`; returns the input pair when none is found.
   */
  findMatch(
    lookaheadPos: number,
    maxDist: number,
    maxMatchLenIn: number,
    matchDistIn: number,
    matchLenIn: number,
  ): [dist: number, len: number] {
    const maxMatchLen = Math.min(MAX_MATCH_LEN, maxMatchLenIn);
    let matchDist = matchDistIn;
    let matchLen = Math.max(matchLenIn, 1);
    if (maxMatchLen <= matchLen) return [matchDist, matchLen];
    const pos = lookaheadPos & LZ_DICT_SIZE_MASK;
    let probePos = pos;
    let probesLeft = matchLen < 32 ? MAX_PROBES_SHORT : MAX_PROBES_LONG;
    // The last byte of the current best match and the one after; the first two bytes.
    let c01 = this.u16(pos + matchLen - 1);
    const s01 = this.u16(pos);
    for (;;) {
      // Walk the chain, three links per probe, to a candidate whose bytes at the end of the
      // current best match agree (a cheap filter before the full comparison).
      let dist = 0;
      let found = false;
      while (!found) {
        if (--probesLeft === 0) return [matchDist, matchLen];
        for (let k = 0; k < 3; k++) {
          const nextProbePos = at(this.next, probePos);
          dist = (lookaheadPos - nextProbePos) & 0xffff;
          if (nextProbePos === 0 || dist > maxDist || matchLen - 1 >= MAX_MATCH_LEN) {
            return [matchDist, matchLen];
          }
          probePos = nextProbePos & LZ_DICT_SIZE_MASK;
          if (this.u16(probePos + matchLen - 1) === c01) {
            found = true;
            break;
          }
        }
      }
      if (dist === 0) return [matchDist, matchLen];
      if (this.u16(probePos) !== s01) continue;
      // Compare 8 bytes at a time from the third byte, 32 times (2 + 256 ≥ 258).
      let p = pos + 2;
      let q = probePos + 2;
      let mismatch = false;
      for (let round = 0; round < 32; round++) {
        const same = this.common8(p, q);
        if (same === 8) {
          p += 8;
          q += 8;
          continue;
        }
        const probeLen = p - pos + same;
        if (probeLen > matchLen) {
          matchDist = dist;
          matchLen = Math.min(maxMatchLen, probeLen);
          if (matchLen >= maxMatchLen) return [matchDist, matchLen];
          c01 = this.u16(pos + matchLen - 1);
        }
        mismatch = true;
        break;
      }
      if (!mismatch) return [dist, Math.min(maxMatchLen, MAX_MATCH_LEN)];
    }
  }
}

/** `update_hash`: the next 15-bit rolling hash of three bytes. */
function updateHash(h: number, c: number): number {
  return ((h << LZ_HASH_SHIFT) ^ c) & (LZ_HASH_SIZE - 1);
}

// --- The compressor (compress_normal, flush_block) -------------------------------------------

interface State {
  readonly dict: Dict;
  readonly lz: LzCodes;
  readonly huff: Huffman;
  readonly out: BitWriter;
}

/** `compress_block` → `compress_lz_codes`: the block's codes, then end-of-block (256). */
function compressBlock(s: State, staticBlock: boolean): void {
  const { huff, out, lz } = s;
  if (staticBlock) huff.startStaticBlock(out);
  else huff.startDynamicBlock(out);
  const litCodes = huff.codes[0];
  const litSizes = huff.codeSizes[0];
  const used = Math.min(LZ_CODE_BUF_SIZE, lz.codePosition);
  const buf = lz.codes;
  let flags = 1;
  let i = 0;
  while (i < used) {
    if (flags === 1) flags = at(buf, i++) | 0x100;
    if (flags & 1) {
      flags >>= 1;
      // A match: length − 3, then distance − 1 as u16 LE.
      const len = at(buf, i & LZ_CODE_BUF_MASK);
      const dist = at(buf, (i + 1) & LZ_CODE_BUF_MASK) | (at(buf, (i + 2) & LZ_CODE_BUF_MASK) << 8);
      i += 3;
      const lenCode = at(LEN_SYM, len);
      out.putBits(at(litCodes, 257 + lenCode), at(litSizes, 257 + lenCode));
      out.putBits(len + 3 - at(LENGTH_BASE, lenCode), at(LEN_EXTRA, len));
      const distSym = at(DIST_SYM, dist);
      out.putBits(at(huff.codes[1], distSym), at(huff.codeSizes[1], distSym));
      out.putBits(dist + 1 - at(DIST_BASE, distSym), at(DIST_EXTRA, distSym));
    } else {
      // Up to three literals in a row, as miniz's inner loop takes them.
      for (let k = 0; k < 3; k++) {
        flags >>= 1;
        const lit = at(buf, i & LZ_CODE_BUF_MASK);
        i++;
        out.putBits(at(litCodes, lit), at(litSizes, lit));
        if (flags & 1 || i >= used) break;
      }
    }
  }
  out.putBits(at(litCodes, 256), at(litSizes, 256)); // end of block
}

/** `flush_block`: end the current block (the last one when `finish`) and reset the LZ buffer. */
function flushBlock(s: State, finish: boolean): void {
  const { dict, lz, huff, out } = s;
  lz.initFlag();
  out.putBits(finish ? 1 : 0, 1); // BFINAL
  const saved = out.save();
  compressBlock(s, lz.totalBytes < 48);
  // A stored block when coding did not pay (and the block's bytes are all still in the window).
  const expanded =
    lz.totalBytes > 32 &&
    out.pos - saved.pos + 1 >= lz.totalBytes &&
    dict.lookaheadPos - dict.codeBufDictPos <= dict.size;
  if (expanded) {
    out.load(saved);
    out.putBits(0, 2); // BTYPE 00
    out.padToBytes();
    out.putBits(lz.totalBytes & 0xffff, 16); // LEN
    out.putBits(~lz.totalBytes & 0xffff, 16); // NLEN
    const start = dict.codeBufDictPos & LZ_DICT_SIZE_MASK;
    const end = (dict.codeBufDictPos + lz.totalBytes) & LZ_DICT_SIZE_MASK;
    if (start < end) out.writeBytes(dict.b.subarray(start, end));
    else if (lz.totalBytes > 0) {
      out.writeBytes(dict.b.subarray(start, LZ_DICT_SIZE));
      out.writeBytes(dict.b.subarray(0, end));
    }
  }
  if (finish) out.padToBytes();
  huff.clearCounts();
  dict.codeBufDictPos += lz.totalBytes;
  lz.reset();
}

/** `compress_normal`'s input step: copy bytes into the window and link their hashes. */
function fillLookahead(d: Dict, input: Uint8Array, srcPos: number, n: number): void {
  if (d.lookaheadSize + d.size >= MIN_MATCH_LEN - 1 && n > 0) {
    // Two bytes before the new ones are known: roll the hash forward from them.
    let dstPos = (d.lookaheadPos + d.lookaheadSize) & LZ_DICT_SIZE_MASK;
    let insPos = d.lookaheadPos + d.lookaheadSize - 2;
    let h = updateHash(
      d.byte(insPos & LZ_DICT_SIZE_MASK),
      d.byte((insPos + 1) & LZ_DICT_SIZE_MASK),
    );
    d.lookaheadSize += n;
    for (let k = 0; k < n; k++) {
      const c = at(input, srcPos + k);
      d.put(dstPos, c);
      h = updateHash(h, c);
      d.link(insPos, h);
      dstPos = (dstPos + 1) & LZ_DICT_SIZE_MASK;
      insPos++;
    }
  } else {
    // Start of the stream: hash each new byte once three are available.
    for (let k = 0; k < n; k++) {
      const c = at(input, srcPos + k);
      d.put((d.lookaheadPos + d.lookaheadSize) & LZ_DICT_SIZE_MASK, c);
      d.lookaheadSize++;
      if (d.lookaheadSize + d.size >= MIN_MATCH_LEN) {
        const insPos = d.lookaheadPos + d.lookaheadSize - 3;
        const h =
          ((d.byte(insPos & LZ_DICT_SIZE_MASK) << (LZ_HASH_SHIFT * 2)) ^
            ((d.byte((insPos + 1) & LZ_DICT_SIZE_MASK) << LZ_HASH_SHIFT) ^ c)) &
          (LZ_HASH_SIZE - 1);
        d.link(insPos, h);
      }
    }
  }
}

/** `compress_normal` with `TDEFLFlush::Finish`: lazy LZ77 over all of `input`, flushing full blocks. */
function compressNormal(s: State, input: Uint8Array): void {
  const { dict: d, lz, huff } = s;
  let srcPos = 0;
  let savedLit = 0;
  let savedMatchDist = 0;
  let savedMatchLen = 0;
  while (srcPos < input.length || d.lookaheadSize !== 0) {
    const n = Math.min(input.length - srcPos, MAX_MATCH_LEN - d.lookaheadSize);
    fillLookahead(d, input, srcPos, n);
    srcPos += n;
    d.size = Math.min(LZ_DICT_SIZE - d.lookaheadSize, d.size);

    let lenToMove = 1;
    const curPos = d.lookaheadPos & LZ_DICT_SIZE_MASK;
    let [curMatchDist, curMatchLen] = d.findMatch(
      d.lookaheadPos,
      d.size,
      d.lookaheadSize,
      0,
      savedMatchLen !== 0 ? savedMatchLen : MIN_MATCH_LEN - 1,
    );
    // miniz drops a length-3 match farther than 8 KiB, and (a quirk kept for identical output)
    // a match whose distance equals the masked position.
    if ((curMatchLen === MIN_MATCH_LEN && curMatchDist >= 8 * 1024) || curPos === curMatchDist) {
      curMatchDist = 0;
      curMatchLen = 0;
    }
    if (savedMatchLen !== 0) {
      // Lazy evaluation: the match held from the previous byte against this byte's.
      if (curMatchLen > savedMatchLen) {
        lz.literal(savedLit);
        huff.countLiteral(savedLit);
        if (curMatchLen >= 128) {
          lz.match(curMatchLen, curMatchDist);
          huff.countMatch(curMatchLen, curMatchDist);
          savedMatchLen = 0;
          lenToMove = curMatchLen;
        } else {
          savedLit = d.byte(curPos);
          savedMatchDist = curMatchDist;
          savedMatchLen = curMatchLen;
        }
      } else {
        lz.match(savedMatchLen, savedMatchDist);
        huff.countMatch(savedMatchLen, savedMatchDist);
        lenToMove = savedMatchLen - 1;
        savedMatchLen = 0;
      }
    } else if (curMatchDist === 0) {
      lz.literal(d.byte(curPos));
      huff.countLiteral(d.byte(curPos));
    } else if (curMatchLen >= 128) {
      lz.match(curMatchLen, curMatchDist);
      huff.countMatch(curMatchLen, curMatchDist);
      lenToMove = curMatchLen;
    } else {
      savedLit = d.byte(curPos);
      savedMatchDist = curMatchDist;
      savedMatchLen = curMatchLen;
    }
    if (d.lookaheadSize < lenToMove) throw new CompressionError('moved past the lookahead');
    d.lookaheadPos += lenToMove;
    d.lookaheadSize -= lenToMove;
    d.size = Math.min(d.size + lenToMove, LZ_DICT_SIZE);

    // Block split: the code buffer nearly full, or over 31 KiB of input coding poorly.
    const lzBufTight = lz.codePosition > LZ_CODE_BUF_SIZE - 8;
    const fat = (lz.codePosition * 115) >> 7 >= lz.totalBytes;
    if (lzBufTight || (lz.totalBytes > 31 * 1024 && fat)) flushBlock(s, false);
  }
}

/**
 * Raw DEFLATE of `data`, identical to miniz_oxide 0.8.9 `compress_to_vec(data, 6)`.
 * @example deflateRawMiniz(new Uint8Array(0)) // Uint8Array [3, 0]: one empty static block
 * @throws {CompressionError} only if an internal invariant of the port breaks (a bug)
 */
export function deflateRawMiniz(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" expected Uint8Array');
  const s: State = {
    dict: new Dict(),
    lz: new LzCodes(),
    huff: new Huffman(),
    out: new BitWriter(),
  };
  compressNormal(s, data);
  flushBlock(s, true);
  return s.out.result();
}
