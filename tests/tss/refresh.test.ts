/**
 * Refresh, re-share (lost party, change of party set), derivation and the legacy dealer import,
 * end to end through the in-process network (research/tecdsa.md §2.7, §2.8).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { HDKey } from '@scure/bip32';
import { type Hex, recoverAddress } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, mul, mulG, N, type Point } from '../../tss/curve';
import { encodeXpub } from '../../tss/derivation';
import { legacyV, publicKeyToAddress, type RecoveryId } from '../../tss/ethereum';
import { dealerSplitForImport } from '../../tss/import';
import type { KeyShare } from '../../tss/keyshare';
import { lagrangeCoefficient } from '../../tss/lagrange';
import { dealerImportConfig, refreshConfig, reshareConfig } from '../../tss/refresh/config';
import { tssErrorOf } from './support/errors';
import { seededRng } from './support/rng';
import { rngsFor, runDkg, runSign, subsets } from './support/simulate';

const CONTEXT = new Uint8Array([7]);
const digest = (label: string) => seededRng(label)(32);

function signOnce(
  shares: ReadonlyMap<number, KeyShare>,
  signers: number[],
  label: string,
  path: number[] = [],
) {
  const outputs = runSign(
    shares,
    { signers, digest: digest(label), path },
    rngsFor(signers, label),
  );
  return [...outputs.values()][0] as NonNullable<ReturnType<typeof outputs.get>>;
}

async function recovered(hash: Uint8Array, sig: { r: bigint; s: bigint; recovery: number }) {
  return recoverAddress({
    hash: `0x${bytesToHex(hash)}` as Hex,
    signature: {
      r: `0x${sig.r.toString(16).padStart(64, '0')}`,
      s: `0x${sig.s.toString(16).padStart(64, '0')}`,
      yParity: sig.recovery,
    },
  });
}

let original: Map<number, KeyShare>;
beforeAll(() => {
  original = runDkg({ parties: [1, 2, 3], threshold: 2 }, rngsFor([1, 2, 3], 'refresh-dkg'));
}, 120_000);

describe('refresh (same parties, same key)', () => {
  let refreshed: Map<number, KeyShare>;
  beforeAll(() => {
    refreshed = runDkg(
      {
        parties: [1, 2, 3],
        threshold: 2,
        mode: (p) => refreshConfig(original.get(p) as KeyShare, CONTEXT).mode,
      },
      rngsFor([1, 2, 3], 'refresh-run'),
    );
  }, 120_000);

  it('keeps the public key, the address and the chain code, and changes every share and all OT state', () => {
    for (const p of [1, 2, 3]) {
      const before = original.get(p) as KeyShare;
      const after = refreshed.get(p) as KeyShare;
      expect(after.publicKey.equals(before.publicKey)).toBe(true);
      expect(bytesToHex(after.chainCode)).toBe(bytesToHex(before.chainCode));
      expect(after.secretShare).not.toBe(before.secretShare);
      expect(bytesToHex(after.dkgSid)).not.toBe(bytesToHex(before.dkgSid));
      for (const [peer, pair] of after.pairs) {
        const old = before.pairs.get(peer);
        expect(bytesToHex(pair.zeroSeed)).not.toBe(bytesToHex(old?.zeroSeed as Uint8Array));
        expect(bytesToHex(pair.oteSender.seeds[0] as Uint8Array)).not.toBe(
          bytesToHex(old?.oteSender.seeds[0] as Uint8Array),
        );
      }
    }
  });

  it('every pair signs with the new shares, under the same address', async () => {
    const address = publicKeyToAddress((original.get(1) as KeyShare).publicKey);
    for (const signers of subsets([1, 2, 3], 2)) {
      const sig = signOnce(refreshed, signers, `after-refresh-${signers}`);
      expect(await recovered(digest(`after-refresh-${signers}`), sig)).toBe(address);
    }
  });

  it('an old share does not combine with a new one', () => {
    // By arithmetic: λ_1·s_1(old) + λ_2·s_2(new) is not the key.
    const l1 = lagrangeCoefficient(1, [1, 2]);
    const l2 = lagrangeCoefficient(2, [1, 2]);
    const mixed = add(
      mul(l1, (original.get(1) as KeyShare).secretShare),
      mul(l2, (refreshed.get(2) as KeyShare).secretShare),
    );
    expect(mulG(mixed).equals((original.get(1) as KeyShare).publicKey)).toBe(false);
    // By protocol: an old share against a new one is a different session (recoverable) …
    const mixedShares = new Map([
      [1, original.get(1) as KeyShare],
      [2, refreshed.get(2) as KeyShare],
    ]);
    const error = tssErrorOf(() => signOnce(mixedShares, [1, 2], 'mixed'));
    expect(error).toMatchObject({ code: 'WrongSession', kind: 'recoverable' });
    // … and an old secret share grafted onto new state fails the Σ pk check, never a wrong signature.
    const grafted = new Map([
      [
        1,
        {
          ...(refreshed.get(1) as KeyShare),
          secretShare: (original.get(1) as KeyShare).secretShare,
        },
      ],
      [2, refreshed.get(2) as KeyShare],
    ]);
    expect(tssErrorOf(() => signOnce(grafted, [1, 2], 'grafted'))).toMatchObject({
      code: 'PublicShareSumMismatch',
      kind: 'recoverable',
    });
  });
});

/** Runs a re-share of `original` onto `parties`: survivors bring their old shares, newcomers only the public key. */
function reshare(parties: number[], survivors: number[], seed: string): Map<number, KeyShare> {
  const key = original.get(survivors[0] as number) as KeyShare;
  const common = { parties, threshold: 2, survivors, context: CONTEXT };
  return runDkg(
    {
      parties,
      threshold: 2,
      mode: (p) =>
        (survivors.includes(p)
          ? reshareConfig({ ...common, share: original.get(p) as KeyShare })
          : reshareConfig({
              ...common,
              self: p,
              key: {
                publicKey: key.publicKey,
                oldPublicShares: key.publicShares,
                chainCode: key.chainCode,
              },
            })
        ).mode,
    },
    rngsFor(parties, seed),
  );
}

describe('re-share', () => {
  it('replaces a lost party: survivors {2,3} and a new party 1; every 2 of the new set sign; the lost share is refused', async () => {
    const key = original.get(2) as KeyShare;
    const reshared = reshare([1, 2, 3], [2, 3], 'lost-party');
    const address = publicKeyToAddress(key.publicKey);
    for (const signers of subsets([1, 2, 3], 2)) {
      const sig = signOnce(reshared, signers, `lost-${signers}`);
      expect(await recovered(digest(`lost-${signers}`), sig)).toBe(address);
    }
    const lost = new Map([
      [1, original.get(1) as KeyShare],
      [2, reshared.get(2) as KeyShare],
    ]);
    expect(tssErrorOf(() => signOnce(lost, [1, 2], 'lost-old'))).toMatchObject({
      code: 'WrongSession',
    });
    const grafted = new Map([
      [
        1,
        {
          ...(reshared.get(1) as KeyShare),
          secretShare: (original.get(1) as KeyShare).secretShare,
        },
      ],
      [2, reshared.get(2) as KeyShare],
    ]);
    expect(tssErrorOf(() => signOnce(grafted, [1, 2], 'lost-grafted'))).toMatchObject({
      code: 'PublicShareSumMismatch',
    });
  }, 120_000);

  it('changes the party set {1,2,3} → {1,2,4}; party 3 is out', async () => {
    const key = original.get(1) as KeyShare;
    const next = reshare([1, 2, 4], [1, 2], 'set-change');
    const address = publicKeyToAddress(key.publicKey);
    for (const signers of subsets([1, 2, 4], 2)) {
      const sig = signOnce(next, signers, `set-${signers}`);
      expect(await recovered(digest(`set-${signers}`), sig)).toBe(address);
    }
    const withThree = new Map([
      [1, next.get(1) as KeyShare],
      [3, original.get(3) as KeyShare],
    ]);
    expect(tssErrorOf(() => signOnce(withThree, [1, 3], 'three'))).toMatchObject({
      code: 'UnknownParty',
    });
  }, 120_000);

  it('refuses a survivor that starts from a wrong share, naming it', () => {
    const tampered = {
      ...(original.get(3) as KeyShare),
      secretShare: add((original.get(3) as KeyShare).secretShare, 1n),
    };
    const error = tssErrorOf(() =>
      runDkg(
        {
          parties: [1, 2, 3],
          threshold: 2,
          mode: (p) =>
            refreshConfig(p === 3 ? tampered : (original.get(p) as KeyShare), CONTEXT).mode,
        },
        rngsFor([1, 2, 3], 'bad-survivor'),
      ),
    );
    expect(error).toMatchObject({ code: 'PublicKeyMismatch', culprit: 3, kind: 'recoverable' });
  }, 120_000);
});

describe('derivation (non-hardened BIP32 from the threshold root)', () => {
  it('signs for m/0 … m/0/7 under the keys @scure/bip32 derives from the threshold xpub', async () => {
    const root = original.get(1) as KeyShare;
    const xpub = HDKey.fromExtendedKey(encodeXpub(root.publicKey, root.chainCode));
    for (const path of [[0], ...Array.from({ length: 8 }, (_, i) => [0, i])]) {
      const expected = xpub.derive(`m/${path.join('/')}`);
      const sig = signOnce(original, [2, 3], `derived-${path}`, path);
      expect(bytesToHex(sig.publicKey.toBytes(true))).toBe(
        bytesToHex(expected.publicKey as Uint8Array),
      );
      const address = publicKeyToAddress(
        secp256k1.Point.fromBytes(expected.publicKey as Uint8Array) as Point,
      );
      expect(await recovered(digest(`derived-${path}`), sig)).toBe(address);
    }
  }, 60_000);
});

describe('legacy dealer import: EIP-155 example', () => {
  it('splits key 0x4646…46, threshold-signs the example signing hash, recovers the address, v ∈ {37, 38}', async () => {
    const privateKey = BigInt(`0x${'46'.repeat(32)}`);
    const split = dealerSplitForImport(privateKey, 2, [1, 2, 3], seededRng('dealer'));
    const chainCode = new Uint8Array(32);
    const shares = runDkg(
      {
        parties: [1, 2, 3],
        threshold: 2,
        mode: (p) =>
          dealerImportConfig({
            self: p,
            parties: [1, 2, 3],
            threshold: 2,
            dealerShare: split.shares.get(p) as bigint,
            commitments: split.commitments,
            chainCode,
            context: CONTEXT,
          }).mode,
      },
      rngsFor([1, 2, 3], 'import'),
    );
    for (const p of [1, 2, 3])
      expect((shares.get(p) as KeyShare).secretShare).not.toBe(split.shares.get(p));
    const hash = hexToBytes('daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53');
    const outputs = runSign(shares, { signers: [1, 3], digest: hash }, rngsFor([1, 3], 'eip155'));
    const sig = outputs.get(1) as NonNullable<ReturnType<typeof outputs.get>>;
    expect(await recovered(hash, sig)).toBe('0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F');
    expect([37n, 38n]).toContain(legacyV(1n, sig.recovery as RecoveryId));
    expect(sig.s <= N >> 1n).toBe(true);
  }, 120_000);
});
