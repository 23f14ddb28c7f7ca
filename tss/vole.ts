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
 * Encodings and divergences:
 * - Divergence from DKLs23 Protocol 5.2 as printed: θ_{i,k} and â_k (ToB appendix F), because the
 *   printed θ_{k,k}, â_i are typos that break the check.
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
import { mod, N, scalarToBytes } from './curve';
import { TssError } from './errors';
import { oracle, oracleScalar, oracleScalars, u32 } from './hash';
import {
  type OteMessage,
  type OteReceiverSetup,
  type OteSenderSetup,
  oteReceive,
  oteSend,
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
  /** γ_j = α^{β_j}_j ∈ Z_q^{ℓ+ρ}, j ∈ [ξ]. */
  readonly gamma: readonly (readonly bigint[])[];
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

/**
 * DKLs23 Protocol 5.2, public gadget g ∈ Z_q^ξ: g_j = Hq(sid, j). Computed per call (no cache
 * shared between sessions).
 */
function gadget(sid: Uint8Array): bigint[] {
  const g: bigint[] = new Array(XI);
  for (let j = 0; j < XI; j++) g[j] = oracleScalar(TAGS.voleGadget, sid, u32(j));
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
  const { message, outputs } = oteReceive(setup, sid, beta, rng);
  // "b = Σ_j g_j·β_j", β_j as the factor 0n/1n (no branch on β).
  const g = gadget(sid);
  let acc = 0n;
  for (let j = 0; j < XI; j++) acc += BigInt(beta[j] as number) * (g[j] as bigint);
  const b = mod(acc);
  const state: VoleBobState = {
    phase: 'vole/bob-awaiting-alice',
    sid: sid.slice(),
    beta,
    gamma: outputs,
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
  const { v0: alpha0, v1: alpha1 } = oteSend(setup, sid, bobMessage, culprit);
  const g = gadget(sid);

  // "c_i = −Σ_j g_j·α^0_{j,i}" for i ∈ [ℓ].
  const c: bigint[] = new Array(ELL);
  for (let i = 0; i < ELL; i++) {
    let acc = 0n;
    for (let j = 0; j < XI; j++) acc += (g[j] as bigint) * ((alpha0[j] as bigint[])[i] as bigint);
    c[i] = mod(-acc);
  }

  // "â ← Z_q^ρ."
  const aHat: bigint[] = new Array(RHO);
  for (let k = 0; k < RHO; k++) aHat[k] = randomScalar(rng);

  // "ã_{j,i} = α^0_{j,i} − α^1_{j,i} + a_i (i < ℓ); ã_{j,ℓ+k} = α^0_{j,ℓ+k} − α^1_{j,ℓ+k} + â_k."
  const aTilde = new Uint8Array(VOLE_A_TILDE_BYTES);
  for (let j = 0; j < XI; j++) {
    const a0 = alpha0[j] as bigint[];
    const a1 = alpha1[j] as bigint[];
    for (let col = 0; col < OT_WIDTH; col++) {
      const input = col < ELL ? (a[col] as bigint) : (aHat[col - ELL] as bigint);
      const value = mod((a0[col] as bigint) - (a1[col] as bigint) + input);
      aTilde.set(scalarToBytes(value), (j * OT_WIDTH + col) * SCALAR_BYTES);
    }
  }

  // "θ = Hq(sid, ã)"; "η_k = â_k + Σ_i θ_{i,k}·a_i" (ToB-corrected indices).
  const th = theta(sid, aTilde);
  const eta = new Uint8Array(VOLE_ETA_BYTES);
  for (let k = 0; k < RHO; k++) {
    let acc = aHat[k] as bigint;
    for (let i = 0; i < ELL; i++) acc += (th[i * RHO + k] as bigint) * (a[i] as bigint);
    eta.set(scalarToBytes(mod(acc)), k * SCALAR_BYTES);
  }

  // "μ = H_{2λ_c}(sid, {α^0_{j,ℓ+k} + Σ_i θ_{i,k}·α^0_{j,i}}_{j,k})".
  const entries = new Uint8Array(XI * RHO * SCALAR_BYTES);
  for (let j = 0; j < XI; j++) {
    const a0 = alpha0[j] as bigint[];
    for (let k = 0; k < RHO; k++) {
      let acc = a0[ELL + k] as bigint;
      for (let i = 0; i < ELL; i++) acc += (th[i * RHO + k] as bigint) * (a0[i] as bigint);
      entries.set(scalarToBytes(mod(acc)), (j * RHO + k) * SCALAR_BYTES);
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

  // Shape and canonical encodings before any arithmetic.
  if (typeof aliceMessage !== 'object' || aliceMessage === null || Array.isArray(aliceMessage))
    throw new TssError('MalformedMessage', '"voleMessage" expected an object', culprit);
  const { aTilde, eta, mu } = aliceMessage as Record<string, unknown>;
  assertBytes(aTilde, VOLE_A_TILDE_BYTES, 'aTilde', culprit);
  assertBytes(eta, VOLE_ETA_BYTES, 'eta', culprit);
  assertBytes(mu, MU_BYTES, 'mu', culprit);
  const at: bigint[] = new Array(XI * OT_WIDTH);
  for (let e = 0; e < XI * OT_WIDTH; e++)
    at[e] = decodeScalar(
      aTilde.subarray(e * SCALAR_BYTES, (e + 1) * SCALAR_BYTES),
      'aTilde',
      culprit,
      true,
    );
  const et: bigint[] = new Array(RHO);
  for (let k = 0; k < RHO; k++)
    et[k] = decodeScalar(
      eta.subarray(k * SCALAR_BYTES, (k + 1) * SCALAR_BYTES),
      'eta',
      culprit,
      true,
    );

  // "θ = Hq(sid, ã)."
  const th = theta(sid, aTilde);
  const dDot: bigint[][] = new Array(XI);
  const entries = new Uint8Array(XI * RHO * SCALAR_BYTES);
  for (let j = 0; j < XI; j++) {
    const bj = BigInt(beta[j] as number);
    const gj = gamma[j] as readonly bigint[];
    // "ḋ_{j,i} = γ_{j,i} + β_j·ã_{j,i}" for i ∈ [ℓ].
    const row: bigint[] = new Array(ELL);
    for (let i = 0; i < ELL; i++)
      row[i] = mod((gj[i] as bigint) + bj * (at[j * OT_WIDTH + i] as bigint));
    dDot[j] = row;
    for (let k = 0; k < RHO; k++) {
      // "d̂_{j,k} = γ_{j,ℓ+k} + β_j·ã_{j,ℓ+k}".
      let acc = (gj[ELL + k] as bigint) + bj * (at[j * OT_WIDTH + ELL + k] as bigint);
      // "… + Σ_i θ_{i,k}·ḋ_{j,i} − β_j·η_k" (ToB-corrected indices).
      for (let i = 0; i < ELL; i++) acc += (th[i * RHO + k] as bigint) * (row[i] as bigint);
      acc -= bj * (et[k] as bigint);
      entries.set(scalarToBytes(mod(acc)), (j * RHO + k) * SCALAR_BYTES);
    }
  }
  // "Bob aborts unless μ' = μ" — constant-time compare; a failure bans Alice (§2.9).
  const muPrime = muDigest(sid, entries);
  entries.fill(0);
  if (!bytesEqual(muPrime, mu))
    throw new TssError('VoleConsistencyCheckFailed', 'RVOLE check value "mu"', culprit);

  // "d_i = Σ_j g_j·ḋ_{j,i}."
  const d: bigint[] = new Array(ELL);
  for (let i = 0; i < ELL; i++) {
    let acc = 0n;
    for (let j = 0; j < XI; j++) acc += (g[j] as bigint) * ((dDot[j] as bigint[])[i] as bigint);
    d[i] = mod(acc);
  }
  return d;
}
