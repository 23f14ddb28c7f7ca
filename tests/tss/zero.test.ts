/**
 * Zero shares, DKLs23 Functionality 3.4 (tss/zero.ts; research/tecdsa.md §2.6, §6 "Σ_i ζ_i = 0").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, neg, sumScalars } from '../../tss/curve';
import { oracleScalar } from '../../tss/hash';
import { TAGS } from '../../tss/tags';
import { zeroShare } from '../../tss/zero';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

const ALL = Array.from({ length: 16 }, (_, k) => k + 1);
const sigid = new Uint8Array(32).fill(1);

/** One seed per unordered pair, as the DKG leaves them (z_ij = z_ji). */
function pairSeeds(parties: readonly number[], seed: string): Map<string, Uint8Array> {
  const rng = seededRng(seed);
  const seeds = new Map<string, Uint8Array>();
  for (const i of parties) for (const j of parties) if (i < j) seeds.set(`${i}-${j}`, rng(32));
  return seeds;
}

function seedsFor(self: number, signers: readonly number[], seeds: Map<string, Uint8Array>) {
  const out = new Map<number, Uint8Array>();
  for (const j of signers)
    if (j !== self) out.set(j, seeds.get(self < j ? `${self}-${j}` : `${j}-${self}`) as Uint8Array);
  return out;
}

describe('zeroShare', () => {
  it('two signers get opposite shares: +H(sigid, z) at the lower index, −H at the higher', () => {
    const seed = new Uint8Array(32).fill(3);
    const h = oracleScalar(TAGS.zeroShare, sigid, seed);
    expect(zeroShare(sigid, 1, new Map([[3, seed]]))).toBe(h);
    expect(zeroShare(sigid, 3, new Map([[1, seed]]))).toBe(neg(h));
  });

  it('property: the shares of any signer set sum to 0', () => {
    const seeds = pairSeeds(ALL, 'zero/seeds');
    fc.assert(
      fc.property(
        fc.shuffledSubarray(ALL, { minLength: 2 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (signers, id) => {
          const shares = signers.map((i) => zeroShare(id, i, seedsFor(i, signers, seeds)));
          expect(sumScalars(shares)).toBe(0n);
          if (signers.length > 2) expect(shares.every((z) => z !== 0n)).toBe(true);
        },
      ),
      { seed: 31, numRuns: 40 },
    );
  });

  it('is fresh per session: another sigid gives other shares that still sum to 0', () => {
    const signers = [1, 2, 3];
    const seeds = pairSeeds(signers, 'zero/fresh');
    const other = new Uint8Array(32).fill(2);
    const a = signers.map((i) => zeroShare(sigid, i, seedsFor(i, signers, seeds)));
    const b = signers.map((i) => zeroShare(other, i, seedsFor(i, signers, seeds)));
    expect(a[0]).not.toBe(b[0]);
    expect(add(sumScalars(a), sumScalars(b))).toBe(0n);
  });

  it('rejects a bad sigid, self, an empty or self-containing map, bad peers and bad seeds', () => {
    const seed = new Uint8Array(32);
    expectTssError(
      () => zeroShare(new Uint8Array(31), 1, new Map([[2, seed]])),
      'InvalidParameters',
    );
    expectTssError(
      () => zeroShare('sid' as unknown as Uint8Array, 1, new Map([[2, seed]])),
      'InvalidParameters',
    );
    expectTssError(() => zeroShare(sigid, 0, new Map([[2, seed]])), 'InvalidParameters');
    expectTssError(() => zeroShare(sigid, 17, new Map([[2, seed]])), 'InvalidParameters');
    expectTssError(() => zeroShare(sigid, 1, new Map()), 'InvalidParameters');
    expectTssError(
      () => zeroShare(sigid, 1, { size: 1 } as unknown as Map<number, Uint8Array>),
      'InvalidParameters',
    );
    expectTssError(() => zeroShare(sigid, 1, new Map([[1, seed]])), 'InvalidParameters');
    expectTssError(() => zeroShare(sigid, 1, new Map([[0, seed]])), 'InvalidParameters');
    expectTssError(() => zeroShare(sigid, 1, new Map([[2.5, seed]])), 'InvalidParameters');
    expectTssError(
      () => zeroShare(sigid, 1, new Map([[2, new Uint8Array(16)]])),
      'InvalidParameters',
    );
    expectTssError(
      () => zeroShare(sigid, 1, new Map([[2, 'seed' as unknown as Uint8Array]])),
      'InvalidParameters',
    );
  });
});
