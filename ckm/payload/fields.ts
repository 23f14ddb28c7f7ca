/**
 * Small named checks for sign payload fields (the noble `abytes`/`aInRange` shape): each takes
 * the value and the field's path, and either returns the value typed or throws `InvalidPayload`
 * with a message that names the field and the expectation, never the value.
 * @module
 */
import { type Address, type Hex, isAddress } from 'viem';
import { CkmError } from '../errors';

/** Largest uint256, the bound of every EVM quantity. */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** `"field" expectation`, as `InvalidPayload`. */
export function invalid(field: string, expectation: string, cause?: unknown): CkmError {
  return new CkmError('InvalidPayload', `"${field}" ${expectation}`, { cause });
}

/**
 * A plain object (from JSON or CBOR: no class instance, no Map, no array) whose keys are all
 * in `allowed`. A key whose value is `undefined` counts as absent (CBOR keeps such keys).
 */
export function assertRecord(
  value: unknown,
  field: string,
  allowed: readonly string[],
): Readonly<Record<string, unknown>> {
  if (!isPlainObject(value)) throw invalid(field, 'is not an object');
  for (const key of Object.keys(value))
    if (!allowed.includes(key) && value[key] !== undefined)
      throw invalid(`${field}.${printable(key)}`, 'is not a known field');
  return value;
}

/** Text from hostile input (a key, a name), made safe for one line of log: short, printable ASCII. */
export function printable(text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/g, '?').replaceAll('"', "'");
  return safe.length > 32 ? `${safe.slice(0, 32)}…` : safe;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** An own field, or undefined; never something inherited from `Object.prototype`. */
export function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A JSON-RPC QUANTITY: `0x`, then hex digits without leading zeros (`0x0` for zero), at most
 * `max`. Canonical only, so that one payload has one spelling.
 */
export function parseQuantity(value: unknown, field: string, max: bigint = MAX_UINT256): Hex {
  // The length check runs before the regex and BigInt, so an enormous string costs nothing.
  if (
    typeof value !== 'string' ||
    value.length > 2 + 64 ||
    !/^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/.test(value)
  )
    throw invalid(field, 'is not a hex quantity');
  if (BigInt(value) > max) throw invalid(field, `exceeds ${describeBound(max)}`);
  return value as Hex;
}

function describeBound(max: bigint): string {
  if (max === MAX_UINT256) return 'uint256';
  return `0x${max.toString(16)}`;
}

/** Hex bytes: `0x` and an even number of hex digits, at most `maxBytes` bytes. */
export function parseHexBytes(value: unknown, field: string, maxBytes: number): Hex {
  if (typeof value !== 'string') throw invalid(field, 'is not hex bytes');
  if (value.length > 2 + 2 * maxBytes) throw invalid(field, `is larger than ${maxBytes} bytes`);
  if (!/^0x(?:[0-9a-fA-F]{2})*$/.test(value)) throw invalid(field, 'is not hex bytes');
  return value as Hex;
}

/** Exactly `bytes` bytes of hex. */
export function parseFixedHex(value: unknown, field: string, bytes: number): Hex {
  const hex = parseHexBytes(value, field, bytes);
  if (hex.length !== 2 + 2 * bytes) throw invalid(field, `is not ${bytes} bytes`);
  return hex;
}

/** A 20-byte address; a mixed-case one must carry a valid EIP-55 checksum. */
export function parseAddress(value: unknown, field: string): Address {
  if (typeof value !== 'string' || value.length !== 42 || !isAddress(value))
    throw invalid(field, 'is not an address (20 bytes, EIP-55 checksum if mixed case)');
  return value;
}

/**
 * A chain id: a positive safe integer. EIP-2294 bounds chain ids far lower than 2^53 in practice;
 * keeping them JS numbers keeps them small integers on the wire.
 */
export function parseChainId(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw invalid(field, 'is not a chain id (a positive safe integer)');
  return value;
}

/** A string of at most `maxLength` UTF-16 units. */
export function parseString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string') throw invalid(field, 'is not a string');
  if (value.length > maxLength) throw invalid(field, `is longer than ${maxLength} characters`);
  return value;
}

/** An array of at most `maxLength` items. */
export function parseArray(value: unknown, field: string, maxLength: number): readonly unknown[] {
  if (!Array.isArray(value)) throw invalid(field, 'is not an array');
  if (value.length > maxLength) throw invalid(field, `has more than ${maxLength} items`);
  return value;
}
