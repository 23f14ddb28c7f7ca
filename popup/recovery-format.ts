/**
 * Pure checks and formats for the recovery screens (issue #7): backup kits as bytes, pasted UR
 * texts and SSKR shares, k-of-n splits, the recovery waiting period, countdowns, and the input of
 * a MetaMask import. Each check answers `{ ok: false, message }` with a sentence to show, so bad
 * input is explained before anything reaches the background.
 * @module
 */

export type Check<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const no = <T>(message: string): Check<T> => ({ ok: false, message });

/** SSKR allows at most 16 shares in a group (BCR-2020-011). */
export const MAX_SHARES = 16;
/** The recovery waiting period's default (ARCHITECTURE.md flow 4b). */
export const DEFAULT_RECOVERY_HOURS = 48;
/** A longer wait is no recovery: a year. */
export const MAX_RECOVERY_SECONDS = 365 * 86_400;

/** Base64 of `bytes` (the kit file for `restoreBackup`), in chunks so big files do not overflow. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The bytes of a base64 string (a kit's `fileBase64`, to download it as a file). */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const UR = /^ur:[a-z0-9-]+\/[a-z0-9/-]+$/;

/** One pasted UR (whitespace and case forgiven, as a QR scanner or a print-out gives it). */
export function checkUrText(text: string): Check<string> {
  const value = text.replace(/\s+/g, '').toLowerCase();
  if (value === '') return no('Paste the text that starts with “ur:”.');
  if (!UR.test(value)) return no('That is not a UR text: it starts with “ur:” and has no spaces.');
  return ok(value);
}

/** Pasted SSKR shares, one UR per field: empty fields dropped, each checked, duplicates refused. */
export function checkShareTexts(texts: readonly string[]): Check<string[]> {
  const values: string[] = [];
  for (const [i, text] of texts.entries()) {
    if (text.trim() === '') continue;
    const check = checkUrText(text);
    if (!check.ok) return no(`Share ${i + 1}: ${check.message}`);
    if (values.includes(check.value)) return no(`Share ${i + 1} is the same as another one.`);
    values.push(check.value);
  }
  if (values.length < 2) return no('Paste at least two shares.');
  return ok(values);
}

/** A k-of-n split from two text fields: whole numbers, 1 ≤ k ≤ n, 2 ≤ n ≤ 16. */
export function checkSplit(
  thresholdText: string,
  countText: string,
): Check<{ threshold: number; count: number }> {
  const threshold = Number(thresholdText.trim());
  const count = Number(countText.trim());
  if (!Number.isInteger(count) || count < 2 || count > MAX_SHARES)
    return no(`Make from 2 to ${MAX_SHARES} shares.`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > count)
    return no(`The number needed is from 1 to ${count}.`);
  return ok({ threshold, count });
}

/**
 * The recovery waiting period in seconds: the advanced seconds field when filled (tests), else
 * the hours field.
 */
export function checkWaitingPeriod(hoursText: string, secondsText: string): Check<number> {
  if (secondsText.trim() !== '') {
    const seconds = Number(secondsText.trim());
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_RECOVERY_SECONDS)
      return no('The waiting period in seconds is a whole number from 1 to 31536000.');
    return ok(seconds);
  }
  const hours = Number(hoursText.trim());
  if (hoursText.trim() === '' || !Number.isFinite(hours) || hours <= 0)
    return no('Enter the waiting period in hours, like 48.');
  const seconds = Math.round(hours * 3600);
  if (seconds > MAX_RECOVERY_SECONDS) return no('The waiting period is at most a year (8760 h).');
  return ok(seconds);
}

/** A duration for people: "48 hours", "2 days", "90 seconds". */
export function formatDuration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds >= 3 * 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

/** The most days between scheduled refreshes (as `Settings` allows). */
export const MAX_REFRESH_DAYS = 365;

/** Days between scheduled key refreshes: a whole number from 0 (only on demand) to 365. */
export function checkRefreshDays(text: string): Check<number> {
  const days = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(days) || days < 0 || days > MAX_REFRESH_DAYS)
    return no(
      `Enter a whole number of days from 0 to ${MAX_REFRESH_DAYS} (0 = only when you ask).`,
    );
  return ok(days);
}

/** Time left until `then` as a clock: "1 d 02:03:04", "02:03:04", "03:04"; "00:00" once passed. */
export function countdown(then: number, now = Date.now()): string {
  let s = Math.max(0, Math.ceil((then - now) / 1000));
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${h > 0 || days > 0 ? `${pad(h)}:` : ''}${pad(m)}:${pad(s % 60)}`;
  return days > 0 ? `${days} d ${clock}` : clock;
}

/** When something will happen, relative: "in 3 days", "in 5 h", "in 12 min", "in a moment". */
export function timeUntil(then: number, now = Date.now()): string {
  const s = Math.round((then - now) / 1000);
  if (s < 45) return s < -45 ? 'overdue' : 'in a moment';
  if (s < 3600) return `in ${Math.max(1, Math.round(s / 60))} min`;
  if (s < 2 * 86_400) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86_400)} days`;
}

/** How long ago, in words at any distance: "just now", "12 min ago", "5 h ago", "3 days ago". */
export function timeSince(then: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 2 * 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** A date and time for people ("Dec 8, 14:05"). */
export function formatDateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** BIP-39 phrases have 12, 15, 18, 21 or 24 words. */
const PHRASE_LENGTHS = [12, 15, 18, 21, 24];

/**
 * A pasted seed phrase, normalised (lower case, single spaces). Only the shape is checked here;
 * the background checks the words and the checksum.
 */
export function checkPhrase(text: string): Check<string> {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return no('Enter your secret recovery phrase.');
  if (!PHRASE_LENGTHS.includes(words.length))
    return no(`A recovery phrase has 12, 15, 18, 21 or 24 words; this has ${words.length}.`);
  if (!words.every((w) => /^[a-z]+$/.test(w))) return no('The phrase has only words, no digits.');
  return ok(words.join(' '));
}

/** How many accounts of a phrase to show: 1 to 20. */
export function checkAccountCount(text: string): Check<number> {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1 || n > 20) return no('Show from 1 to 20 accounts.');
  return ok(n);
}

/** A raw private key: 64 hex digits, with or without 0x. */
export function checkPrivateKey(text: string): Check<string> {
  const hex = text.trim().replace(/^0x/i, '');
  if (hex === '') return no('Enter the private key.');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return no('A private key is 64 hexadecimal digits.');
  return ok(`0x${hex.toLowerCase()}`);
}
