import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  checkAccountCount,
  checkPhrase,
  checkPrivateKey,
  checkRefreshDays,
  checkShareTexts,
  checkSplit,
  checkUrText,
  checkWaitingPeriod,
  countdown,
  formatDuration,
  timeSince,
  timeUntil,
} from '../../popup/recovery-format';

const UR = 'ur:envelope/lftpsotantkphddkaeaeae';
const fail = (check: { ok: boolean }) => expect(check.ok).toBe(false);

describe('base64', () => {
  it('round-trips bytes, including a file larger than one chunk', () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
    expect(base64ToBytes(bytesToBase64(big))).toEqual(big);
    expect(bytesToBase64(new Uint8Array([0xff, 0, 1]))).toBe('/wAB');
  });
});

describe('checkUrText', () => {
  it('forgives case and whitespace (a scan or a print-out)', () => {
    expect(
      checkUrText(`  ${UR.toUpperCase().slice(0, 20)}\n${UR.toUpperCase().slice(20)} `),
    ).toEqual({
      ok: true,
      value: UR,
    });
  });
  it('refuses empty text and text that is not a UR', () => {
    fail(checkUrText('   '));
    fail(checkUrText('envelope/lftpso'));
    fail(checkUrText('ur:envelope'));
    fail(checkUrText('ur:envelope/abc!def'));
  });
});

describe('checkShareTexts', () => {
  const a = 'ur:sskr/aaaa';
  const b = 'ur:sskr/bbbb';
  it('drops empty fields and keeps the order', () => {
    expect(checkShareTexts([a, '', ` ${b} `])).toEqual({ ok: true, value: [a, b] });
  });
  it('names the bad share', () => {
    const check = checkShareTexts([a, 'hello']);
    expect(check.ok ? '' : check.message).toMatch(/^Share 2:/);
  });
  it('refuses duplicates and fewer than two shares', () => {
    const dup = checkShareTexts([a, a.toUpperCase()]);
    expect(dup.ok ? '' : dup.message).toMatch(/same/);
    fail(checkShareTexts([a, '']));
  });
});

describe('checkSplit', () => {
  it('accepts 1 ≤ k ≤ n, 2 ≤ n ≤ 16', () => {
    expect(checkSplit('2', '3')).toEqual({ ok: true, value: { threshold: 2, count: 3 } });
    expect(checkSplit(' 16 ', '16')).toEqual({ ok: true, value: { threshold: 16, count: 16 } });
  });
  it('refuses k > n, n out of range, and non-integers', () => {
    fail(checkSplit('4', '3'));
    fail(checkSplit('0', '3'));
    fail(checkSplit('2', '1'));
    fail(checkSplit('2', '17'));
    fail(checkSplit('1.5', '3'));
    fail(checkSplit('', '3'));
  });
});

describe('checkWaitingPeriod', () => {
  it('takes hours, or seconds when that field is filled', () => {
    expect(checkWaitingPeriod('48', '')).toEqual({ ok: true, value: 172_800 });
    expect(checkWaitingPeriod('0.5', '')).toEqual({ ok: true, value: 1800 });
    expect(checkWaitingPeriod('48', '5')).toEqual({ ok: true, value: 5 });
  });
  it('refuses zero, negatives, fractions of a second and more than a year', () => {
    fail(checkWaitingPeriod('0', ''));
    fail(checkWaitingPeriod('-1', ''));
    fail(checkWaitingPeriod('', ''));
    fail(checkWaitingPeriod('48', '1.5'));
    fail(checkWaitingPeriod('48', '0'));
    fail(checkWaitingPeriod('8761', ''));
  });
});

describe('checkRefreshDays', () => {
  it('takes 0 (on demand only) to 365 days', () => {
    expect(checkRefreshDays('30')).toEqual({ ok: true, value: 30 });
    expect(checkRefreshDays(' 0 ')).toEqual({ ok: true, value: 0 });
    expect(checkRefreshDays('365')).toEqual({ ok: true, value: 365 });
  });
  it('refuses empty, negative, fractional and too long', () => {
    fail(checkRefreshDays(''));
    fail(checkRefreshDays('-1'));
    fail(checkRefreshDays('1.5'));
    fail(checkRefreshDays('366'));
  });
});

describe('durations and countdowns', () => {
  it('says a period the short way', () => {
    expect(formatDuration(172_800)).toBe('48 hours');
    expect(formatDuration(7 * 86_400)).toBe('7 days');
    expect(formatDuration(3600)).toBe('1 hour');
    expect(formatDuration(90)).toBe('90 seconds');
    expect(formatDuration(120)).toBe('2 minutes');
  });
  it('counts down as a clock and stops at zero', () => {
    const now = 1_000_000;
    expect(countdown(now + 65_000, now)).toBe('01:05');
    expect(countdown(now + 3_661_000, now)).toBe('01:01:01');
    expect(countdown(now + 86_400_000 + 5_000, now)).toBe('1 d 00:00:05');
    expect(countdown(now - 5000, now)).toBe('00:00');
  });
  it('says when, relatively', () => {
    const now = 0;
    expect(timeUntil(10_000, now)).toBe('in a moment');
    expect(timeUntil(600_000, now)).toBe('in 10 min');
    expect(timeUntil(5 * 3_600_000, now)).toBe('in 5 h');
    expect(timeUntil(30 * 86_400_000, now)).toBe('in 30 days');
    expect(timeUntil(-3_600_000, now)).toBe('overdue');
  });
  it('says how long ago, in days past two days', () => {
    const now = 100 * 86_400_000;
    expect(timeSince(now - 10_000, now)).toBe('just now');
    expect(timeSince(now - 600_000, now)).toBe('10 min ago');
    expect(timeSince(now - 30 * 3_600_000, now)).toBe('30 h ago');
    expect(timeSince(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(timeSince(now + 60_000, now)).toBe('just now');
  });
});

describe('import input', () => {
  const phrase = 'test test test test test test test test test test test junk';
  it('normalises a phrase', () => {
    expect(checkPhrase(`  ${phrase.toUpperCase().replaceAll(' ', '  \n')} `)).toEqual({
      ok: true,
      value: phrase,
    });
  });
  it('refuses a phrase of the wrong length or with digits', () => {
    const short = checkPhrase('test test test');
    expect(short.ok ? '' : short.message).toMatch(/this has 3/);
    fail(checkPhrase(''));
    fail(checkPhrase(phrase.replace('junk', 'junk1')));
  });
  it('takes 1 to 20 accounts', () => {
    expect(checkAccountCount('5')).toEqual({ ok: true, value: 5 });
    fail(checkAccountCount('0'));
    fail(checkAccountCount('21'));
    fail(checkAccountCount('2.5'));
  });
  it('takes a private key with or without 0x', () => {
    const hex = 'AC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80';
    expect(checkPrivateKey(hex)).toEqual({ ok: true, value: `0x${hex.toLowerCase()}` });
    expect(checkPrivateKey(`0x${hex}`)).toEqual({ ok: true, value: `0x${hex.toLowerCase()}` });
    fail(checkPrivateKey(''));
    fail(checkPrivateKey(hex.slice(2)));
    fail(checkPrivateKey(`${hex.slice(1)}g`));
  });
});
