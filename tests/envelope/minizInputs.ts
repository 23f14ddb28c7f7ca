/**
 * Deterministic inputs for the miniz_oxide differential test (`miniz-oracle/differential.ts`) and
 * for the fixture test (`deflate.test.ts`): a recipe names a kind of data and a seed, so a large
 * input is stored in the fixture as its recipe instead of its bytes. Also the fixture's loader.
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { Envelope } from '../../envelope/index';
import { addSaltInstance } from '../../envelope/salt';

export type InputRecipe =
  /** Uniform random bytes. */
  | { readonly k: 'random'; readonly n: number; readonly seed: number }
  /** Uniform over the first `size` values of a seeded permutation of 0…255. */
  | { readonly k: 'alphabet'; readonly n: number; readonly size: number; readonly seed: number }
  /** Byte i drawn with weight ~ 1/φ^i: very skewed counts (deep Huffman trees, length limits). */
  | { readonly k: 'skewed'; readonly n: number; readonly seed: number }
  /** Words from a seeded vocabulary, separated by spaces and punctuation. */
  | { readonly k: 'text'; readonly n: number; readonly vocab: number; readonly seed: number }
  /** Runs of one random byte, each 1…`maxRun` long. */
  | { readonly k: 'runs'; readonly n: number; readonly maxRun: number; readonly seed: number }
  /** A random block of `period` bytes repeated, with an optional error rate per mille. */
  | {
      readonly k: 'periodic';
      readonly n: number;
      readonly period: number;
      readonly noise: number;
      readonly seed: number;
    }
  /** `n` copies of one byte. */
  | { readonly k: 'fill'; readonly n: number; readonly byte: number }
  /** The tagged dCBOR of a seeded random envelope of about `size` leaves. */
  | { readonly k: 'envelope'; readonly size: number; readonly seed: number }
  /** Literal bytes. */
  | { readonly k: 'hex'; readonly hex: string }
  /** The parts one after another. */
  | { readonly k: 'concat'; readonly parts: readonly InputRecipe[] };

/** SplitMix32-style generator: deterministic, seedable, good enough for test data. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function below(rng: () => number, n: number): number {
  return rng() % n;
}

function permutation(rng: () => number): Uint8Array {
  const p = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 255; i > 0; i--) {
    const j = below(rng, i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

function word(rng: () => number): string {
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  let w = '';
  const len = 1 + below(rng, 9);
  // Lower letter indices more often, like text.
  for (let i = 0; i < len; i++) w += letters[Math.min(below(rng, 26), below(rng, 26))];
  return w;
}

function textBytes(n: number, vocabSize: number, rng: () => number): Uint8Array {
  const vocab = Array.from({ length: Math.max(1, vocabSize) }, () => word(rng));
  const punct = [' ', ' ', ' ', ' ', ', ', '. ', '\n'];
  let s = '';
  while (s.length < n) {
    s += vocab[Math.min(below(rng, vocab.length), below(rng, vocab.length))];
    s += punct[below(rng, punct.length)];
  }
  return utf8ToBytes(s).slice(0, n);
}

const LEAF_TEXTS = ['Alice', 'Bob', 'Carol', 'knows', 'A note', 'Person', 'ckm-key-share', ''];

function randomLeaf(rng: () => number): Envelope {
  switch (below(rng, 6)) {
    case 0:
      return Envelope.from(LEAF_TEXTS[below(rng, LEAF_TEXTS.length)] as string);
    case 1:
      return Envelope.from(below(rng, 1 << 30) - (1 << 29));
    case 2:
      return Envelope.knownValue(below(rng, 20));
    case 3: {
      const bytes = new Uint8Array(below(rng, 64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng() & 0xff;
      return Envelope.leaf(bytes);
    }
    case 4:
      return Envelope.from(new TextDecoder().decode(textBytes(below(rng, 120), 12, rng)));
    default:
      return Envelope.leaf([below(rng, 100), 'x', true]);
  }
}

/** A random envelope: nodes with assertions, wrapping, salt, about `size` leaves in all. */
function randomEnvelope(size: number, rng: () => number): Envelope {
  if (size <= 1) return randomLeaf(rng);
  let subject = randomEnvelope(Math.floor(size / 3), rng);
  if (below(rng, 3) === 0) subject = subject.wrap();
  let e = subject;
  let left = size - Math.floor(size / 3);
  while (left > 0) {
    const part = 1 + below(rng, Math.max(1, Math.ceil(left / 2)));
    left -= part;
    e = e.addAssertion(randomLeaf(rng), randomEnvelope(part, rng));
  }
  if (below(rng, 4) === 0) {
    const salt = new Uint8Array(8 + below(rng, 16));
    for (let i = 0; i < salt.length; i++) salt[i] = rng() & 0xff;
    e = addSaltInstance(e, salt);
  }
  return below(rng, 4) === 0 ? e.wrap() : e;
}

/** The bytes a recipe stands for. */
export function generateInput(r: InputRecipe): Uint8Array {
  switch (r.k) {
    case 'random': {
      const rng = makeRng(r.seed);
      const out = new Uint8Array(r.n);
      for (let i = 0; i < r.n; i++) out[i] = rng() & 0xff;
      return out;
    }
    case 'alphabet': {
      const rng = makeRng(r.seed);
      const p = permutation(rng);
      const out = new Uint8Array(r.n);
      for (let i = 0; i < r.n; i++) out[i] = p[below(rng, r.size)] as number;
      return out;
    }
    case 'skewed': {
      const rng = makeRng(r.seed);
      const p = permutation(rng);
      const out = new Uint8Array(r.n);
      for (let i = 0; i < r.n; i++) {
        let sym = 0;
        // P(sym ≥ k) = 0.618^k: geometric with ratio 1/φ.
        while (sym < 255 && rng() < 0.618 * 2 ** 32) sym++;
        out[i] = p[sym] as number;
      }
      return out;
    }
    case 'text':
      return textBytes(r.n, r.vocab, makeRng(r.seed));
    case 'runs': {
      const rng = makeRng(r.seed);
      const out = new Uint8Array(r.n);
      let i = 0;
      while (i < r.n) {
        const b = rng() & 0xff;
        const len = 1 + below(rng, r.maxRun);
        out.fill(b, i, Math.min(r.n, i + len));
        i += len;
      }
      return out;
    }
    case 'periodic': {
      const rng = makeRng(r.seed);
      const block = new Uint8Array(r.period);
      for (let i = 0; i < r.period; i++) block[i] = rng() & 0xff;
      const out = new Uint8Array(r.n);
      for (let i = 0; i < r.n; i++) {
        out[i] = below(rng, 1000) < r.noise ? rng() & 0xff : (block[i % r.period] as number);
      }
      return out;
    }
    case 'fill':
      return new Uint8Array(r.n).fill(r.byte);
    case 'envelope':
      return randomEnvelope(r.size, makeRng(r.seed)).toBytes();
    case 'hex':
      return hexToBytes(r.hex);
    case 'concat': {
      const parts = r.parts.map(generateInput);
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    }
  }
}

/** One case of `fixtures/miniz-oxide-level6.json`. */
export interface MinizFixtureCase {
  readonly name: string;
  readonly recipe: InputRecipe;
  readonly inputLength: number;
  readonly inputSha256: string;
  /** miniz_oxide's output as hex, or its length and SHA-256 when longer than 600 bytes. */
  readonly output: string | { readonly length: number; readonly sha256: string };
}

export interface MinizFixture {
  readonly about: string;
  readonly oracles: string;
  readonly count: number;
  readonly cases: readonly MinizFixtureCase[];
}

export const MINIZ_FIXTURE_PATH = resolve(import.meta.dirname, 'fixtures/miniz-oxide-level6.json');

export function readMinizFixture(): MinizFixture {
  return JSON.parse(readFileSync(MINIZ_FIXTURE_PATH, 'utf8')) as MinizFixture;
}

/** miniz_oxide's output (hex) for an input given literally in the fixture, if there is one. */
export function minizFixtureOutputFor(input: Uint8Array): string | undefined {
  const hex = bytesToHex(input);
  const c = readMinizFixture().cases.find((x) => x.recipe.k === 'hex' && x.recipe.hex === hex);
  return typeof c?.output === 'string' ? c.output : undefined;
}
