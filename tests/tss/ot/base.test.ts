/**
 * MR19 Fig. 8 base OT (tss/ot/base.ts): a reference re-statement, the round trip, every check at
 * the door with its code, kind and culprit, and the three Fordefi "Devious Transfer" breaks
 * (research/tecdsa.md §4.1 item 2, after `fractalyze/sig-frx` `base_ot_test.py`). A round trip
 * catches none of those breaks; each has its own test that fails on the buggy variant.
 */
import { secp256k1, secp256k1_hasher } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../tss/assert';
import { mulG, Point, pointToBytes } from '../../../tss/curve';
import { TssError, type TssErrorCode } from '../../../tss/errors';
import { oracle, oraclePoint, u32 } from '../../../tss/hash';
import {
  type BaseOtReceiverState,
  baseOtReceiverFinish,
  baseOtReceiverStart,
  baseOtSenderRespond,
  baseOtSid,
  _baseOtBatchForTests as batch,
} from '../../../tss/ot/base';
import { LAMBDA_C } from '../../../tss/params';
import { randomBits, randomScalar } from '../../../tss/rng';
import { TAGS } from '../../../tss/tags';
import { seededRng } from '../support/rng';

const RECEIVER = 1;
const SENDER = 2;
const DKG_SID = new Uint8Array(32).fill(0xa5);
/** Party 2 sends, party 1 receives. */
const SID = baseOtSid(DKG_SID, SENDER, RECEIVER);
const P_FIELD = Point.Fp.ORDER;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** 0x02|0x03 ‖ x as 32 big-endian bytes: an encoding whether or not it is a point. */
function encodeX(prefix: number, x: bigint): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = prefix;
  out.set(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'), 1);
  return out;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/** x³ + 7 is a non-residue mod p (Euler's criterion): no point has this x. */
function isOffCurveX(x: bigint): boolean {
  return modPow((x ** 3n + 7n) % P_FIELD, (P_FIELD - 1n) / 2n, P_FIELD) === P_FIELD - 1n;
}

/** The first x ≥ 1 that is on no point, found independently of the decoder under test. */
const OFF_CURVE_X = (() => {
  let x = 1n;
  while (!isOffCurveX(x)) x++;
  return x;
})();

/** Every way a 33-byte slot can fail to be a point, and the identity. */
const NOT_A_POINT: Record<string, Uint8Array> = {
  'off the curve': encodeX(2, OFF_CURVE_X),
  'x = p': encodeX(2, P_FIELD),
  'x > p': encodeX(3, P_FIELD + 1n),
  'uncompressed prefix': (() => {
    const g = pointToBytes(mulG(7n));
    g[0] = 4;
    return g;
  })(),
  'prefix 0x05': (() => {
    const g = pointToBytes(mulG(7n));
    g[0] = 5;
    return g;
  })(),
  'the identity (33 zero bytes)': new Uint8Array(33),
};

function catchTss(fn: () => unknown): TssError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TssError) return error;
    throw error;
  }
  throw new Error('expected a TssError');
}

/** The call throws TssError `code`, kind as classified, naming `culprit` and (if given) `field`. */
function expectRefused(
  fn: () => unknown,
  code: TssErrorCode,
  culprit: number | undefined,
  field?: string,
): void {
  const error = catchTss(fn);
  expect(error).toMatchObject({ code, culprit });
  // Every base-OT refusal is decided on public input before any secret-dependent check.
  expect(error.kind).toBe('recoverable');
  if (field !== undefined) expect(error.shortMessage).toContain(`"${field}`);
}

function replaced<T>(list: readonly T[], index: number, value: T): T[] {
  const out = [...list];
  out[index] = value;
  return out;
}

// One honest λ_c-instance run, shared by the tests that only read it.
type HonestRun = {
  choices: Uint8Array;
  request: { r0: Uint8Array[]; r1: Uint8Array[] };
  secrets: bigint[];
  keys0: Uint8Array[];
  keys1: Uint8Array[];
  reply: { b: Uint8Array };
  opened: Uint8Array[];
};
let honestRun: HonestRun | undefined;
const CHOICES = randomBits(seededRng('base-ot choices'), LAMBDA_C);

/** A receiver state with the honest run's request (the seeded RNG replays it exactly). */
function freshReceiver() {
  return baseOtReceiverStart(SID, CHOICES, seededRng('base-ot receiver'));
}

function honest(): HonestRun {
  if (honestRun) return honestRun;
  const { state, request } = freshReceiver();
  const secrets = [...state.secrets];
  const { keys0, keys1, reply } = baseOtSenderRespond(
    SID,
    request,
    seededRng('base-ot sender'),
    RECEIVER,
  );
  const opened = baseOtReceiverFinish(state, reply, SENDER);
  honestRun = { choices: CHOICES, request, secrets, keys0, keys1, reply, opened };
  return honestRun;
}

// ---------------------------------------------------------------------------------------------
// MR19 Fig. 8 as written: one instance at a time, with our own re-statement of the oracle
// encoding (research/tecdsa.md §2.0) rather than tss/hash.ts, so a swapped slot, a missing
// instance index or a mis-ordered part fails here instead of agreeing with itself.
// ---------------------------------------------------------------------------------------------

const G = secp256k1.Point.BASE;

function referenceEncode(tag: string, sid: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of [new TextEncoder().encode(tag), sid, ...parts]) {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, part.length);
    chunks.push(length, part);
  }
  return Uint8Array.from(chunks.flatMap((chunk) => [...chunk]));
}

function referenceH(sid: Uint8Array, k: number, j: number, other: Uint8Array) {
  const tag = 'ckm/dkls23/v1/ot/base/h2c';
  const msg = referenceEncode(tag, sid, [u32(k), Uint8Array.of(j), other]);
  return secp256k1_hasher.hashToCurve(msg, { DST: tag });
}

function referenceKey(sid: Uint8Array, k: number, j: number, point: Uint8Array): Uint8Array {
  return sha256(
    referenceEncode('ckm/dkls23/v1/ot/base/key', sid, [u32(k), Uint8Array.of(j), point]),
  );
}

/** The whole protocol on `choices`, replaying the same seeded randomness in the same order. */
function reference(choices: number[], receiverSeed: string, senderSeed: string) {
  const receiverRng = seededRng(receiverSeed);
  const senderRng = seededRng(senderSeed);
  const r0: Uint8Array[] = [];
  const r1: Uint8Array[] = [];
  const as: bigint[] = [];
  choices.forEach((c, k) => {
    // Receiver: r_{1−c} = z·G; r_c = a·G − H_c(r_{1−c}).
    const pad = G.multiply(randomScalar(receiverRng));
    const a = randomScalar(receiverRng);
    const chosen = G.multiply(a).subtract(referenceH(SID, k, c, pad.toBytes(true)));
    r0.push((c === 0 ? chosen : pad).toBytes(true));
    r1.push((c === 0 ? pad : chosen).toBytes(true));
    as.push(a);
  });
  // Sender, once per batch (libOTe's MasnyRindal::send): b ← Z_q, B = b·G.
  const b = randomScalar(senderRng);
  const bigB = G.multiply(b).toBytes(true);
  const keys0: Uint8Array[] = [];
  const keys1: Uint8Array[] = [];
  choices.forEach((_, k) => {
    // Sender: M_j = r_j + H_j(r_{1−j}); ρ_j = H'(b·M_j).
    const m0 = secp256k1.Point.fromBytes(r0[k] as Uint8Array).add(
      referenceH(SID, k, 0, r1[k] as Uint8Array),
    );
    const m1 = secp256k1.Point.fromBytes(r1[k] as Uint8Array).add(
      referenceH(SID, k, 1, r0[k] as Uint8Array),
    );
    keys0.push(referenceKey(SID, k, 0, m0.multiply(b).toBytes(true)));
    keys1.push(referenceKey(SID, k, 1, m1.multiply(b).toBytes(true)));
  });
  // Receiver: ρ_c = H'(a·B).
  const opened = choices.map((c, k) =>
    referenceKey(
      SID,
      k,
      c,
      secp256k1.Point.fromBytes(bigB)
        .multiply(as[k] as bigint)
        .toBytes(true),
    ),
  );
  return { request: { r0, r1 }, reply: { b: bigB }, keys0, keys1, opened };
}

describe('base OT components on published vectors', () => {
  it('hash-to-curve is RFC 9380 secp256k1_XMD:SHA-256_SSWU_RO_ (App. J.8.1)', () => {
    const DST = 'QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_';
    const vectors = [
      [
        '',
        'c1cae290e291aee617ebaef1be6d73861479c48b841eaba9b7b5852ddfeb1346',
        '64fa678e07ae116126f08b022a94af6de15985c996c3a91b64c406a960e51067',
      ],
      [
        'abc',
        '3377e01eab42db296b512293120c6cee72b6ecf9f9205760bd9ff11fb3cb2c4b',
        '7f95890f33efebd1044d382a01b1bee0900fb6116f94688d487c6c7b9c8371f6',
      ],
    ] as const;
    for (const [msg, x, y] of vectors) {
      const p = secp256k1_hasher.hashToCurve(new TextEncoder().encode(msg), { DST }).toAffine();
      expect(p.x.toString(16).padStart(64, '0')).toBe(x);
      expect(p.y.toString(16).padStart(64, '0')).toBe(y);
    }
  });
});

describe('base OT baseOtSid', () => {
  it('is H(otBaseSid, parent, sender, receiver): per pair and per direction', () => {
    expect(SID).toEqual(oracle(TAGS.otBaseSid, DKG_SID, u32(SENDER), u32(RECEIVER)));
    expect(SID.length).toBe(32);
    expect(bytesEqual(baseOtSid(DKG_SID, RECEIVER, SENDER), SID)).toBe(false);
    expect(bytesEqual(baseOtSid(DKG_SID, SENDER, 3), SID)).toBe(false);
    expect(bytesEqual(baseOtSid(new Uint8Array(32), SENDER, RECEIVER), SID)).toBe(false);
  });

  it('rejects a parent sid of the wrong length, bad indices and sender = receiver', () => {
    expectRefused(() => baseOtSid(new Uint8Array(31), 2, 1), 'InvalidParameters', undefined);
    expectRefused(() => baseOtSid(DKG_SID, 0, 1), 'UnknownParty', undefined, 'sender');
    expectRefused(() => baseOtSid(DKG_SID, 2, 17), 'UnknownParty', undefined, 'receiver');
    expectRefused(() => baseOtSid(DKG_SID, 2, 2), 'InvalidParameters', undefined);
  });
});

describe('base OT (MR19 Fig. 8) against its one-instance re-statement', () => {
  for (const choices of [[0, 0, 0], [1, 1, 1], [0, 1, 1, 0, 1], [1]]) {
    it(`agrees on the wire and on every key for choices ${choices.join('')}`, () => {
      const expected = reference(choices, 'ref receiver', 'ref sender');
      const { state, request } = batch.receiverStart(
        SID,
        Uint8Array.from(choices),
        seededRng('ref receiver'),
      );
      const sent = batch.senderRespond(
        SID,
        request,
        seededRng('ref sender'),
        RECEIVER,
        choices.length,
      );
      const opened = baseOtReceiverFinish(state, sent.reply, SENDER);
      expect(request.r0.map(hex)).toEqual(expected.request.r0.map(hex));
      expect(request.r1.map(hex)).toEqual(expected.request.r1.map(hex));
      expect(hex(sent.reply.b)).toBe(hex(expected.reply.b));
      expect(sent.keys0.map(hex)).toEqual(expected.keys0.map(hex));
      expect(sent.keys1.map(hex)).toEqual(expected.keys1.map(hex));
      expect(opened.map(hex)).toEqual(expected.opened.map(hex));
    });
  }
});

describe('base OT round trip (λ_c instances)', () => {
  it('opens the chosen slot of every instance and never the other', () => {
    const run = honest();
    expect(run.choices).toContain(0);
    expect(run.choices).toContain(1);
    for (const list of [run.request.r0, run.request.r1]) expect(list.length).toBe(LAMBDA_C);
    // One sender key for the batch: the reply is the single point B (libOTe's MasnyRindal).
    expect(Object.keys(run.reply)).toEqual(['b']);
    expect(run.reply.b.length).toBe(33);
    expect(run.opened.length).toBe(LAMBDA_C);
    for (let k = 0; k < LAMBDA_C; k++) {
      const c = run.choices[k];
      const chosen = (c === 0 ? run.keys0 : run.keys1)[k] as Uint8Array;
      const other = (c === 0 ? run.keys1 : run.keys0)[k] as Uint8Array;
      const opened = run.opened[k] as Uint8Array;
      expect(opened.length).toBe(32);
      expect(bytesEqual(opened, chosen)).toBe(true);
      expect(bytesEqual(opened, other)).toBe(false);
    }
  });

  it('gives every instance and every slot its own key', () => {
    const run = honest();
    const all = [...run.keys0, ...run.keys1].map(hex);
    expect(new Set(all).size).toBe(2 * LAMBDA_C);
  });

  it('is deterministic under a seeded RNG', () => {
    const { request } = freshReceiver();
    expect(request.r0.map(hex)).toEqual(honest().request.r0.map(hex));
    expect(request.r1.map(hex)).toEqual(honest().request.r1.map(hex));
  });

  it('chosen keys match for any choices and seeds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 4 }),
        fc.string(),
        fc.string(),
        (bits, receiverSeed, senderSeed) => {
          const choices = Uint8Array.from(bits);
          const { state, request } = batch.receiverStart(
            SID,
            choices,
            seededRng(`r${receiverSeed}`),
          );
          const sent = batch.senderRespond(
            SID,
            request,
            seededRng(`s${senderSeed}`),
            RECEIVER,
            bits.length,
          );
          const opened = baseOtReceiverFinish(state, sent.reply, SENDER);
          bits.forEach((c, k) => {
            const [chosen, other] = c === 0 ? [sent.keys0, sent.keys1] : [sent.keys1, sent.keys0];
            expect(bytesEqual(opened[k] as Uint8Array, chosen[k] as Uint8Array)).toBe(true);
            expect(bytesEqual(opened[k] as Uint8Array, other[k] as Uint8Array)).toBe(false);
          });
        },
      ),
      { numRuns: 5 },
    );
  });

  it('binds the session id: a reply made under another sid opens nothing', () => {
    const choices = Uint8Array.of(0, 1, 1, 0);
    const { state, request } = batch.receiverStart(SID, choices, seededRng('sid a'));
    const otherSid = baseOtSid(DKG_SID, RECEIVER, SENDER);
    const sent = batch.senderRespond(otherSid, request, seededRng('sid b'), RECEIVER, 4);
    const opened = baseOtReceiverFinish(state, sent.reply, SENDER);
    for (let k = 0; k < 4; k++) {
      expect(bytesEqual(opened[k] as Uint8Array, sent.keys0[k] as Uint8Array)).toBe(false);
      expect(bytesEqual(opened[k] as Uint8Array, sent.keys1[k] as Uint8Array)).toBe(false);
    }
  });
});

describe('base OT receiver start rejects bad local input', () => {
  const rng = seededRng('local');
  it('rejects a sid of the wrong length', () => {
    expectRefused(
      () => baseOtReceiverStart(new Uint8Array(31), CHOICES, rng),
      'InvalidParameters',
      undefined,
      'sid',
    );
  });
  it('rejects choices of the wrong count or type', () => {
    expectRefused(
      () => baseOtReceiverStart(SID, CHOICES.subarray(1), rng),
      'InvalidParameters',
      undefined,
      'choices',
    );
    expectRefused(
      () => baseOtReceiverStart(SID, [...CHOICES] as unknown as Uint8Array, rng),
      'InvalidParameters',
      undefined,
      'choices',
    );
  });
  it('rejects a choice that is not a bit', () => {
    expectRefused(
      () => baseOtReceiverStart(SID, replaced([...CHOICES], 9, 2) as unknown as Uint8Array, rng),
      'InvalidParameters',
      undefined,
      'choices',
    );
    const notBits = Uint8Array.from(CHOICES);
    notBits[9] = 2;
    expectRefused(
      () => baseOtReceiverStart(SID, notBits, rng),
      'InvalidParameters',
      undefined,
      'choices',
    );
  });
  it('sender rejects a sid of the wrong length', () => {
    expectRefused(
      () => baseOtSenderRespond(new Uint8Array(33), honest().request, rng, RECEIVER),
      'InvalidParameters',
      undefined,
      'sid',
    );
  });
});

describe('base OT sender rejects a malformed request (culprit = receiver)', () => {
  const respond = (request: unknown) =>
    baseOtSenderRespond(SID, request, seededRng('sender'), RECEIVER);

  it('rejects a request that is not an object', () => {
    for (const value of [undefined, null, 0, 'r0', new Uint8Array(33), [[], []]])
      expectRefused(() => respond(value), 'MalformedMessage', RECEIVER, 'request');
  });
  it('rejects a missing field', () => {
    const { r0 } = honest().request;
    expectRefused(() => respond({ r0 }), 'MalformedMessage', RECEIVER, 'request.r1');
    expectRefused(() => respond({ r1: r0 }), 'MalformedMessage', RECEIVER, 'request.r0');
  });
  it('rejects a field that is not a list', () => {
    const { r1 } = honest().request;
    expectRefused(() => respond({ r0: r1[0], r1 }), 'MalformedMessage', RECEIVER, 'request.r0');
    expectRefused(() => respond({ r0: r1, r1: {} }), 'MalformedMessage', RECEIVER, 'request.r1');
  });
  it('rejects the wrong count of instances', () => {
    const { r0, r1 } = honest().request;
    expectRefused(() => respond({ r0: r0.slice(1), r1 }), 'WrongLength', RECEIVER, 'request.r0');
    expectRefused(() => respond({ r0, r1: [...r1, r1[0]] }), 'WrongLength', RECEIVER, 'request.r1');
  });
  it('rejects an entry of the wrong length or type', () => {
    const { r0, r1 } = honest().request;
    const short = (r1[5] as Uint8Array).subarray(0, 32);
    expectRefused(
      () => respond({ r0, r1: replaced(r1, 5, short) }),
      'WrongLength',
      RECEIVER,
      'request.r1[5]',
    );
    const long = pointToBytes(mulG(3n)).slice();
    expectRefused(
      () => respond({ r0, r1: replaced(r1, 5, Uint8Array.from([...long, 0])) }),
      'WrongLength',
      RECEIVER,
      'request.r1[5]',
    );
    expectRefused(
      () => respond({ r0: replaced(r0, 6, [...(r0[6] as Uint8Array)] as never), r1 }),
      'MalformedMessage',
      RECEIVER,
      'request.r0[6]',
    );
    expectRefused(
      () => respond({ r0: replaced(r0, 6, undefined as never), r1 }),
      'MalformedMessage',
      RECEIVER,
      'request.r0[6]',
    );
    // A sparse list: `map` would skip the hole; the hole must be read and refused.
    const sparse = [...r0];
    delete sparse[9];
    expectRefused(() => respond({ r0: sparse, r1 }), 'MalformedMessage', RECEIVER, 'request.r0[9]');
  });
});

describe('base OT receiver rejects a malformed reply (culprit = sender)', () => {
  // A 4-instance run: the receiver reads its count from the state, so the checks are the same
  // code as at λ_c and each case costs a fresh state of four instances, not 128.
  const SMALL = Uint8Array.of(0, 1, 1, 0);
  const smallReceiver = () => batch.receiverStart(SID, SMALL, seededRng('small receiver'));
  const smallReply = () =>
    batch.senderRespond(SID, smallReceiver().request, seededRng('small sender'), RECEIVER, 4).reply;

  it('rejects non-objects, a missing or extra field and anything but one valid point', () => {
    const { b } = smallReply();
    const cases: [unknown, TssErrorCode, string][] = [
      [null, 'MalformedMessage', 'reply'],
      ['b', 'MalformedMessage', 'reply'],
      [[b], 'MalformedMessage', 'reply'],
      [{}, 'MalformedMessage', 'reply.b'],
      [{ b, b1: b }, 'MalformedMessage', 'reply.b1'],
      [{ b: [b] }, 'MalformedMessage', 'reply.b'],
      [{ b: 'x' }, 'MalformedMessage', 'reply.b'],
      [{ b: b.slice(0, 32) }, 'WrongLength', 'reply.b'],
      [{ b: Uint8Array.of(...b, 0) }, 'WrongLength', 'reply.b'],
      [{ b: NOT_A_POINT['off the curve'] }, 'InvalidPoint', 'reply.b'],
      [{ b: new Uint8Array(33) }, 'InvalidPoint', 'reply.b'],
    ];
    for (const [reply, code, field] of cases) {
      const { state } = smallReceiver();
      expectRefused(() => baseOtReceiverFinish(state, reply, SENDER), code, SENDER, field);
    }
    // The same small state opens the honest small reply.
    expect(baseOtReceiverFinish(smallReceiver().state, { b }, SENDER).length).toBe(4);
  });

  it('the public API insists on exactly λ_c instances', () => {
    const small = smallReceiver().request;
    expectRefused(
      () => baseOtSenderRespond(SID, small, seededRng('s'), RECEIVER),
      'WrongLength',
      RECEIVER,
      'request.r0',
    );
  });

  it('refuses a second use of the state, and a state of another phase', () => {
    const { state, request } = batch.receiverStart(SID, Uint8Array.of(1, 0), seededRng('phase'));
    const { reply } = batch.senderRespond(SID, request, seededRng('phase s'), RECEIVER, 2);
    expect(baseOtReceiverFinish(state, reply, SENDER).length).toBe(2);
    expect(state.secrets).toEqual([0n, 0n]);
    expect([...state.choices]).toEqual([0, 0]);
    expectRefused(() => baseOtReceiverFinish(state, reply, SENDER), 'PhaseOutOfOrder', undefined);
    const forged = { ...state, phase: 'sign/round1' } as unknown as BaseOtReceiverState;
    expectRefused(() => baseOtReceiverFinish(forged, reply, SENDER), 'PhaseOutOfOrder', undefined);
  });

  it('consumes the state even when the reply is refused', () => {
    const { state, request } = batch.receiverStart(SID, Uint8Array.of(1, 0), seededRng('phase'));
    const { reply } = batch.senderRespond(SID, request, seededRng('phase s'), RECEIVER, 2);
    expectRefused(() => baseOtReceiverFinish(state, null, SENDER), 'MalformedMessage', SENDER);
    expectRefused(() => baseOtReceiverFinish(state, reply, SENDER), 'PhaseOutOfOrder', undefined);
  });

  it('never lets an untyped exception escape from hostile replies', () => {
    const hostile: unknown[] = [
      undefined,
      Number.NaN,
      {},
      [],
      { b: [] },
      { b: null },
      { b: '' },
      { b: new Uint8Array(33) },
      { b: { length: 33 } },
      { b0: [], b1: [] },
      new Map([['b', new Uint8Array(33)]]),
      Object.create(null),
    ];
    for (const reply of hostile) {
      const { state } = batch.receiverStart(SID, Uint8Array.of(0, 1), seededRng('hostile'));
      const error = catchTss(() => baseOtReceiverFinish(state, reply, SENDER));
      expect(error.culprit).toBe(SENDER);
      expect(error.kind).toBe('recoverable');
    }
  });
});

describe('Devious Transfer (1): every received point is validated (mpecdsa)', () => {
  // mpecdsa's sender did not check the point it received, giving active key extraction. Each
  // case arrives in the same slot an honest point would; a sender that skipped decodePoint would
  // compute with it instead of refusing.
  it('sender refuses every non-point and the identity, in either slot', () => {
    const { r0, r1 } = honest().request;
    for (const [name, bad] of Object.entries(NOT_A_POINT)) {
      expect(bad.length, name).toBe(33);
      expectRefused(
        () => baseOtSenderRespond(SID, { r0: replaced(r0, 7, bad), r1 }, seededRng('s'), RECEIVER),
        'InvalidPoint',
        RECEIVER,
        'request.r0[7]',
      );
      expectRefused(
        () => baseOtSenderRespond(SID, { r0, r1: replaced(r1, 0, bad) }, seededRng('s'), RECEIVER),
        'InvalidPoint',
        RECEIVER,
        'request.r1[0]',
      );
    }
  });

  it('the off-curve case is really off the curve, by Euler’s criterion', () => {
    expect(isOffCurveX(OFF_CURVE_X)).toBe(true);
    expect(isOffCurveX(mulG(5n).toAffine().x)).toBe(false);
  });

  it('sender refuses r_j = −H_j(r_{1−j}), which would make M_j the identity', () => {
    // Each point is valid on its own; only the recovered M_j = r_j + H_j(r_{1−j}) is the
    // identity, and then ρ_j = H'(0) would be a constant the receiver knows.
    const { r0, r1 } = honest().request;
    const k = 3;
    const forced0 = oraclePoint(
      TAGS.otBaseHashToCurve,
      SID,
      u32(k),
      Uint8Array.of(0),
      r1[k] as Uint8Array,
    )
      .negate()
      .toBytes(true);
    expectRefused(
      () =>
        baseOtSenderRespond(SID, { r0: replaced(r0, k, forced0), r1 }, seededRng('s'), RECEIVER),
      'InvalidPoint',
      RECEIVER,
      `request.r0[${k}]`,
    );
    const forced1 = oraclePoint(
      TAGS.otBaseHashToCurve,
      SID,
      u32(k),
      Uint8Array.of(1),
      r0[k] as Uint8Array,
    )
      .negate()
      .toBytes(true);
    expectRefused(
      () =>
        baseOtSenderRespond(SID, { r0, r1: replaced(r1, k, forced1) }, seededRng('s'), RECEIVER),
      'InvalidPoint',
      RECEIVER,
      `request.r1[${k}]`,
    );
  });

  it('receiver refuses a bad B whichever slot it chose (no selective failure)', () => {
    // With per-slot B_0, B_1 a receiver that validated only B_c would abort exactly when the
    // sender corrupted B_c, leaking c. One B serves both slots, and it is validated before any
    // key is computed: a bad B is refused for either choice bit, the same way.
    for (const c of [0, 1]) {
      const choices = Uint8Array.of(c, 1 - c);
      const start = () => batch.receiverStart(SID, choices, seededRng(`selective ${c}`));
      const { b } = batch.senderRespond(
        SID,
        start().request,
        seededRng('selective sender'),
        RECEIVER,
        2,
      ).reply;
      for (const bad of Object.values(NOT_A_POINT))
        expectRefused(
          () => baseOtReceiverFinish(start().state, { b: bad }, SENDER),
          'InvalidPoint',
          SENDER,
          'reply.b',
        );
      // …and the untouched reply opens, so the refusals above are the corrupted point's doing.
      expect(baseOtReceiverFinish(start().state, { b }, SENDER).length).toBe(2);
    }
  });
});

describe('Devious Transfer (2): r_{1−c} is sampled from the group (sl-crypto)', () => {
  // sl-crypto sent r̄ as 32 random bytes instead of a group element; Fordefi distinguished it
  // from a real r with probability 7/8, leaking c to a passive sender. Here r̄ = z·G, so every
  // slot on the wire is a valid compressed point, whichever slot the receiver chose.
  const isGroupElement = (bytes: Uint8Array): boolean => {
    if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return false;
    try {
      const point = Point.fromBytes(bytes);
      point.assertValidity();
      return !point.is0() && bytesEqual(point.toBytes(true), bytes);
    } catch {
      return false;
    }
  };

  it('every unchosen slot (and every chosen one) decodes as a point, all distinct', () => {
    const { choices, request } = honest();
    const pads: Uint8Array[] = [];
    for (let k = 0; k < LAMBDA_C; k++) {
      const c = choices[k];
      const pad = (c === 0 ? request.r1 : request.r0)[k] as Uint8Array;
      const chosen = (c === 0 ? request.r0 : request.r1)[k] as Uint8Array;
      expect(isGroupElement(pad)).toBe(true);
      expect(isGroupElement(chosen)).toBe(true);
      expect(isOffCurveX(Point.fromBytes(pad).toAffine().x)).toBe(false);
      pads.push(pad);
    }
    expect(new Set([...request.r0, ...request.r1].map(hex)).size).toBe(2 * LAMBDA_C);
    expect(new Set(pads.map(hex)).size).toBe(LAMBDA_C);
  });

  it('the same check catches the buggy variant: random bytes as r̄ are not points', () => {
    // sl-crypto's r̄ as our wire would carry it: a prefix and 32 random bytes for x. About half
    // of the x values are on no point, so across λ_c instances the check above cannot pass.
    const rng = seededRng('buggy pad');
    let refused = 0;
    for (let k = 0; k < LAMBDA_C; k++) {
      const buggy = new Uint8Array(33);
      buggy[0] = 2;
      buggy.set(rng(32), 1);
      if (!isGroupElement(buggy)) refused++;
    }
    expect(refused).toBeGreaterThan(LAMBDA_C / 4);
  });

  it('the wire hides the key-agreement message: neither slot is a·G', () => {
    const { request, secrets } = honest();
    for (let k = 0; k < LAMBDA_C; k++) {
      const agreement = hex(pointToBytes(mulG(secrets[k] as bigint)));
      expect(hex(request.r0[k] as Uint8Array)).not.toBe(agreement);
      expect(hex(request.r1[k] as Uint8Array)).not.toBe(agreement);
    }
  });
});

describe('Devious Transfer (3): the sender keys depend on its secret b (docknetwork)', () => {
  // docknetwork's sender outputs were a function of the messages alone, with no sender secret.
  it('two sender runs on the same request give different B and different keys', () => {
    const run = honest();
    const again = baseOtSenderRespond(SID, run.request, seededRng('another sender'), RECEIVER);
    expect(hex(again.reply.b)).not.toBe(hex(run.reply.b));
    for (let k = 0; k < LAMBDA_C; k++) {
      expect(hex(again.keys0[k] as Uint8Array)).not.toBe(hex(run.keys0[k] as Uint8Array));
      expect(hex(again.keys1[k] as Uint8Array)).not.toBe(hex(run.keys1[k] as Uint8Array));
    }
  });

  it('a receiver that knows the logs of both r_j cannot compute either key', () => {
    // The sharp form: a cheating receiver sends r_j = z_j·G for both slots. If the sender's key
    // were H'(b·r_j) (the oracle term dropped), or any function of the transcript alone, the
    // receiver could compute it as H'(z_j·B). With M_j = r_j + H_j(r_{1−j}) it cannot.
    const count = 4;
    const rng = seededRng('cheating receiver');
    const z0 = Array.from({ length: count }, () => randomScalar(rng));
    const z1 = Array.from({ length: count }, () => randomScalar(rng));
    const r0 = z0.map((z) => pointToBytes(mulG(z)));
    const r1 = z1.map((z) => pointToBytes(mulG(z)));
    const sent = batch.senderRespond(SID, { r0, r1 }, seededRng('sender'), RECEIVER, count);
    const key = (k: number, j: number, point: Uint8Array) =>
      oracle(TAGS.otBaseKey, SID, u32(k), Uint8Array.of(j), point);
    for (let k = 0; k < count; k++) {
      const sides = [
        [0, z0[k], sent.reply.b, r0[k], sent.keys0[k]],
        [1, z1[k], sent.reply.b, r1[k], sent.keys1[k]],
      ] as const;
      for (const [j, z, bBytes, rBytes, actual] of sides) {
        const b = Point.fromBytes(bBytes as Uint8Array);
        const forgeries = [
          key(k, j, pointToBytes(b.multiply(z as bigint))), // H'(z_j·B) = H'(b·r_j)
          key(k, j, bBytes as Uint8Array), // H'(B)
          key(k, j, rBytes as Uint8Array), // H'(r_j)
          key(k, j, new Uint8Array(33)), // H'(identity)
        ];
        for (const forged of forgeries) expect(hex(forged)).not.toBe(hex(actual as Uint8Array));
      }
    }
  });

  it('the same sender randomness gives the same keys (so the difference above is b)', () => {
    const { state, request } = batch.receiverStart(SID, Uint8Array.of(1, 0), seededRng('same'));
    const first = batch.senderRespond(SID, request, seededRng('same sender'), RECEIVER, 2);
    const second = batch.senderRespond(SID, request, seededRng('same sender'), RECEIVER, 2);
    expect(first.keys0.map(hex)).toEqual(second.keys0.map(hex));
    expect(first.keys1.map(hex)).toEqual(second.keys1.map(hex));
    expect(baseOtReceiverFinish(state, first.reply, SENDER).map(hex)).toEqual(
      [first.keys1[0], first.keys0[1]].map((x) => hex(x as Uint8Array)),
    );
  });
});
