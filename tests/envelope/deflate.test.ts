/**
 * `envelope/deflate.ts` against miniz_oxide: the oracle fixture (outputs of the real
 * `compress_to_vec(input, 6)`, written by `miniz-oracle/differential.ts`), the compressed sizes the
 * Rust reference's own tests pin, and fast-check properties that every output inflates back.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { inflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { deflateRawMiniz } from '../../envelope/deflate';
import {
  addSignature,
  compress,
  compressSubject,
  decompressSubject,
  Envelope,
  NOTE,
  signingPrivateKeyFromSeed,
} from '../../envelope/index';
import { generateInput, readMinizFixture } from './minizInputs';

const fixture = readMinizFixture();

describe('miniz_oxide compress_to_vec(…, 6) fixture', () => {
  it('is the fixture the differential run wrote', () => {
    expect(fixture.count).toBe(fixture.cases.length);
    expect(fixture.cases.length).toBeGreaterThan(250);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const input = generateInput(c.recipe);
    // The generator must still make the bytes the oracle saw.
    expect(input.length).toBe(c.inputLength);
    expect(bytesToHex(sha256(input))).toBe(c.inputSha256);
    const ours = deflateRawMiniz(input);
    if (typeof c.output === 'string') expect(bytesToHex(ours)).toBe(c.output);
    else {
      expect(ours.length).toBe(c.output.length);
      expect(bytesToHex(sha256(ours))).toBe(c.output.sha256);
    }
  });
});

const LOREM =
  'Lorem ipsum dolor sit amet consectetur adipiscing elit mi nibh ornare proin blandit diam ridiculus, faucibus mus dui eu vehicula nam donec dictumst sed vivamus bibendum aliquet efficitur. Felis imperdiet sodales dictum morbi vivamus augue dis duis aliquet velit ullamcorper porttitor, lobortis dapibus hac purus aliquam natoque iaculis blandit montes nunc pretium.';

describe('sizes pinned by the Rust reference’s own tests', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);

  it('bc-components compressed.rs test_1…test_3: 217/364, 45/49, stored "Lorem"', () => {
    expect(deflateRawMiniz(utf8(LOREM)).length).toBe(217);
    expect(deflateRawMiniz(utf8(LOREM.slice(0, 49))).length).toBe(45);
    // 7 bytes of DEFLATE for 5: not shorter, so bc-components (and we) store "Lorem" as is.
    expect(deflateRawMiniz(utf8('Lorem')).length).toBe(7);
  });

  it('bc-envelope-rust compression_tests.rs test_compress: 371 → 283 bytes', () => {
    const original = Envelope.from(LOREM);
    expect(original.toBytes().length).toBe(371);
    expect(compress(original).toBytes().length).toBe(283);
  });

  it('bc-envelope-rust compression_tests.rs test_compress_subject: 458 → 374 bytes', () => {
    const key = signingPrivateKeyFromSeed(new Uint8Array(32).fill(7), 'schnorr');
    const original = addSignature(
      Envelope.from('Alice').addAssertion(Envelope.knownValue(NOTE), LOREM).wrap(),
      key,
    );
    expect(original.toBytes().length).toBe(458);
    const compressed = compressSubject(original);
    expect(compressed.toBytes().length).toBe(374);
    expect(decompressSubject(compressed).isIdenticalTo(original)).toBe(true);
  });

  it('an empty input is one empty static block', () => {
    expect([...deflateRawMiniz(new Uint8Array(0))]).toEqual([3, 0]);
  });

  it('refuses a non-Uint8Array', () => {
    expect(() => deflateRawMiniz([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('properties', () => {
  const roundTrips = (data: Uint8Array) => {
    const out = deflateRawMiniz(data);
    expect(bytesToHex(inflateSync(out))).toBe(bytesToHex(data));
  };

  it('any bytes inflate back (fflate)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), roundTrips), { numRuns: 300 });
  });

  it('repetitive bytes from a small alphabet inflate back', () => {
    const repetitive = fc
      .tuple(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 2000 }),
      )
      .map(([chunks, picks]) => {
        const parts = picks.map((p) => chunks[p % chunks.length] as Uint8Array);
        const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
        let at = 0;
        for (const x of parts) {
          out.set(x, at);
          at += x.length;
        }
        return out;
      });
    fc.assert(fc.property(repetitive, roundTrips), { numRuns: 100 });
  });

  it('large inputs over several blocks and past 64 KiB inflate back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom('random', 'alphabet', 'runs', 'text') as fc.Arbitrary<
          'random' | 'alphabet' | 'runs' | 'text'
        >,
        (seed, k) => {
          const n = 70_000 + (seed % 60_000);
          const recipe =
            k === 'random'
              ? ({ k, n, seed } as const)
              : k === 'alphabet'
                ? ({ k, n, size: 1 + (seed % 8), seed } as const)
                : k === 'runs'
                  ? ({ k, n, maxRun: 1 + (seed % 500), seed } as const)
                  : ({ k, n, vocab: 1 + (seed % 400), seed } as const);
          roundTrips(generateInput(recipe));
        },
      ),
      { numRuns: 12 },
    );
  });
});
