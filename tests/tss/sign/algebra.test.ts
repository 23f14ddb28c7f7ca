/**
 * Property tests on the signing algebra (research/tecdsa.md §2.6, §6): Σu = r·φ,
 * Σw = φ·(m + r_x·sk), and Σ sk_i = sk_derived, for random sessions.
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, mul, mulG, sumScalars } from '../../../tss/curve';
import type { KeyShare } from '../../../tss/keyshare';
import { signRound1 } from '../../../tss/sign/round1';
import { signRound2 } from '../../../tss/sign/round2';
import { signRound3 } from '../../../tss/sign/round3';
import { seededRng } from '../support/rng';
import { rngsFor, runDkg } from '../support/simulate';

let shares: Map<number, KeyShare>;
beforeAll(() => {
  shares = runDkg({ parties: [1, 2, 3], threshold: 3 }, rngsFor([1, 2, 3], 'algebra-dkg'));
}, 120_000);

describe('DKLs23 Protocol 3.6 algebra', () => {
  it('Σu = r·φ, Σw = φ·(m + r_x·sk) and Σ sk_i·G = pk_derived, for random sessions (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.nat(20), (seed, index) => {
        const signers = [1, 2, 3];
        const rng = seededRng(`algebra-${seed}`);
        const request = { signers, digest: rng(32), path: [index], sessionNonce: rng(32) };
        const r1 = signers.map((p) =>
          signRound1(shares.get(p) as KeyShare, request, seededRng(`${seed}/${p}`)),
        );
        const d1 = r1.flatMap((x) => x.direct);
        const r2 = signers.map((p, k) =>
          signRound2(
            r1[k]?.state as never,
            d1.filter((m) => m.to === p),
            seededRng(`${seed}/${p}/2`),
          ),
        );
        const d2 = r2.flatMap((x) => x.direct);
        const r3 = signers.map((p, k) =>
          signRound3(
            r2[k]?.state as never,
            d2.filter((m) => m.to === p),
          ),
        );
        const states = r1.map((x) => x.state);
        const r = sumScalars(states.map((s) => s.nonce));
        const phi = sumScalars(states.map((s) => s.inversionMask));
        const sk = sumScalars(states.map((s) => s.secretKeyShare));
        const sumU = sumScalars(r3.map((x) => bytesToNumberBE(x.broadcast.u)));
        const sumW = sumScalars(r3.map((x) => bytesToNumberBE(x.broadcast.w)));
        const rx = r3[0]?.state.r as bigint;
        expect(sumU).toBe(mul(r, phi));
        expect(sumW).toBe(mul(phi, add(states[0]?.message as bigint, mul(rx, sk))));
        expect(mulG(sk).equals(states[0]?.derivedPublicKey as never)).toBe(true);
        expect(mulG(r).equals(r3[0]?.state.bigR as never)).toBe(true);
      }),
      { numRuns: 4, seed: 42 },
    );
  }, 120_000);
});
