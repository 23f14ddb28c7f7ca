/**
 * Zero shares: DKLs23 Functionality 3.4 (F_Zero), instantiated as in 0xCarbon `zero_shares.rs`
 * from one seed per pair of parties set up in the DKG (research/tecdsa.md §2.2 R3, §2.6).
 *
 *   ζ_i = Σ_{j∈P\i} ±H_q(sigid, z_{ij}),  + when i < j, − when i > j
 *
 * Each pair's term appears once with + (at the lower index) and once with − (at the higher), so
 * Σ_{i∈P} ζ_i = 0 for every signer set P, while each ζ_i alone looks uniform to anyone missing
 * one of its seeds. Signing masks its additive key share with it: sk_i = λ_i·(s_i + τ) + ζ_i.
 * @see https://eprint.iacr.org/2023/765 (Functionality 3.4, Protocol 3.6)
 * @module
 */
import { add, sub } from './curve';
import { TssError } from './errors';
import { oracleScalar } from './hash';
import { MAX_PARTIES, SEED_BYTES, SID_BYTES } from './params';
import { TAGS } from './tags';

function assertIndex(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PARTIES)
    throw new TssError(
      'InvalidParameters',
      `"${field}" expected a party index in 1..${MAX_PARTIES}`,
    );
}

/**
 * This party's zero share for signing session `sigid`. `pairSeeds` maps each *other signer* j of
 * this session (and no one else) to the seed z_{self,j} shared with j; both ends must pass the
 * same seed.
 * @example
 * const zeta = zeroShare(sigid, 1, new Map([[3, share.zeroSeeds.get(3)]]));
 */
export function zeroShare(
  sigid: Uint8Array,
  self: number,
  pairSeeds: ReadonlyMap<number, Uint8Array>,
): bigint {
  if (!(sigid instanceof Uint8Array) || sigid.length !== SID_BYTES)
    throw new TssError('InvalidParameters', `"sigid" expected ${SID_BYTES} bytes`);
  assertIndex(self, 'self');
  if (!(pairSeeds instanceof Map) || pairSeeds.size < 1)
    throw new TssError('InvalidParameters', '"pairSeeds" expected a map with at least one peer');
  let zeta = 0n;
  for (const [peer, seed] of pairSeeds) {
    assertIndex(peer, 'pairSeeds');
    if (peer === self) throw new TssError('InvalidParameters', '"pairSeeds" must not contain self');
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES)
      throw new TssError('InvalidParameters', `"pairSeeds" expected ${SEED_BYTES}-byte seeds`);
    // F_Zero via 0xCarbon zero_shares.rs: h = H_q(sigid, z_{ij}); add when i < j, subtract when i > j.
    const term = oracleScalar(TAGS.zeroShare, sigid, seed);
    zeta = self < peer ? add(zeta, term) : sub(zeta, term);
  }
  return zeta;
}
