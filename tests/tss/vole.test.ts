import { numberToBytesBE } from '@noble/curves/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mod, N, scalarToBytes } from '../../tss/curve';
import type { TssErrorCode } from '../../tss/errors';
import { oracle, oracleScalars, oracleXof, u32 } from '../../tss/hash';
import type { OteMessage } from '../../tss/ot/extension';
import { ELL, OT_WIDTH, RHO, SCALAR_BYTES, XI } from '../../tss/params';
import { randomBits, randomScalar } from '../../tss/rng';
import { TAGS } from '../../tss/tags';
import {
  VOLE_A_TILDE_BYTES,
  VOLE_ETA_BYTES,
  type VoleAliceMessage,
  type VoleBobState,
  voleAliceRespond,
  voleBobFinish,
  voleBobStart,
} from '../../tss/vole';
import { expectTssFailure as expectTssError, flip } from './support/errors';
import { type DealtOtSetups, dealOtSetups, naiveOte, shortDraws } from './support/ot';
import { seededRng } from './support/rng';

const ALICE = 1;
const BOB = 3;
const sid = new Uint8Array(32).fill(0x33);

const scalarAt = (bytes: Uint8Array, index: number) =>
  bytes.subarray(index * SCALAR_BYTES, (index + 1) * SCALAR_BYTES);

// ---------------------------------------------------------------------------------------------
// A deliberately naive re-statement of DKLs23 Protocol 5.2 (research/tecdsa.md §6): one row at a
// time, branches instead of selects, formulas copied from tecdsa.md §2.5, on the naive OTE.

function naiveVole(
  setups: DealtOtSetups,
  sessionId: Uint8Array,
  a: readonly bigint[],
  bobSeed: string,
  aliceSeed: string,
) {
  // Bob: β, then the 16 padding bytes, in the order voleBobStart draws them.
  const bobRng = seededRng(bobSeed);
  const beta = randomBits(bobRng, XI);
  const ote = naiveOte(setups, sessionId, beta, bobRng(16));
  // g = Hq(sid) ∈ Z_q^ξ from one XOF call of 32-byte draws (the pinned encoding of tss/vole.ts).
  const g = shortDraws(oracleXof(TAGS.voleGadget, sessionId, XI * 32));
  let b = 0n;
  for (let j = 0; j < XI; j++) if (beta[j] === 1) b = mod(b + (g[j] as bigint));
  // Alice.
  const alpha0 = ote.v0;
  const alpha1 = ote.v1;
  const aliceRng = seededRng(aliceSeed);
  const aHat = Array.from({ length: RHO }, () => randomScalar(aliceRng));
  const c = Array.from({ length: ELL }, (_, i) => {
    let sum = 0n;
    for (let j = 0; j < XI; j++) sum = mod(sum + (g[j] as bigint) * (alpha0[j]?.[i] as bigint));
    return mod(-sum);
  });
  const aTildeRows: bigint[][] = [];
  for (let j = 0; j < XI; j++) {
    const row: bigint[] = [];
    for (let i = 0; i < ELL; i++)
      row.push(mod((alpha0[j]?.[i] as bigint) - (alpha1[j]?.[i] as bigint) + (a[i] as bigint)));
    for (let k = 0; k < RHO; k++)
      row.push(
        mod(
          (alpha0[j]?.[ELL + k] as bigint) - (alpha1[j]?.[ELL + k] as bigint) + (aHat[k] as bigint),
        ),
      );
    aTildeRows.push(row);
  }
  const aTilde = concat(aTildeRows.flat().map(scalarToBytes));
  const thetaFlat = oracleScalars(TAGS.voleTheta, sessionId, ELL * RHO, aTilde);
  const theta = (i: number, k: number) => thetaFlat[i * RHO + k] as bigint;
  const eta = Array.from({ length: RHO }, (_, k) => {
    let v = aHat[k] as bigint;
    for (let i = 0; i < ELL; i++) v = mod(v + theta(i, k) * (a[i] as bigint));
    return v;
  });
  const muTerms: bigint[] = [];
  for (let j = 0; j < XI; j++)
    for (let k = 0; k < RHO; k++) {
      let v = alpha0[j]?.[ELL + k] as bigint;
      for (let i = 0; i < ELL; i++) v = mod(v + theta(i, k) * (alpha0[j]?.[i] as bigint));
      muTerms.push(v);
    }
  const mu = oracle(TAGS.voleMu, sessionId, concat(muTerms.map(scalarToBytes)));
  // Bob.
  const gamma = ote.gamma;
  const d = new Array<bigint>(ELL).fill(0n);
  const muPrimeTerms: bigint[] = [];
  for (let j = 0; j < XI; j++) {
    const dDot: bigint[] = [];
    for (let i = 0; i < ELL; i++) {
      const x = gamma[j]?.[i] as bigint;
      dDot.push(beta[j] === 1 ? mod(x + (aTildeRows[j]?.[i] as bigint)) : x);
      d[i] = mod((d[i] as bigint) + (g[j] as bigint) * (dDot[i] as bigint));
    }
    for (let k = 0; k < RHO; k++) {
      const x = gamma[j]?.[ELL + k] as bigint;
      const dHat = beta[j] === 1 ? mod(x + (aTildeRows[j]?.[ELL + k] as bigint)) : x;
      let v = dHat;
      for (let i = 0; i < ELL; i++) v = mod(v + theta(i, k) * (dDot[i] as bigint));
      if (beta[j] === 1) v = mod(v - (eta[k] as bigint));
      muPrimeTerms.push(v);
    }
  }
  const muPrime = oracle(TAGS.voleMu, sessionId, concat(muPrimeTerms.map(scalarToBytes)));
  return {
    b,
    c,
    d,
    oteMessage: ote.message,
    message: { aTilde, eta: concat(eta.map(scalarToBytes)), mu },
    muPrime,
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One honest run shared by the negative tests. A fresh copy of Bob's state is a new (unspent)
// object, so each test can finish it once.

const setups = dealOtSetups(seededRng('vole/deal'));
const inputs = [0x1234n, N - 5n];
const bob = voleBobStart(setups.receiver, sid, seededRng('vole/bob'));
const alice = voleAliceRespond(
  setups.sender,
  sid,
  inputs,
  bob.message,
  seededRng('vole/alice'),
  BOB,
);
// voleBobFinish wipes β and γ, so each copy gets its own.
const freshState = (): VoleBobState => ({
  ...bob.state,
  beta: bob.state.beta.slice(),
  gamma: bob.state.gamma.slice(),
});
const tampered = (edit: (m: VoleAliceMessage) => void): VoleAliceMessage => {
  const m = {
    aTilde: alice.message.aTilde.slice(),
    eta: alice.message.eta.slice(),
    mu: alice.message.mu.slice(),
  };
  edit(m);
  return m;
};
const plusOne = (bytes: Uint8Array, index: number) => {
  const s = scalarAt(bytes, index);
  let v = 0n;
  for (const byte of s) v = (v << 8n) | BigInt(byte);
  s.set(scalarToBytes(mod(v + 1n)));
};

describe('RVOLE (DKLs23 Protocol 5.2, ToB-corrected)', () => {
  it('gives c_i + d_i = a_i·b on an honest run', () => {
    const d = voleBobFinish(freshState(), alice.message, ALICE);
    expect(d).toHaveLength(ELL);
    expect(alice.c).toHaveLength(ELL);
    for (let i = 0; i < ELL; i++)
      expect(mod((alice.c[i] as bigint) + (d[i] as bigint))).toBe(
        mod((inputs[i] as bigint) * bob.b),
      );
    expect(alice.message.aTilde).toHaveLength(XI * OT_WIDTH * SCALAR_BYTES);
    expect(alice.message.eta).toHaveLength(RHO * SCALAR_BYTES);
    expect(alice.message.mu).toHaveLength(32);
  });

  it('satisfies c_i + d_i = a_i·b for random and edge inputs (property)', () => {
    const scalar = fc.oneof(fc.constantFrom(0n, 1n, N - 1n), fc.bigInt({ min: 0n, max: N - 1n }));
    fc.assert(
      fc.property(fc.tuple(scalar, scalar), fc.nat(), (a, seed) => {
        const dealt = dealOtSetups(seededRng(`vole/prop/deal/${seed}`));
        const s = oracle(TAGS.signMulSid, new Uint8Array(32), u32(seed));
        const b = voleBobStart(dealt.receiver, s, seededRng(`vole/prop/bob/${seed}`));
        const r = voleAliceRespond(
          dealt.sender,
          s,
          a,
          b.message,
          seededRng(`vole/prop/alice/${seed}`),
          BOB,
        );
        const d = voleBobFinish(b.state, r.message, ALICE);
        for (let i = 0; i < ELL; i++)
          expect(mod((r.c[i] as bigint) + (d[i] as bigint))).toBe(mod((a[i] as bigint) * b.b));
      }),
      { numRuns: 6 },
    );
  });

  it('matches the naive row-at-a-time re-statement on injected values', () => {
    const a = [7n, N - 2n];
    const dealt = dealOtSetups(seededRng('vole/naive/deal'));
    const naive = naiveVole(dealt, sid, a, 'vole/naive/bob', 'vole/naive/alice');
    const b = voleBobStart(dealt.receiver, sid, seededRng('vole/naive/bob'));
    const r = voleAliceRespond(dealt.sender, sid, a, b.message, seededRng('vole/naive/alice'), BOB);
    const d = voleBobFinish(b.state, r.message, ALICE);
    expect(b.b).toBe(naive.b);
    expect(b.message as OteMessage).toEqual(naive.oteMessage);
    expect(r.message).toEqual(naive.message);
    expect(naive.muPrime).toEqual(naive.message.mu);
    expect(r.c).toEqual(naive.c);
    expect(d).toEqual(naive.d);
    for (let i = 0; i < ELL; i++)
      expect(mod((naive.c[i] as bigint) + (naive.d[i] as bigint))).toBe(
        mod((a[i] as bigint) * naive.b),
      );
  });
});

describe('RVOLE Bob round 3 bans Alice on a failed μ check', () => {
  const cases: [string, (m: VoleAliceMessage) => void][] = [
    ['ã_{0,0} + 1', (m) => plusOne(m.aTilde, 0)],
    ['ã_{j,i} + 1 in an input column', (m) => plusOne(m.aTilde, 200 * OT_WIDTH + 1)],
    ['ã_{j,ℓ+k} + 1 in a check column', (m) => plusOne(m.aTilde, (XI - 1) * OT_WIDTH + ELL + 1)],
    ['η_0 + 1', (m) => plusOne(m.eta, 0)],
    ['η_{ρ−1} + 1', (m) => plusOne(m.eta, RHO - 1)],
    [
      'one flipped bit of μ',
      (m) => {
        flip(m.mu, 31, 1);
      },
    ],
  ];
  for (const [name, edit] of cases)
    it(`RVOLE round 3 bans on tampered ${name}`, () => {
      expectTssError(
        () => voleBobFinish(freshState(), tampered(edit), ALICE),
        'VoleConsistencyCheckFailed',
        'ban',
        ALICE,
      );
    });
});

describe('RVOLE Bob round 3 rejects malformed messages (recoverable, culprit = Alice)', () => {
  const m = alice.message;
  const nBytes = numberToBytesBE(N, 32);
  const cases: [string, unknown, TssErrorCode][] = [
    ['null', null, 'MalformedMessage'],
    ['a string', 'vole', 'MalformedMessage'],
    ['a list', [m.aTilde, m.eta, m.mu], 'MalformedMessage'],
    ['aTilde as a list', { ...m, aTilde: Array.from(m.aTilde) }, 'MalformedMessage'],
    ['eta missing', { aTilde: m.aTilde, mu: m.mu }, 'MalformedMessage'],
    ['mu as a number', { ...m, mu: 1 }, 'MalformedMessage'],
    ['aTilde one scalar short', { ...m, aTilde: m.aTilde.subarray(SCALAR_BYTES) }, 'WrongLength'],
    [
      'aTilde one byte long',
      { ...m, aTilde: new Uint8Array(VOLE_A_TILDE_BYTES + 1) },
      'WrongLength',
    ],
    [
      'eta one scalar long',
      { ...m, eta: new Uint8Array(VOLE_ETA_BYTES + SCALAR_BYTES) },
      'WrongLength',
    ],
    ['mu of 31 bytes', { ...m, mu: m.mu.subarray(1) }, 'WrongLength'],
    ['mu of 64 bytes', { ...m, mu: new Uint8Array(64) }, 'WrongLength'],
    ['an ã scalar equal to n', tampered((t) => scalarAt(t.aTilde, 5).set(nBytes)), 'InvalidScalar'],
    [
      'an ã scalar of all ones',
      tampered((t) => scalarAt(t.aTilde, XI * OT_WIDTH - 1).fill(0xff)),
      'InvalidScalar',
    ],
    ['an η scalar equal to n', tampered((t) => scalarAt(t.eta, 1).set(nBytes)), 'InvalidScalar'],
  ];
  for (const [name, message, code] of cases)
    it(`RVOLE round 3 rejects ${name} with ${code}`, () => {
      expectTssError(() => voleBobFinish(freshState(), message, ALICE), code, 'recoverable', ALICE);
    });
});

describe('RVOLE state and session handling', () => {
  it('RVOLE round 3 refuses a reused state (PhaseOutOfOrder)', () => {
    const state = freshState();
    voleBobFinish(state, alice.message, ALICE);
    expectTssError(
      () => voleBobFinish(state, alice.message, ALICE),
      'PhaseOutOfOrder',
      'recoverable',
      undefined,
    );
  });

  it('RVOLE round 3 spends the state even when the message is rejected', () => {
    const state = freshState();
    expectTssError(
      () => voleBobFinish(state, null, ALICE),
      'MalformedMessage',
      'recoverable',
      ALICE,
    );
    expectTssError(
      () => voleBobFinish(state, alice.message, ALICE),
      'PhaseOutOfOrder',
      'recoverable',
      undefined,
    );
  });

  it('RVOLE round 3 wipes β and γ after use, on success and on rejection', () => {
    const ok = freshState();
    voleBobFinish(ok, alice.message, ALICE);
    const bad = freshState();
    expectTssError(
      () =>
        voleBobFinish(
          bad,
          tampered((m) => flip(m.mu, 0, 1)),
          ALICE,
        ),
      'VoleConsistencyCheckFailed',
      'ban',
      ALICE,
    );
    for (const state of [ok, bad]) {
      expect(state.beta.every((x) => x === 0)).toBe(true);
      expect(state.gamma.every((x) => x === 0)).toBe(true);
    }
    expect(bob.state.gamma.some((x) => x !== 0)).toBe(true);
  });

  it('RVOLE round 3 refuses a state of another phase', () => {
    const wrong = { ...bob.state, phase: 'sign/round2' } as unknown as VoleBobState;
    expectTssError(
      () => voleBobFinish(wrong, alice.message, ALICE),
      'PhaseOutOfOrder',
      'recoverable',
      undefined,
    );
  });

  it('RVOLE round 2: Alice under another sid fails the OT-extension check and bans Bob', () => {
    // The OTE message carries no sid, so a sid mismatch is indistinguishable from a cheating
    // receiver. Callers must agree on the sid before this step (research/tecdsa.md §2.9, TOB-SILA-8).
    const otherSid = sid.slice();
    flip(otherSid, 31, 0x80);
    expectTssError(
      () => voleAliceRespond(setups.sender, otherSid, inputs, bob.message, seededRng('x'), BOB),
      'OtConsistencyCheckFailed',
      'ban',
      BOB,
    );
  });

  it('RVOLE round 2 bans Bob on a tampered OT-extension message', () => {
    const m = { ...bob.message, u: bob.message.u.slice() };
    flip(m.u, 1000, 4);
    expectTssError(
      () => voleAliceRespond(setups.sender, sid, inputs, m, seededRng('x'), BOB),
      'OtConsistencyCheckFailed',
      'ban',
      BOB,
    );
  });

  it('RVOLE round 2 rejects a malformed Bob message (recoverable)', () => {
    expectTssError(
      () =>
        voleAliceRespond(setups.sender, sid, inputs, { u: new Uint8Array(3) }, seededRng('x'), BOB),
      'WrongLength',
      'recoverable',
      BOB,
    );
  });

  const badParameters: [string, () => unknown][] = [
    ['Bob with a short sid', () => voleBobStart(setups.receiver, sid.subarray(1), seededRng('x'))],
    [
      'Alice with a short sid',
      () =>
        voleAliceRespond(
          setups.sender,
          new Uint8Array(31),
          inputs,
          bob.message,
          seededRng('x'),
          BOB,
        ),
    ],
    [
      'Alice with ℓ−1 inputs',
      () => voleAliceRespond(setups.sender, sid, [1n], bob.message, seededRng('x'), BOB),
    ],
    [
      'Alice with an input equal to n',
      () => voleAliceRespond(setups.sender, sid, [1n, N], bob.message, seededRng('x'), BOB),
    ],
    [
      'Alice with a negative input',
      () => voleAliceRespond(setups.sender, sid, [-1n, 1n], bob.message, seededRng('x'), BOB),
    ],
    [
      'Alice with a number input',
      () =>
        voleAliceRespond(
          setups.sender,
          sid,
          [1 as unknown as bigint, 1n],
          bob.message,
          seededRng('x'),
          BOB,
        ),
    ],
  ];
  for (const [name, run] of badParameters)
    it(`RVOLE rejects ${name} (InvalidParameters)`, () => {
      expectTssError(run, 'InvalidParameters', 'recoverable', undefined);
    });
});
