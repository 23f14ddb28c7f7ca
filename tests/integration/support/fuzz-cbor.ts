/**
 * Hostile CBOR for the server fuzz test: a permissive CBOR writer (it writes what our strict codec
 * refuses: floats, bigints, `undefined`, tags, indefinite lengths, raw fragments), a catalogue of
 * hostile items (declared lengths of 2^32 and 2^53, nesting 10^4 deep, bad UTF-8, duplicate keys,
 * every tag cbor-x would turn into an object), and mutators of valid messages, both on the decoded
 * tree (wrong types, missing and extra fields) and on the bytes (bit flips, truncation, splices).
 * All randomness comes from a {@link FuzzRng}, so a failing case can be rebuilt from its seed.
 * @module
 */
import { Decoder } from 'cbor-x';
import type { FuzzRng } from './fuzz-rng';

/** Bytes written verbatim where a value would be (a fragment the writer could not produce). */
export class RawItem {
  constructor(readonly bytes: Uint8Array) {}
}

const decoder = new Decoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

/** Decodes one of our own (valid) messages into a tree that the mutators can edit. */
export function decodeTree(bytes: Uint8Array): unknown {
  return decoder.decode(new Uint8Array(bytes));
}

// ---------------------------------------------------------------------------------------------
// A permissive writer

function head(major: number, arg: number | bigint): number[] {
  const m = major << 5;
  const n = BigInt(arg);
  if (n < 24n) return [m | Number(n)];
  if (n < 0x100n) return [m | 24, Number(n)];
  if (n < 0x1_0000n) return [m | 25, Number(n >> 8n), Number(n & 0xffn)];
  if (n < 0x1_0000_0000n) return [m | 26, ...bigEndian(n, 4)];
  return [m | 27, ...bigEndian(n, 8)];
}

function bigEndian(value: bigint, size: number): number[] {
  const out: number[] = [];
  for (let i = size - 1; i >= 0; i--) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
  return out;
}

function float64(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return [0xfb, ...new Uint8Array(view.buffer)];
}

function writeItem(value: unknown, out: number[]): void {
  if (value instanceof RawItem) {
    for (const byte of value.bytes) out.push(byte);
  } else if (value === false) out.push(0xf4);
  else if (value === true) out.push(0xf5);
  else if (value === null) out.push(0xf6);
  else if (value === undefined) out.push(0xf7);
  else if (typeof value === 'bigint') {
    const n = value < 0n ? -1n - value : value;
    out.push(...head(value < 0n ? 1 : 0, n & 0xffff_ffff_ffff_ffffn));
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0))
      out.push(...head(value < 0 ? 1 : 0, value < 0 ? -1 - value : value));
    else out.push(...float64(value));
  } else if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    out.push(...head(3, bytes.length));
    for (const byte of bytes) out.push(byte);
  } else if (value instanceof Uint8Array) {
    out.push(...head(2, value.length));
    for (const byte of value) out.push(byte);
  } else if (Array.isArray(value)) {
    out.push(...head(4, value.length));
    for (const item of value) writeItem(item, out);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    out.push(...head(5, entries.length));
    for (const [key, item] of entries) {
      writeItem(key, out);
      writeItem(item, out);
    }
  } else {
    out.push(0xf6);
  }
}

/** CBOR for `value`, including what the strict codec refuses (see the module doc). */
export function encodeCbor(value: unknown): Uint8Array {
  const out: number[] = [];
  writeItem(value, out);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------
// Hostile items

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));

function repeat(unit: Uint8Array, times: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(unit.length * times + tail.length);
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
  out.set(tail, unit.length * times);
  return out;
}

/** Nesting depths to try: just past the codec's limit (32), and far past it. */
const DEPTHS = [33, 100, 1000, 10_000, 100_000];

/** Named generators of single hostile items, for the histogram of what was tried. */
export const HOSTILE_ITEMS: readonly (readonly [string, (rng: FuzzRng) => Uint8Array])[] = [
  [
    'bytes-len-2^32',
    (rng) => hex(`5a ffffffff ${Buffer.from(rng.bytes(rng.int(8))).toString('hex')}`),
  ],
  ['bytes-len-2^31', () => hex('5a 80000000 00')],
  ['bytes-len-2^53', () => hex('5b 001fffffffffffff 00')],
  ['bytes-len-2^64', () => hex('5b ffffffffffffffff 00')],
  ['text-len-2^32', () => hex('7a ffffffff 61')],
  ['text-len-2^53', () => hex('7b 001fffffffffffff 61')],
  ['array-count-2^32', () => hex('9a ffffffff 00')],
  ['array-count-2^53', () => hex('9b 001fffffffffffff 00')],
  ['map-count-2^32', () => hex('ba ffffffff 6161 00')],
  ['map-count-2^64', () => hex('bb ffffffffffffffff 6161 00')],
  ['deep-array', (rng) => repeat(hex('81'), rng.pick(DEPTHS), hex('00'))],
  ['deep-map', (rng) => repeat(hex('a1 616b'), rng.pick(DEPTHS), hex('00'))],
  ['deep-indefinite', (rng) => repeat(hex('9f'), rng.pick(DEPTHS), hex('00'))],
  ['indefinite-bytes', () => hex('5f 4100 4101 ff')],
  ['indefinite-text', () => hex('7f 6161 ff')],
  ['indefinite-array', () => hex('9f 00 01 ff')],
  ['indefinite-map', () => hex('bf 6161 00 ff')],
  ['lone-break', () => hex('ff')],
  ['tag-date', () => hex('c0 74 323032302d30312d30315430303a30303a30305a')],
  ['tag-epoch', () => hex('c1 1a 5f5e1000')],
  ['tag-bignum', () => hex('c2 49 010000000000000000')],
  ['tag-typed-array', () => hex('d8 40 44 01020304')],
  ['tag-set', () => hex('d9 0102 82 01 02')],
  ['tag-map', () => hex('d9 0103 a1 6161 01')],
  ['tag-shared-ref', () => hex('d8 1c 81 d8 1d 00')],
  ['tag-string-ref', () => hex('d8 19 00')],
  ['tag-regexp', () => hex('d8 23 62 2e2a')],
  ['tag-record', () => hex('d9 dfff 83 00 81 6161 01')],
  ['tag-error', () => hex('d8 1b 83 65 4572726f72 61 6d 61 73')],
  ['tag-64bit', () => hex('db ffffffffffffffff 00')],
  ['float-half-nan', () => hex('f9 7e00')],
  ['float-single', () => hex('fa 3fc00000')],
  ['float-nan', () => hex('fb 7ff8000000000000')],
  ['float-neg-zero', () => hex('fb 8000000000000000')],
  ['float-huge', () => hex('fb 7e37e43c8800759c')],
  ['float-1.5', () => hex('fb 3ff8000000000000')],
  ['undefined', () => hex('f7')],
  ['simple-32', () => hex('f8 20')],
  ['simple-0', () => hex('e0')],
  ['reserved-info', (rng) => Uint8Array.of((rng.int(8) << 5) | (28 + rng.int(3)))],
  ['uint64-max', () => hex('1b ffffffffffffffff')],
  ['nint64-max', () => hex('3b ffffffffffffffff')],
  ['uint-2^53', () => hex('1b 0020000000000000')],
  ['non-minimal-int', () => hex('19 0001')],
  ['bad-utf8', () => hex('62 c328')],
  ['overlong-utf8', () => hex('62 c080')],
  ['surrogate-utf8', () => hex('63 eda080')],
  ['dup-keys', () => hex('a2 6161 00 6161 01')],
  ['proto-key', () => hex('a1 69 5f5f70726f746f5f5f a1 6161 01')],
  ['constructor-key', () => hex('a1 6b 636f6e7374727563746f72 00')],
  ['int-key', () => hex('a1 01 02')],
  ['bytes-key', () => hex('a1 41 00 02')],
  ['array-key', () => hex('a1 80 02')],
  ['truncated-head', (rng) => rng.pick([hex('18'), hex('19 01'), hex('1a 0000'), hex('5a 00')])],
  ['truncated-bytes', () => hex('45 0102')],
  ['empty', () => new Uint8Array(0)],
];

/** One hostile item and its name. */
export function hostileItem(rng: FuzzRng): { name: string; bytes: Uint8Array } {
  const [name, make] = rng.pick(HOSTILE_ITEMS);
  return { name, bytes: make(rng) };
}

// ---------------------------------------------------------------------------------------------
// Random values

const INTS = [
  0,
  1,
  -1,
  2,
  3,
  4,
  5,
  16,
  17,
  255,
  256,
  65_535,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  -(2 ** 31),
];
const STRINGS = [
  '',
  'a',
  'sign',
  'dkg',
  'refresh',
  'transaction',
  'message',
  'typedData',
  'digest',
  'hash',
  '__proto__',
  'constructor',
  'toString',
  '0x',
  `0x${'00'.repeat(32)}`,
  `0x${'ff'.repeat(20)}`,
  'ckm.session.open',
  '\u0000',
  '\u{1F600}',
  'x'.repeat(1000),
];

/** A random scalar or small structure of any CBOR type, including ones the codec refuses. */
export function randomValue(rng: FuzzRng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 9 : 11)) {
    case 0:
      return rng.pick(INTS);
    case 1:
      return rng.int(2 ** 31) - 2 ** 30;
    case 2:
      return rng.pick([1.5, Number.NaN, -0, Number.POSITIVE_INFINITY, 2 ** 60, -(2 ** 60), 1e300]);
    case 3:
      return rng.pick([2n ** 63n, 2n ** 64n - 1n, -(2n ** 63n), 2n ** 53n]);
    case 4:
      return rng.pick(STRINGS);
    case 5:
      return rng.bytes(rng.pick([0, 1, 16, 24, 31, 32, 33, 64, 65, 300]));
    case 6:
      return rng.pick([true, false, null, undefined]);
    case 7:
      return new RawItem(hostileItem(rng).bytes);
    case 8:
      return rng.bytes(rng.int(4096));
    case 9:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--)
        setOwn(out, rng.pick(STRINGS), randomValue(rng, depth + 1));
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tree mutations

type Container = unknown[] | Record<string, unknown>;

function isContainer(value: unknown): value is Container {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !(value instanceof RawItem)
  );
}

/** A deep copy (bytes copied too), so a mutation never touches the template. */
export function cloneTree(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(cloneTree);
  if (isContainer(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneTree(v)]));
  return value;
}

/** Every (container, key) slot in the tree, the root's slot first. */
function slots(root: { value: unknown }): [Container | { value: unknown }, string | number][] {
  const out: [Container | { value: unknown }, string | number][] = [[root, 'value']];
  const walk = (node: unknown) => {
    if (Array.isArray(node))
      node.forEach((child, i) => {
        out.push([node, i]);
        walk(child);
      });
    else if (isContainer(node))
      for (const [key, child] of Object.entries(node)) {
        out.push([node, key]);
        walk(child);
      }
  };
  walk(root.value);
  return out;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, so that a key named "__proto__" becomes an own field, not the prototype.
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const TREE_MUTATIONS = [
  'replace',
  'replace',
  'replace',
  'delete',
  'add-field',
  'wrap',
  'bytes-length',
  'int-edge',
  'hostile-item',
  'string-edit',
] as const;

/** Applies 1–3 structure-aware mutations to a copy of `tree`; returns it and what was done. */
export function mutateTree(rng: FuzzRng, tree: unknown): { tree: unknown; name: string } {
  const root = { value: cloneTree(tree) };
  const names: string[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const all = slots(root);
    const [parent, key] = rng.pick(all);
    const get = () => (parent as Record<string | number, unknown>)[key];
    const set = (value: unknown) => {
      (parent as Record<string | number, unknown>)[key] = value;
    };
    const mutation = rng.pick(TREE_MUTATIONS);
    names.push(mutation);
    const current = get();
    switch (mutation) {
      case 'replace':
        set(randomValue(rng));
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (parent !== root) delete (parent as Record<string, unknown>)[key as string];
        else set(undefined);
        break;
      case 'add-field':
        if (Array.isArray(current)) current.push(randomValue(rng));
        else if (isContainer(current))
          setOwn(current as Record<string, unknown>, rng.pick(STRINGS), randomValue(rng));
        else set([current, randomValue(rng)]);
        break;
      case 'wrap':
        set(rng.chance(0.5) ? [current] : { value: current });
        break;
      case 'bytes-length':
        if (current instanceof Uint8Array)
          set(
            rng.chance(0.5)
              ? current.subarray(0, rng.int(current.length + 1))
              : Uint8Array.from([...current, ...rng.bytes(1 + rng.int(64))]),
          );
        else set(rng.bytes(rng.pick([0, 31, 32, 33, 64])));
        break;
      case 'int-edge':
        set(
          typeof current === 'number'
            ? rng.pick([current + 1, current - 1, -current, current * 2 ** 20, current + 0.5])
            : rng.pick(INTS),
        );
        break;
      case 'hostile-item':
        set(new RawItem(hostileItem(rng).bytes));
        break;
      case 'string-edit':
        if (typeof current === 'string')
          set(
            rng.pick([
              current.toUpperCase(),
              current.slice(0, rng.int(current.length + 1)),
              `${current}\u0000`,
              current + current,
              ` ${current}`,
            ]),
          );
        else set(rng.pick(STRINGS));
        break;
    }
  }
  return { tree: root.value, name: names.join('+') };
}

// ---------------------------------------------------------------------------------------------
// Byte mutations

const BYTE_MUTATIONS = [
  'bit-flip',
  'truncate',
  'insert',
  'delete',
  'overwrite',
  'splice-hostile',
  'duplicate',
  'trailing',
] as const;

/** Applies one byte-level mutation to a copy of `bytes`; returns it and its name. */
export function mutateBytes(rng: FuzzRng, bytes: Uint8Array): { bytes: Uint8Array; name: string } {
  const name = rng.pick(BYTE_MUTATIONS);
  const out = [...bytes];
  const at = rng.int(out.length + 1);
  switch (name) {
    case 'bit-flip':
      for (let n = 1 + rng.int(8); n > 0 && out.length > 0; n--) {
        const i = rng.int(out.length);
        out[i] = (out[i] as number) ^ (1 << rng.int(8));
      }
      break;
    case 'truncate':
      out.length = rng.int(Math.max(1, out.length));
      break;
    case 'insert':
      out.splice(at, 0, ...rng.bytes(1 + rng.int(16)));
      break;
    case 'delete':
      out.splice(at, 1 + rng.int(16));
      break;
    case 'overwrite':
      for (let i = at; i < Math.min(out.length, at + 1 + rng.int(16)); i++)
        out[i] = rng.pick([0x00, 0xff, 0x5a, 0x9f, 0xbf, 0xd8]);
      break;
    case 'splice-hostile': {
      // concat, not splice(...items): a 10^5-deep item has too many bytes to pass as arguments
      const item = Array.from(hostileItem(rng).bytes);
      return {
        bytes: Uint8Array.from(out.slice(0, at).concat(item, out.slice(at + rng.int(4)))),
        name,
      };
    }
    case 'duplicate': {
      const start = rng.int(out.length + 1);
      out.splice(at, 0, ...out.slice(start, start + 1 + rng.int(64)));
      break;
    }
    case 'trailing':
      out.push(...rng.bytes(1 + rng.int(8)));
      break;
  }
  return { bytes: Uint8Array.from(out), name };
}

// ---------------------------------------------------------------------------------------------
// Whole bodies

/** Random garbage of the kinds a network sees: noise, text, JSON, CBOR-looking prefixes. */
export function garbageBody(rng: FuzzRng): { bytes: Uint8Array; name: string } {
  switch (rng.int(7)) {
    case 0:
      return { bytes: new Uint8Array(0), name: 'empty' };
    case 1:
      return { bytes: rng.bytes(1 + rng.int(64)), name: 'noise-short' };
    case 2:
      return { bytes: rng.bytes(rng.int(8192)), name: 'noise-long' };
    case 3:
      return {
        bytes: new TextEncoder().encode(
          rng.pick(['{"kind":"sign"}', 'null', '[1,"ckm.enroll",{}]', '<html>', 'GET / HTTP/1.1']),
        ),
        name: 'text',
      };
    case 4:
      return { bytes: hostileItem(rng).bytes, name: 'hostile-item' };
    case 5:
      return { bytes: encodeCbor(randomValue(rng)), name: 'random-cbor' };
    default: {
      const item = hostileItem(rng);
      return {
        bytes: Uint8Array.from([0x83, 0x01, ...encodeCbor(rng.pick(STRINGS)), ...item.bytes]),
        name: `envelope-${item.name}`,
      };
    }
  }
}

/** Envelope-level mutations of `[version, type, body]`: version, type and arity. */
export function mutateEnvelope(
  rng: FuzzRng,
  type: string,
  body: unknown,
): { bytes: Uint8Array; name: string } {
  switch (rng.int(6)) {
    case 0:
      return {
        bytes: encodeCbor([rng.pick([0, 2, -1, 255, 2 ** 32, '1', 1.5, null]), type, body]),
        name: 'wrong-version',
      };
    case 1:
      return {
        bytes: encodeCbor([
          1,
          rng.pick([
            '',
            'ckm.enroll',
            'ckm.session.open',
            'ckm.session.input',
            'ckm.key.commit',
            'ckm.error',
            type.toUpperCase(),
            `${type}x`,
            7,
          ]),
          body,
        ]),
        name: 'wrong-type',
      };
    case 2:
      return { bytes: encodeCbor([1, type]), name: 'short-envelope' };
    case 3:
      return { bytes: encodeCbor([1, type, body, 0]), name: 'long-envelope' };
    case 4:
      return { bytes: encodeCbor({ version: 1, type, body }), name: 'map-envelope' };
    default:
      return { bytes: encodeCbor(body), name: 'no-envelope' };
  }
}
