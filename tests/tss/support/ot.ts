/**
 * OT-extension test support. Deals OT-extension setups directly, for tests only: random Δ and seeds, with the sender holding
 * k^i_{Δ_i} exactly as the λ_c base OTs (MR19 Fig. 8, roles reversed) would leave it.
 */

import { N } from '../../../tss/curve';
import { oracleXof, u32 } from '../../../tss/hash';
import type { OteMessage, OteReceiverSetup, OteSenderSetup } from '../../../tss/ot/extension';
import {
  CHECK_BLOCKS,
  COLUMN_BYTES,
  LAMBDA_C,
  OT_WIDTH,
  SEED_BYTES,
  XI,
} from '../../../tss/params';
import { type Rng, randomBits } from '../../../tss/rng';
import { TAGS } from '../../../tss/tags';

export type DealtOtSetups = {
  readonly sender: OteSenderSetup;
  readonly receiver: OteReceiverSetup;
};

export function dealOtSetups(rng: Rng): DealtOtSetups {
  const delta = randomBits(rng, LAMBDA_C);
  const seeds0: Uint8Array[] = [];
  const seeds1: Uint8Array[] = [];
  const seeds: Uint8Array[] = [];
  for (let i = 0; i < LAMBDA_C; i++) {
    const k0 = rng(SEED_BYTES);
    const k1 = rng(SEED_BYTES);
    seeds0.push(k0);
    seeds1.push(k1);
    seeds.push(delta[i] === 1 ? k1 : k0);
  }
  return { sender: { delta, seeds }, receiver: { seeds0, seeds1 } };
}

// ---------------------------------------------------------------------------------------------
// A deliberately naive re-statement of the OT extension (research/tecdsa.md §6 "second
// implementation for the algebra"): one bit per array entry, GF(2^128) as BigInt polynomials,
// the transpose bit by bit, formulas copied from tecdsa.md §2.4. Slow and obvious on purpose.

const bitsOf = (bytes: Uint8Array): number[] =>
  Array.from({ length: bytes.length * 8 }, (_, p) => ((bytes[p >> 3] as number) >> (p & 7)) & 1);

function bytesOf(bits: readonly number[]): Uint8Array {
  const out = new Uint8Array(bits.length / 8);
  bits.forEach((bit, p) => {
    out[p >> 3] = (out[p >> 3] as number) | (bit << (p & 7));
  });
  return out;
}

/** Bits b_0…b_127 as the polynomial Σ b_k x^k. */
const poly = (bits: readonly number[]): bigint =>
  bits.reduce((acc, bit, k) => acc | (BigInt(bit) << BigInt(k)), 0n);
const polyBits = (v: bigint): number[] =>
  Array.from({ length: 128 }, (_, k) => Number((v >> BigInt(k)) & 1n));

function naiveGfMul(x: bigint, y: bigint): bigint {
  let product = 0n;
  for (let i = 0n; i < 128n; i++) if ((y >> i) & 1n) product ^= x << i;
  for (let d = 254n; d >= 128n; d--)
    if ((product >> d) & 1n) product ^= ((1n << 128n) | 0x87n) << (d - 128n);
  return product;
}

/** Σ_{j≤m} χ_j·c_[j] ⊕ c_[m+1] over a 640-bit column. */
function naiveCheck(chi: readonly bigint[], column: readonly number[]): bigint {
  let acc = poly(column.slice(CHECK_BLOCKS * 128, (CHECK_BLOCKS + 1) * 128));
  for (let j = 0; j < CHECK_BLOCKS; j++)
    acc ^= naiveGfMul(chi[j] as bigint, poly(column.slice(128 * j, 128 * (j + 1))));
  return acc;
}

export type NaiveOte = {
  message: OteMessage;
  /** Receiver outputs γ_j. */
  gamma: bigint[][];
  /** Sender outputs, and whether the sender's check passed. */
  v0: bigint[][];
  v1: bigint[][];
  checkPassed: boolean;
};

/**
 * Both sides of one extension, on explicit choice bits β and padding bytes. `cheat` makes the
 * receiver a *consistent* cheater (the selective-abort attack): it flips one bit of u^i and then
 * derives χ, x̃ and t̃ honestly from the tampered u, so the check fails exactly when Δ_i = 1.
 */
export function naiveOte(
  setups: DealtOtSetups,
  sid: Uint8Array,
  beta: Uint8Array,
  padding: Uint8Array,
  cheat?: { column: number; bit: number },
): NaiveOte {
  const { sender, receiver } = setups;
  const prg = (i: number, seed: Uint8Array) =>
    bitsOf(oracleXof(TAGS.otExtPrg, sid, COLUMN_BYTES, u32(i), seed));
  // Receiver: x' = β ‖ padding; t^i_b = PRG(sid, i, k^i_b); u^i = t^i_0 ⊕ t^i_1 ⊕ x'.
  const xPrime = [...Array.from(beta), ...bitsOf(padding)];
  const t0: number[][] = [];
  const u: number[][] = [];
  for (let i = 0; i < LAMBDA_C; i++) {
    const a = prg(i, receiver.seeds0[i] as Uint8Array);
    const b = prg(i, receiver.seeds1[i] as Uint8Array);
    t0.push(a);
    u.push(a.map((bit, p) => bit ^ (b[p] as number) ^ (xPrime[p] as number)));
  }
  if (cheat) {
    const column = u[cheat.column] as number[];
    column[cheat.bit] = (column[cheat.bit] as number) ^ 1;
  }
  const uBytes = bytesOf(u.flat());
  const chiBytes = oracleXof(TAGS.otExtChi, sid, 16 * CHECK_BLOCKS, uBytes);
  const chi = Array.from({ length: CHECK_BLOCKS }, (_, j) =>
    poly(bitsOf(chiBytes.subarray(16 * j, 16 * (j + 1)))),
  );
  const xTilde = bytesOf(polyBits(naiveCheck(chi, xPrime)));
  const tTilde = bytesOf(t0.flatMap((column) => polyBits(naiveCheck(chi, column))));
  // Hs: OT_WIDTH draws of 32 bytes (PROTOCOL_VERSION 2), each read big-endian and reduced mod n.
  const hs = (j: number, rowBits: readonly number[]) =>
    shortDraws(oracleXof(TAGS.otExtOutput, sid, OT_WIDTH * 32, u32(j), bytesOf(rowBits)));
  const gamma = Array.from({ length: XI }, (_, j) =>
    hs(
      j,
      t0.map((column) => column[j] as number),
    ),
  );
  // Sender: q^i = PRG(sid, i, k^i_{Δ_i}) ⊕ Δ_i·u^i; check; v^j_0 = Hs(q_j), v^j_1 = Hs(q_j ⊕ Δ).
  const delta = Array.from(sender.delta);
  const q = u.map((column, i) =>
    prg(i, sender.seeds[i] as Uint8Array).map(
      (bit, p) => bit ^ ((delta[i] as number) & (column[p] as number)),
    ),
  );
  const xt = poly(bitsOf(xTilde));
  const checkPassed = q.every((column, i) => {
    const ti = poly(bitsOf(tTilde.subarray(16 * i, 16 * (i + 1))));
    return naiveCheck(chi, column) === (delta[i] ? ti ^ xt : ti);
  });
  const v0 = Array.from({ length: XI }, (_, j) =>
    hs(
      j,
      q.map((column) => column[j] as number),
    ),
  );
  const v1 = Array.from({ length: XI }, (_, j) =>
    hs(
      j,
      q.map((column, i) => (column[j] as number) ^ (delta[i] as number)),
    ),
  );
  return { message: { u: uBytes, xTilde, tTilde }, gamma, v0, v1, checkPassed };
}

/** Consecutive 32-byte big-endian draws, each reduced mod n (re-stated, not the code under test). */
export function shortDraws(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let at = 0; at < bytes.length; at += 32)
    out.push(BigInt(`0x${Buffer.from(bytes.subarray(at, at + 32)).toString('hex')}`) % N);
  return out;
}
