/**
 * The batched Γ check of signing round 3 (docs/protocol.md §9): one random linear combination
 * U + e·V with a 128-bit weight e drawn in round 2. The single-field negatives live in
 * tests/tss/malicious/sign.test.ts; here: the weight really is random and used (errors that
 * cancel in U + V are still caught), and a failure names the same check as the unbatched code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mulG, type Point, Point as PointClass, pointToBytes } from '../../../tss/curve';
import type { KeyShare } from '../../../tss/keyshare';
import { signRound1 } from '../../../tss/sign/round1';
import { signRound2 } from '../../../tss/sign/round2';
import type { Sign2Direct } from '../../../tss/sign/types';
import { tssErrorOf } from '../support/errors';
import { rngsFor, runDkg, runSign, type Tamper } from '../support/simulate';

const SIGNERS = [1, 2];
const digest = new Uint8Array(32).fill(0x42);
let shares: Map<number, KeyShare>;

beforeAll(() => {
  shares = runDkg({ parties: [1, 2], threshold: 2 }, rngsFor([1, 2], 'gamma-batch-dkg'));
}, 120_000);

/** Adds `du`·G to Γ^u and `dv`·G to Γ^v of party 2's round-2 message to party 1. */
function shiftGammas(du: bigint, dv: bigint): Tamper {
  const shift = (bytes: Uint8Array, k: bigint): Uint8Array =>
    k === 0n ? bytes : pointToBytes(PointClass.fromBytes(bytes).add(mulG(k)) as Point);
  return (stage, from, to, message) => {
    if (stage !== 'sign2' || from !== 2 || to !== 1) return message;
    const m = message as Sign2Direct;
    return { ...m, gammaU: shift(m.gammaU, du), gammaV: shift(m.gammaV, dv) };
  };
}

function failureOf(tamper: Tamper) {
  return tssErrorOf(() =>
    runSign(shares, { signers: SIGNERS, digest }, rngsFor(SIGNERS, 'gamma-batch'), tamper),
  );
}

describe('batched Γ check', () => {
  it('passes an honest run (control)', () => {
    const out = runSign(shares, { signers: SIGNERS, digest }, rngsFor(SIGNERS, 'gamma-batch'));
    expect(out.size).toBe(2);
  });

  it('catches errors that cancel in an unweighted sum U + V (Γ^u + X, Γ^v − X)', () => {
    const error = failureOf(shiftGammas(5n, -5n));
    expect([error.code, error.kind, error.culprit]).toEqual(['GammaUCheckFailed', 'ban', 2]);
  });

  it('names U when both fail, V when only V fails', () => {
    const both = failureOf(shiftGammas(3n, 7n));
    expect([both.code, both.kind, both.culprit]).toEqual(['GammaUCheckFailed', 'ban', 2]);
    const onlyV = failureOf(shiftGammas(0n, 1n));
    expect([onlyV.code, onlyV.kind, onlyV.culprit]).toEqual(['GammaVCheckFailed', 'ban', 2]);
  });

  it('draws an independent weight e < 2^128 per peer in round 2, after every other draw', () => {
    const signers = [1, 2, 3];
    const three = runDkg({ parties: signers, threshold: 3 }, rngsFor(signers, 'gamma-batch-3'));
    const request = { signers, digest, path: [], sessionNonce: new Uint8Array(32).fill(1) };
    const rngs = rngsFor(signers, 'gamma-batch-weights');
    const r1 = signers.map((p) =>
      signRound1(three.get(p) as KeyShare, request, rngs.get(p) as never),
    );
    const d1 = r1.flatMap((x) => x.direct);
    const { state } = signRound2(
      r1[0]?.state as never,
      d1.filter((m) => m.to === 1),
      rngs.get(1) as never,
    );
    const weights = [...state.gammaWeights];
    expect(weights.map(([peer]) => peer)).toEqual([2, 3]);
    for (const [, e] of weights) expect(e >= 0n && e < 1n << 128n).toBe(true);
    expect(weights[0]?.[1]).not.toBe(weights[1]?.[1]);
  }, 120_000);
});
