import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  type CborInput,
  dcborBignum,
  dcborBiguint,
  dcborDate,
  dcborDateFromString,
  dcborMap,
  dcborSet,
  decodeDcbor,
  encodeDcbor,
  tagged,
} from '../../envelope/dcbor';
import { DcborDecodeError, DcborEncodeError } from '../../envelope/errors';
import { readSharedVectors } from '../support/vectors';

const load = <T>(name: string): T => readSharedVectors<T>(name);

type Recipe = { k: string; [key: string]: unknown };
type EncodeExpect =
  | {
      ok: true;
      hex?: string;
      byteLength?: number;
      sha256?: string;
      hexPrefix?: string;
      decodeRejects?: string;
    }
  | { ok: false; code: string };
const encodeFile = load<{
  count: number;
  vectors: { name: string; recipe: Recipe; expect: EncodeExpect }[];
}>('dcbor-ts-encode-vectors.json');
const decodeFile = load<{
  count: number;
  vectors: { name: string; hex: string; expect: { ok: boolean; code?: string } }[];
}>('dcbor-ts-decode-vectors.json');
const appendixA = load<{
  caveat: string;
  valid: { value: string; hex: string; note: string }[];
  invalid: { value: string; hex: string; reason: string }[];
}>('dcbor-draft12-appendixA.json');

/**
 * Recipe kinds that exercise the JS API of bc-dcbor itself (protocol objects, hand-built
 * internal nodes), not dCBOR; our wrapper never passes such values, so they are skipped.
 */
const SKIPPED_KINDS: Record<string, string> = {
  tocbor: 'object with a toCbor() method: bc-dcbor protocol dispatch, not dCBOR',
  taggedproto: 'object with a taggedCbor() method: bc-dcbor protocol dispatch (tombstoned P3.7)',
  bothproto: 'object with both protocol methods: bc-dcbor dispatch precedence',
  protoobj: 'object with inherited tag/value keys: JS prototype edge of bc-dcbor',
  floatsimple: "hand-built internal Float node: bc-dcbor's raw node passthrough",
  rawuint: 'hand-built internal Unsigned node: raw node passthrough',
  rawnegmag: 'hand-built internal Negative node: raw node passthrough',
  rawbad: 'malformed hand-built internal node: raw node passthrough',
};
/** How many vectors each skipped kind accounts for (asserted, so the list cannot grow silently). */
const EXPECTED_SKIPS: Record<string, number> = {
  tocbor: 3,
  taggedproto: 3,
  bothproto: 1,
  protoobj: 2,
  floatsimple: 22,
  rawuint: 2,
  rawnegmag: 3,
  rawbad: 1,
};

function skippedKind(r: unknown): string | undefined {
  if (Array.isArray(r)) {
    for (const x of r) {
      const s = skippedKind(x);
      if (s) return s;
    }
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const rec = r as Recipe;
  if (typeof rec.k === 'string' && rec.k in SKIPPED_KINDS) return rec.k;
  for (const v of Object.values(rec)) {
    const s = skippedKind(v);
    if (s) return s;
  }
  return undefined;
}

const tagOf = (t: string): number | bigint => {
  const b = BigInt(t);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
};

/** Build the JS input a recipe describes, through our module only (see ../shared/vectors/README.md). */
function materialize(r: Recipe): CborInput {
  const m = (x: unknown) => materialize(x as Recipe);
  switch (r.k) {
    case 'n':
      return Number(r.v);
    case 'bi':
      return BigInt(r.v as string);
    case 's':
      return r.v as string;
    case 'sr':
      return (r.unit as string).repeat(r.count as number);
    case 'b':
      return r.v as boolean;
    case 'null':
      return null;
    case 'undef':
      return undefined;
    case 'bytes':
    case 'bytestring':
      return hexToBytes(r.hex as string);
    case 'br':
      return Uint8Array.from(
        { length: r.count as number },
        (_, i) => ((r.start as number) + i) & 0xff,
      );
    case 'arr':
      return (r.items as Recipe[]).map(m);
    case 'intarr':
      return Array.from({ length: r.count as number }, (_, i) => i % 24);
    case 'intmap':
      return dcborMap(Array.from({ length: r.count as number }, (_, i) => [i, `v${i}`] as const));
    case 'obj':
      return Object.fromEntries((r.entries as [string, Recipe][]).map(([k, v]) => [k, m(v)]));
    case 'jsmap':
      return new Map((r.entries as [Recipe, Recipe][]).map(([k, v]) => [m(k), m(v)]));
    case 'jsset':
      return new Set((r.items as Recipe[]).map(m));
    case 'map':
      return dcborMap((r.entries as [Recipe, Recipe][]).map(([k, v]) => [m(k), m(v)] as const));
    case 'set':
      return dcborSet((r.items as Recipe[]).map(m));
    case 'tagged':
      return tagged(tagOf(r.tag as string), m(r.content));
    case 'tagobjlit':
      return { tag: m(r.tag), value: m(r.content) };
    case 'date':
      return dcborDate(Number(r.seconds));
    case 'datestr':
      return dcborDateFromString(r.v as string);
    case 'biguint':
      return dcborBiguint(BigInt(r.v as string));
    case 'bignum':
      return dcborBignum(BigInt(r.v as string));
    case 'symbol':
      return Symbol('vector') as unknown as CborInput;
    case 'fn':
      return (() => 0) as unknown as CborInput;
    default:
      throw new Error(`recipe kind ${r.k} not handled`);
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof DcborDecodeError || e instanceof DcborEncodeError) return e.code;
    throw e;
  }
}

describe('dCBOR encode vectors (bc-dcbor-ts)', () => {
  const run = encodeFile.vectors.filter((v) => skippedKind(v.recipe) === undefined);

  it('holds 346 vectors and skips exactly the listed JS-API kinds', () => {
    expect(encodeFile.vectors).toHaveLength(346);
    const counts: Record<string, number> = {};
    for (const v of encodeFile.vectors) {
      const k = skippedKind(v.recipe);
      if (k) counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts).toEqual(EXPECTED_SKIPS);
    expect(run).toHaveLength(346 - 37);
  });

  for (const v of run) {
    it(v.name, () => {
      const e = v.expect;
      if (!e.ok) {
        expect(codeOf(() => encodeDcbor(materialize(v.recipe)))).toBe(e.code);
        return;
      }
      const bytes = encodeDcbor(materialize(v.recipe));
      const hex = bytesToHex(bytes);
      if (e.hex !== undefined) expect(hex).toBe(e.hex);
      else {
        expect(bytes.length).toBe(e.byteLength);
        expect(hex.startsWith(e.hexPrefix as string)).toBe(true);
        expect(bytesToHex(sha256(bytes))).toBe(e.sha256);
      }
      if (e.decodeRejects !== undefined) {
        expect(codeOf(() => decodeDcbor(bytes))).toBe(e.decodeRejects);
      } else {
        expect(bytesToHex(encodeDcbor(decodeDcbor(bytes)))).toBe(hex); // round trip
      }
    });
  }
});

describe('dCBOR decode vectors (bc-dcbor-ts)', () => {
  it('holds 241 vectors: 64 accept, 177 reject', () => {
    expect(decodeFile.vectors).toHaveLength(241);
    expect(decodeFile.vectors.filter((v) => v.expect.ok)).toHaveLength(64);
  });

  for (const v of decodeFile.vectors) {
    it(v.name, () => {
      const bytes = hexToBytes(v.hex);
      if (v.expect.ok) {
        expect(bytesToHex(encodeDcbor(decodeDcbor(bytes)))).toBe(v.hex);
      } else {
        expect(codeOf(() => decodeDcbor(bytes))).toBe(v.expect.code);
      }
    });
  }
});

describe('draft-mcnally-deterministic-cbor-12 Appendix A', () => {
  /** Rows where the draft and the Rust reference disagree; we follow the reference (caveat). */
  const REFERENCE_WINS: Record<string, string> = {
    '-18446742974197924000.0': '3bfffffeffffffffff', // draft says fadf7fffff
  };
  const ACCEPTED_65_BIT = ['3b8000000000000000', '3bffffffffffffffff'];

  it('carries the caveat this test relies on', () => {
    expect(appendixA.caveat).toContain('65-bit');
    expect(appendixA.caveat).toContain('3bfffffeffffffffff');
  });

  /** "255 (2^8 - 1)" → 255n; "1.5" → 1.5; "Infinity (any size)" → Infinity. */
  const parse = (text: string): number | bigint => {
    const head = text.split(' ')[0] as string;
    return /^-?\d+$/.test(head) ? BigInt(head) : Number(head);
  };

  for (const row of appendixA.valid) {
    it(`valid ${row.value} → ${row.hex}`, () => {
      const want = REFERENCE_WINS[row.value] ?? row.hex;
      expect(bytesToHex(encodeDcbor(parse(row.value)))).toBe(want);
      expect(bytesToHex(encodeDcbor(decodeDcbor(hexToBytes(want))))).toBe(want);
    });
  }

  for (const row of appendixA.invalid) {
    it(`invalid ${row.hex} (${row.reason})`, () => {
      const bytes = hexToBytes(row.hex);
      if (ACCEPTED_65_BIT.includes(row.hex)) {
        // Rust dcbor ≥ eb1552f accepts 65-bit negatives; so do bc-dcbor-ts and we.
        expect(bytesToHex(encodeDcbor(decodeDcbor(bytes)))).toBe(row.hex);
        expect(bytesToHex(encodeDcbor(parse(row.value)))).toBe(row.hex);
      } else {
        expect(codeOf(() => decodeDcbor(bytes))).toBe('NonCanonicalNumeric');
      }
    });
  }
});
