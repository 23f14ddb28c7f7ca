/**
 * Pure formatting and parsing for the popup: identity fingerprints, addresses, wei ↔ gwei,
 * nonces, server URLs, creation progress, and the transaction prompt's edits.
 * @module
 */
import { formatEther, formatGwei, getAddress, parseGwei } from 'viem';
import type { TransactionView } from '../background/approvals-api';
import type { CreateProgress } from '../background/ui-api';

type Hex = `0x${string}`;

/**
 * A 64-hex identity as the first 8 and last 8 hex digits, for people to compare at a glance.
 * @example fingerprint('ab12…') // 'ab12cd34…9f8e7d6c'
 */
export function fingerprint(identity: string): string {
  const hex = identity.replace(/^0x/i, '').toLowerCase();
  if (hex.length <= 16) return hex;
  return `${hex.slice(0, 8)}…${hex.slice(-8)}`;
}

/** The checksummed form of an address (EIP-55); the input as is when it is not an address. */
export function checksum(address: string): string {
  try {
    return getAddress(address);
  } catch {
    return address;
  }
}

/** `0x1234…abcd`: six characters of the head and four of the tail. */
export function shortAddress(address: string): string {
  const a = checksum(address);
  return a.length <= 12 ? a : `${a.slice(0, 6)}…${a.slice(-4)}`;
}

/** A hex quantity as a bigint; 0n for an empty or malformed value. */
export function hexToBigInt(hex: string | undefined): bigint {
  if (hex === undefined || !/^0x[0-9a-f]*$/i.test(hex)) return 0n;
  return hex === '0x' ? 0n : BigInt(hex);
}

export function toHexQuantity(value: bigint): Hex {
  return `0x${value.toString(16)}`;
}

/** A wei amount as ether-like text with the chain's symbol: `formatNative('0xde0b6b3a7640000', 'ETH')` → "1 ETH". */
export function formatNative(wei: string | bigint, symbol: string): string {
  const value = typeof wei === 'bigint' ? wei : hexToBigInt(wei);
  return `${formatEther(value)} ${symbol}`;
}

/**
 * A decimal amount shortened for a headline: at most `places` decimals, cut rather than rounded
 * up, trailing zeros dropped ("99.9833255193378" → "99.98332"). A non-zero amount too small to
 * show reads "<0.00001", never "0".
 */
export function shortAmount(text: string, places = 5): string {
  const match = /^(\d+)\.(\d+)$/.exec(text);
  if (!match) return text;
  const [, whole = '0', fraction = ''] = match;
  const kept = fraction.slice(0, places).replace(/0+$/, '');
  if (kept === '' && /^0+$/.test(whole) && /[1-9]/.test(fraction))
    return `<0.${'0'.repeat(places - 1)}1`;
  return kept === '' ? whole : `${whole}.${kept}`;
}

/** A hex wei amount in gwei, as typed into a fee field ("1.5"). */
export function weiHexToGwei(hex: string | undefined): string {
  return formatGwei(hexToBigInt(hex));
}

/** Gwei text ("1.5", at most 9 decimals) → wei; undefined when it is not a non-negative number. */
export function gweiToWei(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^(\d+(\.\d{0,9})?|\.\d{1,9})$/.test(t)) return undefined;
  return parseGwei(t.startsWith('.') ? `0${t}` : t);
}

/** A decimal nonce as typed ("42") → number; undefined unless a safe non-negative integer. */
export function parseNonce(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,15}$/.test(t)) return undefined;
  return Number(t);
}

/** A hex quantity as decimal text ("0x2a" → "42"). */
export function hexToDecimal(hex: string | undefined): string {
  return hexToBigInt(hex).toString(10);
}

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/** An http(s) URL as the user typed it, trimmed and without a trailing slash. */
export function checkServerUrl(text: string): UrlCheck {
  const t = text.trim();
  if (t === '')
    return { ok: false, message: 'Enter the server’s address, like https://ckm.example.com.' };
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return {
      ok: false,
      message: 'That is not a URL. It should look like https://ckm.example.com.',
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, message: 'Only http:// and https:// servers are supported.' };
  if (url.username || url.password)
    return { ok: false, message: 'Leave the user name and password out of the URL.' };
  return { ok: true, url: url.href.replace(/\/+$/, '') };
}

/** Two server URLs name the same server (case of the host, trailing slash). */
export function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => {
    const check = checkServerUrl(u);
    return check.ok ? check.url : u.trim();
  };
  return norm(a) === norm(b);
}

/** 0–100 for the creation progress bar. */
export function progressPercent(progress: CreateProgress | undefined): number {
  if (progress === undefined) return 0;
  switch (progress.stage) {
    case 'identity':
      return 5;
    case 'enroll':
      return 15;
    case 'dkg': {
      const steps = Math.max(progress.steps, 1);
      const step = Math.min(Math.max(progress.step, 0), steps);
      return Math.round(20 + (60 * step) / steps);
    }
    case 'seal':
      return 85;
    case 'commit':
      return 95;
    case 'done':
      return 100;
  }
}

/** One sentence per creation stage. */
export function progressSentence(progress: CreateProgress | undefined): string {
  if (progress === undefined) return 'Starting…';
  switch (progress.stage) {
    case 'identity':
      return 'Creating this device’s identity keys…';
    case 'enroll':
      return 'Introducing this device to your servers…';
    case 'dkg':
      return `Generating your key together with the servers: step ${progress.step} of ${progress.steps}. The whole key never exists anywhere.`;
    case 'seal':
      return 'Sealing this device’s key share under your password…';
    case 'commit':
      return 'The servers are storing their key shares…';
    case 'done':
      return 'Your wallet is ready.';
  }
}

export type FeeInputs = {
  readonly nonce: string;
  readonly maxFeePerGas?: string;
  readonly maxPriorityFeePerGas?: string;
  readonly gasPrice?: string;
};

export type TransactionEdits = {
  nonce?: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  gasPrice?: Hex;
};

export type EditCheck =
  | { ok: true; edits: TransactionEdits }
  | { ok: false; field: keyof FeeInputs; message: string };

/** The fields a prompt shows for a proposed transaction (gwei and decimal nonce). */
export function feeInputsOf(tx: TransactionView): FeeInputs {
  return tx.gasPrice !== undefined && tx.maxFeePerGas === undefined
    ? { nonce: hexToDecimal(tx.nonce), gasPrice: weiHexToGwei(tx.gasPrice) }
    : {
        nonce: hexToDecimal(tx.nonce),
        maxFeePerGas: weiHexToGwei(tx.maxFeePerGas),
        maxPriorityFeePerGas: weiHexToGwei(tx.maxPriorityFeePerGas),
      };
}

/**
 * Validates the user's fee and nonce fields against the proposal and returns only the fields
 * that changed, as hex wei / hex nonce (what `resolveApproval` for a transaction carries).
 */
export function transactionEdits(tx: TransactionView, inputs: FeeInputs): EditCheck {
  const edits: TransactionEdits = {};
  const nonce = parseNonce(inputs.nonce);
  if (nonce === undefined)
    return { ok: false, field: 'nonce', message: 'The nonce must be a whole number.' };
  if (BigInt(nonce) !== hexToBigInt(tx.nonce)) edits.nonce = toHexQuantity(BigInt(nonce));
  const fee = (field: 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'gasPrice') => {
    const text = inputs[field];
    if (text === undefined) return undefined;
    const wei = gweiToWei(text);
    if (wei === undefined) return null;
    if (wei !== hexToBigInt(tx[field])) edits[field] = toHexQuantity(wei);
    return wei;
  };
  const maxFee = fee('maxFeePerGas');
  if (maxFee === null)
    return { ok: false, field: 'maxFeePerGas', message: 'Enter the max fee in gwei, like 1.5.' };
  const priority = fee('maxPriorityFeePerGas');
  if (priority === null)
    return {
      ok: false,
      field: 'maxPriorityFeePerGas',
      message: 'Enter the priority fee in gwei, like 0.1.',
    };
  if (fee('gasPrice') === null)
    return { ok: false, field: 'gasPrice', message: 'Enter the gas price in gwei, like 1.5.' };
  if (maxFee !== undefined && priority !== undefined && priority > maxFee)
    return {
      ok: false,
      field: 'maxPriorityFeePerGas',
      message: 'The priority fee cannot be more than the max fee.',
    };
  return { ok: true, edits };
}

/** The most the transaction can cost in fees: gas limit × (max fee or gas price), in wei. */
export function maxNetworkFee(tx: TransactionView, inputs: FeeInputs): bigint | undefined {
  const perGas = gweiToWei(inputs.maxFeePerGas ?? inputs.gasPrice ?? '');
  return perGas === undefined ? undefined : perGas * hexToBigInt(tx.gas);
}

/** The host of an origin for headings ("https://app.uniswap.org" → "app.uniswap.org"). */
export function originHost(origin: string): string {
  try {
    return new URL(origin).host || origin;
  } catch {
    return origin;
  }
}

/** "just now", "5 min ago", "3 h ago", or a date. */
export function timeAgo(then: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return new Date(then).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
