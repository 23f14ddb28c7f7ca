import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { bytesEqual, decodePoint, decodeScalar } from '../../tss/assert';
import { G, mulG, N, Point, pointToBytes, scalarToBytes } from '../../tss/curve';
import { kindOf, TssError } from '../../tss/errors';
import {
  chacha20Keystream,
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

/** The construction as documented in tss/hash.ts, rebuilt from noble's SHA-256 and ChaCha20. */
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
  return chacha20(sha256(keyInput), new Uint8Array(12), new Uint8Array(length));
}

const bigOf = (bytes: Uint8Array): bigint => BigInt(`0x${bytesToHex(bytes) || '0'}`);

describe('XOF (tss/hash.ts: ChaCha20 keyed by SHA-256(XOF_DOMAIN ‖ enc))', () => {
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

  it('ChaCha20 keystream matches RFC 8439 Appendix A.1 test vectors #1 and #2', () => {
    const out = new Uint8Array(128);
    chacha20Keystream(new Uint8Array(32), out, 0, 128);
    expect(bytesToHex(out)).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7' +
        'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586' +
        '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed' +
        '29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f',
    );
  });

  it('ChaCha20 keystream matches @noble/ciphers at every length and offset, leaving the rest alone', () => {
    for (const length of [0, 1, 31, 63, 64, 65, 127, 128, 191, 192, 1000]) {
      const key = rng(32);
      const expected = chacha20(key, new Uint8Array(12), new Uint8Array(length));
      const out = new Uint8Array(length + 5).fill(0xee);
      chacha20Keystream(key, out, 3, length);
      expect(bytesToHex(out.subarray(3, 3 + length))).toBe(bytesToHex(expected));
      expect([...out.subarray(0, 3), ...out.subarray(3 + length)]).toEqual([
        0xee, 0xee, 0xee, 0xee, 0xee,
      ]);
    }
  });

  it('oracleXof is ChaCha20 keyed by SHA-256(XOF_DOMAIN ‖ enc), for every part shape and length', () => {
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
      '526679125f2a44bef8a215524fbef4cf5f77cce2984cac0d949d956583eb1728' +
        '4a9e60852ffff8dea7fd20e5a9da8dd38e38ecfe48e6b6f1a7561011325b7448' +
        'c0a9127bc06cfbe4ac2e08b651883b29',
    );
    expect(oracleScalars(TAGS.voleGadget, sid, 2)).toEqual([
      0xb8e74c1f7bdc2c6839f5e56831d3b7201338608b2ae3312a407e7114ac35ce65n,
      0xd6e4d95547369df5e7f08ceefc32f180989fc33f3bc8d1c760d5df8d920a5f40n,
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

  it('keeps XOF keys independent of oracle(): no output is ChaCha20 under the SHA-256 digest', () => {
    const parts = [new Uint8Array([1, 2, 3])];
    const digestKeyed = chacha20(
      oracle(TAGS.voleTheta, sid, ...parts),
      new Uint8Array(12),
      new Uint8Array(64),
    );
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
      ['a key of 31 bytes', () => chacha20Keystream(new Uint8Array(31), new Uint8Array(8), 0, 8)],
      [
        'a keystream past the end',
        () => chacha20Keystream(new Uint8Array(32), new Uint8Array(8), 4, 5),
      ],
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
