/**
 * The policy firewall's data on the wire and at rest (issue #8, docs/ckm.md §10): a strict parser
 * for the policy an owner sends (every field, every bound of {@link POLICY_LIMITS}), its plain-data
 * form, the refusal a server answers with, and the per-wallet state a server stores.
 *
 * A parsed policy is canonical, so that two servers given the same rules store the same bytes and
 * `samePolicy` can compare field by field: addresses checksummed (EIP-55), the allowlist deduplicated
 * and sorted, asset lists sorted by (chainId, asset) with `'native'` first. A duplicate
 * (chainId, asset) in a limit list is refused rather than merged: which of two limits the owner
 * meant is not ours to guess.
 *
 * The refusal parser is lenient on purpose: the client reads a server's answer to explain it, and
 * an answer it cannot read is still a refusal (`undefined` here, the generic message there).
 * @see https://eips.ethereum.org/EIPS/eip-55
 * @module
 */
import { type Address, getAddress, isAddress } from 'viem';
import { decodeWire, encodeWire } from '../codec';
import { CkmError } from '../errors';
import {
  type AssetAmount,
  type AssetRef,
  POLICY_LIMITS,
  type PolicyRefusal,
  type WalletPolicy,
} from './types';

/** The policy state a server stores per wallet. */
export type PolicyState = {
  readonly effective: WalletPolicy;
  readonly pending?: { readonly policy: WalletPolicy; readonly readyAt: number };
};

/** 2^256: every amount is a uint256 on chain. */
const TWO_256 = 1n << 256n;
/** Chain ids are JavaScript safe integers (EIP-155 allows more; no chain uses it). */
const MAX_CHAIN_ID = Number.MAX_SAFE_INTEGER;
/** Wire type of the stored state, and its size bound (two policies at their limits fit well). */
const STATE_TYPE = 'policy/state';
const MAX_STATE_BYTES = 256 * 1024;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const POLICY_KEYS = [
  'dailyLimits',
  'allowlist',
  'blockUnknownApprovals',
  'holdAbove',
  'delaySeconds',
] as const;

// ---------------------------------------------------------------------------------------------
// Field checks: each names the path and the expectation, never the value.

function invalid(path: string, expectation: string): CkmError {
  return new CkmError('InvalidParameters', `"${path}" ${expectation}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A plain object with all the `required` keys and no key beyond them and `optional`. */
function record(
  value: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Readonly<Record<string, unknown>> {
  if (!isPlainObject(value)) throw invalid(path, 'expected an object');
  for (const key of Object.keys(value))
    if (!required.includes(key) && !optional.includes(key))
      throw invalid(`${path}.${safeKey(key)}`, 'is not a known field');
  for (const key of required)
    if (!Object.hasOwn(value, key)) throw invalid(`${path}.${key}`, 'is missing');
  return value;
}

/** A hostile key, printable and short enough for one line. */
function safeKey(key: string): string {
  const safe = key.replace(/[^\x20-\x7e]/g, '?').replaceAll('"', "'");
  return safe.length > 32 ? `${safe.slice(0, 32)}…` : safe;
}

function parseAmount(value: unknown, path: string): string {
  if (
    typeof value !== 'string' ||
    value.length > POLICY_LIMITS.maxAmountDigits ||
    !DECIMAL.test(value)
  )
    throw invalid(path, 'expected a decimal integer string without leading zeros');
  if (BigInt(value) >= TWO_256) throw invalid(path, 'expected an amount below 2^256');
  return value;
}

function parseChain(value: unknown, path: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 1 ||
    value > MAX_CHAIN_ID
  )
    throw invalid(path, 'expected a chain id in 1..2^53-1');
  return value;
}

function parseAddress(value: unknown, path: string): Address {
  // Length first, so that a huge string costs nothing; strict: a mixed-case address must carry a
  // valid EIP-55 checksum (a typo there is exactly what the checksum exists to catch).
  if (typeof value !== 'string' || value.length !== 42 || !isAddress(value, { strict: true }))
    throw invalid(path, 'expected a 20-byte hex address (EIP-55 checksum if mixed case)');
  return getAddress(value);
}

function parseAsset(value: unknown, path: string): 'native' | Address {
  if (value === 'native') return value;
  if (typeof value !== 'string' || value.length !== 42 || !isAddress(value, { strict: true }))
    throw invalid(path, 'expected "native" or a 20-byte hex token address');
  return getAddress(value);
}

function parseAssetRef(value: unknown, path: string): AssetRef {
  const fields = record(value, path, ['chainId', 'asset']);
  return {
    chainId: parseChain(fields.chainId, `${path}.chainId`),
    asset: parseAsset(fields.asset, `${path}.asset`),
  };
}

function parseAssetAmount(value: unknown, path: string): AssetAmount {
  const fields = record(value, path, ['chainId', 'asset', 'amount']);
  return {
    chainId: parseChain(fields.chainId, `${path}.chainId`),
    asset: parseAsset(fields.asset, `${path}.asset`),
    amount: parseAmount(fields.amount, `${path}.amount`),
  };
}

function list(value: unknown, path: string, max: number): readonly unknown[] {
  if (!Array.isArray(value)) throw invalid(path, 'expected a list');
  if (value.length > max) throw invalid(path, `expected at most ${max} entries`);
  return value;
}

/** The canonical key of an asset: `'native'` sorts before any address. */
export function assetKey(ref: AssetRef): string {
  return `${ref.chainId}:${ref.asset === 'native' ? '' : ref.asset.toLowerCase()}`;
}

/** Orders assets by chain id, then `'native'`, then address (case-insensitive). */
export function compareAssets(a: AssetRef, b: AssetRef): number {
  if (a.chainId !== b.chainId) return a.chainId - b.chainId;
  const x = a.asset === 'native' ? '' : a.asset.toLowerCase();
  const y = b.asset === 'native' ? '' : b.asset.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Orders addresses by their lowercase hex. */
export function compareAddresses(a: Address, b: Address): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function parseAssetList(value: unknown, path: string): readonly AssetAmount[] {
  const entries = list(value, path, POLICY_LIMITS.maxAssetEntries).map((entry, i) =>
    parseAssetAmount(entry, `${path}[${i}]`),
  );
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const key = assetKey(entry);
    if (seen.has(key)) throw invalid(`${path}[${i}]`, 'repeats an asset already in the list');
    seen.add(key);
  });
  return entries.sort(compareAssets);
}

function parseAllowlist(value: unknown, path: string): readonly Address[] | null {
  if (value === null) return null;
  const addresses = list(value, path, POLICY_LIMITS.maxAllowlist).map((entry, i) =>
    parseAddress(entry, `${path}[${i}]`),
  );
  return [...new Set(addresses)].sort(compareAddresses);
}

// ---------------------------------------------------------------------------------------------
// Policies

/**
 * Strict parse of a policy from CBOR/JSON-decoded data: every field, bounds from
 * {@link POLICY_LIMITS}, amounts decimal integer strings without leading zeros (0 ≤ x < 2^256),
 * addresses 20-byte hex (returned checksummed, deduplicated, sorted), chainId 1..2^53-1, no
 * duplicate (chainId, asset) in a list, delaySeconds an integer in [min, max], no unknown keys.
 * @throws CkmError `InvalidParameters` naming the field, e.g. `"policy.dailyLimits[2].amount" …`.
 * @example
 * const policy = parsePolicy(body.policy); // from the owner's authenticated request
 */
export function parsePolicy(value: unknown, field = 'policy'): WalletPolicy {
  const fields = record(value, field, POLICY_KEYS);
  const blockUnknownApprovals = fields.blockUnknownApprovals;
  if (typeof blockUnknownApprovals !== 'boolean')
    throw invalid(`${field}.blockUnknownApprovals`, 'expected a boolean');
  const delaySeconds = fields.delaySeconds;
  const { minDelaySeconds: min, maxDelaySeconds: max } = POLICY_LIMITS;
  if (
    typeof delaySeconds !== 'number' ||
    !Number.isSafeInteger(delaySeconds) ||
    delaySeconds < min ||
    delaySeconds > max
  )
    throw invalid(`${field}.delaySeconds`, `expected an integer in ${min}..${max}`);
  return {
    dailyLimits: parseAssetList(fields.dailyLimits, `${field}.dailyLimits`),
    allowlist: parseAllowlist(fields.allowlist, `${field}.allowlist`),
    blockUnknownApprovals,
    holdAbove: parseAssetList(fields.holdAbove, `${field}.holdAbove`),
    delaySeconds,
  };
}

const amountToWire = (entry: AssetAmount) => ({
  chainId: entry.chainId,
  asset: entry.asset,
  amount: entry.amount,
});

/**
 * The policy as plain data (CBOR- and JSON-safe); `parsePolicy(policyToWire(p))` deep-equals a
 * parsed `p`.
 * @example encodeWire('policy/set', { policy: policyToWire(policy) })
 */
export function policyToWire(policy: WalletPolicy): Record<string, unknown> {
  return {
    dailyLimits: policy.dailyLimits.map(amountToWire),
    allowlist: policy.allowlist === null ? null : [...policy.allowlist],
    blockUnknownApprovals: policy.blockUnknownApprovals,
    holdAbove: policy.holdAbove.map(amountToWire),
    delaySeconds: policy.delaySeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Refusals

/** Runs a strict parse and turns its error into `undefined`. */
function lenient<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

function parseTime(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid(path, 'expected a time in ms since the epoch');
  return value;
}

function parseHoldId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw invalid(path, 'expected 32 bytes of lowercase hex');
  return value;
}

function parseRefusalStrict(value: unknown): PolicyRefusal {
  const path = 'refusal';
  if (!isPlainObject(value)) throw invalid(path, 'expected an object');
  switch (value.rule) {
    case 'dailyLimit': {
      const f = record(value, path, ['rule', 'asset', 'limit', 'spent', 'requested']);
      return {
        rule: 'dailyLimit',
        asset: parseAssetRef(f.asset, `${path}.asset`),
        limit: parseAmount(f.limit, `${path}.limit`),
        spent: parseAmount(f.spent, `${path}.spent`),
        requested: parseAmount(f.requested, `${path}.requested`),
      };
    }
    case 'allowlist': {
      const f = record(value, path, ['rule', 'recipient']);
      return { rule: 'allowlist', recipient: parseAddress(f.recipient, `${path}.recipient`) };
    }
    case 'unknownApproval': {
      const f = record(value, path, ['rule', 'spender', 'approval', 'asset']);
      const approval = f.approval;
      if (
        approval !== 'erc20' &&
        approval !== 'permit' &&
        approval !== 'permit2' &&
        approval !== 'forAll'
      )
        throw invalid(`${path}.approval`, 'expected erc20, permit, permit2 or forAll');
      return {
        rule: 'unknownApproval',
        spender: parseAddress(f.spender, `${path}.spender`),
        approval,
        asset: parseAssetRef(f.asset, `${path}.asset`),
      };
    }
    case 'hold': {
      const f = record(value, path, [
        'rule',
        'asset',
        'threshold',
        'requested',
        'holdId',
        'readyAt',
        'status',
      ]);
      const status = f.status;
      if (status !== 'waiting' && status !== 'cancelled')
        throw invalid(`${path}.status`, 'expected waiting or cancelled');
      return {
        rule: 'hold',
        asset: parseAssetRef(f.asset, `${path}.asset`),
        threshold: parseAmount(f.threshold, `${path}.threshold`),
        requested: parseAmount(f.requested, `${path}.requested`),
        holdId: parseHoldId(f.holdId, `${path}.holdId`),
        readyAt: parseTime(f.readyAt, `${path}.readyAt`),
        status,
      };
    }
    default:
      throw invalid(`${path}.rule`, 'expected a known rule');
  }
}

/**
 * A server's refusal as the client reads it: `undefined` when it is malformed (the client then
 * shows the generic `PolicyRefused` message instead of trusting half of it).
 * @example const refusal = parsePolicyRefusal(errorBody.refusal);
 */
export function parsePolicyRefusal(value: unknown): PolicyRefusal | undefined {
  return lenient(() => parseRefusalStrict(value));
}

const assetRefToWire = (ref: AssetRef) => ({ chainId: ref.chainId, asset: ref.asset });

/**
 * The refusal as plain data, for the error body of a `PolicyRefused` answer.
 * @example { code: 'PolicyRefused', refusal: policyRefusalToWire(refusal) }
 */
export function policyRefusalToWire(r: PolicyRefusal): Record<string, unknown> {
  switch (r.rule) {
    case 'dailyLimit':
      return {
        rule: r.rule,
        asset: assetRefToWire(r.asset),
        limit: r.limit,
        spent: r.spent,
        requested: r.requested,
      };
    case 'allowlist':
      return { rule: r.rule, recipient: r.recipient };
    case 'unknownApproval':
      return {
        rule: r.rule,
        spender: r.spender,
        approval: r.approval,
        asset: assetRefToWire(r.asset),
      };
    case 'hold':
      return {
        rule: r.rule,
        asset: assetRefToWire(r.asset),
        threshold: r.threshold,
        requested: r.requested,
        holdId: r.holdId,
        readyAt: r.readyAt,
        status: r.status,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Stored state

/**
 * The stored form of a wallet's policy state: strict CBOR (`ckm/codec.ts`) of both policies in
 * their wire form, so that the strict decoder guards the store as it guards the network.
 * @example await store.put(walletId, encodePolicyState(state));
 */
export function encodePolicyState(state: PolicyState): Uint8Array {
  const body: Record<string, unknown> = { effective: policyToWire(state.effective) };
  if (state.pending !== undefined)
    body.pending = { policy: policyToWire(state.pending.policy), readyAt: state.pending.readyAt };
  return encodeWire(STATE_TYPE, body);
}

/**
 * Reads what {@link encodePolicyState} wrote.
 * @throws CkmError `Storage` when the bytes are not a policy state (a corrupt or foreign row).
 */
export function decodePolicyState(bytes: Uint8Array): PolicyState {
  try {
    const body = record(
      decodeWire(bytes, STATE_TYPE, MAX_STATE_BYTES),
      'state',
      ['effective'],
      ['pending'],
    );
    const effective = parsePolicy(body.effective, 'state.effective');
    if (!Object.hasOwn(body, 'pending')) return { effective };
    const pending = record(body.pending, 'state.pending', ['policy', 'readyAt']);
    return {
      effective,
      pending: {
        policy: parsePolicy(pending.policy, 'state.pending.policy'),
        readyAt: parseTime(pending.readyAt, 'state.pending.readyAt'),
      },
    };
  } catch (cause) {
    throw new CkmError('Storage', 'the stored policy state is corrupt', { cause });
  }
}
