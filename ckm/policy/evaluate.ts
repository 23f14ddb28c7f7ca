/**
 * The policy firewall's decision (issue #8, docs/ckm.md §10): given a wallet's rules, what a payload
 * would do (`analyze.ts`) and what this server already co-signed today, allow, refuse, or hold.
 * Pure: the server supplies the ledger and the clock, and stores what the decision says.
 *
 * Rules, in this order (the first that fires answers):
 * 1. `allowlist` (when not null): every recipient on it; every approval's spender on it or a known
 *    spender (`known-spenders.ts`).
 * 2. `blockUnknownApprovals`: no unlimited approval (or `setApprovalForAll`) to a spender that is
 *    neither known nor on the allowlist.
 * 3. `dailyLimits`: what this server co-signed in the last 24 h plus this payload's outflow of the
 *    asset stays within the limit. An unlimited approval of a limited token is always over it.
 * 4. `holdAbove`: an outflow above the threshold waits `delaySeconds`, then the same intent is
 *    co-signed once.
 *
 * A cancelled hold: the hold record keeps no cancel time of its own unless the server gives one
 * (`cancelledAt`), so the same intent stays refused as cancelled until the later of the hold's
 * `readyAt` and 24 h after the cancel (or, without `cancelledAt`, after its creation). After that, a
 * new request of the same intent starts a new hold, with a new full waiting period the owner can
 * cancel again. This keeps an attacker from re-arming a cancelled hold at once, and keeps a request
 * the owner once refused from being blocked forever.
 * @module
 */
import { type Address, formatEther, getAddress, isAddressEqual } from 'viem';
import { printable } from '../payload/fields';
import type { SignPayload } from '../payload/types';
import type { ApprovalEffect, PayloadEffects } from './analyze';
import { compareAssets } from './codec';
import { knownSpender } from './known-spenders';
import type { AssetAmount, AssetRef, PolicyRefusal, WalletPolicy } from './types';

export type HoldRecord = {
  readonly holdId: string;
  readonly createdAt: number;
  readonly readyAt: number;
  readonly status: 'waiting' | 'cancelled' | 'used';
  readonly summary: string;
  /** When the owner cancelled it (ms since the epoch), if the server records it. */
  readonly cancelledAt?: number;
};

export type PolicyDecision =
  | { readonly kind: 'allow'; readonly ledger: readonly AssetAmount[]; readonly useHold?: string }
  | { readonly kind: 'refuse'; readonly refusal: PolicyRefusal }
  | {
      readonly kind: 'hold';
      readonly refusal: Extract<PolicyRefusal, { rule: 'hold' }>;
      readonly newHold?: HoldRecord;
    };

export type EvaluatePolicyParameters = {
  /** The effective policy (after promoting a due pending change). */
  readonly policy: WalletPolicy;
  readonly effects: PayloadEffects;
  readonly intentId: string;
  /** What this server co-signed in the last 24 h for an asset, excluding the entry under `effects.ledgerKey`. */
  readonly spent: (asset: AssetRef) => bigint;
  /** The hold stored under `intentId`, if any. */
  readonly hold: HoldRecord | undefined;
  readonly now: number;
  /** The new hold's summary; by default one built from `effects` (see {@link describeIntent}). */
  readonly summary?: string;
};

/** How long a cancelled hold keeps refusing its intent (see the module doc). */
export const CANCELLED_HOLD_MS = 24 * 60 * 60 * 1000;
const MAX_UINT256 = (1n << 256n) - 1n;

function sameAsset(a: AssetRef, b: AssetRef): boolean {
  if (a.chainId !== b.chainId) return false;
  if (a.asset === 'native' || b.asset === 'native') return a.asset === b.asset;
  return isAddressEqual(a.asset, b.asset);
}

function onList(list: readonly Address[] | null, address: Address): boolean {
  return list?.some((entry) => isAddressEqual(entry, address)) ?? false;
}

function trustedSpender(policy: WalletPolicy, approval: ApprovalEffect): boolean {
  return (
    knownSpender(approval.chainId, approval.spender) !== undefined ||
    onList(policy.allowlist, approval.spender)
  );
}

/** The payload's outflow of `asset`; 2^256 − 1 when it carries an unlimited approval of it. */
function requestedOf(effects: PayloadEffects, asset: AssetRef): bigint {
  const unlimited = effects.approvals.some(
    (a) => a.unlimited && sameAsset({ chainId: a.chainId, asset: a.token }, asset),
  );
  if (unlimited) return MAX_UINT256;
  return saturate(
    effects.outflows
      .filter((o) => sameAsset(o, asset))
      .reduce((sum, o) => sum + BigInt(o.amount), 0n),
  );
}

/**
 * Caps a sum at 2^256 − 1: a batch of huge amounts can add up beyond any uint256, and every amount
 * we store or answer stays a uint256 (what `parsePolicyRefusal` and the store accept).
 */
function saturate(amount: bigint): bigint {
  return amount > MAX_UINT256 ? MAX_UINT256 : amount;
}

/** The outflows summed per asset, in canonical order. */
function ledgerOf(effects: PayloadEffects): AssetAmount[] {
  const sums: { ref: AssetRef; amount: bigint }[] = [];
  for (const o of effects.outflows) {
    const entry = sums.find((s) => sameAsset(s.ref, o));
    if (entry) entry.amount += BigInt(o.amount);
    else sums.push({ ref: { chainId: o.chainId, asset: o.asset }, amount: BigInt(o.amount) });
  }
  return sums
    .map((s) => ({
      chainId: s.ref.chainId,
      asset: s.ref.asset,
      amount: saturate(s.amount).toString(),
    }))
    .sort(compareAssets);
}

function holdDecision(
  args: EvaluatePolicyParameters,
  asset: AssetRef,
  threshold: string,
  requested: bigint,
): PolicyDecision | undefined {
  const { hold, now, intentId } = args;
  const base = {
    rule: 'hold',
    asset: { chainId: asset.chainId, asset: asset.asset },
    threshold,
    requested: requested.toString(),
    holdId: intentId,
  } as const;
  // A record under another id is not this intent's hold; a used one is spent.
  const current = hold !== undefined && hold.holdId === intentId ? hold : undefined;
  if (current?.status === 'waiting') {
    if (current.readyAt <= now) return undefined; // ready: the caller allows and marks it used
    return {
      kind: 'hold',
      refusal: { ...base, readyAt: current.readyAt, status: 'waiting' },
    };
  }
  if (current?.status === 'cancelled') {
    const until = Math.max(
      current.readyAt,
      (current.cancelledAt ?? current.createdAt) + CANCELLED_HOLD_MS,
    );
    if (now < until)
      return { kind: 'hold', refusal: { ...base, readyAt: until, status: 'cancelled' } };
  }
  const readyAt = now + args.policy.delaySeconds * 1000;
  return {
    kind: 'hold',
    refusal: { ...base, readyAt, status: 'waiting' },
    newHold: {
      holdId: intentId,
      createdAt: now,
      readyAt,
      status: 'waiting',
      summary: args.summary ?? describeEffects(args.effects),
    },
  };
}

/**
 * Decides one sign request against the effective policy; rules in the order of the module doc.
 * On `allow`, the server records `ledger` under `effects.ledgerKey` (replacing an earlier entry)
 * and marks `useHold` used; on `hold` with `newHold`, it stores the hold under `intentId`.
 * @example
 * const decision = evaluatePolicy({ policy, effects, intentId: id, spent, hold, now: Date.now() });
 * if (decision.kind !== 'allow') throw new PolicyRefusedError(decision.refusal);
 */
export function evaluatePolicy(args: EvaluatePolicyParameters): PolicyDecision {
  const { policy, effects } = args;
  // 1. Allowlist.
  if (policy.allowlist !== null) {
    for (const r of effects.recipients)
      if (!onList(policy.allowlist, r.address))
        return { kind: 'refuse', refusal: { rule: 'allowlist', recipient: r.address } };
    for (const a of effects.approvals)
      if (!trustedSpender(policy, a))
        return { kind: 'refuse', refusal: { rule: 'allowlist', recipient: a.spender } };
  }
  // 2. Unlimited approvals to unknown spenders.
  if (policy.blockUnknownApprovals)
    for (const a of effects.approvals)
      if ((a.unlimited || a.approval === 'forAll') && !trustedSpender(policy, a))
        return {
          kind: 'refuse',
          refusal: {
            rule: 'unknownApproval',
            spender: a.spender,
            approval: a.approval,
            asset: { chainId: a.chainId, asset: a.token },
          },
        };
  // 3. Daily limits.
  for (const limit of policy.dailyLimits) {
    const requested = requestedOf(effects, limit);
    if (requested === 0n) continue;
    const spent = args.spent({ chainId: limit.chainId, asset: limit.asset });
    if (requested === MAX_UINT256 || spent + requested > BigInt(limit.amount))
      return {
        kind: 'refuse',
        refusal: {
          rule: 'dailyLimit',
          asset: { chainId: limit.chainId, asset: limit.asset },
          limit: limit.amount,
          spent: saturate(spent).toString(),
          requested: requested.toString(),
        },
      };
  }
  // 4. Holds: the first asset above its threshold decides.
  let useHold: string | undefined;
  for (const threshold of policy.holdAbove) {
    const requested = requestedOf(effects, threshold);
    if (requested <= BigInt(threshold.amount)) continue;
    const decision = holdDecision(args, threshold, threshold.amount, requested);
    if (decision !== undefined) return decision;
    useHold = args.intentId;
    break;
  }
  // 5. Allow.
  const ledger = ledgerOf(effects);
  return useHold === undefined ? { kind: 'allow', ledger } : { kind: 'allow', ledger, useHold };
}

// ---------------------------------------------------------------------------------------------
// Summaries

function short(address: Address): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** The native coin's symbol on the chains whose coin is not ETH. */
const NATIVE_SYMBOL: ReadonlyMap<number, string> = new Map([
  [56, 'BNB'],
  [97, 'tBNB'],
  [137, 'POL'],
  [43114, 'AVAX'],
  [100, 'xDAI'],
]);

function amountText(o: AssetAmount): string {
  if (o.asset === 'native')
    return `${formatEther(BigInt(o.amount))} ${NATIVE_SYMBOL.get(o.chainId) ?? 'ETH'}`;
  const amount = BigInt(o.amount) === MAX_UINT256 ? 'an unlimited amount' : `${o.amount} units`;
  return `${amount} of token ${short(o.asset)}`;
}

/** The amount an approval grants, from its outflow (kind `approval` or `permit`). */
function approvedAmount(effects: PayloadEffects, a: ApprovalEffect): string {
  const granted = effects.outflows.filter(
    (o) =>
      (o.kind === 'approval' || o.kind === 'permit') &&
      sameAsset(o, { chainId: a.chainId, asset: a.token }),
  );
  return granted.reduce((sum, o) => sum + BigInt(o.amount), 0n).toString();
}

/** One line from effects alone: what moves, to whom, and what is approved; '' when nothing. */
export function describeEffects(effects: PayloadEffects): string {
  const parts: string[] = [];
  const moved = ledgerOf({
    ...effects,
    outflows: effects.outflows.filter((o) => o.kind !== 'approval' && o.kind !== 'permit'),
  });
  if (moved.length > 0) {
    const to = effects.recipients.map((r) => short(r.address)).join(', ');
    parts.push(`Send ${moved.map(amountText).join(' and ')}${to === '' ? '' : ` to ${to}`}`);
  }
  for (const a of effects.approvals) {
    const what =
      a.approval === 'forAll'
        ? 'all items'
        : a.unlimited
          ? 'an unlimited amount'
          : `${approvedAmount(effects, a)} units`;
    parts.push(`Approve ${short(a.spender)} to take ${what} of token ${short(a.token)}`);
  }
  if (parts.length === 0) return '';
  const chains = [...new Set([...effects.outflows, ...effects.approvals].map((e) => e.chainId))];
  return `${parts.join('; ')} on chain ${chains.join(', ')}`;
}

/**
 * One line for people, the held request's `HoldRecord.summary`: what moves and what is approved
 * (from `effects`), or else what is signed.
 * @example describeIntent(payload, effects); // 'Send 5 ETH to 0xAbCd…12cd on chain 1'
 */
export function describeIntent(payload: SignPayload, effects: PayloadEffects): string {
  const described = describeEffects(effects);
  if (described !== '') return described;
  switch (payload.kind) {
    case 'transaction': {
      const { to } = payload.transaction;
      return to === undefined
        ? `Deploy a contract on chain ${payload.chainId}`
        : `Call ${short(getAddress(to))} on chain ${payload.chainId}`;
    }
    case 'message':
      return 'Sign a message';
    case 'typedData':
      return `Sign typed data ${printable(payload.typedData.primaryType)}`;
    case 'typedDataV1':
      return 'Sign typed data (v1)';
    case 'envelope':
      return 'Sign the wallet identity';
  }
}
