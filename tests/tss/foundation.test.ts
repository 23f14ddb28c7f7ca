import { describe, expect, it } from 'vitest';
import { bytesEqual, decodePoint, decodeScalar } from '../../tss/assert';
import { G, mulG, N, Point, pointToBytes, scalarToBytes } from '../../tss/curve';
import { kindOf, TssError } from '../../tss/errors';
import { encodeOracleInput, oracle, oraclePoint, oracleScalars } from '../../tss/hash';
import * as params from '../../tss/params';
import { ALL_TAGS, TAGS } from '../../tss/tags';

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

describe('assertions at the door', () => {
  const catchError = (fn: () => unknown): TssError => {
    try {
      fn();
    } catch (error) {
      if (error instanceof TssError) return error;
      throw error;
    }
    throw new Error('expected a TssError');
  };

  it('decodeScalar rejects wrong lengths, non-canonical values and zero, naming the culprit', () => {
    expect(decodeScalar(scalarToBytes(5n), 'x')).toBe(5n);
    expect(catchError(() => decodeScalar(new Uint8Array(31), 'x', 2))).toMatchObject({
      code: 'WrongLength',
      culprit: 2,
    });
    expect(catchError(() => decodeScalar('00', 'x', 2))).toMatchObject({
      code: 'MalformedMessage',
      culprit: 2,
    });
    const nBytes = Uint8Array.from(Buffer.from(N.toString(16), 'hex'));
    expect(catchError(() => decodeScalar(nBytes, 'x', 3))).toMatchObject({
      code: 'InvalidScalar',
      culprit: 3,
    });
    expect(catchError(() => decodeScalar(new Uint8Array(32), 'x', 3))).toMatchObject({
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
    expect(catchError(() => decodePoint(offCurve, 'P', 1))).toMatchObject({
      code: 'InvalidPoint',
      culprit: 1,
    });
    const badPrefix = pointToBytes(G);
    badPrefix[0] = 5;
    expect(catchError(() => decodePoint(badPrefix, 'P', 1))).toMatchObject({
      code: 'InvalidPoint',
    });
    expect(catchError(() => decodePoint(new Uint8Array(33), 'P', 1))).toMatchObject({
      code: 'InvalidPoint',
    });
    expect(catchError(() => decodePoint(new Uint8Array([0]), 'P', 1))).toMatchObject({
      code: 'WrongLength',
    });
    expect(catchError(() => decodePoint(G.toBytes(false), 'P', 1))).toMatchObject({
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
