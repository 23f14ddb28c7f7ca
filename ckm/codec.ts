/**
 * The wire format of `ckm/`: every HTTP body and every channel payload is the CBOR (RFC 8949)
 * array `[CKM_WIRE_VERSION, type, body]`, written by cbor-x with the options of `tss/wire.ts`.
 *
 * Decoding is strict, because the bytes come from the network (research/tecdsa.md §2.0, §2.9
 * "no panics on peer input"). Before cbor-x sees a byte, {@link decodeWire}
 *   1. refuses input larger than the caller's limit (`TooLarge`), and then
 *   2. walks the CBOR once, without allocating from any declared length, and refuses anything
 *      outside a small subset (`MalformedMessage`):
 *      - a declared length or count larger than the bytes that remain (so a header that claims a
 *        2^32-byte string fails at once instead of allocating),
 *      - indefinite lengths, reserved additional info, trailing bytes after the one item,
 *      - nesting deeper than {@link MAX_WIRE_DEPTH},
 *      - every tag (cbor-x would otherwise build Date, Set, RegExp, typed arrays, records, shared
 *        references, … from tagged input),
 *      - map keys that are not text, duplicate keys, and the key `__proto__`,
 *      - text that is not valid UTF-8,
 *      - `undefined`, other simple values, half and single floats, and any number that is not a
 *        safe integer. Bigints are not allowed: integers are JavaScript safe integers. cbor-x writes
 *        integers beyond 32 bits as float64, so a float64 whose value is a safe integer other than
 *        −0 is read as that integer; every other float, and every 64-bit integer head (which
 *        cbor-x would decode to a bigint), is refused.
 * Only then does cbor-x decode, and the envelope is checked: version (`UnsupportedVersion`) and
 * type (`MalformedMessage`). The body stays `unknown` until the caller reads it with the schema
 * helpers below, each of which names the field path in its error and never echoes the value.
 * @module
 */
import { Decoder, Encoder } from 'cbor-x';
import { CkmError } from './errors';

export const CKM_WIRE_VERSION = 1;
/** Deepest nesting of arrays and maps accepted, counting the envelope array as 1. */
export const MAX_WIRE_DEPTH = 32;
/** Message types are short ASCII names such as `session/open` or `dkg2.direct`. */
const TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

const cborOptions = { useRecords: false, mapsAsObjects: true, tagUint8Array: false } as const;
const encoder = new Encoder(cborOptions);
const decoder = new Decoder(cborOptions);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------------------------------------
// The strict CBOR walk

class WireFault extends Error {}

function fault(reason: string): never {
  throw new WireFault(reason);
}

type Head = {
  readonly major: number;
  readonly info: number;
  readonly arg: number;
  readonly next: number;
};

/**
 * Reads an item head (RFC 8949 §3). `arg` is exact for values ≤ 2^53−1; larger ones fail, except
 * for major type 7, where 8 argument bytes are a float64 that {@link walkSimple} reads.
 */
function readHead(bytes: Uint8Array, offset: number): Head {
  const initial = bytes[offset];
  if (initial === undefined) fault('truncated');
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (info < 24) return { major, info, arg: info, next: offset + 1 };
  if (info > 27) fault(info === 31 ? 'indefinite length' : 'reserved additional information');
  const size = 1 << (info - 24); // 1, 2, 4 or 8 bytes (§3.1)
  if (offset + 1 + size > bytes.length) fault('truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset + 1, size);
  let arg: number;
  if (size === 1) arg = view.getUint8(0);
  else if (size === 2) arg = view.getUint16(0);
  else if (size === 4) arg = view.getUint32(0);
  // A float64: walkSimple reads its bits.
  else if (major === 7) arg = Number.NaN;
  else {
    const high = view.getUint32(0);
    // Above 2^53 − 1 the value is neither a safe integer nor a length that could fit.
    if (high > 0x1f_ffff) fault('integer or length beyond 2^53-1');
    arg = high * 0x1_0000_0000 + view.getUint32(4);
  }
  return { major, info, arg, next: offset + 1 + size };
}

/** Checks one item starting at `offset` and returns the offset just after it. */
function walkItem(bytes: Uint8Array, offset: number, depth: number): number {
  const head = readHead(bytes, offset);
  const remaining = bytes.length - head.next;
  switch (head.major) {
    case 0: // unsigned integer
    case 1: // negative integer −1 − arg
      // cbor-x decodes 64-bit integers to bigints, which we do not accept (it encodes large
      // numbers as float64 instead, see walkSimple).
      if (head.info === 27) fault('64-bit integers are not allowed');
      return head.next;
    case 2: // byte string
      if (head.arg > remaining) fault('declared length exceeds the input');
      return head.next + head.arg;
    case 3: {
      if (head.arg > remaining) fault('declared length exceeds the input');
      decodeText(bytes, head.next, head.arg);
      return head.next + head.arg;
    }
    case 4: {
      if (depth + 1 > MAX_WIRE_DEPTH) fault('nested too deeply');
      if (head.arg > remaining) fault('declared count exceeds the input'); // ≥ 1 byte per item
      let next = head.next;
      for (let i = 0; i < head.arg; i++) next = walkItem(bytes, next, depth + 1);
      return next;
    }
    case 5: {
      if (depth + 1 > MAX_WIRE_DEPTH) fault('nested too deeply');
      if (head.arg * 2 > remaining) fault('declared count exceeds the input');
      const keys = new Set<string>();
      let next = head.next;
      for (let i = 0; i < head.arg; i++) {
        const keyHead = readHead(bytes, next);
        if (keyHead.major !== 3) fault('map key is not text');
        if (keyHead.arg > bytes.length - keyHead.next) fault('declared length exceeds the input');
        const key = decodeText(bytes, keyHead.next, keyHead.arg);
        if (key === '__proto__') fault('map key "__proto__"');
        if (keys.has(key)) fault('duplicate map key');
        keys.add(key);
        next = walkItem(bytes, keyHead.next + keyHead.arg, depth + 1);
      }
      return next;
    }
    case 6:
      return fault('tags are not allowed');
    default:
      return walkSimple(bytes, head);
  }
}

/** Major type 7: false, true, null, and float64 carrying a safe integer (see the module doc). */
function walkSimple(bytes: Uint8Array, head: Head): number {
  if (head.info === 20 || head.info === 21 || head.info === 22) return head.next;
  if (head.info !== 27) fault('unsupported simple value or float');
  const value = new DataView(bytes.buffer, bytes.byteOffset + head.next - 8, 8).getFloat64(0);
  if (!Number.isSafeInteger(value) || Object.is(value, -0))
    fault('float that is not a safe integer');
  return head.next;
}

function decodeText(bytes: Uint8Array, start: number, length: number): string {
  try {
    return utf8Decoder.decode(bytes.subarray(start, start + length));
  } catch {
    return fault('text is not UTF-8');
  }
}

/** Throws a {@link WireFault} unless `bytes` is exactly one item of the strict subset. */
function walkStrict(bytes: Uint8Array): void {
  const end = walkItem(bytes, 0, 0);
  if (end !== bytes.length) fault('trailing bytes');
}

// ---------------------------------------------------------------------------------------------
// Envelope

/**
 * Encodes `[CKM_WIRE_VERSION, type, body]`. The output is checked against the same strict subset
 * the decoder accepts, so we never send what a peer must refuse (a float, `undefined`, a Map, …):
 * such a body is a programming error, `InvalidParameters`.
 * @example encodeWire('session/open', { sid })
 */
export function encodeWire(type: string, body: unknown): Uint8Array {
  if (!TYPE_PATTERN.test(type))
    throw new CkmError('InvalidParameters', 'wire type must be a short ASCII name');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(encoder.encode([CKM_WIRE_VERSION, type, body]));
    walkStrict(bytes);
  } catch (cause) {
    const reason = cause instanceof WireFault ? `: ${cause.message}` : '';
    throw new CkmError('InvalidParameters', `"${type}" body cannot be encoded${reason}`, { cause });
  }
  return bytes;
}

/**
 * Decodes a message of `expectedType` of at most `maxBytes` bytes and returns its body, still
 * `unknown`. Throws `TooLarge`, `MalformedMessage` or `UnsupportedVersion`, and nothing else.
 */
export function decodeWire(bytes: unknown, expectedType: string, maxBytes: number): unknown {
  if (!(bytes instanceof Uint8Array))
    throw new CkmError('MalformedMessage', `"${expectedType}" expected bytes`);
  if (bytes.length > maxBytes)
    throw new CkmError('TooLarge', `"${expectedType}" is larger than ${maxBytes} bytes`);
  let value: unknown;
  try {
    walkStrict(bytes);
    // Decode a private copy: cbor-x returns byte strings as views of its input.
    value = decoder.decode(new Uint8Array(bytes));
  } catch (cause) {
    const reason = cause instanceof WireFault ? cause.message : 'undecodable';
    throw new CkmError('MalformedMessage', `"${expectedType}" is not strict CBOR (${reason})`);
  }
  if (!Array.isArray(value) || value.length !== 3)
    throw new CkmError('MalformedMessage', `"${expectedType}" expected [version, type, body]`);
  const [version, type, body] = value as [unknown, unknown, unknown];
  if (version !== CKM_WIRE_VERSION)
    throw new CkmError('UnsupportedVersion', `"${expectedType}" has an unsupported wire version`);
  if (type !== expectedType)
    throw new CkmError('MalformedMessage', `expected a "${expectedType}" message`);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Schema helpers: read a decoded body field by field

/** A decoded map whose keys were checked, with its path for error messages. */
export type WireObject = {
  readonly path: string;
  readonly fields: Readonly<Record<string, unknown>>;
};
export type SizeRange = { readonly min: number; readonly max: number };
export type StringRule = { readonly min?: number; readonly max: number; readonly pattern?: RegExp };

function malformed(path: string, expectation: string): never {
  throw new CkmError('MalformedMessage', `"${path}" ${expectation}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A map with no keys beyond `allowedKeys` (missing keys are caught by the field readers). */
export function asObject(value: unknown, path: string, allowedKeys: readonly string[]): WireObject {
  if (!isPlainObject(value)) malformed(path, 'expected a map');
  for (const key of Object.keys(value))
    if (!allowedKeys.includes(key)) malformed(path, 'has an unexpected field');
  return { path, fields: value };
}

/** Alias of {@link asObject} for the top level of a body. */
export const readObject = asObject;

export function asBytes(value: unknown, path: string, size: number | SizeRange): Uint8Array {
  if (!(value instanceof Uint8Array)) malformed(path, 'expected bytes');
  const { min, max } = typeof size === 'number' ? { min: size, max: size } : size;
  if (value.length < min || value.length > max)
    malformed(path, min === max ? `expected ${min} bytes` : `expected ${min}..${max} bytes`);
  return new Uint8Array(value); // a copy: never alias the decoder's buffer
}

export function asString(value: unknown, path: string, rule: StringRule): string {
  if (typeof value !== 'string') malformed(path, 'expected text');
  if (value.length < (rule.min ?? 0) || value.length > rule.max)
    malformed(path, `expected ${rule.min ?? 0}..${rule.max} characters`);
  if (rule.pattern !== undefined && !rule.pattern.test(value))
    malformed(path, 'has an invalid format');
  return value;
}

export function asInt(value: unknown, path: string, range: SizeRange): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    malformed(path, 'expected an integer');
  if (value < range.min || value > range.max)
    malformed(path, `expected an integer in ${range.min}..${range.max}`);
  return value;
}

export function asBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') malformed(path, 'expected a boolean');
  return value;
}

/** A list of `count` items (exact or a range), each read by `item` with its own path. */
export function asArray<T>(
  value: unknown,
  path: string,
  count: number | SizeRange,
  item: (value: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) malformed(path, 'expected a list');
  const { min, max } = typeof count === 'number' ? { min: count, max: count } : count;
  if (value.length < min || value.length > max)
    malformed(path, min === max ? `expected ${min} items` : `expected ${min}..${max} items`);
  return value.map((entry, i) => item(entry, `${path}[${i}]`));
}

/** The value of a required field. */
export function readField(obj: WireObject, key: string): unknown {
  if (!Object.hasOwn(obj.fields, key)) malformed(`${obj.path}.${key}`, 'is missing');
  return obj.fields[key];
}

export function readBytes(obj: WireObject, key: string, size: number | SizeRange): Uint8Array {
  return asBytes(readField(obj, key), `${obj.path}.${key}`, size);
}

export function readString(obj: WireObject, key: string, rule: StringRule): string {
  return asString(readField(obj, key), `${obj.path}.${key}`, rule);
}

export function readInt(obj: WireObject, key: string, range: SizeRange): number {
  return asInt(readField(obj, key), `${obj.path}.${key}`, range);
}

export function readBool(obj: WireObject, key: string): boolean {
  return asBool(readField(obj, key), `${obj.path}.${key}`);
}

export function readArray<T>(
  obj: WireObject,
  key: string,
  count: number | SizeRange,
  item: (value: unknown, path: string) => T,
): T[] {
  return asArray(readField(obj, key), `${obj.path}.${key}`, count, item);
}

export function readNested(
  obj: WireObject,
  key: string,
  allowedKeys: readonly string[],
): WireObject {
  return asObject(readField(obj, key), `${obj.path}.${key}`, allowedKeys);
}

/** `undefined` when the field is absent, else the value read by `read` (e.g. `readBytes`). */
export function readOptional<T>(
  obj: WireObject,
  key: string,
  read: (obj: WireObject, key: string) => T,
): T | undefined {
  return Object.hasOwn(obj.fields, key) ? read(obj, key) : undefined;
}
