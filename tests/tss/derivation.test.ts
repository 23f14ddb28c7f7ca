/**
 * Non-hardened BIP32 from the threshold root (tss/derivation.ts; research/tecdsa.md §2.7, §6):
 * BIP32 test vectors and @scure/bip32 as a live oracle.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { HDKey } from '@scure/bip32';
import { describe, expect, it, vi } from 'vitest';
import { add, mul, mulG, N, Point, pointToBytes, scalarToBytes, sumScalars } from '../../tss/curve';
import {
  deriveChild,
  derivePath,
  encodeXpub,
  HARDENED_OFFSET,
  parsePath,
} from '../../tss/derivation';
import { dealerSplitForImport } from '../../tss/import';
import { lagrangeCoefficient } from '../../tss/lagrange';
import { randomScalar } from '../../tss/rng';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

// HMAC passes through to the real one unless a test forces I for one call (the τ ≥ n and
// identity branches occur with probability about 2^-128 and cannot be reached by search).
vi.mock('@noble/hashes/hmac.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@noble/hashes/hmac.js')>();
  return { ...actual, hmac: vi.fn(actual.hmac) };
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function fromXpub(xpub: string): { publicKey: Point; chainCode: Uint8Array } {
  const node = HDKey.fromExtendedKey(xpub);
  return {
    publicKey: Point.fromBytes(node.publicKey as Uint8Array),
    chainCode: node.chainCode as Uint8Array,
  };
}

// bitcoin/bips bip-0032.mediawiki, test vector 2.
const V2_M =
  'xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB';
const V2_M_0 =
  'xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH';
// Test vector 1: chain m/0H/1/2H/2 and its non-hardened child m/0H/1/2H/2/1000000000.
const V1_M_0H_1_2H_2 =
  'xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV';
const V1_M_0H_1_2H_2_1000000000 =
  'xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy';

describe('parsePath', () => {
  it('parses the root and non-hardened paths', () => {
    expect(parsePath('m')).toEqual([]);
    expect(parsePath('m/0')).toEqual([0]);
    expect(parsePath('m/0/7')).toEqual([0, 7]);
    expect(parsePath('m/2147483647/10')).toEqual([HARDENED_OFFSET - 1, 10]);
    expect(parsePath(`m${'/1'.repeat(255)}`)).toHaveLength(255);
  });

  it('rejects hardened levels, empty components, non-canonical decimals and more than 255 levels', () => {
    for (const bad of [
      "m/0'",
      'm/0h',
      'm/0H',
      "m/44'/60'/0'/0/0",
      'm/2147483648',
      'm/99999999999',
      'm//1',
      'm/',
      'm/1/',
      '',
      '/0',
      '0/1',
      'M/0',
      'm/01',
      'm/-1',
      'm/+1',
      'm/1 ',
      'm/0x10',
      'm/1e3',
      `m${'/1'.repeat(256)}`,
    ])
      expectTssError(() => parsePath(bad), 'InvalidParameters');
    expectTssError(() => parsePath(7 as unknown as string), 'InvalidParameters');
  });
});

describe('deriveChild / derivePath (CKDpub)', () => {
  it('BIP32 vector 2: m/0 from the master xpub, and encodeXpub reproduces the master xpub', () => {
    const root = fromXpub(V2_M);
    expect(encodeXpub(root.publicKey, root.chainCode)).toBe(V2_M);
    const child = deriveChild(root.publicKey, root.chainCode, 0);
    const expected = fromXpub(V2_M_0);
    expect(hex(pointToBytes(child.publicKey))).toBe(hex(pointToBytes(expected.publicKey)));
    expect(hex(child.chainCode)).toBe(hex(expected.chainCode));
  });

  it('BIP32 vector 1: the non-hardened step m/0H/1/2H/2 → /1000000000', () => {
    const parent = fromXpub(V1_M_0H_1_2H_2);
    const child = deriveChild(parent.publicKey, parent.chainCode, 1_000_000_000);
    const expected = fromXpub(V1_M_0H_1_2H_2_1000000000);
    expect(child.publicKey.equals(expected.publicKey)).toBe(true);
    expect(hex(child.chainCode)).toBe(hex(expected.chainCode));
  });

  it('matches @scure/bip32 on m/0 … m/0/7 and deeper paths for random roots', () => {
    const rng = seededRng('derivation/oracle');
    for (let trial = 0; trial < 3; trial++) {
      const publicKey = mulG(randomScalar(rng));
      const chainCode = rng(32);
      const xpub = encodeXpub(publicKey, chainCode);
      const oracle = HDKey.fromExtendedKey(xpub);
      expect(oracle.publicExtendedKey).toBe(xpub);
      const paths = [
        'm',
        'm/0',
        ...Array.from({ length: 8 }, (_, i) => `m/0/${i}`),
        'm/5/2147483647/3/0',
      ];
      for (const path of paths) {
        const ours = derivePath(publicKey, chainCode, parsePath(path));
        const theirs = oracle.derive(path);
        expect(hex(pointToBytes(ours.publicKey))).toBe(hex(theirs.publicKey as Uint8Array));
        expect(hex(ours.chainCode)).toBe(hex(theirs.chainCode as Uint8Array));
      }
    }
  });

  it('the tweak Σ τ moves the private key: (sk + Σ τ) is @scure/bip32’s derived private key', () => {
    const rng = seededRng('derivation/tweak');
    const sk = randomScalar(rng);
    const chainCode = rng(32);
    const path = parsePath('m/0/7/3');
    const derived = derivePath(mulG(sk), chainCode, path);
    expect(mulG(add(sk, derived.tweak)).equals(derived.publicKey)).toBe(true);
    const step0 = deriveChild(mulG(sk), chainCode, 0);
    const step1 = deriveChild(step0.publicKey, step0.chainCode, 7);
    const step2 = deriveChild(step1.publicKey, step1.chainCode, 3);
    const steps = [step0, step1, step2];
    expect(derived.tweak).toBe(sumScalars(steps.map((s) => s.tweak)));
    const oracle = new HDKey({ privateKey: scalarToBytes(sk), chainCode }).derive('m/0/7/3');
    expect(hex(oracle.privateKey as Uint8Array)).toBe(hex(scalarToBytes(add(sk, derived.tweak))));
  });

  it('adding Σ τ to every Shamir share gives shares of the derived key (Σ λ_i = 1)', () => {
    const rng = seededRng('derivation/shares');
    const sk = randomScalar(rng);
    const { shares, publicKey } = dealerSplitForImport(sk, 2, [1, 2, 3], rng);
    const derived = derivePath(publicKey, rng(32), [0, 4]);
    for (const signers of [
      [1, 2],
      [1, 3],
      [2, 3],
    ]) {
      const key = sumScalars(
        signers.map((i) =>
          mul(lagrangeCoefficient(i, signers), add(shares.get(i) as bigint, derived.tweak)),
        ),
      );
      expect(mulG(key).equals(derived.publicKey)).toBe(true);
    }
  });

  it('an empty path is the root with a zero tweak', () => {
    const root = fromXpub(V2_M);
    const node = derivePath(root.publicKey, root.chainCode, []);
    expect(node.publicKey.equals(root.publicKey)).toBe(true);
    expect(hex(node.chainCode)).toBe(hex(root.chainCode));
    expect(node.tweak).toBe(0n);
  });

  it('fires DerivationTweakOutOfRange when I_L ≥ n', () => {
    const root = fromXpub(V2_M);
    vi.mocked(hmac).mockReturnValueOnce(new Uint8Array(64).fill(0xff));
    expectTssError(
      () => deriveChild(root.publicKey, root.chainCode, 0),
      'DerivationTweakOutOfRange',
    );
    const I = new Uint8Array(64);
    I.set(scalarToBytes(N - 1n).map((b, k) => (k === 31 ? b + 1 : b)));
    expect(BigInt(`0x${hex(I.subarray(0, 32))}`)).toBe(N);
    vi.mocked(hmac).mockReturnValueOnce(I);
    expectTssError(
      () => derivePath(root.publicKey, root.chainCode, [1, 2]),
      'DerivationTweakOutOfRange',
    );
  });

  it('fires DerivationTweakOutOfRange when K + τ·G is the identity', () => {
    const sk = 12345n;
    const I = new Uint8Array(64);
    I.set(scalarToBytes(N - sk));
    vi.mocked(hmac).mockReturnValueOnce(I);
    expectTssError(() => deriveChild(mulG(sk), new Uint8Array(32), 0), 'DerivationTweakOutOfRange');
  });

  it('rejects bad keys, chain codes, indices and paths', () => {
    const { publicKey, chainCode } = fromXpub(V2_M);
    const identity = publicKey.subtract(publicKey);
    expectTssError(() => deriveChild(identity, chainCode, 0), 'InvalidParameters');
    expectTssError(() => deriveChild('pk' as unknown as Point, chainCode, 0), 'InvalidParameters');
    expectTssError(() => deriveChild(publicKey, new Uint8Array(31), 0), 'InvalidParameters');
    expectTssError(
      () => deriveChild(publicKey, 'cc' as unknown as Uint8Array, 0),
      'InvalidParameters',
    );
    expectTssError(() => deriveChild(publicKey, chainCode, -1), 'InvalidParameters');
    expectTssError(() => deriveChild(publicKey, chainCode, HARDENED_OFFSET), 'InvalidParameters');
    expectTssError(() => deriveChild(publicKey, chainCode, 1.5), 'InvalidParameters');
    expectTssError(
      () => derivePath(publicKey, chainCode, [0, HARDENED_OFFSET]),
      'InvalidParameters',
    );
    expectTssError(
      () => derivePath(publicKey, chainCode, new Array(256).fill(0)),
      'InvalidParameters',
    );
    expectTssError(
      () => derivePath(publicKey, chainCode, 'm/0' as unknown as number[]),
      'InvalidParameters',
    );
    expectTssError(() => derivePath(identity, chainCode, [0]), 'InvalidParameters');
    expectTssError(() => derivePath(publicKey, new Uint8Array(33), [0]), 'InvalidParameters');
    expectTssError(() => encodeXpub(identity, chainCode), 'InvalidParameters');
    expectTssError(() => encodeXpub(publicKey, new Uint8Array(0)), 'InvalidParameters');
  });
});
