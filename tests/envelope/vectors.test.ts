import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { dcborMap } from '../../envelope/dcbor';
import { BytewordsError } from '../../envelope/errors';
import {
  type CborInput,
  DcborDecodeError,
  DuplicateAssertionError,
  decodeEnvelope,
  Envelope,
  elideRemoving,
  elideRevealing,
  envelopeFromUr,
  envelopeToUr,
  format,
  InvalidEnvelopeError,
  NonCanonicalEnvelopeError,
  tagged,
  UnorderedAssertionsError,
  UrTypeError,
} from '../../envelope/index';
import { readSharedVectors } from '../support/vectors';

type Recipe = { k: string; [key: string]: unknown };
type Vector = { name: string; recipe: { e: Recipe; outs: string[] }; expect: string };
const file = readSharedVectors<{ count: number; vectors: Vector[] }>('bc-envelope-ts-vectors.json');

/** Recipe kinds (and elide actions) this slice does not implement, with the reason. */
const SKIP_REASONS: Record<string, string> = {
  encrypt: 'encryption: not in this slice (next: encryptSubject/encrypt/decrypt)',
  compress: 'compression: not in this slice',
  'elide:compress': 'elide with a compress action: compression is not in this slice',
  'elide:encrypt': 'elide with an encrypt action: encryption is not in this slice',
  sign: 'signatures: not in this slice',
  salt: 'salt: not in this slice (needs the reference fake RNG)',
  sskr: 'SSKR: not in this slice',
  attach: 'attachments: not in this slice',
  type: "type ('isA') helper: not in this slice",
  position: 'position helper: not in this slice',
  request: 'expressions/requests (GSTP): not in this slice',
  response: 'expressions/responses (GSTP): not in this slice',
  recipient: 'hasRecipient: not in this slice',
  lock: 'hasSecret (password lock): not in this slice',
  'decode:compressed': 'decoding a compressed envelope: compression is not in this slice',
};

/** The asserted skip table: reason key → number of vectors. */
const EXPECTED_SKIPS: Record<string, number> = {
  encrypt: 3,
  compress: 7,
  'elide:compress': 1,
  'elide:encrypt': 1,
  sign: 10,
  salt: 7,
  sskr: 2,
  attach: 2,
  type: 2,
  position: 2,
  request: 2,
  response: 2,
  recipient: 1,
  lock: 2,
  'decode:compressed': 1,
};

/** The first reason this slice cannot build `r`, or undefined if it can. */
function skipReason(r: unknown): string | undefined {
  if (Array.isArray(r)) {
    for (const x of r) {
      const s = skipReason(x);
      if (s) return s;
    }
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const rec = r as Recipe;
  if (rec.k === 'elide' && rec.action !== undefined) {
    return typeof rec.action === 'string' ? `elide:${rec.action}` : 'elide:encrypt';
  }
  if (rec.k === 'decode' && typeof rec.hex === 'string' && rec.hex.startsWith('d8c8d99c43')) {
    return 'decode:compressed';
  }
  if (typeof rec.k === 'string' && rec.k in SKIP_REASONS) return rec.k;
  for (const v of Object.values(rec)) {
    const s = skipReason(v);
    if (s) return s;
  }
  return undefined;
}

type LeafRecipe = {
  t: string;
  v?: unknown;
  hex?: string;
  items?: LeafRecipe[];
  entries?: [LeafRecipe, LeafRecipe][];
};

function leafValue(v: LeafRecipe): CborInput {
  switch (v.t) {
    case 'text':
      return v.v as string;
    case 'int':
      return BigInt(v.v as string);
    case 'bytes':
      return hexToBytes(v.hex as string);
    case 'bool':
      return v.v as boolean;
    case 'null':
      return null;
    case 'float':
      return v.v as number;
    case 'array':
      return (v.items ?? []).map(leafValue);
    case 'map':
      return dcborMap((v.entries ?? []).map(([k, x]) => [leafValue(k), leafValue(x)] as const));
    case 'arid':
      return tagged(40012, hexToBytes(v.hex as string));
    case 'digest':
      return tagged(40001, hexToBytes(v.hex as string));
    case 'uuid':
      return tagged(37, hexToBytes(v.hex as string));
    case 'uri':
      return tagged(32, v.v as string);
    default:
      throw new Error(`unknown leaf type ${v.t}`);
  }
}

function build(r: Recipe): Envelope {
  switch (r.k) {
    case 'leaf': {
      const v = r.v as LeafRecipe;
      return v.t === 'kv' ? Envelope.knownValue(v.v as number) : Envelope.leaf(leafValue(v));
    }
    case 'kv':
      return Envelope.knownValue(r.v as number);
    case 'node': {
      let env = build(r.subject as Recipe);
      for (const [p, o] of r.assertions as [Recipe, Recipe][]) {
        env = env.addAssertion(build(p), build(o));
      }
      return env;
    }
    case 'assertion':
      return Envelope.assertion(build(r.pred as Recipe), build(r.obj as Recipe));
    case 'wrap':
      return build(r.e as Recipe).wrap();
    case 'elide': {
      const base = build(r.e as Recipe);
      if (r.removing !== undefined) return elideRemoving(base, (r.removing as Recipe[]).map(build));
      return elideRevealing(base, (r.revealing as Recipe[]).map(build));
    }
    case 'decode':
      return decodeEnvelope(hexToBytes(r.hex as string));
    case 'ur':
      return envelopeFromUr(r.s as string);
    default:
      throw new Error(`unknown recipe kind ${r.k}`);
  }
}

/** Upstream error kind → the classes of ours that count as that kind. */
const THROW_KINDS: Record<string, (new (...args: never[]) => Error)[]> = {
  CBOR: [
    DcborDecodeError,
    InvalidEnvelopeError,
    NonCanonicalEnvelopeError,
    UnorderedAssertionsError,
    DuplicateAssertionError,
  ],
  Bytewords: [BytewordsError],
  UnexpectedType: [UrTypeError],
};

const implemented = file.vectors.filter((v) => skipReason(v.recipe) === undefined);
const skipped = file.vectors.filter((v) => skipReason(v.recipe) !== undefined);

describe('bc-envelope-ts vectors', () => {
  it('holds the 149 vectors described in its README', () => {
    expect(file.count).toBe(149);
    expect(file.vectors).toHaveLength(149);
  });

  it('skips exactly the listed cases, each with a reason', () => {
    const counts: Record<string, number> = {};
    for (const v of skipped) {
      const reason = skipReason(v.recipe) as string;
      expect(SKIP_REASONS[reason]).toBeTypeOf('string');
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
    expect(counts).toEqual(EXPECTED_SKIPS);
    expect(implemented.length + skipped.length).toBe(149);
  });

  for (const [i, v] of implemented.entries()) {
    it(`#${i} ${v.name}`, () => {
      if (v.expect.startsWith('throw:')) {
        const kinds = THROW_KINDS[v.expect.slice('throw:'.length)];
        expect(kinds, v.expect).toBeDefined();
        let thrown: unknown;
        try {
          build(v.recipe.e);
        } catch (e) {
          thrown = e;
        }
        expect(thrown, 'expected a throw').toBeInstanceOf(Error);
        expect(
          kinds?.some((k) => thrown instanceof k),
          String(thrown),
        ).toBe(true);
        return;
      }
      const env = build(v.recipe.e);
      const parts = v.expect.split('\n---\n');
      const out = (name: string): string | undefined => {
        const at = v.recipe.outs.indexOf(name);
        return at < 0 ? undefined : parts[at];
      };
      const cbor = out('cbor');
      if (cbor !== undefined) {
        expect(bytesToHex(env.toBytes())).toBe(cbor);
        // Strict decoding accepts what the reference wrote, with the same digest.
        expect(decodeEnvelope(hexToBytes(cbor)).digestHex).toBe(env.digestHex);
      }
      const digest = out('digest');
      if (digest !== undefined) expect(env.digestHex).toBe(digest);
      const ur = out('ur');
      if (ur !== undefined) {
        expect(envelopeToUr(env)).toBe(ur);
        expect(envelopeFromUr(ur).digestHex).toBe(env.digestHex);
      }
      const fmt = out('format');
      if (fmt !== undefined) expect(format(env)).toBe(fmt);
      const flat = out('flat');
      if (flat !== undefined) expect(format(env, { flat: true })).toBe(flat);
    });
  }
});
