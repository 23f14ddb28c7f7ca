import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asArray,
  asString,
  CKM_WIRE_VERSION,
  decodeWire,
  encodeWire,
  MAX_WIRE_DEPTH,
  readArray,
  readBool,
  readBytes,
  readInt,
  readNested,
  readObject,
  readOptional,
  readString,
} from '../../ckm/codec';
import { type CkmErrorCode, isCkmError } from '../../ckm/errors';

const raw = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const LIMIT = 1_000_000;

function codeOf(run: () => unknown): CkmErrorCode | 'no error' | 'untyped' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return isCkmError(error) ? error.code : 'untyped';
  }
}

/** The CBOR envelope [1, "t", <item>] around raw item bytes. */
const envelope = (item: Uint8Array) => new Uint8Array([0x83, 0x01, 0x61, 0x74, ...item]);

describe('encodeWire / decodeWire round trip', () => {
  it('keeps bytes, text, integers, booleans, null, lists and maps', () => {
    const body = {
      sid: new Uint8Array(32).fill(7),
      name: 'ser\u00e9 A',
      small: 5,
      negative: -70_000,
      big: 1_732_000_000_123, // beyond 32 bits: cbor-x writes a float64
      minSafe: -Number.MAX_SAFE_INTEGER,
      yes: true,
      no: false,
      nothing: null,
      list: [1, [2, new Uint8Array([3])], { x: 'y' }],
      empty: {},
    };
    const bytes = encodeWire('ckm.test', body);
    expect(bytes[0]).toBe(0x83);
    expect(decodeWire(bytes, 'ckm.test', LIMIT)).toEqual(body);
  });

  it('decodes byte strings into fresh Uint8Arrays (no aliasing of the input)', () => {
    const bytes = encodeWire('t', { b: new Uint8Array([1, 2, 3]) });
    const body = decodeWire(bytes, 't', LIMIT) as { b: Uint8Array };
    expect(body.b).toBeInstanceOf(Uint8Array);
    bytes.fill(0);
    expect([...body.b]).toEqual([1, 2, 3]);
  });

  it('refuses to encode what the decoder would refuse', () => {
    expect(codeOf(() => encodeWire('t', { f: 1.5 }))).toBe('InvalidParameters');
    expect(codeOf(() => encodeWire('t', { u: undefined }))).toBe('InvalidParameters');
    expect(codeOf(() => encodeWire('t', new Map([[1, 2]])))).toBe('InvalidParameters');
    expect(codeOf(() => encodeWire('t', { d: new Date(0) }))).toBe('InvalidParameters');
    expect(codeOf(() => encodeWire('t', { n: 2n ** 70n }))).toBe('InvalidParameters');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(codeOf(() => encodeWire('t', circular))).toBe('InvalidParameters');
    expect(codeOf(() => encodeWire('bad type!', {}))).toBe('InvalidParameters');
    expect(codeOf(() => encodeWire('', {}))).toBe('InvalidParameters');
  });
});

describe('decodeWire refusals', () => {
  const good = encodeWire('t', { a: 1 });

  it('accepts the control input', () => {
    expect(decodeWire(good, 't', LIMIT)).toEqual({ a: 1 });
  });

  it('refuses non-bytes', () => {
    for (const value of [undefined, null, 'x', [0x83], new ArrayBuffer(4), { length: 1 }])
      expect(codeOf(() => decodeWire(value, 't', LIMIT))).toBe('MalformedMessage');
  });

  it('checks the size before decoding (TooLarge, even for garbage)', () => {
    expect(codeOf(() => decodeWire(good, 't', good.length - 1))).toBe('TooLarge');
    expect(codeOf(() => decodeWire(new Uint8Array(100).fill(0xff), 't', 99))).toBe('TooLarge');
    expect(decodeWire(good, 't', good.length)).toEqual({ a: 1 });
  });

  it('refuses trailing bytes and truncation', () => {
    expect(codeOf(() => decodeWire(new Uint8Array([...good, 0]), 't', LIMIT))).toBe(
      'MalformedMessage',
    );
    expect(codeOf(() => decodeWire(good.subarray(0, good.length - 1), 't', LIMIT))).toBe(
      'MalformedMessage',
    );
    expect(codeOf(() => decodeWire(new Uint8Array(0), 't', LIMIT))).toBe('MalformedMessage');
  });

  it('refuses a header declaring a 2^32-byte string without allocating it', () => {
    // byte string, 8-byte length 2^32; and text, 4-byte length 2^32 − 1
    const huge = envelope(hex('5b 0000000100000000'));
    const hugeText = envelope(hex('7a ffffffff'));
    const hugeArray = envelope(hex('9a ffffffff 00'));
    const hugeMap = envelope(hex('ba ffffffff'));
    const beyondSafe = envelope(hex('5b ffffffffffffffff'));
    for (const bytes of [huge, hugeText, hugeArray, hugeMap, beyondSafe])
      expect(codeOf(() => decodeWire(bytes, 't', LIMIT))).toBe('MalformedMessage');
  });

  it('refuses nesting deeper than MAX_WIRE_DEPTH', () => {
    const nest = (depth: number) => {
      // the envelope array is depth 1; the body adds depth − 1 arrays
      const inner = new Uint8Array(depth - 1).fill(0x81);
      return envelope(new Uint8Array([...inner, 0x00]));
    };
    expect(decodeWire(nest(MAX_WIRE_DEPTH), 't', LIMIT)).toBeDefined();
    expect(codeOf(() => decodeWire(nest(MAX_WIRE_DEPTH + 1), 't', LIMIT))).toBe('MalformedMessage');
    // Deep nesting far beyond the stack must still fail cleanly
    expect(codeOf(() => decodeWire(nest(100_000), 't', LIMIT))).toBe('MalformedMessage');
  });

  it('refuses every tag, including those cbor-x would turn into objects', () => {
    const tagged = [
      'c0 74 323032302d30312d30315430303a30303a30305a', // tag 0: date string
      'c1 00', // tag 1: epoch date
      'c2 41 01', // tag 2: bignum
      'd8 40 41 01', // tag 64: uint8 typed array
      'd9 0102 80', // tag 258: Set
      'd8 23 61 61', // tag 35: RegExp
      'd9 e000 80', // tag 57344: record definition (cbor-x records)
      'd8 1c 00', // tag 28: shared value
      'd8 1d 00', // tag 29: shared reference
      'd8 18 41 00', // tag 24: embedded CBOR
    ];
    for (const item of tagged)
      expect(
        codeOf(() => decodeWire(envelope(hex(item)), 't', LIMIT)),
        item,
      ).toBe('MalformedMessage');
  });

  it('refuses floats, undefined, simple values, 64-bit integers and indefinite lengths', () => {
    const items = [
      'fb 3ff8000000000000', // 1.5
      'fb 8000000000000000', // −0
      'fb 7ff8000000000000', // NaN
      'fb 4340000000000000', // 2^53, not a safe integer
      'fa 3fc00000', // float32
      'f9 3e00', // float16
      'f7', // undefined
      'f0', // simple(16)
      'f8 20', // simple(32)
      'fc', // reserved additional info
      '1b 0000010000000000', // uint64 → bigint in cbor-x
      '3b 0000010000000000', // negative 64-bit
      '5f 41 00 ff', // indefinite byte string
      '9f 00 ff', // indefinite array
      'bf 61 61 00 ff', // indefinite map
      'ff', // lone break
    ];
    for (const item of items)
      expect(
        codeOf(() => decodeWire(envelope(hex(item)), 't', LIMIT)),
        item,
      ).toBe('MalformedMessage');
    // the float64 form of a large safe integer is accepted (that is how cbor-x writes it)
    expect(decodeWire(envelope(hex('fb 4270000000000000')), 't', LIMIT)).toBe(2 ** 40);
  });

  it('refuses non-text map keys, duplicate keys and __proto__', () => {
    const maps = [
      'a1 01 00', // integer key
      'a1 41 61 00', // byte-string key
      'a1 80 00', // array key
      'a2 61 61 00 61 61 01', // duplicate "a"
      'a1 69 5f5f70726f746f5f5f a0', // "__proto__"
      'a1 7a ffffffff 00', // key declaring 2^32 − 1 bytes
      'a1 62 61', // truncated key
    ];
    for (const item of maps)
      expect(
        codeOf(() => decodeWire(envelope(hex(item)), 't', LIMIT)),
        item,
      ).toBe('MalformedMessage');
    expect(decodeWire(envelope(hex('a1 61 61 00')), 't', LIMIT)).toEqual({ a: 0 });
  });

  it('refuses text that is not UTF-8', () => {
    expect(codeOf(() => decodeWire(envelope(hex('62 c328')), 't', LIMIT))).toBe('MalformedMessage');
    expect(codeOf(() => decodeWire(envelope(hex('a1 61 ff 00')), 't', LIMIT))).toBe(
      'MalformedMessage',
    );
  });

  it('refuses a wrong version (UnsupportedVersion) and a wrong type or shape', () => {
    expect(codeOf(() => decodeWire(raw.encode([2, 't', {}]), 't', LIMIT))).toBe(
      'UnsupportedVersion',
    );
    expect(codeOf(() => decodeWire(raw.encode([0, 't', {}]), 't', LIMIT))).toBe(
      'UnsupportedVersion',
    );
    expect(codeOf(() => decodeWire(raw.encode(['1', 't', {}]), 't', LIMIT))).toBe(
      'UnsupportedVersion',
    );
    expect(codeOf(() => decodeWire(encodeWire('other', {}), 't', LIMIT))).toBe('MalformedMessage');
    expect(codeOf(() => decodeWire(raw.encode([CKM_WIRE_VERSION, 't']), 't', LIMIT))).toBe(
      'MalformedMessage',
    );
    expect(codeOf(() => decodeWire(raw.encode({ v: 1 }), 't', LIMIT))).toBe('MalformedMessage');
  });

  it('property: random bytes never throw anything but a CkmError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeWire(bytes, 't', 200);
        } catch (error) {
          return isCkmError(error);
        }
        return true;
      }),
      { numRuns: 5_000 },
    );
  });

  it('property: mutated valid messages never throw anything but a CkmError', () => {
    const base = encodeWire('t', { sid: new Uint8Array(32), n: [1, 2, { x: 'y' }], big: 2 ** 40 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = new Uint8Array(base);
          for (const [at, value] of edits) bytes[at] = value;
          try {
            decodeWire(bytes, 't', LIMIT);
          } catch (error) {
            return isCkmError(error);
          }
          return true;
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('schema helpers', () => {
  const body = decodeWire(
    encodeWire('t', {
      sid: new Uint8Array(32),
      name: 'alice',
      count: 3,
      flag: true,
      items: ['a', 'b'],
      inner: { k: new Uint8Array(2) },
    }),
    't',
    LIMIT,
  );
  const keys = ['sid', 'name', 'count', 'flag', 'items', 'inner', 'opt'];

  it('reads valid fields', () => {
    const obj = readObject(body, 'body', keys);
    expect(readBytes(obj, 'sid', 32)).toHaveLength(32);
    expect(readBytes(obj, 'sid', { min: 1, max: 32 })).toHaveLength(32);
    expect(readString(obj, 'name', { max: 8, pattern: /^[a-z]+$/ })).toBe('alice');
    expect(readInt(obj, 'count', { min: 0, max: 3 })).toBe(3);
    expect(readBool(obj, 'flag')).toBe(true);
    expect(readArray(obj, 'items', 2, (v, p) => asString(v, p, { max: 1 }))).toEqual(['a', 'b']);
    expect(readBytes(readNested(obj, 'inner', ['k']), 'k', 2)).toHaveLength(2);
    expect(readOptional(obj, 'opt', (o, k) => readInt(o, k, { min: 0, max: 1 }))).toBeUndefined();
  });

  it('refuses each wrong field with MalformedMessage naming the path', () => {
    const obj = readObject(body, 'body', keys);
    const cases: [() => unknown, string][] = [
      [() => readObject(body, 'body', ['sid']), 'body'],
      [() => readObject([], 'body', keys), 'body'],
      [() => readObject(new Uint8Array(1), 'body', keys), 'body'],
      [() => readObject(null, 'body', keys), 'body'],
      [() => readBytes(obj, 'sid', 31), 'body.sid'],
      [() => readBytes(obj, 'name', 5), 'body.name'],
      [() => readBytes(obj, 'missing', 1), 'body.missing'],
      [() => readString(obj, 'name', { max: 4 }), 'body.name'],
      [() => readString(obj, 'name', { min: 6, max: 9 }), 'body.name'],
      [() => readString(obj, 'name', { max: 9, pattern: /^[0-9]+$/ }), 'body.name'],
      [() => readString(obj, 'count', { max: 9 }), 'body.count'],
      [() => readInt(obj, 'count', { min: 0, max: 2 }), 'body.count'],
      [() => readInt(obj, 'count', { min: 4, max: 9 }), 'body.count'],
      [() => readInt(obj, 'name', { min: 0, max: 9 }), 'body.name'],
      [() => readBool(obj, 'count'), 'body.count'],
      [() => readArray(obj, 'items', 3, (v) => v), 'body.items'],
      [() => readArray(obj, 'items', 2, (v, p) => asString(v, p, { max: 0 })), 'body.items[0]'],
      [() => readArray(obj, 'name', { min: 0, max: 9 }, (v) => v), 'body.name'],
      [() => asArray(obj.fields.items, 'x', { min: 3, max: 9 }, (v) => v), 'x'],
      [() => readNested(obj, 'inner', []), 'body.inner'],
      [() => readBytes(readNested(obj, 'inner', ['k']), 'k', 3), 'body.inner.k'],
      [() => readOptional(obj, 'count', (o, k) => readBool(o, k)), 'body.count'],
    ];
    for (const [run, path] of cases) {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(isCkmError(caught, 'MalformedMessage'), path).toBe(true);
      expect((caught as Error).message).toContain(`"${path}"`);
    }
  });
});
