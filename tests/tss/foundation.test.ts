import { hchacha } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { bytesEqual, decodePoint, decodeScalar } from '../../tss/assert';
import { G, mulG, N, Point, pointToBytes, scalarToBytes } from '../../tss/curve';
import { kindOf, TssError } from '../../tss/errors';
import {
  drawInteger,
  drawsToScalars,
  encodeOracleInput,
  oracle,
  oraclePoint,
  oracleScalar,
  oracleScalars,
  oracleSession,
  oracleXof,
  SCALAR_DRAW_BYTES,
  sessionScalars,
  sessionXof,
  sessionXofInto,
  u32,
  xofKeystream,
} from '../../tss/hash';
import * as params from '../../tss/params';
import { ALL_TAGS, TAGS } from '../../tss/tags';
import { tssErrorOf } from './support/errors';
import { seededRng } from './support/rng';

const sid = new Uint8Array(32).fill(7);

describe('tss parameters (research/tecdsa.md §2.1)', () => {
  it('pins κ=256, λ_c=128, λ_s=128, ξ=512, ℓ=2, ρ=2, s=128', () => {
    expect(params).toMatchObject({
      KAPPA: 256,
      LAMBDA_C: 128,
      LAMBDA_S: 128,
      XI: 512,
      ELL: 2,
      RHO: 2,
      OT_WIDTH: 4,
      CHECK_BITS: 128,
      CHECK_BLOCKS: 4,
      COLUMN_BYTES: 80,
    });
    expect(params.XI % params.CHECK_BITS).toBe(0);
  });
});

describe('oracle tags', () => {
  it('are unique and versioned', () => {
    expect(new Set(ALL_TAGS).size).toBe(ALL_TAGS.length);
    for (const tag of ALL_TAGS) expect(tag).toMatch(/^ckm\/dkls23\/v1\//);
  });
});

describe('hash discipline', () => {
  it('is injective across part boundaries and binds the tag and the session id', () => {
    const a = oracle(TAGS.dkgCommit, sid, new Uint8Array([1, 2]), new Uint8Array([3]));
    const b = oracle(TAGS.dkgCommit, sid, new Uint8Array([1]), new Uint8Array([2, 3]));
    const c = oracle(TAGS.dkgEcho, sid, new Uint8Array([1, 2]), new Uint8Array([3]));
    const d = oracle(
      TAGS.dkgCommit,
      new Uint8Array(32).fill(8),
      new Uint8Array([1, 2]),
      new Uint8Array([3]),
    );
    expect(new Set([a, b, c, d].map((x) => Buffer.from(x).toString('hex'))).size).toBe(4);
    expect(encodeOracleInput(TAGS.dkgCommit, sid, [new Uint8Array([9])]).slice(0, 4)).toEqual(
      new Uint8Array([0, 0, 0, TAGS.dkgCommit.length]),
    );
  });

  it('gives scalars below n and a valid non-identity point', () => {
    for (const s of oracleScalars(TAGS.voleTheta, sid, 16)) expect(s < N && s >= 0n).toBe(true);
    const p = oraclePoint(TAGS.otBaseHashToCurve, sid, new Uint8Array([1]));
    expect(p.is0()).toBe(false);
    p.assertValidity();
  });
});

/**
 * HChaCha20 in counter mode as documented in tss/hash.ts, re-stated from noble's `hchacha` one
 * block at a time with the byte conversions written out.
 */
function referenceKeystream(key: Uint8Array, length: number): Uint8Array {
  const view = new DataView(key.buffer, key.byteOffset, 32);
  const words = Uint32Array.from({ length: 8 }, (_, w) => view.getUint32(4 * w, true));
  const sigma = Uint32Array.from({ length: 4 }, (_, w) =>
    new DataView(new TextEncoder().encode('expand 32-byte k').buffer).getUint32(4 * w, true),
  );
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  for (let b = 0; b * 32 < length; b++) {
    const block = new Uint32Array(8);
    hchacha(sigma, words, Uint32Array.of(b, 0, 0, 0), block);
    const blockView = new DataView(out.buffer, 32 * b, 32);
    block.forEach((word, w) => {
      blockView.setUint32(4 * w, word, true);
    });
  }
  return out.slice(0, length);
}

/** The construction as documented in tss/hash.ts, rebuilt from noble's SHA-256 and HChaCha20. */
function referenceXof(
  tag: (typeof ALL_TAGS)[number],
  id: Uint8Array,
  length: number,
  parts: Uint8Array[],
): Uint8Array {
  const domain = new Uint8Array(64);
  domain.set(new TextEncoder().encode('ckm/dkls23/v1/xof'));
  const encoded = encodeOracleInput(tag, id, parts);
  const keyInput = new Uint8Array(64 + encoded.length);
  keyInput.set(domain);
  keyInput.set(encoded, 64);
  return referenceKeystream(sha256(keyInput), length);
}

const bigOf = (bytes: Uint8Array): bigint => BigInt(`0x${bytesToHex(bytes) || '0'}`);

describe('XOF (tss/hash.ts: HChaCha20 in counter mode keyed by SHA-256(XOF_DOMAIN ‖ enc))', () => {
  const rng = seededRng('foundation/xof');
  // Part shapes around every boundary of the implementation: empty, the 64-byte gather limit, a
  // long part, and more small parts than one 256-byte gather buffer holds.
  const shapes: [string, Uint8Array[]][] = [
    ['no parts', []],
    ['one empty part', [new Uint8Array(0)]],
    ['u32 and a row', [u32(511), rng(16)]],
    ['a 64-byte part', [rng(64)]],
    ['a 65-byte part', [rng(65)]],
    ['small, long, small', [rng(3), rng(1000), rng(7)]],
    ['40 parts of 10 bytes', Array.from({ length: 40 }, () => rng(10))],
    ['a 65 KB part', [rng(65_536)]],
  ];

  it("noble's HChaCha20 matches draft-irtf-cfrg-xchacha-03 §2.2.1", () => {
    const key = Uint32Array.from({ length: 8 }, (_, w) =>
      new DataView(Uint8Array.from({ length: 32 }, (_, i) => i).buffer).getUint32(4 * w, true),
    );
    const nonce = new DataView(hexToBytes('000000090000004a0000000031415927').buffer);
    const input = Uint32Array.from({ length: 4 }, (_, w) => nonce.getUint32(4 * w, true));
    const sigma = Uint32Array.of(0x61707865, 0x3320646e, 0x79622d32, 0x6b206574);
    const out = new Uint32Array(8);
    hchacha(sigma, key, input, out);
    const bytes = new Uint8Array(32);
    out.forEach((word, w) => {
      new DataView(bytes.buffer).setUint32(4 * w, word, true);
    });
    expect(bytesToHex(bytes)).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  it('the keystream is HChaCha20 block by block at every length and offset, leaving the rest alone', () => {
    for (const length of [0, 1, 31, 32, 33, 63, 64, 65, 80, 127, 128, 191, 192, 1000]) {
      const key = rng(32);
      const keyBefore = key.slice();
      const out = new Uint8Array(length + 5).fill(0xee);
      xofKeystream(key, out, 3, length);
      expect(bytesToHex(out.subarray(3, 3 + length))).toBe(
        bytesToHex(referenceKeystream(key, length)),
      );
      expect([...out.subarray(0, 3), ...out.subarray(3 + length)]).toEqual([
        0xee, 0xee, 0xee, 0xee, 0xee,
      ]);
      expect(key).toEqual(keyBefore);
    }
    // A pinned answer under the all-zero key: HChaCha20(0, 0‖0^96) ‖ HChaCha20(0, 1‖0^96).
    const zeros = new Uint8Array(64);
    xofKeystream(new Uint8Array(32), zeros, 0, 64);
    expect(bytesToHex(zeros)).toBe(bytesToHex(referenceKeystream(new Uint8Array(32), 64)));
  });

  it('oracleXof is HChaCha20 keyed by SHA-256(XOF_DOMAIN ‖ enc), for every part shape and length', () => {
    for (const [name, parts] of shapes)
      for (const length of [0, 32, 48, 192, 24_576]) {
        const got = oracleXof(TAGS.otExtOutput, sid, length, ...parts);
        expect(bytesToHex(got), `${name}, ${length} bytes`).toBe(
          bytesToHex(referenceXof(TAGS.otExtOutput, sid, length, parts)),
        );
      }
  });

  it('pins a known answer (a change here changes every transcript)', () => {
    expect(bytesToHex(oracleXof(TAGS.voleTheta, sid, 80, new Uint8Array([1, 2, 3])))).toBe(
      'eded08b1f1c5238bc675b3d8db58d4648e38ecfe48e6b6f1a7561011325b7448' +
        '5b31a2195208dbb17a01a63cdd221bbe291362522ea240c5ce12a11b607aa685' +
        '70c595ff20040dc2e5c7a8f2e1565d8c',
    );
    expect(oracleScalars(TAGS.voleGadget, sid, 2)).toEqual([
      0x2f54ce45858e9f7c2dfd66a8d71c76fd2982fb8b23169709da0e1218845feeaan,
      0xef2aa383364f2dc61cefbc57dacf4ec22277e42bc76775aab24b81ca5be5d2ean,
    ]);
  });

  it('a session hashes exactly the full encoding, call after call', () => {
    const session = oracleSession(TAGS.otExtPrg, sid);
    // Interleaved calls: the scratch state of one call must not leak into the next.
    for (let round = 0; round < 2; round++)
      for (const [name, parts] of shapes) {
        expect(bytesToHex(sessionXof(session, 80, ...parts)), name).toBe(
          bytesToHex(oracleXof(TAGS.otExtPrg, sid, 80, ...parts)),
        );
        expect(sessionScalars(session, 3, ...parts)).toEqual(
          oracleScalars(TAGS.otExtPrg, sid, 3, ...parts),
        );
      }
    const out = new Uint8Array(200).fill(0xaa);
    sessionXofInto(session, out, 8, 192, u32(7), new Uint8Array(16));
    expect(bytesToHex(out.subarray(8))).toBe(
      bytesToHex(oracleXof(TAGS.otExtPrg, sid, 192, u32(7), new Uint8Array(16))),
    );
    expect([...out.subarray(0, 8)]).toEqual(new Array(8).fill(0xaa));
    // The session binds its own copy of sid.
    const mutable = sid.slice();
    const bound = oracleSession(TAGS.otExtPrg, mutable);
    mutable[0] = 0;
    expect(bytesToHex(sessionXof(bound, 32))).toBe(bytesToHex(oracleXof(TAGS.otExtPrg, sid, 32)));
  });

  it('keeps XOF keys independent of oracle(): no output is the keystream under the SHA-256 digest', () => {
    const parts = [new Uint8Array([1, 2, 3])];
    const digestKeyed = referenceKeystream(oracle(TAGS.voleTheta, sid, ...parts), 64);
    expect(bytesToHex(oracleXof(TAGS.voleTheta, sid, 64, ...parts))).not.toBe(
      bytesToHex(digestKeyed),
    );
    // The tag and the sid are bound: changing either changes the output.
    const outputs = [
      oracleXof(TAGS.voleTheta, sid, 32, ...parts),
      oracleXof(TAGS.voleGadget, sid, 32, ...parts),
      oracleXof(TAGS.voleTheta, new Uint8Array(32).fill(8), 32, ...parts),
      oracleXof(TAGS.voleTheta, sid, 32, new Uint8Array([1, 2]), new Uint8Array([3])),
    ];
    expect(new Set(outputs.map(bytesToHex)).size).toBe(4);
  });

  it('draws 48 bytes per scalar and reduces each mod n', () => {
    const bytes = oracleXof(TAGS.voleTheta, sid, 5 * SCALAR_DRAW_BYTES, new Uint8Array([9]));
    const expected = Array.from(
      { length: 5 },
      (_, i) => bigOf(bytes.subarray(48 * i, 48 * (i + 1))) % N,
    );
    expect(oracleScalars(TAGS.voleTheta, sid, 5, new Uint8Array([9]))).toEqual(expected);
    expect(oracleScalar(TAGS.voleTheta, sid, new Uint8Array([9]))).toBe(expected[0]);
    expect(oracleScalars(TAGS.voleTheta, sid, 0)).toEqual([]);
    // Edge draws: all ones, n itself (reduces to 0), n − 1, zero; and the unreduced integer.
    const edges = new Uint8Array(4 * 48);
    edges.fill(0xff, 0, 48);
    edges.set(hexToBytes(N.toString(16).padStart(96, '0')), 48);
    edges.set(hexToBytes((N - 1n).toString(16).padStart(96, '0')), 96);
    expect(drawsToScalars(edges, 4)).toEqual([((1n << 384n) - 1n) % N, 0n, N - 1n, 0n]);
    const view = new DataView(edges.buffer);
    expect(drawInteger(view, 0)).toBe((1n << 384n) - 1n);
    expect(drawInteger(view, 48)).toBe(N);
  });

  it('u32 is 4 big-endian bytes', () => {
    expect([...u32(0)]).toEqual([0, 0, 0, 0]);
    expect([...u32(0x01020304)]).toEqual([1, 2, 3, 4]);
    expect([...u32(0xffffffff)]).toEqual([255, 255, 255, 255]);
  });

  it('rejects bad lengths, counts, offsets and keys with RangeError or TypeError', () => {
    const session = oracleSession(TAGS.voleTheta, sid);
    const bad: [string, () => unknown][] = [
      ['u32(-1)', () => u32(-1)],
      ['u32(2^32)', () => u32(2 ** 32)],
      ['u32(1.5)', () => u32(1.5)],
      ['a negative length', () => oracleXof(TAGS.voleTheta, sid, -1)],
      ['a fractional length', () => oracleXof(TAGS.voleTheta, sid, 1.5)],
      ['a NaN length', () => oracleXof(TAGS.voleTheta, sid, Number.NaN)],
      ['a length above 2^32', () => oracleXof(TAGS.voleTheta, sid, 2 ** 32 + 1)],
      ['2^32 scalars', () => oracleScalars(TAGS.voleTheta, sid, 2 ** 32)],
      ['an output too short', () => sessionXofInto(session, new Uint8Array(10), 0, 11)],
      ['a negative offset', () => sessionXofInto(session, new Uint8Array(10), -1, 1)],
      ['a key of 31 bytes', () => xofKeystream(new Uint8Array(31), new Uint8Array(8), 0, 8)],
      ['a keystream past the end', () => xofKeystream(new Uint8Array(32), new Uint8Array(8), 4, 5)],
      ['too few draws', () => drawsToScalars(new Uint8Array(95), 2)],
    ];
    for (const [name, run] of bad) expect(run, name).toThrow(RangeError);
    expect(() => oracleXof(TAGS.voleTheta, sid, 8, 'ab' as unknown as Uint8Array)).toThrow(
      TypeError,
    );
    expect(() => oracleSession(TAGS.voleTheta, 'sid' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('assertions at the door', () => {
  it('decodeScalar rejects wrong lengths, non-canonical values and zero, naming the culprit', () => {
    expect(decodeScalar(scalarToBytes(5n), 'x')).toBe(5n);
    expect(tssErrorOf(() => decodeScalar(new Uint8Array(31), 'x', 2))).toMatchObject({
      code: 'WrongLength',
      culprit: 2,
    });
    expect(tssErrorOf(() => decodeScalar('00', 'x', 2))).toMatchObject({
      code: 'MalformedMessage',
      culprit: 2,
    });
    const nBytes = Uint8Array.from(Buffer.from(N.toString(16), 'hex'));
    expect(tssErrorOf(() => decodeScalar(nBytes, 'x', 3))).toMatchObject({
      code: 'InvalidScalar',
      culprit: 3,
    });
    expect(tssErrorOf(() => decodeScalar(new Uint8Array(32), 'x', 3))).toMatchObject({
      code: 'InvalidScalar',
    });
    expect(decodeScalar(new Uint8Array(32), 'x', 3, true)).toBe(0n);
  });

  it('decodePoint rejects off-curve bytes, bad prefixes, the identity and wrong lengths', () => {
    const p = mulG(12345n);
    expect(decodePoint(pointToBytes(p), 'P').equals(p)).toBe(true);
    // The first x (as 0x02‖x) for which x³+7 has no square root: not on the curve.
    let offCurve = new Uint8Array(33);
    for (let x = 1; ; x++) {
      offCurve = new Uint8Array(33);
      offCurve[0] = 2;
      offCurve[32] = x;
      try {
        Point.fromBytes(offCurve);
      } catch {
        break;
      }
    }
    expect(tssErrorOf(() => decodePoint(offCurve, 'P', 1))).toMatchObject({
      code: 'InvalidPoint',
      culprit: 1,
    });
    const badPrefix = pointToBytes(G);
    badPrefix[0] = 5;
    expect(tssErrorOf(() => decodePoint(badPrefix, 'P', 1))).toMatchObject({
      code: 'InvalidPoint',
    });
    expect(tssErrorOf(() => decodePoint(new Uint8Array(33), 'P', 1))).toMatchObject({
      code: 'InvalidPoint',
    });
    expect(tssErrorOf(() => decodePoint(new Uint8Array([0]), 'P', 1))).toMatchObject({
      code: 'WrongLength',
    });
    expect(tssErrorOf(() => decodePoint(G.toBytes(false), 'P', 1))).toMatchObject({
      code: 'WrongLength',
    });
  });

  it('bytesEqual compares contents', () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });

  it('classifies the ban codes', () => {
    expect(kindOf('OtConsistencyCheckFailed')).toBe('ban');
    expect(kindOf('VoleConsistencyCheckFailed')).toBe('ban');
    expect(kindOf('GammaUCheckFailed')).toBe('ban');
    expect(kindOf('GammaVCheckFailed')).toBe('ban');
    expect(kindOf('InvalidPoint')).toBe('recoverable');
    expect(new TssError('InvalidProof', '"pok[0]" does not verify', 2).message).toBe(
      'InvalidProof (party 2): "pok[0]" does not verify',
    );
  });
});
