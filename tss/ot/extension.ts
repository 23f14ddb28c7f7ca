/**
 * OT extension: corrected KOS (KOS15, eprint 2015/546, **updated** Fig. 10), which is
 * SoftSpokenOT with k = 1 (Roy22, eprint 2022/192), made non-interactive by Fiat–Shamir as
 * DKLs23 (eprint 2023/765) §5.1 suggests, with DKLs23's "forced reuse": each of the ξ OTs
 * carries OT_WIDTH = ℓ+ρ scalars (research/tecdsa.md §2.4, §2.1; pitfalls §4.1 items 1 and 3).
 *
 * Roles are reversed relative to the λ_c base OTs: the OTE **sender** was the base-OT receiver
 * with choice bits Δ ∈ {0,1}^λ_c and holds k^i_{Δ_i}; the OTE **receiver** holds (k^i_0, k^i_1).
 * One extension runs per session id (per multiplication, per direction); it is one message,
 * receiver → sender, after which
 *
 *   sender:   v^j_0, v^j_1 ∈ Z_q^OT_WIDTH for j ∈ [ξ]
 *   receiver: γ_j = v^j_{β_j} for its choice bits β ∈ {0,1}^ξ.
 *
 * Bit layout (pinned): a column (λ_c of them, index i) is ξ+s = 640 bits = 80 bytes, bit p at
 * byte p>>3, bit p&7 (little-endian). Its 128-bit block j (bytes 16j…16j+15) is a GF(2^128)
 * element in the encoding of `gf128.ts`. The wire field `u` is the λ_c columns concatenated
 * (column i at bytes 80i…80i+79); `tTilde` likewise, 16 bytes per column. A row j (one OT) is the
 * λ_c-bit string (column 0 bit j, …, column 127 bit j), packed the same way into 16 bytes; Δ is
 * packed into 16 bytes identically.
 *
 * The consistency check's outcome depends on Δ: a receiver who cheats in one column learns one
 * bit of Δ from whether we abort (selective abort, ToB "Don't overextend your Oblivious
 * Transfer", TOB-SILA-12). Hence a failure is `OtConsistencyCheckFailed`, kind `ban`: the caller
 * must burn this pair's OT state (research/tecdsa.md §2.9).
 *
 * Choices the figure leaves open, and divergences:
 * - The PRG is the tss XOF (`hash.ts`: ChaCha20 keyed by SHA-256 of the encoded input),
 *   `oracleXof(otExtPrg, sid, 80, u32(i), k)`: KOS15 leaves it abstract; binding sid and i makes
 *   every column of every session an independent expansion of the seed. The row hash Hs is
 *   `oracleScalars(otExtOutput, sid, OT_WIDTH, u32(j), row)`. Both run through one
 *   `oracleSession` per (tag, sid), which absorbs the tag and sid once: the bytes hashed are
 *   exactly those of the full encoding.
 * - Outputs: {@link oteReceiveDraws} / {@link oteSendDraws} return each row's OT_WIDTH scalars as
 *   their raw 32-byte draws (the scalar is the draw mod n, within 2^-127 of uniform: `hash.ts`
 *   SHORT_DRAW_BYTES), which the caller can wipe and reduce lazily (RVOLE does); {@link oteReceive} / {@link oteSend} return the reduced scalars.
 * - Divergence from KOS15 Fig. 10: χ_1…χ_m come from H(sid, u) over all of u instead of the
 *   sender's coins, because DKLs23 §5.1 makes the extension one message (Fiat–Shamir). Only the
 *   corrected (column-wise, SoftSpokenOT) check is implemented, never DKLs18's KOS variant
 *   (TOB-SILA-13).
 * - Divergence from `0xCarbon/DKLs23` `extension.rs`: no DKLs18 Protocol 9 "Transfer" step (τ)
 *   inside the extension, because DKLs23 Protocol 5.2 consumes random OTs directly (its ã plays
 *   that role). And one XOF call per row yields all OT_WIDTH scalars (DKLs23 "forced reuse"),
 *   instead of one hash per (row, width index), because the row is one OT whose payload is the
 *   whole vector; the scalars are separated by their position in the XOF output.
 * @module
 */
import { assertBytes } from '../assert';
import { N } from '../curve';
import { TssError } from '../errors';
import {
  type OracleSession,
  oracleSession,
  oracleXof,
  SHORT_DRAW_BYTES,
  sessionXofInto,
  shortDrawInteger,
  u32,
} from '../hash';
import {
  CHECK_BITS,
  CHECK_BLOCKS,
  COLUMN_BYTES,
  LAMBDA_C,
  OT_WIDTH,
  SEED_BYTES,
  SID_BYTES,
  XI,
} from '../params';
import type { Rng } from '../rng';
import { TAGS } from '../tags';
import { GF128_BYTES, gf128MulAcc, gf128Multiples, gf128ToWords, gf128WordsToBytes } from './gf128';

/** The OTE sender's long-term setup: Δ and the base-OT outputs k^i_{Δ_i}. Secret. */
export type OteSenderSetup = {
  /** Δ: LAMBDA_C bits, one per byte (0 or 1). */
  readonly delta: Uint8Array;
  /** k^i_{Δ_i}: LAMBDA_C seeds of SEED_BYTES. */
  readonly seeds: readonly Uint8Array[];
};

/** The OTE receiver's long-term setup: both base-OT messages (k^i_0, k^i_1). Secret. */
export type OteReceiverSetup = {
  readonly seeds0: readonly Uint8Array[];
  readonly seeds1: readonly Uint8Array[];
};

/** The receiver's one message (KOS15 Fig. 10 "Extend" step 3 and "Consistency check" step 2). */
export type OteMessage = {
  /** u^i for i ∈ [λ_c], concatenated: LAMBDA_C × COLUMN_BYTES bytes. */
  u: Uint8Array;
  /** x̃ = Σ_{j≤m} χ_j·x'_[j] ⊕ x'_[m+1]: 16 bytes. */
  xTilde: Uint8Array;
  /** t̃^i = Σ_{j≤m} χ_j·t^i_{0,[j]} ⊕ t^i_{0,[m+1]} for i ∈ [λ_c], concatenated: LAMBDA_C × 16 bytes. */
  tTilde: Uint8Array;
};

/** Bytes of one row: λ_c bits. */
const ROW_BYTES = LAMBDA_C / 8;
/** Bytes of u and of tTilde on the wire. */
export const OTE_U_BYTES = LAMBDA_C * COLUMN_BYTES;
export const OTE_T_TILDE_BYTES = LAMBDA_C * GF128_BYTES;

// The check hashes m = ξ/s blocks plus one padding block per column: the layout above relies on it.
if (COLUMN_BYTES !== (CHECK_BLOCKS + 1) * GF128_BYTES || CHECK_BITS !== 8 * GF128_BYTES)
  throw new Error('OT extension: COLUMN_BYTES must be (CHECK_BLOCKS+1)·16 and CHECK_BITS 128');
if (LAMBDA_C % 32 !== 0 || XI % 32 !== 0)
  throw new Error('OT extension: λ_c and ξ must be multiples of 32');

// ---------------------------------------------------------------------------------------------
// Validation of local inputs (not peer data: a failure is the caller's bug, no culprit).

function invalid(field: string, expectation: string): TssError {
  return new TssError('InvalidParameters', `"${field}" expected ${expectation}`);
}

function assertSid(sid: unknown): asserts sid is Uint8Array {
  if (!(sid instanceof Uint8Array) || sid.length !== SID_BYTES)
    throw invalid('sid', `${SID_BYTES} bytes`);
}

/** Bits one per byte, each 0 or 1 (checked without branching on the values). */
function assertBits(value: unknown, length: number, field: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length)
    throw invalid(field, `${length} bits, one per byte`);
  let high = 0;
  for (let i = 0; i < length; i++) high |= (value[i] as number) & 0xfe;
  if (high !== 0) throw invalid(field, 'bits equal to 0 or 1');
}

function assertSeeds(value: unknown, field: string): asserts value is readonly Uint8Array[] {
  if (!Array.isArray(value) || value.length !== LAMBDA_C) throw invalid(field, `${LAMBDA_C} seeds`);
  for (const seed of value)
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES)
      throw invalid(field, `seeds of ${SEED_BYTES} bytes`);
}

function assertSenderSetup(setup: unknown): asserts setup is OteSenderSetup {
  if (typeof setup !== 'object' || setup === null) throw invalid('setup', 'an OTE sender setup');
  const s = setup as Record<string, unknown>;
  assertBits(s.delta, LAMBDA_C, 'setup.delta');
  assertSeeds(s.seeds, 'setup.seeds');
}

function assertReceiverSetup(setup: unknown): asserts setup is OteReceiverSetup {
  if (typeof setup !== 'object' || setup === null) throw invalid('setup', 'an OTE receiver setup');
  const s = setup as Record<string, unknown>;
  assertSeeds(s.seeds0, 'setup.seeds0');
  assertSeeds(s.seeds1, 'setup.seeds1');
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

/**
 * KOS15 Fig. 10 "Extend" step 2: the column PRG, t^i = PRG(sid, i, k^i) (ξ+s bits), written into
 * `out` at `offset`. `prg` is the session of (otExtPrg, sid).
 */
function prgInto(
  prg: OracleSession,
  i: number,
  seed: Uint8Array,
  out: Uint8Array,
  offset: number,
): void {
  sessionXofInto(prg, out, offset, COLUMN_BYTES, u32(i), seed);
}

/**
 * DKLs23 §5.1 Fiat–Shamir of KOS15 Fig. 10 "Consistency check" step 1: χ_1…χ_m ∈ GF(2^128) from
 * H(sid, u) over ALL of u, each expanded into its multiples table.
 */
function challenges(sid: Uint8Array, u: Uint8Array): Uint32Array[] {
  const chi = oracleXof(TAGS.otExtChi, sid, CHECK_BLOCKS * GF128_BYTES, u);
  const tables: Uint32Array[] = [];
  for (let j = 0; j < CHECK_BLOCKS; j++) tables.push(gf128Multiples(chi, j * GF128_BYTES));
  return tables;
}

/**
 * The universal hash of one column (KOS15 updated Fig. 10, "Consistency check"):
 * Σ_{j≤m} χ_j·c_[j] ⊕ c_[m+1], with c the 80 bytes of `matrix` at `offset`; written to `acc`.
 */
function checkHash(
  tables: readonly Uint32Array[],
  matrix: Uint8Array,
  offset: number,
  acc: Uint32Array,
): void {
  acc.fill(0);
  for (let j = 0; j < CHECK_BLOCKS; j++)
    gf128MulAcc(acc, tables[j] as Uint32Array, matrix, offset + j * GF128_BYTES);
  // The padding block x'_[m+1] enters unmultiplied.
  const pad = gf128ToWords(matrix, offset + CHECK_BLOCKS * GF128_BYTES);
  for (let w = 0; w < 4; w++) acc[w] = (acc[w] as number) ^ (pad[w] as number);
  pad.fill(0);
}

/** Packs bits (one per byte) into bytes, little-endian, without branching on the bits. */
function packBits(bits: Uint8Array, out: Uint8Array, offset = 0): void {
  for (let p = 0; p < bits.length; p++)
    out[offset + (p >> 3)] = (out[offset + (p >> 3)] as number) | ((bits[p] as number) << (p & 7));
}

/** In-place transpose of a 32×32 bit matrix, word r bit c ↔ word c bit r (LSB-first). */
function transpose32(a: Uint32Array): void {
  // Hacker's Delight §7-3, recursive block swaps, with the bit order reversed to LSB-first.
  for (let j = 16, m = 0x0000ffff; j !== 0; j >>>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = (((a[k] as number) >>> j) ^ (a[k + j] as number)) & m;
      a[k] = (a[k] as number) ^ (t << j);
      a[k + j] = (a[k + j] as number) ^ t;
    }
  }
}

/**
 * KOS15 Fig. 10 "Transpose and randomise" step 1: the λ_c × (ξ+s) column matrix to its first ξ
 * rows (the s padding rows are dropped), ROW_BYTES each, in 32×32 blocks.
 */
function transposeToRows(columns: Uint8Array): Uint8Array {
  const rows = new Uint8Array(XI * ROW_BYTES);
  const block = new Uint32Array(32);
  for (let cb = 0; cb < LAMBDA_C / 32; cb++) {
    for (let wb = 0; wb < XI / 32; wb++) {
      for (let r = 0; r < 32; r++) {
        const o = (32 * cb + r) * COLUMN_BYTES + 4 * wb;
        block[r] =
          (columns[o] as number) |
          ((columns[o + 1] as number) << 8) |
          ((columns[o + 2] as number) << 16) |
          ((columns[o + 3] as number) << 24);
      }
      transpose32(block);
      // Now block[c] bit r = column (32cb + r), bit (32wb + c): word cb of row 32wb + c.
      for (let c = 0; c < 32; c++) {
        const o = (32 * wb + c) * ROW_BYTES + 4 * cb;
        const v = block[c] as number;
        rows[o] = v & 0xff;
        rows[o + 1] = (v >>> 8) & 0xff;
        rows[o + 2] = (v >>> 16) & 0xff;
        rows[o + 3] = v >>> 24;
      }
    }
  }
  block.fill(0);
  return rows;
}

/**
 * Bytes of one row's output: OT_WIDTH short draws of 32 bytes. Divergence (PROTOCOL_VERSION 2)
 * from 48-byte draws: a row's 192 bytes of XOF output were a third of the extension's hashing;
 * 32 bytes mod n are within 2^-127 of uniform for secp256k1 (docs/protocol.md §7).
 */
export const OTE_ROW_DRAW_BYTES = OT_WIDTH * SHORT_DRAW_BYTES;
/** Bytes of all ξ rows' outputs. */
export const OTE_DRAW_BYTES = XI * OTE_ROW_DRAW_BYTES;

/**
 * Hs(sid, j, row) = oracleXof(otExtOutput, sid, OT_WIDTH·32, u32(j), row), as its OT_WIDTH raw
 * 32-byte draws (reduce each mod n for the scalars), written at row j of `draws`. `rows` is the
 * session of (otExtOutput, sid).
 */
function rowOutputInto(rows: OracleSession, j: number, row: Uint8Array, draws: Uint8Array): void {
  sessionXofInto(rows, draws, j * OTE_ROW_DRAW_BYTES, OTE_ROW_DRAW_BYTES, u32(j), row);
}

/** The ξ rows of draws as scalars: row j is OT_WIDTH scalars in Z_q. */
function drawsToRows(draws: Uint8Array): bigint[][] {
  const view = new DataView(draws.buffer, draws.byteOffset, draws.byteLength);
  const out: bigint[][] = new Array(XI);
  for (let j = 0; j < XI; j++) {
    const row: bigint[] = new Array(OT_WIDTH);
    for (let w = 0; w < OT_WIDTH; w++)
      row[w] = shortDrawInteger(view, (j * OT_WIDTH + w) * SHORT_DRAW_BYTES) % N;
    out[j] = row;
  }
  return out;
}

/** The fields of an untrusted message; `MalformedMessage` unless it is a plain object. */
function messageFields(message: unknown, culprit: number): Record<string, unknown> {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw new TssError('MalformedMessage', '"oteMessage" expected an object', culprit);
  return message as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Public API.

/**
 * The OTE receiver (KOS15 updated Fig. 10, receiver side, with Fiat–Shamir), with its outputs as
 * raw draws: extends the λ_c base OTs to ξ OTs on `choices` and returns the one message for the
 * sender and γ_j = v^j_{β_j} as OT_WIDTH 32-byte draws per row (row j, index w at bytes
 * (j·OT_WIDTH + w)·32 …; the scalar is the draw mod n). Bytes, unlike BigInts, can be wiped by
 * the caller, and a caller that reduces sums once saves one reduction per entry (RVOLE does).
 * Draws CHECK_BITS/8 = 16 bytes from `rng`.
 * @example
 * const { message, draws } = oteReceiveDraws(setup, sid, randomBits(rng, XI), rng);
 */
export function oteReceiveDraws(
  setup: OteReceiverSetup,
  sid: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
): { message: OteMessage; draws: Uint8Array } {
  assertReceiverSetup(setup);
  assertSid(sid);
  assertBits(choices, XI, 'choices');

  // Fig. 10 "Extend" step 1: x' = β ‖ (s random bits), packed.
  const xPrime = new Uint8Array(COLUMN_BYTES);
  packBits(choices, xPrime);
  const padding = rng(CHECK_BITS / 8);
  if (!(padding instanceof Uint8Array) || padding.length !== CHECK_BITS / 8)
    throw invalid('rng', `${CHECK_BITS / 8} random bytes`);
  xPrime.set(padding, XI / 8);
  padding.fill(0);

  // Step 2–3: t^i_0 = PRG(sid, i, k^i_0), t^i_1 = PRG(sid, i, k^i_1), u^i = t^i_0 ⊕ t^i_1 ⊕ x'.
  const prg = oracleSession(TAGS.otExtPrg, sid);
  const t0 = new Uint8Array(OTE_U_BYTES);
  const t1i = new Uint8Array(COLUMN_BYTES);
  const u = new Uint8Array(OTE_U_BYTES);
  for (let i = 0; i < LAMBDA_C; i++) {
    const o = i * COLUMN_BYTES;
    prgInto(prg, i, setup.seeds0[i] as Uint8Array, t0, o);
    prgInto(prg, i, setup.seeds1[i] as Uint8Array, t1i, 0);
    for (let p = 0; p < COLUMN_BYTES; p++)
      u[o + p] = (t0[o + p] as number) ^ (t1i[p] as number) ^ (xPrime[p] as number);
  }
  t1i.fill(0);

  // "Consistency check" step 1 (Fiat–Shamir): χ = H(sid, u).
  const tables = challenges(sid, u);
  // Step 2: x̃ = Σ χ_j·x'_[j] ⊕ x'_[m+1]; t̃^i = Σ χ_j·t^i_{0,[j]} ⊕ t^i_{0,[m+1]}.
  const acc = new Uint32Array(4);
  checkHash(tables, xPrime, 0, acc);
  const xTilde = gf128WordsToBytes(acc);
  const tTilde = new Uint8Array(OTE_T_TILDE_BYTES);
  for (let i = 0; i < LAMBDA_C; i++) {
    checkHash(tables, t0, i * COLUMN_BYTES, acc);
    gf128WordsToBytes(acc, tTilde, i * GF128_BYTES);
  }
  xPrime.fill(0);

  // "Transpose and randomise": γ_j = Hs(sid, j, t_j), t_j row j of t_0.
  const rows = transposeToRows(t0);
  t0.fill(0);
  const output = oracleSession(TAGS.otExtOutput, sid);
  const draws = new Uint8Array(OTE_DRAW_BYTES);
  for (let j = 0; j < XI; j++)
    rowOutputInto(output, j, rows.subarray(j * ROW_BYTES, (j + 1) * ROW_BYTES), draws);
  rows.fill(0);
  acc.fill(0);
  return { message: { u, xTilde, tTilde }, draws };
}

/**
 * The OTE receiver (KOS15 updated Fig. 10, receiver side, with Fiat–Shamir): extends the λ_c
 * base OTs to ξ OTs on `choices`, returns the one message for the sender and its outputs
 * γ_j = v^j_{β_j} (ξ rows of OT_WIDTH scalars). Draws CHECK_BITS/8 = 16 bytes from `rng`.
 * {@link oteReceiveDraws} with the draws reduced to scalars.
 * @example
 * const { message, outputs } = oteReceive(setup, sid, randomBits(rng, XI), rng);
 */
export function oteReceive(
  setup: OteReceiverSetup,
  sid: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
): { message: OteMessage; outputs: bigint[][] } {
  const { message, draws } = oteReceiveDraws(setup, sid, choices, rng);
  const outputs = drawsToRows(draws);
  draws.fill(0);
  return { message, outputs };
}

/**
 * The OTE sender (KOS15 updated Fig. 10, sender side, with Fiat–Shamir), with its outputs as raw
 * draws (layout of {@link oteReceiveDraws}): validates the receiver's message, runs the
 * consistency check (ban on failure) and returns both OT outputs v^j_0, v^j_1 as `draws0`,
 * `draws1`.
 * @param culprit the receiver's party index, named in every error.
 * @throws TssError `MalformedMessage` / `WrongLength` (recoverable) on a malformed message;
 *   `OtConsistencyCheckFailed` (ban) if the check fails.
 * @example
 * const { draws0, draws1 } = oteSendDraws(setup, sid, message, peerIndex);
 */
export function oteSendDraws(
  setup: OteSenderSetup,
  sid: Uint8Array,
  message: unknown,
  culprit: number,
): { draws0: Uint8Array; draws1: Uint8Array } {
  assertSenderSetup(setup);
  assertSid(sid);
  // Shape of the inbound message before any cryptography.
  const fields = messageFields(message, culprit);
  const { u, xTilde, tTilde } = fields;
  assertBytes(u, OTE_U_BYTES, 'u', culprit);
  assertBytes(xTilde, GF128_BYTES, 'xTilde', culprit);
  assertBytes(tTilde, OTE_T_TILDE_BYTES, 'tTilde', culprit);

  // Fig. 10 "Extend" step 4: q^i = PRG(sid, i, k^i_{Δ_i}) ⊕ Δ_i·u^i (= t^i_0 ⊕ Δ_i·x').
  const prg = oracleSession(TAGS.otExtPrg, sid);
  const q = new Uint8Array(OTE_U_BYTES);
  for (let i = 0; i < LAMBDA_C; i++) {
    const mask = -(setup.delta[i] as number) & 0xff;
    const o = i * COLUMN_BYTES;
    prgInto(prg, i, setup.seeds[i] as Uint8Array, q, o);
    for (let p = 0; p < COLUMN_BYTES; p++)
      q[o + p] = (q[o + p] as number) ^ ((u[o + p] as number) & mask);
  }

  // "Consistency check" step 1 (Fiat–Shamir over all of u), step 3: for every i,
  // Σ χ_j·q^i_[j] ⊕ q^i_[m+1] == t̃^i ⊕ Δ_i·x̃. Constant time: one accumulated diff, no early exit.
  const tables = challenges(sid, u);
  const xw = gf128ToWords(xTilde, 0);
  const acc = new Uint32Array(4);
  let diff = 0;
  for (let i = 0; i < LAMBDA_C; i++) {
    checkHash(tables, q, i * COLUMN_BYTES, acc);
    const mask = -(setup.delta[i] as number);
    const tw = gf128ToWords(tTilde, i * GF128_BYTES);
    for (let w = 0; w < 4; w++)
      diff |= (acc[w] as number) ^ (tw[w] as number) ^ ((xw[w] as number) & mask);
  }
  acc.fill(0);
  if (diff !== 0) {
    q.fill(0);
    throw new TssError('OtConsistencyCheckFailed', 'OT extension consistency check', culprit);
  }

  // "Transpose and randomise": v^j_0 = Hs(sid, j, q_j), v^j_1 = Hs(sid, j, q_j ⊕ Δ).
  const rows = transposeToRows(q);
  q.fill(0);
  const delta = new Uint8Array(ROW_BYTES);
  packBits(setup.delta, delta);
  const flipped = new Uint8Array(ROW_BYTES);
  const output = oracleSession(TAGS.otExtOutput, sid);
  const draws0 = new Uint8Array(OTE_DRAW_BYTES);
  const draws1 = new Uint8Array(OTE_DRAW_BYTES);
  for (let j = 0; j < XI; j++) {
    const row = rows.subarray(j * ROW_BYTES, (j + 1) * ROW_BYTES);
    for (let b = 0; b < ROW_BYTES; b++) flipped[b] = (row[b] as number) ^ (delta[b] as number);
    rowOutputInto(output, j, row, draws0);
    rowOutputInto(output, j, flipped, draws1);
  }
  rows.fill(0);
  delta.fill(0);
  flipped.fill(0);
  return { draws0, draws1 };
}

/**
 * The OTE sender (KOS15 updated Fig. 10, sender side, with Fiat–Shamir): validates the
 * receiver's message, runs the consistency check (ban on failure) and returns both OT outputs
 * v0[j], v1[j] (ξ rows of OT_WIDTH scalars each). {@link oteSendDraws} with the draws reduced.
 * @param culprit the receiver's party index, named in every error.
 * @throws TssError `MalformedMessage` / `WrongLength` (recoverable) on a malformed message;
 *   `OtConsistencyCheckFailed` (ban) if the check fails.
 * @example
 * const { v0, v1 } = oteSend(setup, sid, message, peerIndex);
 */
export function oteSend(
  setup: OteSenderSetup,
  sid: Uint8Array,
  message: unknown,
  culprit: number,
): { v0: bigint[][]; v1: bigint[][] } {
  const { draws0, draws1 } = oteSendDraws(setup, sid, message, culprit);
  const v0 = drawsToRows(draws0);
  const v1 = drawsToRows(draws1);
  draws0.fill(0);
  draws1.fill(0);
  return { v0, v1 };
}
