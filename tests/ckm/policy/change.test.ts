/**
 * ckm/policy/change.ts: loosen later, tighten now, component by component; an unrestricted
 * wallet takes its first rules at once; a second change replaces the pending one; cancel.
 */
import { describe, expect, it } from 'vitest';
import {
  applyPolicyChange,
  cancelPendingChange,
  currentPolicyState,
  DEFAULT_POLICY,
  isUnrestricted,
  type PolicyState,
  samePolicy,
  tightest,
  type WalletPolicy,
} from '../../../ckm/policy';
import { ALICE, BOB, DRAINER, policy, TOKEN } from './fixtures';

const NOW = 1_800_000_000_000;
const HOUR = 3600;
const native = (amount: bigint, chainId = 1) => ({
  chainId,
  asset: 'native' as const,
  amount: amount.toString(),
});
const token = (amount: bigint) => ({ chainId: 1, asset: TOKEN, amount: amount.toString() });

/** A wallet with rules and a one-hour delay. */
const BASE: WalletPolicy = policy({
  dailyLimits: [native(100n)],
  allowlist: [ALICE, BOB],
  blockUnknownApprovals: true,
  holdAbove: [native(50n)],
  delaySeconds: HOUR,
});
const state: PolicyState = { effective: BASE };

function expectImmediate(requested: WalletPolicy) {
  expect(applyPolicyChange(state, requested, NOW)).toEqual({ effective: requested });
}

function expectPending(requested: WalletPolicy, effectiveNow: WalletPolicy, delaySeconds = HOUR) {
  const next = applyPolicyChange(state, requested, NOW);
  expect(samePolicy(next.effective, effectiveNow)).toBe(true);
  expect(next.pending).toEqual({ policy: requested, readyAt: NOW + delaySeconds * 1000 });
}

describe('isUnrestricted', () => {
  it('is true for the default policy, whatever its delay', () => {
    expect(isUnrestricted(DEFAULT_POLICY)).toBe(true);
    expect(isUnrestricted(policy({ delaySeconds: 5 }))).toBe(true);
  });
  it.each([
    ['a daily limit', { dailyLimits: [native(1n)] }],
    ['an allowlist', { allowlist: [] }],
    ['the approval rule', { blockUnknownApprovals: true }],
    ['a hold', { holdAbove: [native(1n)] }],
  ])('is false with %s', (_name, overrides) => {
    expect(isUnrestricted(policy(overrides))).toBe(false);
  });
});

describe('tightest', () => {
  it('takes the minimum per asset; an asset in one list only keeps its amount', () => {
    const a = policy({ dailyLimits: [native(10n), token(5n)], holdAbove: [native(3n)] });
    const b = policy({ dailyLimits: [native(4n), native(9n, 10)], holdAbove: [token(1n)] });
    expect(tightest(a, b)).toMatchObject({
      dailyLimits: [native(4n), token(5n), native(9n, 10)],
      holdAbove: [native(3n), token(1n)],
    });
  });
  it('intersects allowlists; null is the identity', () => {
    expect(
      tightest(policy({ allowlist: [ALICE, BOB] }), policy({ allowlist: [BOB, DRAINER] }))
        .allowlist,
    ).toEqual([BOB]);
    expect(tightest(policy(), policy({ allowlist: [BOB] })).allowlist).toEqual([BOB]);
    expect(tightest(policy({ allowlist: [BOB] }), policy()).allowlist).toEqual([BOB]);
    expect(tightest(policy(), policy()).allowlist).toBeNull();
    expect(
      tightest(policy({ allowlist: [ALICE] }), policy({ allowlist: [BOB] })).allowlist,
    ).toEqual([]);
  });
  it('ORs the approval rule and takes the longer delay', () => {
    const t = tightest(
      policy({ blockUnknownApprovals: true, delaySeconds: 5 }),
      policy({ delaySeconds: 9 }),
    );
    expect(t.blockUnknownApprovals).toBe(true);
    expect(t.delaySeconds).toBe(9);
  });
});

describe('samePolicy', () => {
  it('ignores list order and address case', () => {
    expect(
      samePolicy(
        policy({ allowlist: [ALICE, BOB], dailyLimits: [token(1n), native(2n)] }),
        policy({
          allowlist: [BOB.toLowerCase() as typeof BOB, ALICE],
          dailyLimits: [native(2n), token(1n)],
        }),
      ),
    ).toBe(true);
  });
  it.each([
    ['a limit', { dailyLimits: [native(101n)] }],
    ['an allowlist', { allowlist: [ALICE] }],
    ['the approval rule', { blockUnknownApprovals: false }],
    ['a hold', { holdAbove: [] }],
    ['the delay', { delaySeconds: HOUR + 1 }],
  ])('tells a different %s apart', (_name, overrides) => {
    expect(samePolicy(BASE, { ...BASE, ...overrides })).toBe(false);
  });
});

describe('applyPolicyChange', () => {
  it('the same policy again changes nothing and leaves nothing pending', () => {
    expectImmediate(BASE);
  });

  it('raising a limit is pending; lowering it is immediate', () => {
    expectPending({ ...BASE, dailyLimits: [native(200n)] }, BASE);
    expectImmediate({ ...BASE, dailyLimits: [native(50n)] });
  });

  it('removing a limit is pending; adding one is immediate', () => {
    expectPending({ ...BASE, dailyLimits: [] }, BASE);
    expectImmediate({ ...BASE, dailyLimits: [native(100n), token(1n)] });
  });

  it('adding an allowlist entry is pending; removing one is immediate', () => {
    expectPending({ ...BASE, allowlist: [ALICE, BOB, DRAINER] }, BASE);
    expectImmediate({ ...BASE, allowlist: [BOB] });
  });

  it('dropping the allowlist (null) is pending', () => {
    expectPending({ ...BASE, allowlist: null }, BASE);
  });

  it('turning the approval rule off is pending; on is immediate', () => {
    expectPending({ ...BASE, blockUnknownApprovals: false }, BASE);
    const off: PolicyState = { effective: { ...BASE, blockUnknownApprovals: false } };
    const on = BASE;
    expect(applyPolicyChange(off, on, NOW)).toEqual({ effective: on });
  });

  it('raising a hold threshold is pending; lowering it is immediate', () => {
    expectPending({ ...BASE, holdAbove: [native(60n)] }, BASE);
    expectImmediate({ ...BASE, holdAbove: [native(40n)] });
  });

  it('a shorter delay is pending with the OLD delay; a longer one is immediate', () => {
    expectPending({ ...BASE, delaySeconds: 60 }, BASE, HOUR);
    expectImmediate({ ...BASE, delaySeconds: 2 * HOUR });
  });

  it('a mixed change applies its tighter part now and waits for the rest', () => {
    const requested = { ...BASE, dailyLimits: [native(500n)], holdAbove: [native(10n)] };
    const next = applyPolicyChange(state, requested, NOW);
    expect(next.effective).toEqual({ ...BASE, holdAbove: [native(10n)] });
    expect(next.pending?.policy).toEqual(requested);
  });

  it('an unrestricted wallet takes anything at once', () => {
    const free: PolicyState = { effective: DEFAULT_POLICY };
    expect(applyPolicyChange(free, BASE, NOW)).toEqual({ effective: BASE });
    expect(
      applyPolicyChange({ effective: policy({ delaySeconds: 5 }) }, DEFAULT_POLICY, NOW),
    ).toEqual({
      effective: DEFAULT_POLICY,
    });
  });

  it('a second change replaces the pending one, its wait counted from now', () => {
    const first = applyPolicyChange(state, { ...BASE, dailyLimits: [native(200n)] }, NOW);
    const second = applyPolicyChange(first, { ...BASE, dailyLimits: [native(300n)] }, NOW + 1000);
    expect(second.pending).toEqual({
      policy: { ...BASE, dailyLimits: [native(300n)] },
      readyAt: NOW + 1000 + HOUR * 1000,
    });
    // A tightening drops the pending loosening.
    expect(applyPolicyChange(first, { ...BASE, dailyLimits: [native(10n)] }, NOW + 1000)).toEqual({
      effective: { ...BASE, dailyLimits: [native(10n)] },
    });
  });

  it('promotes a due pending change before applying, and uses its delay', () => {
    const loose = { ...BASE, delaySeconds: 60 };
    const pending: PolicyState = { effective: BASE, pending: { policy: loose, readyAt: NOW } };
    const next = applyPolicyChange(pending, { ...loose, dailyLimits: [native(500n)] }, NOW);
    expect(next.effective).toEqual(loose);
    expect(next.pending?.readyAt).toBe(NOW + 60_000);
  });
});

describe('currentPolicyState and cancelPendingChange', () => {
  const looser = { ...BASE, dailyLimits: [native(200n)] };
  const pending = applyPolicyChange(state, looser, NOW);

  it('keeps the pending change until readyAt, then promotes it', () => {
    expect(currentPolicyState(pending, NOW + HOUR * 1000 - 1)).toBe(pending);
    expect(currentPolicyState(pending, NOW + HOUR * 1000)).toEqual({ effective: looser });
  });

  it('a state without a pending change is returned as is', () => {
    expect(currentPolicyState(state, NOW + 10 ** 12)).toBe(state);
  });

  it('cancel drops the pending change and keeps the effective policy', () => {
    expect(cancelPendingChange(pending)).toEqual({ effective: BASE });
    expect(currentPolicyState(cancelPendingChange(pending), NOW + 10 ** 12)).toEqual({
      effective: BASE,
    });
  });
});
