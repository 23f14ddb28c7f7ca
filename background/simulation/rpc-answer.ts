/**
 * Small asserts for what a node answers to a simulation, run before any field is used: an RPC is
 * an outside party, and a prompt built from an unchecked answer could show anything. Each assert
 * names the field and what it expected (see `malformed`).
 * @module
 */
import type { Address, Hex } from 'viem';
import { malformed } from './errors';

/** One event log, as both `eth_simulateV1` and the call tracer give it (extra fields ignored). */
export type Log = {
  readonly address: Address;
  readonly topics: readonly Hex[];
  readonly data: Hex;
};

/** More logs or call frames than this is not an answer a prompt can use. */
export const MAX_ITEMS = 10_000;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function assertRecord(
  value: unknown,
  method: string,
  field: string,
): asserts value is Record<string, unknown> {
  if (!isRecord(value)) throw malformed(method, field, 'an object');
}

export function readArray(value: unknown, method: string, field: string): readonly unknown[] {
  if (!Array.isArray(value) || value.length > MAX_ITEMS)
    throw malformed(method, field, `an array of at most ${MAX_ITEMS} items`);
  return value;
}

export function readAddress(value: unknown, method: string, field: string): Address {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value))
    throw malformed(method, field, 'a 20-byte address');
  return value.toLowerCase() as Address;
}

export function readBytes(value: unknown, method: string, field: string): Hex {
  if (typeof value !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(value))
    throw malformed(method, field, 'hex bytes');
  return value.toLowerCase() as Hex;
}

/** A JSON-RPC quantity: 0x, then 1 to 64 hex digits (a uint256 at most). */
export function readQuantity(value: unknown, method: string, field: string): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value))
    throw malformed(method, field, 'a hex quantity');
  return BigInt(value);
}

export function readLog(value: unknown, method: string, field: string): Log {
  assertRecord(value, method, field);
  const topics = readArray(value.topics, method, `${field}.topics`);
  if (topics.length > 4) throw malformed(method, `${field}.topics`, 'at most 4 topics');
  return {
    address: readAddress(value.address, method, `${field}.address`),
    topics: topics.map((topic, i) => {
      const hex = readBytes(topic, method, `${field}.topics[${i}]`);
      if (hex.length !== 66) throw malformed(method, `${field}.topics[${i}]`, '32 bytes');
      return hex;
    }),
    data: readBytes(value.data, method, `${field}.data`),
  };
}
