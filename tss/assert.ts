/**
 * Validation at the door: every inbound field passes through one of these before any arithmetic
 * (research/tecdsa.md §2.0, ARCHITECTURE.md invariants). Each throws a {@link TssError} naming the
 * field and the culprit, never the value.
 * @module
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { N, Point } from './curve';
import { TssError } from './errors';
import { MAX_PARTIES, POINT_BYTES, SCALAR_BYTES } from './params';

export function assertBytes(
  value: unknown,
  length: number,
  field: string,
  culprit?: number,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TssError('MalformedMessage', `"${field}" expected bytes`, culprit);
  if (value.length !== length)
    throw new TssError(
      'WrongLength',
      `"${field}" expected ${length} bytes, got ${value.length}`,
      culprit,
    );
}

/** A canonical scalar: exactly 32 bytes, < n; zero refused unless `allowZero`. */
export function decodeScalar(
  value: unknown,
  field: string,
  culprit?: number,
  allowZero = false,
): bigint {
  assertBytes(value, SCALAR_BYTES, field, culprit);
  const s = bytesToNumberBE(value);
  if (s >= N) throw new TssError('InvalidScalar', `"${field}" is not a canonical scalar`, culprit);
  if (s === 0n && !allowZero)
    throw new TssError('InvalidScalar', `"${field}" must not be zero`, culprit);
  return s;
}

/** A compressed point on the curve, not the identity. */
export function decodePoint(value: unknown, field: string, culprit?: number): Point {
  assertBytes(value, POINT_BYTES, field, culprit);
  let point: Point;
  try {
    point = Point.fromBytes(value);
  } catch {
    throw new TssError('InvalidPoint', `"${field}" is not a point on secp256k1`, culprit);
  }
  if (point.is0())
    throw new TssError('InvalidPoint', `"${field}" must not be the identity`, culprit);
  return point;
}

/** A list of exactly `length` items. */
export function assertArray(
  value: unknown,
  length: number,
  field: string,
  culprit?: number,
): asserts value is unknown[] {
  if (!Array.isArray(value))
    throw new TssError('MalformedMessage', `"${field}" expected a list`, culprit);
  if (value.length !== length)
    throw new TssError(
      'WrongLength',
      `"${field}" expected ${length} items, got ${value.length}`,
      culprit,
    );
}

/** A party index: an integer in 1..16 (never 0, which would reveal the secret in Shamir). */
export function assertPartyIndex(value: unknown, field: string, culprit?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PARTIES)
    throw new TssError(
      'UnknownParty',
      `"${field}" expected a party index in 1..${MAX_PARTIES}`,
      culprit,
    );
  return value;
}

/** Constant-time equality of two byte strings (length is public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
