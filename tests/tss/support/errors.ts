/** Catching `TssError`s in tests: anything else thrown (or nothing) fails the test. */
import { expect } from 'vitest';
import { isTssError, type TssError } from '../../../tss/errors';

/** The `TssError` that `fn` throws; fails if it throws something else or returns. */
export function tssErrorOf(fn: () => unknown): TssError {
  try {
    fn();
  } catch (error) {
    if (isTssError(error)) return error;
    throw error;
  }
  throw new Error('expected a TssError');
}

/** Asserts `fn` throws a recoverable `TssError` with this code and culprit. */
export function expectTssError(
  fn: () => unknown,
  code: TssError['code'],
  culprit?: number,
): TssError {
  const error = tssErrorOf(fn);
  expect(error.code).toBe(code);
  expect(error.kind).toBe('recoverable');
  expect(error.culprit).toBe(culprit);
  return error;
}

/** Asserts `fn` throws a `TssError` with exactly this code, kind and culprit. */
export function expectTssFailure(
  fn: () => unknown,
  code: TssError['code'],
  kind: TssError['kind'],
  culprit: number | undefined,
): void {
  const { code: c, kind: k, culprit: p } = tssErrorOf(fn);
  expect({ code: c, kind: k, culprit: p }).toEqual({ code, kind, culprit });
}

/** bytes[index] ^= mask, in place (for tamper tests). */
export function flip(bytes: Uint8Array, index: number, mask: number): void {
  bytes[index] = (bytes[index] as number) ^ mask;
}
