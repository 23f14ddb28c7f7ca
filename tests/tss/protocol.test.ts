/**
 * The generic protocol suite (STYLE.md §3: written once, run per configuration): DKG, then every
 * t-subset signs random digests; signatures verify with noble, and viem recovers the DKG address.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { type Hex, recoverAddress } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointToBytes } from '../../tss/curve';
import { publicKeyToAddress } from '../../tss/ethereum';
import type { KeyShare } from '../../tss/keyshare';
import { seededRng } from './support/rng';
import { rngsFor, runDkg, runSign, subsets } from './support/simulate';

const CONFIGS: [number, number][] = [
  [2, 2],
  [2, 3],
  [3, 5],
];
const SIGNATURES_PER_SUBSET = 20;

describe.each(CONFIGS)('DKLs23 %i-of-%i', (threshold, n) => {
  const parties = Array.from({ length: n }, (_, k) => k + 1);
  let shares: Map<number, KeyShare>;

  beforeAll(() => {
    shares = runDkg({ parties, threshold }, rngsFor(parties, `dkg-${threshold}-${n}`));
  }, 120_000);

  it('gives every party the same public key, chain code and public shares, and shares on one polynomial', () => {
    const first = shares.get(1) as KeyShare;
    for (const share of shares.values()) {
      expect(share.publicKey.equals(first.publicKey)).toBe(true);
      expect(bytesToHex(share.chainCode)).toBe(bytesToHex(first.chainCode));
      expect(bytesToHex(share.dkgSid)).toBe(bytesToHex(first.dkgSid));
      for (const p of parties)
        expect(share.publicShares.get(p)?.equals(first.publicShares.get(p) as never)).toBe(true);
      expect(
        secp256k1.Point.BASE.multiply(share.secretShare).equals(
          first.publicShares.get(share.self) as never,
        ),
      ).toBe(true);
    }
  });

  it(`every ${threshold}-subset signs ${SIGNATURES_PER_SUBSET} random digests; noble verifies and viem recovers the address`, async () => {
    const address = publicKeyToAddress((shares.get(1) as KeyShare).publicKey);
    const digestRng = seededRng(`digests-${threshold}-${n}`);
    for (const signers of subsets(parties, threshold)) {
      for (let k = 0; k < SIGNATURES_PER_SUBSET; k++) {
        const digest = digestRng(32);
        const outputs = runSign(
          shares,
          { signers, digest, sessionNonce: digestRng(32) },
          rngsFor(signers, `sign-${k}-${signers}`),
        );
        const first = [...outputs.values()][0];
        if (!first) throw new Error('no output');
        for (const output of outputs.values()) {
          expect([output.r, output.s, output.recovery]).toEqual([first.r, first.s, first.recovery]);
          expect(output.publicKey.equals(first.publicKey)).toBe(true);
        }
        const signature = new secp256k1.Signature(first.r, first.s, first.recovery);
        expect(
          secp256k1.verify(signature.toBytes('compact'), digest, pointToBytes(first.publicKey), {
            prehash: false,
          }),
        ).toBe(true);
        expect(first.s <= secp256k1.Point.Fn.ORDER >> 1n).toBe(true);
        const recovered = await recoverAddress({
          hash: `0x${bytesToHex(digest)}` as Hex,
          signature: {
            r: `0x${first.r.toString(16).padStart(64, '0')}`,
            s: `0x${first.s.toString(16).padStart(64, '0')}`,
            yParity: first.recovery,
          },
        });
        expect(recovered).toBe(address);
      }
    }
  }, 300_000);
});
