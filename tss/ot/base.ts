/**
 * Base OT: the Masny–Rindal endemic oblivious transfer, MR19 Fig. 8 (eprint 2019/706) at n = 2
 * with Diffie–Hellman as the uniform key agreement, batched to λ_c = 128 instances for one
 * ordered pair of parties. DKLs23 §8.1 (eprint 2023/765) supplies Roy's OT extension with
 * exactly these base OTs. Spec: research/tecdsa.md §2.3, `LFDT-Lockness/dkls:spec/endemic_ot.md`.
 *
 * Per instance k, with choice bit c and the pair's OT session id sid:
 *
 * 1. Receiver: a_k ← Z_q; r_{1−c} = z·G for a fresh z; r_c = a_k·G − H_c(sid, k, r_{1−c}).
 *    Sends (r_0, r_1) for every k.
 * 2. Sender, once for the batch: b ← Z_q, B = b·G. Per instance: M_j = r_j + H_j(sid, k, r_{1−j});
 *    keeps ρ_j = H'(sid, k, j, b·M_j). Sends B.
 * 3. Receiver: ρ_c = H'(sid, k, c, a_k·B), because b·M_c = b·a_k·G = a_k·B.
 *
 * H_j is RFC 9380 hash-to-curve, so nobody knows the discrete log of its output: the receiver
 * cannot open both slots even though it knows z.
 *
 * One sender key per batch (protocol 2; protocol 1 drew b_0, b_1 per instance and sent 2·λ_c
 * points), as `osu-crypto/libOTe` `MasnyRindal::send`, by one of MR19's authors, does: the
 * receiver's a_k·B become multiplications of one point with a precomputed table (≈ 0.4 instead of
 * ≈ 2.2 ms each), the sender makes one fixed-base multiplication instead of 2·λ_c, and the reply
 * is one point. Why it is safe (docs/protocol.md §6): for the slot whose discrete log the receiver
 * does not know, b·M is a CDH instance given B; reusing b across instances gives nothing, because
 * CDH is randomly self-reducible and each M_{k,j} carries its own oracle term H_j(sid, k, …); and
 * with one B for both slots, the receiver's work no longer depends on c at all.
 *
 * The three "Devious Transfer" breaks (Fordefi 2024; research/tecdsa.md §4.1 item 2) are closed
 * here: every received point is decoded and validated (on curve, not the identity) before use;
 * r_{1−c} is sampled from the group, never as random bytes; and the sender's keys depend on its
 * secret b and on the oracle term H_j.
 * @module
 */

import { assertPartyIndex, decodePoint } from '../assert';
import { mulG, mulPoint, type Point, pointToBytes } from '../curve';
import { TssError } from '../errors';
import { oracle, oraclePoint, u32 } from '../hash';
import { LAMBDA_C, POINT_BYTES, SID_BYTES } from '../params';
import { type Rng, randomScalar } from '../rng';
import { consume } from '../state';
import { TAGS } from '../tags';

const PHASE = 'base-ot/awaiting-reply';

/** The receiver's (r_0, r_1) per instance: λ_c compressed points in each list. */
export type BaseOtRequest = { r0: Uint8Array[]; r1: Uint8Array[] };
/** The sender's B = b·G, one compressed point for the whole batch. */
export type BaseOtReply = { b: Uint8Array };
/** What the receiver keeps between its two steps. Secret: `choices` and `secrets`. */
export type BaseOtReceiverState = {
  readonly phase: typeof PHASE;
  /** The OT session id of this pair and direction. */
  readonly sid: Uint8Array;
  /** c_k, one bit per byte. Wiped when the state is consumed. */
  readonly choices: Uint8Array;
  /** a_k, the receiver's key-agreement exponents. Wiped when the state is consumed. */
  readonly secrets: bigint[];
};

/** One byte, for the slot index j ∈ {0, 1} in oracle inputs. */
function u8(value: number): Uint8Array {
  return Uint8Array.of(value);
}

/** The encoding hashed into ρ: compressed, or 33 zero bytes for the identity (never thrown on). */
function keyPointBytes(point: Point): Uint8Array {
  return point.is0() ? new Uint8Array(POINT_BYTES) : pointToBytes(point);
}

/** H_j(sid, k, r_{1−j}): hash-to-curve with the instance and the slot in the input. */
function padOracle(sid: Uint8Array, k: number, j: Uint8Array, other: Uint8Array): Point {
  return oraclePoint(TAGS.otBaseHashToCurve, sid, u32(k), j, other);
}

/** H'(sid, k, j, P): the 32-byte key of slot j of instance k. */
function keyOracle(sid: Uint8Array, k: number, j: Uint8Array, point: Point): Uint8Array {
  return oracle(TAGS.otBaseKey, sid, u32(k), j, keyPointBytes(point));
}

/** `bit ? ifOne : ifZero` over equal-length bytes, without branching on `bit`. */
function selectBytes(bit: number, ifZero: Uint8Array, ifOne: Uint8Array): Uint8Array {
  const mask = -bit & 0xff;
  const out = new Uint8Array(ifZero.length);
  for (let i = 0; i < out.length; i++) {
    const x = ifZero[i] as number;
    out[i] = x ^ ((x ^ (ifOne[i] as number)) & mask);
  }
  return out;
}

function assertSid(sid: unknown, field: string): asserts sid is Uint8Array {
  if (!(sid instanceof Uint8Array) || sid.length !== SID_BYTES)
    throw new TssError('InvalidParameters', `"${field}" expected ${SID_BYTES} bytes`);
}

function assertCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > LAMBDA_C)
    throw new TssError('InvalidParameters', `"count" expected an integer in 1..${LAMBDA_C}`);
}

/** A peer message: a non-null object whose `fields` are lists of `count` valid points. */
function decodePointLists(
  message: unknown,
  name: string,
  fields: readonly [string, string],
  count: number,
  culprit: number,
): [Point[], Point[], Uint8Array[], Uint8Array[]] {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw new TssError('MalformedMessage', `"${name}" expected an object`, culprit);
  const record = message as Record<string, unknown>;
  const lists = fields.map((field) => {
    const list = record[field];
    if (list === undefined)
      throw new TssError('MalformedMessage', `"${name}.${field}" is missing`, culprit);
    if (!Array.isArray(list))
      throw new TssError('MalformedMessage', `"${name}.${field}" expected a list`, culprit);
    if (list.length !== count)
      throw new TssError(
        'WrongLength',
        `"${name}.${field}" expected ${count} items, got ${list.length}`,
        culprit,
      );
    return list as unknown[];
  });
  // Shape of both lists first, then every point: nothing is computed on a half-valid message.
  // Indexed loops, not `map`, so a hole in a sparse list is read (as undefined) and refused.
  const points: Point[][] = [];
  const encodings: Uint8Array[][] = [];
  lists.forEach((list, slot) => {
    const slotPoints: Point[] = [];
    const slotBytes: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const item = list[k];
      slotPoints.push(decodePoint(item, `${name}.${fields[slot]}[${k}]`, culprit));
      // decodePoint accepted exactly 33 bytes that decode canonically: they are the encoding.
      slotBytes.push(item as Uint8Array);
    }
    points.push(slotPoints);
    encodings.push(slotBytes);
  });
  const [first, second] = points as [Point[], Point[]];
  const [firstBytes, secondBytes] = encodings as [Uint8Array[], Uint8Array[]];
  return [first, second, firstBytes, secondBytes];
}

function receiverStart(
  sid: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
  count: number,
): { state: BaseOtReceiverState; request: BaseOtRequest } {
  assertCount(count);
  assertSid(sid, 'sid');
  if (!(choices instanceof Uint8Array) || choices.length !== count)
    throw new TssError('InvalidParameters', `"choices" expected ${count} bits, one per byte`);
  let notBits = 0;
  for (const c of choices) notBits |= c & 0xfe;
  if (notBits !== 0) throw new TssError('InvalidParameters', '"choices" must hold only 0 and 1');

  const r0: Uint8Array[] = [];
  const r1: Uint8Array[] = [];
  const secrets: bigint[] = [];
  for (let k = 0; k < count; k++) {
    const c = choices[k] as number;
    // MR19 Fig. 8, receiver: "r_{1−c} ← G" — a group element z·G, never random bytes
    // (Devious Transfer: sl-crypto's random 32-byte r̄ was distinguishable with probability 7/8).
    const pad = pointToBytes(mulG(randomScalar(rng)));
    const hash = padOracle(sid, k, u8(c), pad);
    // MR19 Fig. 8, receiver: "a ← Z_q; r_c = a·G − H_c(r_{1−c})".
    let a: bigint;
    let chosen: Point;
    do {
      a = randomScalar(rng);
      chosen = mulG(a).subtract(hash);
    } while (chosen.is0()); // a·G = H_c: probability 2^-256; redraw a rather than send the identity.
    const chosenBytes = pointToBytes(chosen);
    // Slot order without branching on c: r_0 = c ? pad : chosen, r_1 = c ? chosen : pad.
    r0.push(selectBytes(c, chosenBytes, pad));
    r1.push(selectBytes(c, pad, chosenBytes));
    secrets.push(a);
  }
  const state: BaseOtReceiverState = {
    phase: PHASE,
    sid: Uint8Array.from(sid),
    choices: Uint8Array.from(choices),
    secrets,
  };
  return { state, request: { r0, r1 } };
}

function senderRespond(
  sid: Uint8Array,
  request: unknown,
  rng: Rng,
  culprit: number,
  count: number,
): { keys0: Uint8Array[]; keys1: Uint8Array[]; reply: BaseOtReply } {
  assertCount(count);
  assertSid(sid, 'sid');
  // Devious Transfer (mpecdsa): "Bob does not verify the validity of the point he receives".
  // Both points of every instance are decoded: on secp256k1, not the identity.
  const [r0, r1, r0Bytes, r1Bytes] = decodePointLists(
    request,
    'request',
    ['r0', 'r1'],
    count,
    culprit,
  );
  const slot0 = u8(0);
  const slot1 = u8(1);
  // MR19 Fig. 8, sender: "M_j = r_j + H_j(r_{1−j})", for both slots of every instance.
  const m0: Point[] = [];
  const m1: Point[] = [];
  for (let k = 0; k < count; k++) {
    const a = (r0[k] as Point).add(padOracle(sid, k, slot0, r1Bytes[k] as Uint8Array));
    const b = (r1[k] as Point).add(padOracle(sid, k, slot1, r0Bytes[k] as Uint8Array));
    // Divergence from research/tecdsa.md §2.3 (which would hash the identity as 33 zero bytes):
    // because a receiver can force M_j = 0 by sending r_j = −H_j(r_{1−j}), which would make ρ_j a
    // constant it knows; refusing depends only on the request, so it leaks nothing (as sig-frx).
    if (a.is0())
      throw new TssError('InvalidPoint', `"request.r0[${k}]" cancels its oracle term`, culprit);
    if (b.is0())
      throw new TssError('InvalidPoint', `"request.r1[${k}]" cancels its oracle term`, culprit);
    m0.push(a);
    m1.push(b);
  }
  // MR19 Fig. 8, sender, batched (module doc): "b ← Z_q; B = b·G; ρ_j = H'(b·M_j)".
  const secret = randomScalar(rng);
  const keys0: Uint8Array[] = [];
  const keys1: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    keys0.push(keyOracle(sid, k, slot0, mulPoint(m0[k] as Point, secret)));
    keys1.push(keyOracle(sid, k, slot1, mulPoint(m1[k] as Point, secret)));
  }
  return { keys0, keys1, reply: { b: pointToBytes(mulG(secret)) } };
}

/** The reply's B: a non-null object whose `b` is a valid point (on secp256k1, not the identity). */
function decodeReply(reply: unknown, culprit: number): Point {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply))
    throw new TssError('MalformedMessage', '"reply" expected an object', culprit);
  const fields = reply as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (key !== 'b')
      throw new TssError('MalformedMessage', `"reply.${key}" is not a field`, culprit);
  if (fields.b === undefined)
    throw new TssError('MalformedMessage', '"reply.b" is missing', culprit);
  return decodePoint(fields.b, 'reply.b', culprit);
}

/** Window of the table built for B: one table serves all λ_c multiplications by B. */
const REPLY_TABLE_WINDOW = 8;

function receiverFinish(state: BaseOtReceiverState, reply: unknown, culprit: number): Uint8Array[] {
  consume(state, PHASE);
  const { sid, choices, secrets } = state;
  try {
    // One B serves both slots of every instance, so what the receiver computes does not depend on
    // its choice bits (no selective failure on a corrupted slot). B is public: the table built for
    // it holds no secret, and each a_k·B is still noble's constant-time, blinded `multiply`.
    const bigB = decodeReply(reply, culprit).precompute(REPLY_TABLE_WINDOW, false);
    const keys: Uint8Array[] = [];
    for (let k = 0; k < choices.length; k++) {
      // MR19 Fig. 8, receiver output: "ρ_c = H'(a·B)".
      keys.push(keyOracle(sid, k, u8(choices[k] as number), mulPoint(bigB, secrets[k] as bigint)));
    }
    return keys;
  } finally {
    // Single use: the exponents and choice bits are dropped whether or not the reply was valid.
    secrets.fill(0n);
    choices.fill(0);
  }
}

/**
 * The OT session id of one ordered pair and direction: sid_ot = H(sid, sender, receiver).
 * Per-pair, per-direction ids fix TOB-SILA-5 (research/tecdsa.md §2.3).
 * @example
 * const sid = baseOtSid(dkgSid, 2, 1); // party 2 sends, party 1 receives
 */
export function baseOtSid(parentSid: Uint8Array, sender: number, receiver: number): Uint8Array {
  assertSid(parentSid, 'parentSid');
  assertPartyIndex(sender, 'sender');
  assertPartyIndex(receiver, 'receiver');
  if (sender === receiver)
    throw new TssError('InvalidParameters', '"sender" and "receiver" must differ');
  return oracle(TAGS.otBaseSid, parentSid, u32(sender), u32(receiver));
}

/**
 * Receiver step 1 (MR19 Fig. 8, first message): λ_c instances with the given choice bits.
 * `choices`: λ_c bits, one per byte (0|1). Local input errors throw `InvalidParameters`.
 * @example
 * const choices = randomBits(rng, LAMBDA_C);
 * const { state, request } = baseOtReceiverStart(sid, choices, rng);
 */
export function baseOtReceiverStart(
  sid: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
): { state: BaseOtReceiverState; request: BaseOtRequest } {
  return receiverStart(sid, choices, rng, LAMBDA_C);
}

/**
 * Sender (MR19 Fig. 8, second message): validates the request (culprit = the receiver's party
 * index) and returns both keys per instance (λ_c × 32 bytes each) and the reply.
 * @example
 * const { keys0, keys1, reply } = baseOtSenderRespond(sid, request, rng, receiverIndex);
 */
export function baseOtSenderRespond(
  sid: Uint8Array,
  request: unknown,
  rng: Rng,
  culprit: number,
): { keys0: Uint8Array[]; keys1: Uint8Array[]; reply: BaseOtReply } {
  return senderRespond(sid, request, rng, culprit, LAMBDA_C);
}

/**
 * Receiver step 2 (MR19 Fig. 8, output): validates the reply (culprit = the sender's party
 * index) and returns the chosen keys (λ_c × 32 bytes). Consumes the state, even when the reply
 * is refused: a second call throws `PhaseOutOfOrder`.
 * @example
 * const keys = baseOtReceiverFinish(state, reply, senderIndex); // keys[k] = (c_k ? keys1 : keys0)[k]
 */
export function baseOtReceiverFinish(
  state: BaseOtReceiverState,
  reply: unknown,
  culprit: number,
): Uint8Array[] {
  return receiverFinish(state, reply, culprit);
}

/**
 * @internal Tests only: the same three steps over `count` instances (1 ≤ count ≤ λ_c) instead
 * of exactly λ_c, so property and reference tests can run many small batches. A setup with fewer
 * than λ_c base OTs is insecure; production code calls the functions above.
 */
export const _baseOtBatchForTests = {
  receiverStart: (sid: Uint8Array, choices: Uint8Array, rng: Rng) =>
    receiverStart(sid, choices, rng, choices.length),
  senderRespond: (sid: Uint8Array, request: unknown, rng: Rng, culprit: number, count: number) =>
    senderRespond(sid, request, rng, culprit, count),
  receiverFinish,
} as const;
