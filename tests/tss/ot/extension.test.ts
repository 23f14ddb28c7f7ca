import { describe, expect, it } from 'vitest';
import type { TssErrorCode } from '../../../tss/errors';
import {
  OTE_DRAW_BYTES,
  OTE_T_TILDE_BYTES,
  OTE_U_BYTES,
  type OteMessage,
  oteReceive,
  oteReceiveDraws,
  oteSend,
  oteSendDraws,
} from '../../../tss/ot/extension';
import { LAMBDA_C, OT_WIDTH, XI } from '../../../tss/params';
import { randomBits } from '../../../tss/rng';
import { expectTssFailure as expectTssError, flip } from '../support/errors';
import { dealOtSetups, naiveOte, shortDraws } from '../support/ot';
import { seededRng } from '../support/rng';

const RECEIVER = 2;
const sid = new Uint8Array(32).fill(0x5a);

const clone = (m: OteMessage): OteMessage => ({
  u: m.u.slice(),
  xTilde: m.xTilde.slice(),
  tTilde: m.tTilde.slice(),
});

// One honest extension shared by the negative tests (each run costs tens of ms).
const rng = seededRng('ote/honest');
const setups = dealOtSetups(rng);
const beta = randomBits(rng, XI);
const honest = oteReceive(setups.receiver, sid, beta, rng);
const indexWhere = (bit: number) => Array.from(setups.sender.delta).indexOf(bit);

describe('OT extension (KOS15 updated Fig. 10 = SoftSpokenOT k=1, Fiat–Shamir)', () => {
  it('gives the receiver v^j_{β_j} and never v^j_{1−β_j}, for every j', () => {
    const { v0, v1 } = oteSend(setups.sender, sid, honest.message, RECEIVER);
    expect(honest.outputs).toHaveLength(XI);
    for (let j = 0; j < XI; j++) {
      const [chosen, other] = beta[j] === 1 ? [v1[j], v0[j]] : [v0[j], v1[j]];
      expect(honest.outputs[j]).toHaveLength(OT_WIDTH);
      expect(honest.outputs[j]).toEqual(chosen);
      for (let w = 0; w < OT_WIDTH; w++)
        expect(honest.outputs[j]?.[w]).not.toBe((other as bigint[])[w]);
    }
    expect(honest.message.u).toHaveLength(OTE_U_BYTES);
    expect(honest.message.xTilde).toHaveLength(16);
    expect(honest.message.tTilde).toHaveLength(OTE_T_TILDE_BYTES);
  });

  it('works for all-zero and all-one choices and another dealing', () => {
    const r = seededRng('ote/edge');
    const other = dealOtSetups(r);
    for (const fill of [0, 1]) {
      const choices = new Uint8Array(XI).fill(fill);
      const { message, outputs } = oteReceive(other.receiver, sid, choices, r);
      const { v0, v1 } = oteSend(other.sender, sid, message, RECEIVER);
      expect(outputs).toEqual(fill === 1 ? v1 : v0);
    }
  });

  it('matches the naive bit-by-bit re-statement byte for byte', () => {
    const r = seededRng('ote/naive');
    const dealt = dealOtSetups(r);
    const choices = randomBits(r, XI);
    // oteReceive draws exactly the 16 padding bytes from its rng: replay them for the reference.
    const fast = oteReceive(dealt.receiver, sid, choices, seededRng('ote/naive/pad'));
    const naive = naiveOte(dealt, sid, choices, seededRng('ote/naive/pad')(16));
    expect(fast.message).toEqual(naive.message);
    expect(fast.outputs).toEqual(naive.gamma);
    expect(naive.checkPassed).toBe(true);
    const sent = oteSend(dealt.sender, sid, fast.message, RECEIVER);
    expect(sent.v0).toEqual(naive.v0);
    expect(sent.v1).toEqual(naive.v1);
  });
});

describe('OT extension raw draws (the RVOLE path)', () => {
  const rows = (draws: Uint8Array) => {
    const flat = shortDraws(draws);
    return Array.from({ length: XI }, (_, j) => flat.slice(j * OT_WIDTH, (j + 1) * OT_WIDTH));
  };

  it('are the 32-byte draws whose reductions mod n are the scalar outputs', () => {
    const r = seededRng('ote/draws');
    const dealt = dealOtSetups(r);
    const choices = randomBits(r, XI);
    const scalars = oteReceive(dealt.receiver, sid, choices, seededRng('ote/draws/pad'));
    const raw = oteReceiveDraws(dealt.receiver, sid, choices, seededRng('ote/draws/pad'));
    expect(raw.message).toEqual(scalars.message);
    expect(raw.draws).toHaveLength(OTE_DRAW_BYTES);
    expect(rows(raw.draws)).toEqual(scalars.outputs);
    const sent = oteSend(dealt.sender, sid, raw.message, RECEIVER);
    const { draws0, draws1 } = oteSendDraws(dealt.sender, sid, raw.message, RECEIVER);
    expect(rows(draws0)).toEqual(sent.v0);
    expect(rows(draws1)).toEqual(sent.v1);
    // The receiver's draw of row j is the sender's draw for slot β_j, byte for byte.
    for (const j of [0, 1, 255, XI - 1]) {
      const slot = choices[j] === 1 ? draws1 : draws0;
      const at = j * OT_WIDTH * 32;
      expect(raw.draws.subarray(at, at + OT_WIDTH * 32)).toEqual(
        slot.subarray(at, at + OT_WIDTH * 32),
      );
    }
  });

  it('OT extension send (raw draws) bans on one flipped bit of u, like oteSend', () => {
    const m = clone(honest.message);
    flip(m.u, 4321, 0x20);
    expectTssError(
      () => oteSendDraws(setups.sender, sid, m, RECEIVER),
      'OtConsistencyCheckFailed',
      'ban',
      RECEIVER,
    );
    expectTssError(
      () => oteSendDraws(setups.sender, sid, null, RECEIVER),
      'MalformedMessage',
      'recoverable',
      RECEIVER,
    );
  });
});

describe('OT extension sender rejects malformed messages (recoverable, culprit = receiver)', () => {
  const m = honest.message;
  const cases: [string, unknown, TssErrorCode][] = [
    ['null', null, 'MalformedMessage'],
    ['undefined', undefined, 'MalformedMessage'],
    ['a number', 42, 'MalformedMessage'],
    ['a string', 'u', 'MalformedMessage'],
    ['a list', [m.u, m.xTilde, m.tTilde], 'MalformedMessage'],
    ['an empty object', {}, 'MalformedMessage'],
    ['u as a list', { ...m, u: Array.from(m.u) }, 'MalformedMessage'],
    ['u as a string', { ...m, u: 'ab' }, 'MalformedMessage'],
    ['xTilde missing', { u: m.u, tTilde: m.tTilde }, 'MalformedMessage'],
    ['tTilde as a number', { ...m, tTilde: 7 }, 'MalformedMessage'],
    ['u one byte short', { ...m, u: m.u.subarray(1) }, 'WrongLength'],
    ['u one byte long', { ...m, u: new Uint8Array(OTE_U_BYTES + 1) }, 'WrongLength'],
    ['u one column short', { ...m, u: m.u.subarray(80) }, 'WrongLength'],
    ['xTilde of 15 bytes', { ...m, xTilde: m.xTilde.subarray(1) }, 'WrongLength'],
    ['xTilde of 32 bytes', { ...m, xTilde: new Uint8Array(32) }, 'WrongLength'],
    ['tTilde one column short', { ...m, tTilde: m.tTilde.subarray(16) }, 'WrongLength'],
    ['tTilde empty', { ...m, tTilde: new Uint8Array(0) }, 'WrongLength'],
  ];
  for (const [name, message, code] of cases)
    it(`OT extension send rejects ${name} with ${code}`, () => {
      expectTssError(
        () => oteSend(setups.sender, sid, message, RECEIVER),
        code,
        'recoverable',
        RECEIVER,
      );
    });
});

describe('OT extension sender bans on a failed consistency check (selective abort)', () => {
  it('OT extension send bans on one flipped bit of u', () => {
    for (const [column, bit] of [
      [0, 0],
      [LAMBDA_C - 1, 639],
      [indexWhere(0), 300],
      [indexWhere(1), 7],
    ] as const) {
      const m = clone(honest.message);
      flip(m.u, column * 80 + (bit >> 3), 1 << (bit & 7));
      expectTssError(
        () => oteSend(setups.sender, sid, m, RECEIVER),
        'OtConsistencyCheckFailed',
        'ban',
        RECEIVER,
      );
    }
  });

  it('OT extension send bans on one flipped bit of xTilde', () => {
    const m = clone(honest.message);
    flip(m.xTilde, 5, 0x10);
    expectTssError(
      () => oteSend(setups.sender, sid, m, RECEIVER),
      'OtConsistencyCheckFailed',
      'ban',
      RECEIVER,
    );
  });

  it('OT extension send bans on one flipped bit of one tTilde^i', () => {
    for (const column of [0, indexWhere(0), indexWhere(1), LAMBDA_C - 1]) {
      const m = clone(honest.message);
      flip(m.tTilde, column * 16 + 15, 0x80);
      expectTssError(
        () => oteSend(setups.sender, sid, m, RECEIVER),
        'OtConsistencyCheckFailed',
        'ban',
        RECEIVER,
      );
    }
  });

  it('OT extension send bans when Δ does not match the seeds (wrong setup)', () => {
    const delta = setups.sender.delta.slice();
    flip(delta, 17, 1);
    const wrong = { delta, seeds: setups.sender.seeds };
    expectTssError(
      () => oteSend(wrong, sid, honest.message, RECEIVER),
      'OtConsistencyCheckFailed',
      'ban',
      RECEIVER,
    );
    const unrelated = dealOtSetups(seededRng('ote/unrelated')).sender;
    expectTssError(
      () => oteSend(unrelated, sid, honest.message, RECEIVER),
      'OtConsistencyCheckFailed',
      'ban',
      RECEIVER,
    );
  });

  it('OT extension send bans when the sender runs under another sid', () => {
    const otherSid = sid.slice();
    flip(otherSid, 0, 1);
    expectTssError(
      () => oteSend(setups.sender, otherSid, honest.message, RECEIVER),
      'OtConsistencyCheckFailed',
      'ban',
      RECEIVER,
    );
  });

  it('a consistent cheater in column i is caught exactly when Δ_i = 1: the abort leaks Δ_i, hence the ban', () => {
    const padding = seededRng('ote/cheat/pad')(16);
    for (const deltaBit of [1, 0]) {
      const column = indexWhere(deltaBit);
      const cheat = naiveOte(setups, sid, beta, padding, { column, bit: 123 });
      expect(cheat.checkPassed).toBe(deltaBit === 0);
      if (deltaBit === 1)
        expectTssError(
          () => oteSend(setups.sender, sid, cheat.message, RECEIVER),
          'OtConsistencyCheckFailed',
          'ban',
          RECEIVER,
        );
      // With Δ_i = 0 the flip goes unnoticed, so pass/fail reveals Δ_i to the receiver.
      else expect(() => oteSend(setups.sender, sid, cheat.message, RECEIVER)).not.toThrow();
    }
  });
});

describe('OT extension rejects bad local parameters (InvalidParameters, no culprit)', () => {
  const r = seededRng('ote/params');
  const cases: [string, () => unknown][] = [
    ['a short sid (receive)', () => oteReceive(setups.receiver, sid.subarray(1), beta, r)],
    [
      'a short sid (send)',
      () => oteSend(setups.sender, new Uint8Array(31), honest.message, RECEIVER),
    ],
    ['choices of ξ−1 bits', () => oteReceive(setups.receiver, sid, beta.subarray(1), r)],
    [
      'choices with a 2',
      () =>
        oteReceive(
          setups.receiver,
          sid,
          beta.map((b, j) => (j === 9 ? 2 : b)),
          r,
        ),
    ],
    [
      'choices as a list',
      () => oteReceive(setups.receiver, sid, Array.from(beta) as unknown as Uint8Array, r),
    ],
    [
      'a receiver setup without seeds1',
      () => oteReceive({ seeds0: setups.receiver.seeds0 } as never, sid, beta, r),
    ],
    [
      'a receiver seed of 31 bytes',
      () =>
        oteReceive(
          {
            ...setups.receiver,
            seeds0: setups.receiver.seeds0.map((s, i) => (i === 3 ? s.subarray(1) : s)),
          },
          sid,
          beta,
          r,
        ),
    ],
    [
      'a sender setup with 127 seeds',
      () =>
        oteSend(
          { ...setups.sender, seeds: setups.sender.seeds.slice(1) },
          sid,
          honest.message,
          RECEIVER,
        ),
    ],
    [
      'a sender Δ with a 2',
      () =>
        oteSend(
          { ...setups.sender, delta: setups.sender.delta.map((b, i) => (i === 0 ? 2 : b)) },
          sid,
          honest.message,
          RECEIVER,
        ),
    ],
    ['a null sender setup', () => oteSend(null as never, sid, honest.message, RECEIVER)],
    [
      'an rng returning too few bytes',
      () => oteReceive(setups.receiver, sid, beta, () => new Uint8Array(3)),
    ],
  ];
  for (const [name, run] of cases)
    it(`OT extension rejects ${name}`, () => {
      expectTssError(run, 'InvalidParameters', 'recoverable', undefined);
    });
});
