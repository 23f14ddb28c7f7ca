/**
 * Pure checks and formats for the policy firewall's screens (issue #8): the Settings → Security
 * form as text ↔ a {@link WalletPolicy}, amounts of an asset for people, a server's refusal as
 * sentences, and the rules in force as one line each.
 *
 * The form is checked here before anything reaches the background, so a mistake names its row
 * and field; the background and every server check the policy again. Native amounts are typed in
 * ETH and converted exactly with viem's `parseEther` (never through a float); token amounts are
 * typed in the token's smallest unit, as the servers count them.
 *
 * Decisions: a row's empty chain means the current network's and its empty asset the native
 * coin, and a row with neither amount nor token is left out, so the form can always show one
 * empty row to type into; the waiting period is typed in hours, or in exact seconds that win
 * when filled (as onboarding's recovery period), so short waits need no arithmetic.
 * @module
 */
import { formatEther, formatUnits, getAddress, parseEther } from 'viem';
import {
  type AssetAmount,
  type AssetRef,
  POLICY_LIMITS,
  type PolicyRefusal,
  type WalletPolicy,
} from '../ckm/policy/types';

type Address = `0x${string}`;

/** One row of "Daily limits" or "Hold transfers above", as typed. */
export type AssetRow = {
  /** Empty means the current network's chain. */
  readonly chainId: string;
  /** `native` (or empty) or a token contract's address. */
  readonly asset: string;
  /** Native: ETH with up to 18 decimals; a token: a whole number of its smallest unit. */
  readonly amount: string;
};

/** The Security form as typed. */
export type PolicyForm = {
  readonly limits: readonly AssetRow[];
  readonly allowlistEnabled: boolean;
  /** Addresses separated by new lines, spaces or commas. */
  readonly allowlist: string;
  readonly blockUnknownApprovals: boolean;
  readonly holds: readonly AssetRow[];
  /** The waiting period in hours (decimals allowed), used when `delaySeconds` is empty. */
  readonly delayHours: string;
  /** The waiting period in seconds; wins over `delayHours` when filled (short waits, tests). */
  readonly delaySeconds: string;
};

export type PolicyFormField = 'limits' | 'allowlist' | 'holds' | 'delay';

export type FormCheck<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly field: PolicyFormField;
      /** The row (0-based) of `limits` or `holds` that is wrong. */
      readonly row?: number;
      readonly message: string;
    };

const MAX_UINT256 = 2n ** 256n - 1n;

/** An empty row: the current chain, the native coin, no amount (ignored until filled). */
export const BLANK_ROW: AssetRow = Object.freeze({ chainId: '', asset: '', amount: '' });

/** `native` (or empty), or a token address checksummed; undefined when it is neither. */
export function parseAsset(text: string): 'native' | Address | undefined {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'native') return 'native';
  return parseAddress(t);
}

/**
 * An address as typed: 40 hex digits after 0x; all lower or all upper case, or with a matching
 * EIP-55 checksum (a mixed-case address whose checksum fails is most likely a typo).
 */
export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) return undefined;
  const checksummed = getAddress(t.toLowerCase());
  const body = t.slice(2);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && checksummed !== t) return undefined;
  return checksummed;
}

/** ETH as typed ("1.5", ".25", "2") → wei, exactly; undefined beyond 18 decimals or not a number. */
export function parseEthAmount(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^(\d+(\.\d{0,18})?|\.\d{1,18})$/.test(t)) return undefined;
  const wei = parseEther(t.startsWith('.') ? `0${t}` : t.replace(/\.$/, ''));
  return wei <= MAX_UINT256 ? wei : undefined;
}

/** A whole number of a token's smallest unit (≤ 2^256 − 1); undefined otherwise. */
export function parseUnitsAmount(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t) || t.replace(/^0+/, '').length > POLICY_LIMITS.maxAmountDigits)
    return undefined;
  const value = BigInt(t);
  return value <= MAX_UINT256 ? value : undefined;
}

/** A chain ID as typed; empty means `currentChainId`. */
function parseChainId(text: string, currentChainId: number): number | undefined {
  const t = text.trim();
  if (t === '') return currentChainId;
  if (!/^\d{1,15}$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * The rows of one list as {@link AssetAmount}s. A row with no amount and no token is left out
 * (the form shows one empty row to start from); a token without an amount is an error.
 */
export function parseAssetRows(
  rows: readonly AssetRow[],
  field: 'limits' | 'holds',
  currentChainId: number,
): FormCheck<AssetAmount[]> {
  const out: AssetAmount[] = [];
  const seen = new Set<string>();
  const what = field === 'limits' ? 'daily limit' : 'hold threshold';
  for (const [row, typed] of rows.entries()) {
    const fail = (message: string): FormCheck<AssetAmount[]> => ({
      ok: false,
      field,
      row,
      message,
    });
    const asset = parseAsset(typed.asset);
    if (typed.amount.trim() === '' && asset === 'native') continue;
    const chainId = parseChainId(typed.chainId, currentChainId);
    if (chainId === undefined) return fail('The chain ID is a positive whole number, like 1.');
    if (asset === undefined)
      return fail('The asset is “native” or a token contract’s address (0x and 40 hex digits).');
    if (typed.amount.trim() === '')
      return fail(`Enter the ${what} for ${asset}, in its smallest unit.`);
    const amount =
      asset === 'native' ? parseEthAmount(typed.amount) : parseUnitsAmount(typed.amount);
    if (amount === undefined)
      return fail(
        asset === 'native'
          ? 'Enter the amount in ETH, like 1.5 (at most 18 decimals).'
          : 'Enter the amount as a whole number of the token’s smallest unit, like 1000000.',
      );
    const key = `${chainId}:${asset.toLowerCase()}`;
    if (seen.has(key))
      return fail(
        `Two ${what}s for the same asset on chain ${chainId}: keep one and remove the other.`,
      );
    seen.add(key);
    out.push({ chainId, asset, amount: amount.toString(10) });
  }
  if (out.length > POLICY_LIMITS.maxAssetEntries)
    return {
      ok: false,
      field,
      message: `At most ${POLICY_LIMITS.maxAssetEntries} ${what}s.`,
    };
  return { ok: true, value: out };
}

/** The allowlist's text as checksummed addresses, in order, without repeats. */
export function parseAllowlist(text: string): FormCheck<Address[]> {
  const out: Address[] = [];
  for (const word of text.split(/[\s,;]+/).filter((w) => w !== '')) {
    const address = parseAddress(word);
    if (address === undefined)
      return {
        ok: false,
        field: 'allowlist',
        message: `“${word.length > 46 ? `${word.slice(0, 46)}…` : word}” is not an address (0x and 40 hex digits, with a correct checksum if mixed case).`,
      };
    if (!out.includes(address)) out.push(address);
  }
  if (out.length > POLICY_LIMITS.maxAllowlist)
    return {
      ok: false,
      field: 'allowlist',
      message: `At most ${POLICY_LIMITS.maxAllowlist} addresses on the allowlist.`,
    };
  return { ok: true, value: out };
}

/** The waiting period in seconds: the seconds field when filled, else the hours field. */
export function parseDelay(hoursText: string, secondsText: string): FormCheck<number> {
  const { minDelaySeconds: min, maxDelaySeconds: max } = POLICY_LIMITS;
  const fail = (message: string): FormCheck<number> => ({ ok: false, field: 'delay', message });
  if (secondsText.trim() !== '') {
    const t = secondsText.trim();
    const seconds = /^\d{1,10}$/.test(t) ? Number(t) : Number.NaN;
    if (!(seconds >= min && seconds <= max))
      return fail(`The waiting period in seconds is a whole number from ${min} to ${max}.`);
    return { ok: true, value: seconds };
  }
  const t = hoursText.trim();
  const hours = /^(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
  if (!(hours > 0)) return fail('Enter the waiting period in hours, like 24.');
  const seconds = Math.round(hours * 3600);
  if (seconds < min || seconds > max)
    return fail(`The waiting period is at most ${max / 86_400} days (${max / 3600} h).`);
  return { ok: true, value: seconds };
}

/** The whole form as a policy, or the first mistake (its field and row). */
export function policyFromForm(form: PolicyForm, currentChainId: number): FormCheck<WalletPolicy> {
  const dailyLimits = parseAssetRows(form.limits, 'limits', currentChainId);
  if (!dailyLimits.ok) return dailyLimits;
  const allowlist = form.allowlistEnabled ? parseAllowlist(form.allowlist) : undefined;
  if (allowlist && !allowlist.ok) return allowlist;
  const holdAbove = parseAssetRows(form.holds, 'holds', currentChainId);
  if (!holdAbove.ok) return holdAbove;
  const delay = parseDelay(form.delayHours, form.delaySeconds);
  if (!delay.ok) return delay;
  return {
    ok: true,
    value: {
      dailyLimits: dailyLimits.value,
      allowlist: allowlist ? allowlist.value : null,
      blockUnknownApprovals: form.blockUnknownApprovals,
      holdAbove: holdAbove.value,
      delaySeconds: delay.value,
    },
  };
}

function rowOf(entry: AssetAmount): AssetRow {
  return {
    chainId: String(entry.chainId),
    asset: entry.asset,
    amount: entry.asset === 'native' ? formatEther(BigInt(entry.amount)) : entry.amount,
  };
}

/** The form showing `policy` (each list with at least one row to type into). */
export function formFromPolicy(policy: WalletPolicy): PolicyForm {
  const rows = (list: readonly AssetAmount[]) =>
    list.length === 0 ? [BLANK_ROW] : list.map(rowOf);
  const exactHours = policy.delaySeconds % 36 === 0;
  return {
    limits: rows(policy.dailyLimits),
    allowlistEnabled: policy.allowlist !== null,
    allowlist: (policy.allowlist ?? []).join('\n'),
    blockUnknownApprovals: policy.blockUnknownApprovals,
    holds: rows(policy.holdAbove),
    delayHours: exactHours ? String(policy.delaySeconds / 3600) : '',
    delaySeconds: exactHours ? '' : String(policy.delaySeconds),
  };
}

/** What the popup knows of an asset, to write amounts of it for people. */
export type AssetInfo = {
  readonly symbol: string;
  /** Decimals of the native coin or an ERC-20; absent when unknown. */
  readonly decimals?: number;
  readonly standard?: 'native' | 'ERC20' | 'ERC721' | 'ERC1155';
};

/**
 * How the popup names assets: the native coin's symbol on a chain, and whatever it knows of a
 * token (e.g. from the prompt's balance-change preview).
 */
export type AssetNames = {
  readonly nativeSymbol: (chainId: number) => string;
  readonly token?: (chainId: number, address: Address) => AssetInfo | undefined;
};

/** `0x1234…abcd`, for a token named by its address only. */
function short(address: string): string {
  return address.length <= 12 ? address : `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** What is known of `ref`: native → its symbol with 18 decimals; a token → what `names` knows. */
export function assetInfo(ref: AssetRef, names: AssetNames): AssetInfo {
  if (ref.asset === 'native')
    return { symbol: names.nativeSymbol(ref.chainId), decimals: 18, standard: 'native' };
  return names.token?.(ref.chainId, ref.asset) ?? { symbol: short(ref.asset) };
}

/**
 * An amount in an asset's smallest unit for people: native with 18 decimals and the symbol
 * ("1.5 ETH"); a token with its decimals when known ("250 USDC"); an NFT as a count ("2 items
 * of 0x12…"); otherwise the raw units ("1000000 units of 0x1234…abcd").
 */
export function formatAssetAmount(amount: string, info: AssetInfo): string {
  const value = /^\d+$/.test(amount) ? BigInt(amount) : undefined;
  if (value === undefined) return `${amount} ${info.symbol}`;
  if (info.decimals !== undefined) return `${formatUnits(value, info.decimals)} ${info.symbol}`;
  if (info.standard === 'ERC721' || info.standard === 'ERC1155')
    return `${value} item${value === 1n ? '' : 's'} of ${info.symbol}`;
  return `${value} unit${value === 1n ? '' : 's'} of ${info.symbol}`;
}

/** A moment to the second ("Dec 8, 14:05:03"): waits can be seconds long. */
export function formatMoment(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

const APPROVAL_KIND: Record<
  Extract<PolicyRefusal, { rule: 'unknownApproval' }>['approval'],
  string
> = {
  erc20: 'unlimited token approvals',
  permit: 'unlimited Permit signatures',
  permit2: 'unlimited Permit2 signatures',
  forAll: 'setApprovalForAll',
};

/** A refusal as the prompt explains it. */
export type RefusalText = {
  readonly title: string;
  readonly text: string;
  /** Where to change the rule, or what to do next. */
  readonly hint?: string;
  /** A hold is the rule working as asked: not an error. */
  readonly tone: 'danger' | 'caution';
};

const CHANGE_LIMITS = 'Change limits in Settings → Security.';
const CHANGE_RULES = 'Change your rules in Settings → Security.';

/** A server's refusal (`PolicyRefused`) in plain language. */
export function refusalText(refusal: PolicyRefusal, names: AssetNames): RefusalText {
  switch (refusal.rule) {
    case 'dailyLimit': {
      const info = assetInfo(refusal.asset, names);
      return {
        title: 'Over your daily limit',
        text: `Your daily limit for ${info.symbol} is ${formatAssetAmount(refusal.limit, info)}; the servers already co-signed ${formatAssetAmount(refusal.spent, info)} today; this needs ${formatAssetAmount(refusal.requested, info)}.`,
        hint: CHANGE_LIMITS,
        tone: 'danger',
      };
    }
    case 'allowlist':
      return {
        title: 'Recipient not on your allowlist',
        text: `${checksummed(refusal.recipient)} is not on your allowlist.`,
        hint: CHANGE_RULES,
        tone: 'danger',
      };
    case 'unknownApproval':
      return {
        title: 'Approval to an unknown spender',
        text: `The servers never co-sign ${APPROVAL_KIND[refusal.approval] ?? 'approvals'} to unknown spenders (${checksummed(refusal.spender)}).`,
        hint: CHANGE_RULES,
        tone: 'danger',
      };
    case 'hold': {
      if (refusal.status === 'cancelled')
        return {
          title: 'Transfer cancelled',
          text: 'You cancelled this transfer.',
          tone: 'danger',
        };
      const info = assetInfo(refusal.asset, names);
      return {
        title: 'Held for the waiting period',
        text: `Held: the servers will co-sign this after ${formatMoment(refusal.readyAt)}. It is listed on Home under ‘Waiting’; you can send or cancel it there.`,
        hint: `Transfers above ${formatAssetAmount(refusal.threshold, info)} wait; this one moves ${formatAssetAmount(refusal.requested, info)}.`,
        tone: 'caution',
      };
    }
  }
}

function checksummed(address: string): string {
  return parseAddress(address) ?? address;
}

function chainNote(chainId: number, currentChainId: number | undefined): string {
  return chainId === currentChainId ? '' : ` on chain ${chainId}`;
}

/** The rules of `policy`, one line each, for the "in force" and "waiting" summaries. */
export function policyLines(
  policy: WalletPolicy,
  names: AssetNames,
  currentChainId?: number,
): string[] {
  const lines: string[] = [];
  for (const limit of policy.dailyLimits)
    lines.push(
      `Daily limit: ${formatAssetAmount(limit.amount, assetInfo(limit, names))}${chainNote(limit.chainId, currentChainId)}`,
    );
  for (const hold of policy.holdAbove)
    lines.push(
      `Hold above: ${formatAssetAmount(hold.amount, assetInfo(hold, names))}${chainNote(hold.chainId, currentChainId)}`,
    );
  if (policy.allowlist !== null)
    lines.push(
      policy.allowlist.length === 0
        ? 'Allowlist: empty (nothing may be sent)'
        : `Allowlist: ${policy.allowlist.length} address${policy.allowlist.length === 1 ? '' : 'es'}`,
    );
  if (policy.blockUnknownApprovals)
    lines.push('Unlimited approvals and setApprovalForAll to unknown spenders: refused');
  if (lines.length === 0) lines.push('No rules: nothing is restricted');
  lines.push(`Waiting period: ${formatSeconds(policy.delaySeconds)}`);
  return lines;
}

/** A duration for people: "1 day", "24 hours", "90 minutes", "3 seconds". */
export function formatSeconds(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds >= 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

/** The name of `ref` in a sentence ("ETH", "USDC", "0x1234…abcd"). */
export function assetLabel(ref: AssetRef, names: AssetNames): string {
  return assetInfo(ref, names).symbol;
}
