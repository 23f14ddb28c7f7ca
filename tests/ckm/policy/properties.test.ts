/**
 * Properties of the policy engine over generated policies (fast-check): the wire round trip,
 * `tightest` as a meet (commutative, idempotent, never looser than either side), and the rule
 * that an owner's change never loosens the effective policy before the waiting period.
 */
import fc from 'fast-check';
import { type Address, getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  type AssetAmount,
  applyPolicyChange,
  currentPolicyState,
  decodePolicyState,
  encodePolicyState,
  isUnrestricted,
  parsePolicy,
  policyToWire,
  samePolicy,
  tightest,
  type WalletPolicy,
} from '../../../ckm/policy';

/** A few addresses, so that lists overlap. */
const ADDRESSES: readonly Address[] = [1, 2, 3, 4, 5].map((i) =>
  getAddress(`0x${i.toString(16).repeat(40)}`),
);
const address = fc.constantFrom(...ADDRESSES);
const amount = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map((x) => x.toString());
const assetAmount: fc.Arbitrary<AssetAmount> = fc.record({
  chainId: fc.constantFrom(1, 10, 137),
  asset: fc.oneof(fc.constant('native' as const), address),
  amount,
});
const assetList = fc.uniqueArray(assetAmount, {
  maxLength: 5,
  selector: (e) => `${e.chainId}:${e.asset}`,
});
const wirePolicy = fc.record({
  dailyLimits: assetList,
  allowlist: fc.option(fc.array(address, { maxLength: 6 }), { nil: null }),
  blockUnknownApprovals: fc.boolean(),
  holdAbove: assetList,
  delaySeconds: fc.integer({ min: 1, max: 31 * 86_400 }),
});
const walletPolicy: fc.Arbitrary<WalletPolicy> = wirePolicy.map((p) => parsePolicy(p));

/** `a` is at least as tight as `b`. */
const atLeastAsTight = (a: WalletPolicy, b: WalletPolicy) => samePolicy(tightest(a, b), a);

describe('policy properties', () => {
  it('parsePolicy ∘ policyToWire is the identity on parsed policies; the stored state too', () => {
    fc.assert(
      fc.property(walletPolicy, walletPolicy, fc.nat(), (p, q, readyAt) => {
        expect(parsePolicy(policyToWire(p))).toEqual(p);
        const state = { effective: p, pending: { policy: q, readyAt } };
        expect(decodePolicyState(encodePolicyState(state))).toEqual(state);
      }),
    );
  });

  it('tightest is commutative, idempotent and at least as tight as both sides', () => {
    fc.assert(
      fc.property(walletPolicy, walletPolicy, (a, b) => {
        const t = tightest(a, b);
        expect(samePolicy(t, tightest(b, a))).toBe(true);
        expect(samePolicy(tightest(a, a), a)).toBe(true);
        expect(atLeastAsTight(t, a)).toBe(true);
        expect(atLeastAsTight(t, b)).toBe(true);
        // The result parses: still within every bound.
        expect(parsePolicy(policyToWire(t))).toEqual(t);
      }),
    );
  });

  it('a change never loosens the effective policy before the old delay has passed', () => {
    fc.assert(
      fc.property(
        walletPolicy,
        walletPolicy,
        fc.nat({ max: 10 ** 9 }),
        (old, requested, elapsed) => {
          fc.pre(!isUnrestricted(old));
          const now = 1_800_000_000_000;
          const next = applyPolicyChange({ effective: old }, requested, now);
          expect(atLeastAsTight(next.effective, old)).toBe(true);
          expect(atLeastAsTight(next.effective, requested)).toBe(true);
          if (next.pending !== undefined) {
            expect(next.pending.readyAt).toBe(now + old.delaySeconds * 1000);
            const later = currentPolicyState(next, now + elapsed);
            if (elapsed < old.delaySeconds * 1000) expect(later).toBe(next);
            else expect(later.effective).toBe(requested);
          } else {
            expect(samePolicy(next.effective, requested)).toBe(true);
          }
        },
      ),
    );
  });
});
