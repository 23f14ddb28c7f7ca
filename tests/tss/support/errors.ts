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
