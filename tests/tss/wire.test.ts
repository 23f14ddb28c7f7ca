import { bytesToHex } from '@noble/curves/utils.js';
import { Encoder } from 'cbor-x';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyShare } from '../../tss/keyshare';
import { KEY_SHARE_VERSION, PROTOCOL_VERSION } from '../../tss/params';
import {
  decodeKeyShare,
  decodeMessage,
  encodeKeyShare,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  type MessageType,
} from '../../tss/wire';
import { tssErrorOf } from './support/errors';
import { rngsFor, runDkg, runSign, type Stage } from './support/simulate';

const raw = new Encoder({ tagUint8Array: false, useRecords: false });
const throughWire = (stage: Stage, from: number, _to: number, message: unknown) =>
  decodeMessage(encodeMessage(stage as MessageType, message as object), stage as MessageType, from);

let shares: Map<number, KeyShare>;
const sizes = new Map<string, number>();
beforeAll(() => {
  const measuring = (stage: Stage, from: number, to: number, message: unknown) => {
    sizes.set(
      stage,
      Math.max(
        sizes.get(stage) ?? 0,
        encodeMessage(stage as MessageType, message as object).length,
      ),
    );
    return throughWire(stage, from, to, message);
  };
  shares = runDkg({ parties: [1, 2], threshold: 2 }, rngsFor([1, 2], 'wire-dkg'), measuring);
  runSign(
    shares,
    { signers: [1, 2], digest: new Uint8Array(32).fill(1) },
    rngsFor([1, 2], 'wire-sign'),
    measuring,
  );
}, 60_000);

describe('tss wire format', () => {
  it('carries every DKG and signing message through CBOR, within its size limit', () => {
    expect([...sizes.keys()].sort()).toEqual([
      'dkg1',
      'dkg2',
      'dkg2.direct',
      'dkg3',
      'dkg3.direct',
      'sign1',
      'sign2',
      'sign3',
    ]);
    for (const [stage, size] of sizes)
      expect(size, stage).toBeLessThanOrEqual(MAX_MESSAGE_BYTES[stage as MessageType]);
  });

  it('refuses oversize input before decoding, non-CBOR, a wrong version and a wrong type', () => {
    expect(
      tssErrorOf(() => decodeMessage(new Uint8Array(MAX_MESSAGE_BYTES.sign3 + 1), 'sign3', 2)),
    ).toMatchObject({
      code: 'WrongLength',
      culprit: 2,
    });
    expect(tssErrorOf(() => decodeMessage(new Uint8Array([0xff, 0x00]), 'sign3', 2))).toMatchObject(
      {
        code: 'MalformedMessage',
        culprit: 2,
      },
    );
    expect(
      tssErrorOf(() => decodeMessage(raw.encode([PROTOCOL_VERSION + 1, 'sign3', {}]), 'sign3', 2)),
    ).toMatchObject({
      code: 'UnsupportedVersion',
    });
    expect(
      tssErrorOf(() => decodeMessage(raw.encode([PROTOCOL_VERSION, 'sign1', {}]), 'sign3', 2)),
    ).toMatchObject({
      code: 'MalformedMessage',
    });
    expect(tssErrorOf(() => decodeMessage(raw.encode({ v: 1 }), 'sign3', 2))).toMatchObject({
      code: 'MalformedMessage',
    });
    expect(tssErrorOf(() => decodeMessage('not bytes', 'sign3', 2))).toMatchObject({
      code: 'MalformedMessage',
    });
  });

  // Fuzz seed 3033482321, case e.49: a device-sealed dkg1 whose version was replaced by a map with
  // a `toString` field. `String(version)` in the error message threw a TypeError ("Cannot convert
  // object to primitive value"), which the CKM server answered with a 500.
  it('refuses a version that is any CBOR value with a typed error naming the sender', () => {
    const hostile: unknown[] = [
      // The fuzz case's exact version value.
      { toString: undefined, [`0x${'00'.repeat(32)}`]: { a: new Uint8Array(31) }, constructor: -0 },
      { toString: null },
      { toString: 1, valueOf: 2 },
      { valueOf: 'x' },
      {},
      [],
      [PROTOCOL_VERSION],
      '2',
      new Uint8Array([PROTOCOL_VERSION]),
      null,
      true,
      1.5,
      2n ** 64n,
      new Map([[1, 2]]),
      new Date(0),
    ];
    for (const version of hostile) {
      const bytes = raw.encode([version, 'dkg1', { from: 1 }]);
      const error = tssErrorOf(() => decodeMessage(bytes, 'dkg1', 1));
      expect(error, String(typeof version)).toMatchObject({
        code: 'UnsupportedVersion',
        kind: 'recoverable',
        culprit: 1,
      });
      expect(error.message).not.toContain('object');
    }
    // A key share read back from corrupt storage, likewise.
    const share = raw.decode(encodeKeyShare(shares.get(1) as KeyShare)) as unknown[];
    expect(
      tssErrorOf(() => decodeKeyShare(raw.encode([{ toString: null }, share[1], share[2]]))),
    ).toMatchObject({ code: 'UnsupportedVersion' });
  });

  it('round-trips a key share, which still signs', () => {
    const share = shares.get(1) as KeyShare;
    const back = decodeKeyShare(encodeKeyShare(share));
    expect(back.secretShare).toBe(share.secretShare);
    expect(back.publicKey.equals(share.publicKey)).toBe(true);
    expect(bytesToHex(encodeKeyShare(back))).toBe(bytesToHex(encodeKeyShare(share)));
    const outputs = runSign(
      new Map([
        [1, back],
        [2, decodeKeyShare(encodeKeyShare(shares.get(2) as KeyShare))],
      ]),
      { signers: [1, 2], digest: new Uint8Array(32).fill(2) },
      rngsFor([1, 2], 'wire-sign-2'),
    );
    expect(outputs.size).toBe(2);
  });

  it('refuses a corrupted key share with a typed error, never half of one', () => {
    const good = encodeKeyShare(shares.get(1) as KeyShare);
    const decoded = raw.decode(good) as [number, string, Record<string, unknown>];
    const variants: [string, (body: Record<string, unknown>) => void, string][] = [
      [
        'secret share not matching its public share',
        (b) => {
          const secret = b.secretShare as Uint8Array;
          secret[31] = (secret[31] as number) ^ 1;
        },
        'PublicKeyMismatch',
      ],
      [
        'short chain code',
        (b) => (b.chainCode = (b.chainCode as Uint8Array).slice(1)),
        'WrongLength',
      ],
      ['off-curve public key', (b) => (b.publicKey = new Uint8Array(33)), 'InvalidPoint'],
      ['missing pair', (b) => (b.pairs = []), 'WrongLength'],
      ['threshold above n', (b) => (b.threshold = 3), 'MalformedMessage'],
      ['self outside parties', (b) => (b.self = 5), 'MalformedMessage'],
      [
        'bad delta bit',
        (b) =>
          ((
            (b.pairs as [number, Record<string, Uint8Array>][])[0] as [
              number,
              Record<string, Uint8Array>,
            ]
          )[1].delta = new Uint8Array(128).fill(2)),
        'MalformedMessage',
      ],
    ];
    for (const [label, mutate, code] of variants) {
      const body = structuredClone(decoded[2]);
      mutate(body);
      expect(
        tssErrorOf(() => decodeKeyShare(raw.encode([decoded[0], decoded[1], body]))),
        label,
      ).toMatchObject({ code });
    }
    expect(tssErrorOf(() => decodeKeyShare(good.slice(0, 100)))).toMatchObject({
      code: 'MalformedMessage',
    });
    for (const version of [KEY_SHARE_VERSION + 1, 0])
      expect(
        tssErrorOf(() => decodeKeyShare(raw.encode([version, 'key-share', decoded[2]]))),
      ).toMatchObject({ code: 'UnsupportedVersion' });
    // The share's format has its own version: a protocol (transcript) bump leaves shares readable.
    expect(decoded[0]).toBe(KEY_SHARE_VERSION);
  });
});
