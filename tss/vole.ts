/**
 * Two-party random VOLE, DKLs23 (eprint 2023/765) Protocol 5.2, with the two typos Trail of
 * Bits found corrected (ToB audit of Silence Labs, appendix F: θ_{k,k} → θ_{i,k}, â_i → â_k),
 * as restated in research/tecdsa.md §2.5 and `bronlabs/bron-crypto` `rvole.tex`.
 *
 * Alice (the OT-extension sender) inputs a ∈ Z_q^ℓ and gets c ∈ Z_q^ℓ; Bob (the OT-extension
 * receiver) gets a random b ∈ Z_q and d ∈ Z_q^ℓ with c_i + d_i = a_i·b. Three steps:
 *
 * 1. {@link voleBobStart}: Bob samples β, starts the OT extension, fixes b = Σ_j g_j·β_j.
 * 2. {@link voleAliceRespond}: Alice finishes the OT extension (ban on a failed check), outputs c
 *    and sends (ã, η, μ).
 * 3. {@link voleBobFinish}: Bob checks μ (ban on failure) and outputs d.
 *
 * Why it is correct (checked by the tests and a naive re-statement): with γ_j = α^{β_j}_j,
 * ḋ_{j,i} = γ_{j,i} + β_j·ã_{j,i} = α^0_{j,i} + β_j·a_i, so d_i = Σ_j g_j·ḋ_{j,i} = −c_i + a_i·b;
 * and d̂_{j,k} + Σ_i θ_{i,k}·ḋ_{j,i} − β_j·η_k = α^0_{j,ℓ+k} + Σ_i θ_{i,k}·α^0_{j,i}, Alice's μ term.
 * No sign fix to the §2.5 formulas was needed.
 *
 * Scalars are BigInt, whose arithmetic is not constant-time in JS (research/tecdsa.md §4.1 item 11);
 * we at least never branch on β: β_j enters as the factor 0n or 1n.
 *
 * Arithmetic (speed, same values): the OT outputs α^0, α^1, γ stay the OT extension's raw 32-byte
 * draws (`oteSendDraws` / `oteReceiveDraws`) and enter each sum unreduced; every sum is reduced
 * mod n once, where its value is needed (an ã or μ entry, c_i, d_i). A difference x − y of a draw
 * y < 2^256 < 2n is computed as x + (2n − y), and −β_j·η_k as β_j·(n − η_k), so no sum is
 * negative.
 * Results are identical to reducing every term first. γ and β are wiped when Bob finishes.
 *
 * Encodings and divergences:
 * - Divergence from DKLs23 Protocol 5.2 as printed: θ_{i,k} and â_k (ToB appendix F), because the
 *   printed θ_{k,k}, â_i are typos that break the check.
 * - Divergence from research/tecdsa.md §2.5 "g_j = Hq(sid, j)": g is one XOF call,
 *   `oracleXof(voleGadget, sid, 32·ξ)`, whose j-th 32-byte draw mod n is g_j (a short draw,
 *   `hash.ts` SHORT_DRAW_BYTES, within 2^-127 of uniform; protocol 2 — protocol 1 drew 48 bytes),
 *   because ξ separate oracle calls cost ~3× more (each re-hashes the tag and sid) and the gadget
 *   is computed twice per signature per party; the g_j are still independent, near-uniform values
 *   of a random oracle bound to sid, and public to both parties, which is all the gadget needs.
 * - θ = `oracleScalars(voleTheta, sid, ℓ·ρ, ã)` over ã's wire bytes, θ_{i,k} at index i·ρ + k;
 *   μ = `oracle(voleMu, sid, …)`, SHA-256 (2λ_c = 256 bits) over the 32-byte encodings of the
 *   ξ·ρ check terms, row j then k.
 * - ã and η may be 0 (they are uniform in Z_q), so only canonicity (< n) is checked.
 * - Bob's state is spent on entry to {@link voleBobFinish}, even if the message is then rejected
 *   as malformed: β is never checked against two different messages from Alice.
 * - A session-id mismatch between Alice and Bob is not detectable as such here (the OTE message
 *   carries no sid): Alice's OT-extension check fails and she bans Bob. Callers must establish
 *   sid agreement before this step (research/tecdsa.md §2.9, TOB-SILA-8).
 * @module
 */
import { assertBytes, bytesEqual, decodeScalar } from './assert';
import { N } from './curve';
import { TssError } from './errors';
import { oracle, oracleScalars, oracleXof, SHORT_DRAW_BYTES, shortDrawInteger } from './hash';
import {
  type OteMessage,
  type OteReceiverSetup,
  type OteSenderSetup,
  oteReceiveDraws,
  oteSendDraws,
} from './ot/extension';
import { ELL, MU_BYTES, OT_WIDTH, RHO, SCALAR_BYTES, SID_BYTES, XI } from './params';
import { type Rng, randomBits, randomScalar } from './rng';
import { consume } from './state';
import { TAGS } from './tags';

/** Bob's state between his two steps. Secret (β, γ); single use. */
export type VoleBobState = {
  readonly phase: 'vole/bob-awaiting-alice';
  readonly sid: Uint8Array;
  /** β ∈ {0,1}^ξ, one bit per byte. */
  readonly beta: Uint8Array;
  /**
   * γ_j = α^{β_j}_j ∈ Z_q^{ℓ+ρ}, j ∈ [ξ], as the OT extension's raw 32-byte draws (entry (j, w)
   * at bytes (j·OT_WIDTH + w)·32 …; the scalar is the draw mod n), so it can be wiped.
   */
  readonly gamma: Uint8Array;
  /** The gadget g ∈ Z_q^ξ of this sid (public; kept to avoid recomputing it). */
  readonly gadget: readonly bigint[];
  /** b = Σ_j g_j·β_j, Bob's multiplicative share. */
  readonly b: bigint;
};

/** Alice → Bob (DKLs23 Protocol 5.2, Alice's message (ã, η, μ)). */
export type VoleAliceMessage = {
  /** ã ∈ Z_q^{ξ×(ℓ+ρ)}: row j, then column 0…OT_WIDTH−1, 32-byte big-endian each. */
  aTilde: Uint8Array;
  /** η ∈ Z_q^ρ, 32 bytes each. */
  eta: Uint8Array;
  /** μ ∈ {0,1}^{2λ_c}. */
  mu: Uint8Array;
};

/** Bytes of ã on the wire. */
export const VOLE_A_TILDE_BYTES = XI * OT_WIDTH * SCALAR_BYTES;
/** Bytes of η on the wire. */
export const VOLE_ETA_BYTES = RHO * SCALAR_BYTES;

/** A multiple of n above every 256-bit draw: x − y ≡ x + (OFFSET − y) keeps sums non-negative. */
const OFFSET = N << 1n;

/**
 * DKLs23 Protocol 5.2, public gadget g ∈ Z_q^ξ: g = Hq(sid) ∈ Z_q^ξ, one XOF call (see the
 * divergence in the module doc). Computed per call (no cache shared between sessions).
 */
function gadget(sid: Uint8Array): bigint[] {
  const draws = oracleXof(TAGS.voleGadget, sid, XI * SHORT_DRAW_BYTES);
  const view = viewOf(draws);
  const g: bigint[] = new Array(XI);
  for (let j = 0; j < XI; j++) g[j] = shortDrawInteger(view, j * SHORT_DRAW_BYTES) % N;
  return g;
}

/** θ ∈ Z_q^{ℓ×ρ} = Hq(sid, ã), θ_{i,k} at index i·ρ + k. */
function theta(sid: Uint8Array, aTilde: Uint8Array): bigint[] {
  return oracleScalars(TAGS.voleTheta, sid, ELL * RHO, aTilde);
}

/** μ = H_{2λ_c}(sid, {m_{j,k}}) over the 32-byte encodings, row j then k. */
function muDigest(sid: Uint8Array, entries: Uint8Array): Uint8Array {
  return oracle(TAGS.voleMu, sid, entries);
}

/**
 * Writes x mod n (x ≥ 0) as 32 big-endian bytes at `offset` of `view`. `setBigUint64` keeps
 * the low 64 bits of its argument (ToBigUint64), so the words need no mask.
 */
function putScalar(view: DataView, offset: number, x: bigint): void {
  const s = x % N;
  view.setBigUint64(offset, s >> 192n);
  view.setBigUint64(offset + 8, s >> 128n);
  view.setBigUint64(offset + 16, s >> 64n);
  view.setBigUint64(offset + 24, s);
}

const viewOf = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function assertSid(sid: unknown): asserts sid is Uint8Array {
  if (!(sid instanceof Uint8Array) || sid.length !== SID_BYTES)
    throw new TssError('InvalidParameters', `"sid" expected ${SID_BYTES} bytes`);
}

/**
 * Bob, round 1 (DKLs23 Protocol 5.2, Bob's sampling step): β ← {0,1}^ξ; run the OTE receiver
 * on β to get γ; b = Σ_j g_j·β_j. Returns b, the state to keep and the OTE message for Alice.
 * `rng` draws: ξ/8 bytes for β, then the OTE receiver's 16 padding bytes.
 * @example
 * const { state, b, message } = voleBobStart(pair.oteReceiver, sidMul, rng);
 */
export function voleBobStart(
  setup: OteReceiverSetup,
  sid: Uint8Array,
  rng: Rng,
): { state: VoleBobState; b: bigint; message: OteMessage } {
  assertSid(sid);
  // "Bob samples β ← {0,1}^ξ."
  const beta = randomBits(rng, XI);
  // "Bob acts as the receiver in ξ OTs with choice bits β and receives γ_j ∈ Z_q^{ℓ+ρ}."
  const { message, draws } = oteReceiveDraws(setup, sid, beta, rng);
  // "b = Σ_j g_j·β_j", β_j as the factor 0n/1n (no branch on β).
  const g = gadget(sid);
  let acc = 0n;
  for (let j = 0; j < XI; j++) acc += BigInt(beta[j] as number) * (g[j] as bigint);
  const b = acc % N;
  const state: VoleBobState = {
    phase: 'vole/bob-awaiting-alice',
    sid: sid.slice(),
    beta,
    gamma: draws,
    gadget: g,
    b,
  };
  return { state, b, message };
}

/**
 * Alice, round 2 (DKLs23 Protocol 5.2, Alice's multiplication step): finishes the OT extension
 * against Bob's message (the α^0, α^1 of the protocol), outputs c with c_i + d_i = a_i·b and the
 * message (ã, η, μ) for Bob. `rng` draws â (ρ scalars).
 * @param a Alice's input, ℓ scalars in [0, n).
 * @param culprit Bob's party index.
 * @throws TssError `MalformedMessage` / `WrongLength` (recoverable) on a malformed Bob message;
 *   `OtConsistencyCheckFailed` (ban Bob) if the OT-extension check fails.
 * @example
 * const { c, message } = voleAliceRespond(pair.oteSender, sidMul, [r, sk], bobMessage, rng, j);
 */
export function voleAliceRespond(
  setup: OteSenderSetup,
  sid: Uint8Array,
  a: readonly bigint[],
  bobMessage: unknown,
  rng: Rng,
  culprit: number,
): { c: bigint[]; message: VoleAliceMessage } {
  assertSid(sid);
  if (!Array.isArray(a) || a.length !== ELL)
    throw new TssError('InvalidParameters', `"a" expected ${ELL} scalars`);
  for (const ai of a)
    if (typeof ai !== 'bigint' || ai < 0n || ai >= N)
      throw new TssError('InvalidParameters', '"a" expected scalars in [0, n)');

  // "Alice acts as the sender in ξ OTs and receives α^0_j, α^1_j ∈ Z_q^{ℓ+ρ}" (ban on a failed check).
  const { draws0, draws1 } = oteSendDraws(setup, sid, bobMessage, culprit);
  const g = gadget(sid);

  // "â ← Z_q^ρ."
  const aHat: bigint[] = new Array(RHO);
  for (let k = 0; k < RHO; k++) aHat[k] = randomScalar(rng);
  // The column inputs of ã, a_i for i < ℓ and â_k for column ℓ + k, plus 2n (see below).
  const inputs = [...a, ...aHat].map((x) => x + OFFSET);

  // One pass over the rows (lazy reduction: the draws enter unreduced, each sum is reduced once).
  // "c_i = −Σ_j g_j·α^0_{j,i}" for i ∈ [ℓ];
  // "ã_{j,i} = α^0_{j,i} − α^1_{j,i} + a_i (i < ℓ); ã_{j,ℓ+k} = α^0_{j,ℓ+k} − α^1_{j,ℓ+k} + â_k",
  // as α^0 + (input + 2n − α^1), which is never negative.
  const v0 = viewOf(draws0);
  const v1 = viewOf(draws1);
  const aTilde = new Uint8Array(VOLE_A_TILDE_BYTES);
  const aTildeView = viewOf(aTilde);
  const alpha0: bigint[] = new Array(XI * OT_WIDTH);
  const cAcc: bigint[] = new Array(ELL).fill(0n);
  for (let j = 0; j < XI; j++) {
    const gj = g[j] as bigint;
    for (let col = 0; col < OT_WIDTH; col++) {
      const e = j * OT_WIDTH + col;
      const x0 = shortDrawInteger(v0, e * SHORT_DRAW_BYTES);
      const x1 = shortDrawInteger(v1, e * SHORT_DRAW_BYTES);
      alpha0[e] = x0;
      if (col < ELL) cAcc[col] = (cAcc[col] as bigint) + gj * x0;
      putScalar(aTildeView, e * SCALAR_BYTES, x0 + ((inputs[col] as bigint) - x1));
    }
  }
  draws0.fill(0);
  draws1.fill(0);
  const c: bigint[] = cAcc.map((x) => (N - (x % N)) % N);

  // "θ = Hq(sid, ã)"; "η_k = â_k + Σ_i θ_{i,k}·a_i" (ToB-corrected indices).
  const th = theta(sid, aTilde);
  const eta = new Uint8Array(VOLE_ETA_BYTES);
  const etaView = viewOf(eta);
  for (let k = 0; k < RHO; k++) {
    let acc = aHat[k] as bigint;
    for (let i = 0; i < ELL; i++) acc += (th[i * RHO + k] as bigint) * (a[i] as bigint);
    putScalar(etaView, k * SCALAR_BYTES, acc);
  }

  // "μ = H_{2λ_c}(sid, {α^0_{j,ℓ+k} + Σ_i θ_{i,k}·α^0_{j,i}}_{j,k})".
  const entries = new Uint8Array(XI * RHO * SCALAR_BYTES);
  const entriesView = viewOf(entries);
  for (let j = 0; j < XI; j++) {
    const row = j * OT_WIDTH;
    for (let k = 0; k < RHO; k++) {
      let acc = alpha0[row + ELL + k] as bigint;
      for (let i = 0; i < ELL; i++)
        acc += (th[i * RHO + k] as bigint) * (alpha0[row + i] as bigint);
      putScalar(entriesView, (j * RHO + k) * SCALAR_BYTES, acc);
    }
  }
  const mu = muDigest(sid, entries);
  entries.fill(0);
  return { c, message: { aTilde, eta, mu } };
}

/**
 * Bob, round 3 (DKLs23 Protocol 5.2, Bob's check step): validates (ã, η, μ), recomputes μ and
 * compares it in constant time, outputs d with c_i + d_i = a_i·b. Consumes `state`.
 * @param culprit Alice's party index.
 * @throws TssError `PhaseOutOfOrder` on a reused state; `MalformedMessage` / `WrongLength` /
 *   `InvalidScalar` (recoverable) on a malformed message; `VoleConsistencyCheckFailed` (ban Alice)
 *   if μ' ≠ μ.
 * @example
 * const d = voleBobFinish(state, aliceMessage, j);
 */
export function voleBobFinish(
  state: VoleBobState,
  aliceMessage: unknown,
  culprit: number,
): bigint[] {
  // Spent on entry, whatever happens next: β is never checked against two different messages.
  const { sid, beta, gamma, gadget: g } = consume(state, 'vole/bob-awaiting-alice');
  try {
    return bobCheckAndOutput(sid, beta, gamma, g, aliceMessage, culprit);
  } finally {
    // β and γ are spent: wipe them, whatever the outcome.
    beta.fill(0);
    gamma.fill(0);
  }
}

/** {@link voleBobFinish} after the state is consumed. */
function bobCheckAndOutput(
  sid: Uint8Array,
  beta: Uint8Array,
  gamma: Uint8Array,
  g: readonly bigint[],
  aliceMessage: unknown,
  culprit: number,
): bigint[] {
  // Shape and canonical encodings before any arithmetic.
  if (typeof aliceMessage !== 'object' || aliceMessage === null || Array.isArray(aliceMessage))
    throw new TssError('MalformedMessage', '"voleMessage" expected an object', culprit);
  const { aTilde, eta, mu } = aliceMessage as Record<string, unknown>;
  assertBytes(aTilde, VOLE_A_TILDE_BYTES, 'aTilde', culprit);
  assertBytes(eta, VOLE_ETA_BYTES, 'eta', culprit);
  assertBytes(mu, MU_BYTES, 'mu', culprit);
  // Every ã entry must be canonical (< n); 0 is allowed (ã is uniform in Z_q).
  const aTildeView = viewOf(aTilde);
  const at: bigint[] = new Array(XI * OT_WIDTH);
  let nonCanonical = false;
  for (let e = 0; e < XI * OT_WIDTH; e++) {
    const x = shortDrawInteger(aTildeView, e * SCALAR_BYTES);
    nonCanonical ||= x >= N;
    at[e] = x;
  }
  if (nonCanonical)
    throw new TssError('InvalidScalar', '"aTilde" is not a canonical scalar', culprit);
  // −β_j·η_k enters as β_j·(n − η_k), so every sum stays non-negative.
  const negEta: bigint[] = new Array(RHO);
  for (let k = 0; k < RHO; k++)
    negEta[k] =
      N -
      decodeScalar(eta.subarray(k * SCALAR_BYTES, (k + 1) * SCALAR_BYTES), 'eta', culprit, true);

  // "θ = Hq(sid, ã)."
  const th = theta(sid, aTilde);
  const gammaView = viewOf(gamma);
  const entries = new Uint8Array(XI * RHO * SCALAR_BYTES);
  const entriesView = viewOf(entries);
  const dAcc: bigint[] = new Array(ELL).fill(0n);
  const row: bigint[] = new Array(ELL);
  for (let j = 0; j < XI; j++) {
    const bj = BigInt(beta[j] as number);
    const gj = g[j] as bigint;
    const base = j * OT_WIDTH;
    // "ḋ_{j,i} = γ_{j,i} + β_j·ã_{j,i}" for i ∈ [ℓ]; "d_i = Σ_j g_j·ḋ_{j,i}" (reduced at the end).
    for (let i = 0; i < ELL; i++) {
      const dDot =
        shortDrawInteger(gammaView, (base + i) * SHORT_DRAW_BYTES) + bj * (at[base + i] as bigint);
      row[i] = dDot;
      dAcc[i] = (dAcc[i] as bigint) + gj * dDot;
    }
    for (let k = 0; k < RHO; k++) {
      // "d̂_{j,k} = γ_{j,ℓ+k} + β_j·ã_{j,ℓ+k}", and its "… − β_j·η_k" in the same product:
      // γ_{j,ℓ+k} + β_j·(ã_{j,ℓ+k} + n − η_k).
      let acc =
        shortDrawInteger(gammaView, (base + ELL + k) * SHORT_DRAW_BYTES) +
        bj * ((at[base + ELL + k] as bigint) + (negEta[k] as bigint));
      // "… + Σ_i θ_{i,k}·ḋ_{j,i}" (ToB-corrected indices).
      for (let i = 0; i < ELL; i++) acc += (th[i * RHO + k] as bigint) * (row[i] as bigint);
      putScalar(entriesView, (j * RHO + k) * SCALAR_BYTES, acc);
    }
  }
  // "Bob aborts unless μ' = μ" — constant-time compare; a failure bans Alice (§2.9).
  const muPrime = muDigest(sid, entries);
  entries.fill(0);
  if (!bytesEqual(muPrime, mu))
    throw new TssError('VoleConsistencyCheckFailed', 'RVOLE check value "mu"', culprit);

  // "d_i = Σ_j g_j·ḋ_{j,i}."
  return dAcc.map((x) => x % N);
}
