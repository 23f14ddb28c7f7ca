/**
 * How an owner's change of rules takes effect (issue #8 §3): tightening at once, loosening only
 * after the waiting period in force before the change. Someone who holds the device share and the
 * owner's credentials for a moment can then make the rules stricter, never looser, without the
 * owner having `delaySeconds` to notice and cancel.
 *
 * A change is split component by component: `effective := tightest(effective, requested)` now, and
 * `requested` itself later when it is not already that. A wallet without rules has nothing to
 * protect, so its first rules apply at once. A new change replaces a pending one (the owner's last
 * word counts; a looser one still waits its full period from now).
 * @module
 */
import type { Address } from 'viem';
import { assetKey, compareAddresses, compareAssets, type PolicyState } from './codec';
import type { AssetAmount, WalletPolicy } from './types';

/**
 * True when the policy restricts nothing: no limits, no allowlist, the approval rule off, no holds.
 * `delaySeconds` alone restricts nothing.
 * @example isUnrestricted(DEFAULT_POLICY); // true
 */
export function isUnrestricted(policy: WalletPolicy): boolean {
  return (
    policy.dailyLimits.length === 0 &&
    policy.allowlist === null &&
    !policy.blockUnknownApprovals &&
    policy.holdAbove.length === 0
  );
}

/** Per asset the smaller amount; an asset in one list only keeps its amount (the other is ∞). */
function minByAsset(a: readonly AssetAmount[], b: readonly AssetAmount[]): AssetAmount[] {
  const merged = new Map<string, AssetAmount>();
  for (const entry of [...a, ...b]) {
    const key = assetKey(entry);
    const other = merged.get(key);
    if (other === undefined || BigInt(entry.amount) < BigInt(other.amount))
      merged.set(key, { chainId: entry.chainId, asset: entry.asset, amount: entry.amount });
  }
  return [...merged.values()].sort(compareAssets);
}

function intersect(
  a: readonly Address[] | null,
  b: readonly Address[] | null,
): readonly Address[] | null {
  if (a === null) return b === null ? null : [...b].sort(compareAddresses);
  if (b === null) return [...a].sort(compareAddresses);
  const inB = new Set(b.map((x) => x.toLowerCase()));
  return a.filter((x) => inB.has(x.toLowerCase())).sort(compareAddresses);
}

/**
 * The tightest of both, component by component: limits and hold thresholds the minimum per asset
 * (an asset in only one list keeps its amount), allowlist `null ∧ L = L` and `L1 ∧ L2 = L1 ∩ L2`,
 * `blockUnknownApprovals` OR, `delaySeconds` the longer.
 * @example tightest(current, requested); // what may apply at once
 */
export function tightest(a: WalletPolicy, b: WalletPolicy): WalletPolicy {
  return {
    dailyLimits: minByAsset(a.dailyLimits, b.dailyLimits),
    allowlist: intersect(a.allowlist, b.allowlist),
    blockUnknownApprovals: a.blockUnknownApprovals || b.blockUnknownApprovals,
    holdAbove: minByAsset(a.holdAbove, b.holdAbove),
    delaySeconds: Math.max(a.delaySeconds, b.delaySeconds),
  };
}

function canonical(policy: WalletPolicy): string {
  const assets = (list: readonly AssetAmount[]) =>
    [...list].sort(compareAssets).map((e) => [assetKey(e), BigInt(e.amount).toString()]);
  return JSON.stringify([
    assets(policy.dailyLimits),
    policy.allowlist === null
      ? null
      : [...new Set(policy.allowlist.map((x) => x.toLowerCase()))].sort(),
    policy.blockUnknownApprovals,
    assets(policy.holdAbove),
    policy.delaySeconds,
  ]);
}

/**
 * The same rules, whatever the order of lists or the case of addresses.
 * @example samePolicy(tightest(a, b), b); // b is no looser than a
 */
export function samePolicy(a: WalletPolicy, b: WalletPolicy): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Promotes a pending change whose `readyAt` ≤ `now`.
 * @example const { effective } = currentPolicyState(stored, Date.now());
 */
export function currentPolicyState(state: PolicyState, now: number): PolicyState {
  if (state.pending === undefined || state.pending.readyAt > now) return state;
  return { effective: state.pending.policy };
}

/**
 * Applies an owner's change at `now` (a due pending change is promoted first). If the effective
 * policy is unrestricted, `requested` applies at once. Otherwise the effective policy becomes
 * `tightest(effective, requested)` now, and if that is not `requested`, `requested` waits until
 * `now + effective.delaySeconds · 1000` (the delay in force before the change). The change
 * replaces an older pending one.
 * @example state = applyPolicyChange(state, parsePolicy(body.policy), Date.now());
 */
export function applyPolicyChange(
  state: PolicyState,
  requested: WalletPolicy,
  now: number,
): PolicyState {
  const { effective } = currentPolicyState(state, now);
  if (isUnrestricted(effective)) return { effective: requested };
  const atOnce = tightest(effective, requested);
  if (samePolicy(atOnce, requested)) return { effective: requested };
  return {
    effective: atOnce,
    pending: { policy: requested, readyAt: now + effective.delaySeconds * 1000 },
  };
}

/**
 * Drops a pending (looser) change; the effective policy stays.
 * @example state = cancelPendingChange(state);
 */
export function cancelPendingChange(state: PolicyState): PolicyState {
  return { effective: state.effective };
}
