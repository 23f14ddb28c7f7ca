/**
 * Dev-only differential test of `envelope/deflate.ts` against real miniz_oxide (not run by CI,
 * which has no Rust): thousands of inputs, our bytes against the oracle's, every mismatch shown.
 *
 *   cargo build --release --manifest-path tests/envelope/miniz-oracle/Cargo.toml
 *   node --import tsx tests/envelope/miniz-oracle/differential.ts [--write-fixture]
 *
 * MINIZ_ORACLE (default `tests/envelope/miniz-oracle/target/release/miniz-oracle 6`) is the
 * command; several, separated by `;`, are all compared (e.g. two miniz_oxide versions).
 * MINIZ_ORACLE_NAMES names them in the fixture. `--write-fixture` rewrites `tests/envelope/fixtures/miniz-oxide-level6.json` from a sample.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { inflateSync } from 'fflate';
import { deflateRawMiniz } from '../../../envelope/deflate';
import { generateInput, type InputRecipe, makeRng } from '../minizInputs';

const ORACLES = (
  process.env.MINIZ_ORACLE ?? 'tests/envelope/miniz-oracle/target/release/miniz-oracle 6'
)
  .split(';')
  .map((c) => c.trim().split(/\s+/));
const FIXTURE = 'tests/envelope/fixtures/miniz-oxide-level6.json';
/** Outputs up to this size go into the fixture as hex; longer ones as length + SHA-256. */
const FIXTURE_HEX_LIMIT = 600;

interface Case {
  readonly name: string;
  readonly recipe: InputRecipe;
  /** Candidate for the CI fixture. */
  readonly fixture: boolean;
}

/** The vectors' and the reference's own test inputs (bc-envelope-rust, bc-components). */
const LOREM =
  'Lorem ipsum dolor sit amet consectetur adipiscing elit mi nibh ornare proin blandit diam ridiculus, faucibus mus dui eu vehicula nam donec dictumst sed vivamus bibendum aliquet efficitur. Felis imperdiet sodales dictum morbi vivamus augue dis duis aliquet velit ullamcorper porttitor, lobortis dapibus hac purus aliquam natoque iaculis blandit montes nunc pretium.';

function named(): Case[] {
  const hex = (s: string) => Buffer.from(s).toString('hex');
  return [
    {
      name: 'vector compress(node(leaf:text:Alice+4)) input',
      recipe: {
        k: 'hex',
        hex: 'd8c885d8c965416c696365a104d8c96641206e6f7465a1d8c9656b6e6f7773d8c9654361726f6ca101d8c966506572736f6ea1d8c9656b6e6f7773d8c963426f62',
      },
      fixture: true,
    },
    {
      name: 'vector compress(leaf:text:Lorem ipsum dolo) input',
      recipe: { k: 'hex', hex: `d8c8d8c978e0${hex('Lorem ipsum dolor sit amet, '.repeat(8))}` },
      fixture: true,
    },
    {
      name: 'bc-components test_1 (364 bytes)',
      recipe: { k: 'hex', hex: hex(LOREM) },
      fixture: true,
    },
    {
      name: 'bc-components test_2 (49 bytes)',
      recipe: { k: 'hex', hex: hex(LOREM.slice(0, 49)) },
      fixture: true,
    },
    {
      name: 'bc-components test_3 (Lorem)',
      recipe: { k: 'hex', hex: hex('Lorem') },
      fixture: true,
    },
    {
      name: 'bc-envelope-rust test_compress input (371 bytes)',
      recipe: { k: 'hex', hex: `d8c8d8c979016c${hex(LOREM)}` },
      fixture: true,
    },
  ];
}

function cases(): Case[] {
  const out: Case[] = named();
  const rng = makeRng(20_261_125);
  const pick = (n: number) => rng() % n;
  // Every size 0…1100 of random bytes and of text: stored, static and dynamic blocks, the
  // 32- and 48-byte thresholds; fixture every 37th.
  for (let n = 0; n <= 1100; n++) {
    out.push({ name: `random ${n}`, recipe: { k: 'random', n, seed: n }, fixture: n % 37 === 0 });
    out.push({
      name: `text ${n}`,
      recipe: { k: 'text', n, vocab: 5 + (n % 60), seed: n },
      fixture: n % 23 === 0,
    });
  }
  // All 256 single bytes and a few pairs.
  for (let b = 0; b < 256; b++) {
    out.push({ name: `byte ${b}`, recipe: { k: 'fill', n: 1, byte: b }, fixture: b % 51 === 0 });
  }
  // Envelopes from one leaf to hundreds of leaves.
  for (let i = 0; i < 900; i++) {
    const size = 1 + pick(i < 600 ? 12 : 400);
    out.push({
      name: `envelope ${size} #${i}`,
      recipe: { k: 'envelope', size, seed: i },
      fixture: i % 9 === 0,
    });
  }
  // Log-uniform sizes up to ~300 KiB over every kind.
  const logSize = (max: number) => Math.floor(Math.exp((rng() / 2 ** 32) * Math.log(max)));
  for (let i = 0; i < 500; i++) {
    const n = logSize(300_000);
    const seed = 1000 + i;
    const kinds: InputRecipe[] = [
      { k: 'alphabet', n, size: 1 + pick(i % 2 ? 4 : 64), seed },
      { k: 'skewed', n, seed },
      { k: 'text', n, vocab: 1 + pick(2000), seed },
      { k: 'runs', n, maxRun: 1 + pick(700), seed },
      { k: 'periodic', n, period: 1 + pick(i % 3 ? 300 : 40_000), noise: pick(60), seed },
    ];
    kinds.forEach((recipe, j) => {
      out.push({
        name: `${recipe.k} ${n} #${i}`,
        recipe,
        fixture: (i + j) % 25 === 0 && n < 40_000,
      });
    });
  }
  // Window edges: periods and fills around 32 KiB and 64 KiB (u16 chain positions), and mixes
  // of random, runs and text that make stored blocks wrap the ring buffer.
  for (const period of [32_766, 32_767, 32_768, 32_769, 65_535, 65_536]) {
    out.push({
      name: `periodic window ${period}`,
      recipe: { k: 'periodic', n: 2 * period + 1000, period, noise: 0, seed: period },
      fixture: false,
    });
  }
  for (const n of [257, 258, 259, 515, 516, 32_768, 65_536, 65_537, 131_072, 1_000_000]) {
    out.push({ name: `zeros ${n}`, recipe: { k: 'fill', n, byte: 0 }, fixture: n <= 65_537 });
  }
  for (let i = 0; i < 40; i++) {
    const parts: InputRecipe[] = [];
    for (let j = 0; j < 2 + pick(5); j++) {
      const n = logSize(90_000);
      const seed = 5000 + 10 * i + j;
      parts.push(
        [
          { k: 'random', n, seed } as const,
          { k: 'text', n, vocab: 300, seed } as const,
          { k: 'runs', n, maxRun: 300, seed } as const,
          { k: 'fill', n, byte: seed & 0xff } as const,
        ][pick(4)] as InputRecipe,
      );
    }
    out.push({ name: `mix #${i}`, recipe: { k: 'concat', parts }, fixture: i < 6 });
  }
  out.push({
    name: 'large random 1 MiB',
    recipe: { k: 'random', n: 1 << 20, seed: 7 },
    fixture: false,
  });
  out.push({
    name: 'large text 1 MiB',
    recipe: { k: 'text', n: 1 << 20, vocab: 5000, seed: 7 },
    fixture: false,
  });
  return out;
}

function frames(inputs: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const x of inputs) {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(x.length);
    parts.push(header, Buffer.from(x.buffer, x.byteOffset, x.length));
  }
  return Buffer.concat(parts);
}

function runOracle(cmd: readonly string[], inputs: readonly Uint8Array[]): Uint8Array[] {
  const [bin, ...args] = cmd;
  if (bin === undefined) throw new Error('empty MINIZ_ORACLE command');
  const out = execFileSync(bin, args, { input: frames(inputs), maxBuffer: 1 << 30 });
  const res: Uint8Array[] = [];
  for (let p = 0; p < out.length; ) {
    const n = out.readUInt32LE(p);
    res.push(new Uint8Array(out.subarray(p + 4, p + 4 + n)));
    p += 4 + n;
  }
  return res;
}

interface FixtureEntry {
  name: string;
  recipe: InputRecipe;
  inputLength: number;
  inputSha256: string;
  output: string | { length: number; sha256: string };
}

function main(): void {
  const all = cases();
  const fixture: FixtureEntry[] = [];
  let matched = 0;
  let mismatched = 0;
  let bytesIn = 0;
  const started = Date.now();
  const batch = 64;
  for (let at = 0; at < all.length; at += batch) {
    const slice = all.slice(at, at + batch);
    const inputs = slice.map((c) => generateInput(c.recipe));
    const expected = ORACLES.map((cmd) => runOracle(cmd, inputs));
    slice.forEach((c, i) => {
      const input = inputs[i] as Uint8Array;
      const ours = deflateRawMiniz(input);
      bytesIn += input.length;
      const theirs = expected.map((e) => e[i] as Uint8Array);
      const same = theirs.every((t) => Buffer.from(t).equals(Buffer.from(ours)));
      const inflates = Buffer.from(inflateSync(ours)).equals(Buffer.from(input));
      if (same && inflates) matched++;
      else {
        mismatched++;
        console.log(
          `MISMATCH ${c.name}: input ${input.length}, ours ${ours.length}, oracle ${theirs.map((t) => t.length).join('/')}, inflates ${inflates}`,
        );
      }
      if (c.fixture && same) {
        fixture.push({
          name: c.name,
          recipe: c.recipe,
          inputLength: input.length,
          inputSha256: bytesToHex(sha256(input)),
          output:
            ours.length <= FIXTURE_HEX_LIMIT
              ? bytesToHex(ours)
              : { length: ours.length, sha256: bytesToHex(sha256(ours)) },
        });
      }
    });
  }
  console.log(
    `${matched} passed, ${mismatched} failed (${all.length} inputs, ${bytesIn} bytes, ${ORACLES.length} oracle(s), ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (process.argv.includes('--write-fixture')) {
    const body = {
      about:
        'Raw DEFLATE of miniz_oxide compress_to_vec(input, 6), the call bc-components 0.31 makes; written by tests/envelope/miniz-oracle/differential.ts. Inputs are recipes for tests/envelope/minizInputs.ts; outputs longer than 600 bytes are given as length and SHA-256.',
      oracles: process.env.MINIZ_ORACLE_NAMES ?? ORACLES.map((c) => c.join(' ')).join('; '),
      count: fixture.length,
      cases: fixture,
    };
    writeFileSync(FIXTURE, `${JSON.stringify(body, null, 2)}\n`);
    execFileSync('npx', ['biome', 'format', '--write', FIXTURE]);
    console.log(`wrote ${FIXTURE}: ${fixture.length} cases`);
  }
  if (mismatched > 0) process.exitCode = 1;
}

main();
