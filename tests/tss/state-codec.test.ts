/**
 * Round states through bytes (tss/state-codec.ts): a DKG and a signature where every party's
 * state is encoded and decoded between every step give exactly the plain run's results, and
 * every kind of bad input is refused with a typed error.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Encoder } from 'cbor-x';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY, mulG } from '../../tss/curve';
import { dkgFinish } from '../../tss/dkg/finish';
import { dkgRound1 } from '../../tss/dkg/round1';
import { dkgRound2 } from '../../tss/dkg/round2';
import { dkgRound3 } from '../../tss/dkg/round3';
import type { DkgConfig } from '../../tss/dkg/types';
import type { KeyShare } from '../../tss/keyshare';
import { PROTOCOL_VERSION } from '../../tss/params';
import { refreshConfig } from '../../tss/refresh/config';
import type { Rng } from '../../tss/rng';
import { signFinish } from '../../tss/sign/finish';
import { signRound1 } from '../../tss/sign/round1';
import { signRound2 } from '../../tss/sign/round2';
import { signRound3 } from '../../tss/sign/round3';
import type { SignRequest, ThresholdSignature } from '../../tss/sign/types';
import {
  decodeRoundState,
  encodeRoundState,
  MAX_ROUND_STATE_BYTES,
  type RoundState,
} from '../../tss/state-codec';
import { encodeKeyShare } from '../../tss/wire';
import { expectTssError, tssErrorOf } from './support/errors';
import { rngsFor, runDkg, runSign } from './support/simulate';

const PARTIES = [1, 2, 3];
const THRESHOLD = 2;
const SIGNERS = [1, 3];
const CONTEXT = new Uint8Array([1, 2, 3]); // the simulator's default context

/** Stores and reloads a state, as the server does between two HTTP requests. */
function throughBytes<S extends RoundState>(state: S): S {
  return decodeRoundState(encodeRoundState(state), state.phase) as unknown as S;
}

type Addressed = { from: number; to?: number };
const inboxOf = <T extends Addressed>(messages: readonly T[], to: number): T[] =>
  messages.filter((m) => m.from !== to && (m.to === undefined || m.to === to));

/** `runDkg` with every state stored and reloaded between steps. */
function runDkgThroughBytes(rngs: Map<number, Rng>, configOf: (p: number) => DkgConfig) {
  const rng = (p: number) => rngs.get(p) as Rng;
  const r1 = PARTIES.map((p) => dkgRound1(configOf(p), rng(p)));
  const b1 = r1.map((x) => x.broadcast);
  const r2 = PARTIES.map((p, k) =>
    dkgRound2(throughBytes(r1[k]?.state as never), inboxOf(b1, p), rng(p)),
  );
  const b2 = r2.map((x) => x.broadcast);
  const d2 = r2.flatMap((x) => x.direct);
  const r3 = PARTIES.map((p, k) =>
    dkgRound3(throughBytes(r2[k]?.state as never), inboxOf(b2, p), inboxOf(d2, p), rng(p)),
  );
  const b3 = r3.map((x) => x.broadcast);
  const d3 = r3.flatMap((x) => x.direct);
  return new Map(
    PARTIES.map((p, k) => [
      p,
      dkgFinish(throughBytes(r3[k]?.state as never), inboxOf(b3, p), inboxOf(d3, p)),
    ]),
  );
}

/** `runSign` with every state stored and reloaded between steps. */
function runSignThroughBytes(
  shares: ReadonlyMap<number, KeyShare>,
  request: SignRequest,
  rngs: Map<number, Rng>,
): Map<number, ThresholdSignature> {
  const rng = (p: number) => rngs.get(p) as Rng;
  const r1 = SIGNERS.map((p) => signRound1(shares.get(p) as KeyShare, request, rng(p)));
  const d1 = r1.flatMap((x) => x.direct);
  const r2 = SIGNERS.map((p, k) =>
    signRound2(throughBytes(r1[k]?.state as never), inboxOf(d1, p), rng(p)),
  );
  const d2 = r2.flatMap((x) => x.direct);
  const r3 = SIGNERS.map((p, k) => signRound3(throughBytes(r2[k]?.state as never), inboxOf(d2, p)));
  const b3 = r3.map((x) => x.broadcast);
  return new Map(
    SIGNERS.map((p, k) => [p, signFinish(throughBytes(r3[k]?.state as never), inboxOf(b3, p))]),
  );
}

/**
 * A comparable form: points by their affine encoding (a decoded point has Z = 1, the original
 * may not), bytes as hex, Maps as entry lists, the type of every value kept.
 */
function comparable(value: unknown): unknown {
  if (value instanceof secp256k1.Point)
    return `point:${value.is0() ? 'identity' : bytesToHex(value.toBytes(true))}`;
  if (value instanceof Uint8Array) return `bytes:${bytesToHex(value)}`;
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (value === undefined) return 'undefined';
  if (value instanceof Map) return ['map', ...[...value].map(([k, v]) => [k, comparable(v)])];
  if (Array.isArray(value)) return ['array', ...value.map(comparable)];
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

const fresh = (self: number): DkgConfig => ({
  parties: PARTIES,
  threshold: THRESHOLD,
  self,
  mode: { kind: 'fresh' },
  context: CONTEXT,
});

const keyShareHex = (shares: ReadonlyMap<number, KeyShare>) =>
  PARTIES.map((p) => bytesToHex(encodeKeyShare(shares.get(p) as KeyShare)));

describe('round states through bytes', () => {
  let plain: Map<number, KeyShare>;
  let stored: Map<number, KeyShare>;
  const request: SignRequest = {
    signers: SIGNERS,
    path: [0, 7],
    digest: new Uint8Array(32).fill(0x5a),
    sessionNonce: new Uint8Array(32).fill(9),
  };

  beforeAll(() => {
    plain = runDkg({ parties: PARTIES, threshold: THRESHOLD }, rngsFor(PARTIES, 'codec-dkg'));
    stored = runDkgThroughBytes(rngsFor(PARTIES, 'codec-dkg'), fresh);
  }, 120_000);

  it('a 2-of-3 DKG with every state stored and reloaded gives byte-identical key shares', () => {
    expect(keyShareHex(stored)).toEqual(keyShareHex(plain));
    expect((stored.get(2) as KeyShare).publicKey.equals((plain.get(1) as KeyShare).publicKey)).toBe(
      true,
    );
  });

  it('a 2-party signature with every state stored and reloaded equals the plain run and verifies', () => {
    const expected = runSign(
      plain,
      { signers: SIGNERS, digest: request.digest, path: [0, 7] },
      rngsFor(SIGNERS, 'codec-sign'),
    );
    const actual = runSignThroughBytes(stored, request, rngsFor(SIGNERS, 'codec-sign'));
    for (const p of SIGNERS) {
      const a = actual.get(p) as ThresholdSignature;
      const e = expected.get(p) as ThresholdSignature;
      expect([a.r, a.s, a.recovery]).toEqual([e.r, e.s, e.recovery]);
      const signature = new secp256k1.Signature(a.r, a.s);
      expect(
        secp256k1.verify(signature.toBytes('compact'), request.digest, a.publicKey.toBytes(true), {
          prehash: false,
        }),
      ).toBe(true);
    }
  });

  it('a re-share round-1 state (points, a secret bigint, a Map of points) round-trips exactly', () => {
    const config = refreshConfig(plain.get(1) as KeyShare, new Uint8Array([7]));
    const { state } = dkgRound1(config, rngsFor([1], 'codec-reshare').get(1) as Rng);
    const back = throughBytes(state);
    expect(comparable(back)).toEqual(comparable(state));
    expect(back.config.mode.kind).toBe('reshare');
    // Fresh objects: the decoded state is not the original.
    expect(back).not.toBe(state);
  });

  it('keeps the identity point, negative bigints, undefined and nested Maps', () => {
    const round1 = signRound1(plain.get(1) as KeyShare, request, rngsFor([1], 'x').get(1) as Rng);
    const odd = {
      ...round1.state,
      extra: { identity: IDENTITY, negative: -5n, zero: 0n, nothing: undefined, flag: false },
      nested: new Map([[2, new Map([[3, [mulG(3n), 'text', 1.5]]])]]),
    } as unknown as RoundState;
    const back = decodeRoundState(encodeRoundState(odd), 'sign/round1') as unknown as typeof odd;
    expect(comparable(back)).toEqual(comparable(odd));
    const extra = (back as unknown as { extra: { identity: typeof IDENTITY } }).extra;
    expect(extra.identity.is0()).toBe(true);
    expect(Object.hasOwn(extra, 'nothing')).toBe(true);
  });

  it('takes the caller’s SHA-256 for the checksum: the same bytes, and only SHA-256 opens them', () => {
    const { state } = signRound1(
      plain.get(1) as KeyShare,
      request,
      rngsFor([1], 'sha').get(1) as Rng,
    );
    const again = signRound1(
      plain.get(1) as KeyShare,
      request,
      rngsFor([1], 'sha').get(1) as Rng,
    ).state;
    let calls = 0;
    const counted = {
      sha256: (data: Uint8Array) => {
        calls++;
        return sha256(data);
      },
    };
    const bytes = encodeRoundState(state, counted);
    expect(calls).toBe(1);
    expect(bytes).toEqual(encodeRoundState(again));
    expect(comparable(decodeRoundState(bytes, 'sign/round1', counted))).toEqual(comparable(state));
    expect(calls).toBe(2);
    const notSha256 = { sha256: (data: Uint8Array) => sha256(sha256(data)) };
    expectTssError(() => decodeRoundState(bytes, 'sign/round1', notSha256), 'MalformedMessage');
  });

  describe('refuses bad input with a typed error', () => {
    let bytes: Uint8Array;
    beforeAll(() => {
      const { state } = signRound1(
        plain.get(1) as KeyShare,
        request,
        rngsFor([1], 'bad').get(1) as Rng,
      );
      bytes = encodeRoundState(state);
    });
    const encoder = new Encoder({ tagUint8Array: false, useRecords: false, mapsAsObjects: true });
    const envelope = (items: unknown[]) => new Uint8Array(encoder.encode(items));
    const body = (tree: unknown) => {
      const b = new Uint8Array(encoder.encode(tree));
      return [PROTOCOL_VERSION, 'round-state', 'sign/round1', b, sha256(b)];
    };

    it('accepts the untouched bytes (control)', () => {
      expect(decodeRoundState(bytes, 'sign/round1').phase).toBe('sign/round1');
    });
    it('the wrong phase', () => {
      expectTssError(() => decodeRoundState(bytes, 'sign/round2'), 'PhaseOutOfOrder');
      expectTssError(() => decodeRoundState(bytes, 'dkg/round1'), 'PhaseOutOfOrder');
    });
    it('an unknown expected phase', () => {
      expectTssError(() => decodeRoundState(bytes, 'vole/bob' as never), 'InvalidParameters');
    });
    it('not bytes', () => {
      expectTssError(() => decodeRoundState('state', 'sign/round1'), 'MalformedMessage');
      expectTssError(() => decodeRoundState(undefined, 'sign/round1'), 'MalformedMessage');
    });
    it('truncated bytes', () => {
      for (const length of [0, 1, 10, bytes.length - 1])
        expectTssError(
          () => decodeRoundState(bytes.slice(0, length), 'sign/round1'),
          'MalformedMessage',
        );
    });
    it('a flipped byte anywhere in the body (checksum)', () => {
      for (const at of [200, Math.floor(bytes.length / 2), bytes.length - 40]) {
        const flipped = bytes.slice();
        flipped[at] = (flipped[at] as number) ^ 1;
        const error = tssErrorOf(() => decodeRoundState(flipped, 'sign/round1'));
        expect(error.code).toBe('MalformedMessage');
      }
    });
    it('an unknown version', () => {
      const decoded = new Encoder().decode(bytes) as unknown[];
      // A version that String() cannot convert (a map with a `toString` field) is refused the
      // same way, not with a TypeError (fuzz seed 3033482321, see tests/tss/wire.test.ts).
      for (const version of [PROTOCOL_VERSION + 1, PROTOCOL_VERSION - 1, { toString: null }]) {
        decoded[0] = version;
        expectTssError(
          () => decodeRoundState(envelope(decoded), 'sign/round1'),
          'UnsupportedVersion',
        );
      }
    });
    it('another type', () => {
      const decoded = new Encoder().decode(bytes) as unknown[];
      decoded[1] = 'key-share';
      expectTssError(() => decodeRoundState(envelope(decoded), 'sign/round1'), 'MalformedMessage');
    });
    it('a body whose phase differs from the header', () => {
      const tree = [7, 'phase', 'sign/round2'];
      expectTssError(
        () => decodeRoundState(envelope(body(tree)), 'sign/round1'),
        'PhaseOutOfOrder',
      );
    });
    it('oversize input, before decoding', () => {
      const huge = new Uint8Array(MAX_ROUND_STATE_BYTES + 1);
      expectTssError(() => decodeRoundState(huge, 'sign/round1'), 'WrongLength');
    });
    it('an unknown tag, an untagged value, a CBOR map, a bad key', () => {
      const cases: unknown[] = [
        [7, 'phase', 'sign/round1', 'x', [99, 1]],
        [7, 'phase', 'sign/round1', 'x', null],
        [7, 'phase', 'sign/round1', 'x', { a: 1 }],
        [7, 'phase', 'sign/round1', '__proto__', [7]],
        [7, 'phase', 'sign/round1', 'phase', 'sign/round1'],
        [7, 'phase', 'sign/round1', 'x'],
        [5, 1],
        [7, 'phase', 'sign/round1', 'x', [5, [6], 1]],
        [7, 'phase', 'sign/round1', 'x', [2, new Uint8Array([0, 1])]],
        [7, 'phase', 'sign/round1', 'x', [3, new Uint8Array(0)]],
        [7, 'phase', 'sign/round1', 'x', [1, 'not bytes']],
        [7, 'phase', 'sign/round1', 'x', [0, 1]],
      ];
      for (const tree of cases)
        expectTssError(
          () => decodeRoundState(envelope(body(tree)), 'sign/round1'),
          'MalformedMessage',
        );
    });
    it('nesting deeper than the limit', () => {
      let tree: unknown = [6];
      for (let k = 0; k < 40; k++) tree = [6, tree];
      expectTssError(
        () =>
          decodeRoundState(envelope(body([7, 'phase', 'sign/round1', 'x', tree])), 'sign/round1'),
        'MalformedMessage',
      );
    });
    it('a point off the curve', () => {
      const off = new Uint8Array(33).fill(0xff);
      off[0] = 2;
      expectTssError(
        () =>
          decodeRoundState(
            envelope(body([7, 'phase', 'sign/round1', 'x', [4, off]])),
            'sign/round1',
          ),
        'InvalidPoint',
      );
    });
    it('a state already consumed by its step', () => {
      const rngs = rngsFor(SIGNERS, 'spent');
      const r1 = SIGNERS.map((p) =>
        signRound1(plain.get(p) as KeyShare, request, rngs.get(p) as Rng),
      );
      const d1 = r1.flatMap((x) => x.direct);
      const state = r1[0]?.state as RoundState;
      expect(encodeRoundState(state).length).toBeGreaterThan(0); // control: not yet used
      signRound2(state as never, inboxOf(d1, 1), rngs.get(1) as Rng);
      expectTssError(() => encodeRoundState(state), 'PhaseOutOfOrder');
    });
    it('an unencodable state', () => {
      expectTssError(() => encodeRoundState({ phase: 'nope' } as never), 'InvalidParameters');
      const withFunction = { phase: 'sign/round1', f: () => 1 } as unknown as RoundState;
      expectTssError(() => encodeRoundState(withFunction), 'InvalidParameters');
    });
  });
});
