/**
 * The pinned parameters of our DKLs23 instantiation (research/tecdsa.md §2.1). Changing any of
 * them changes every transcript: bump {@link PROTOCOL_VERSION} with it.
 * @see https://eprint.iacr.org/2023/765 (DKLs23 §5, §8)
 * @module
 */

/**
 * Version of the wire format and transcript; golden transcripts are pinned to it. 2: the
 * OT-extension rows yield 32-byte draws instead of 48 (docs/protocol.md §7).
 */
export const PROTOCOL_VERSION = 2;

/**
 * Version of the key-share encoding, apart from {@link PROTOCOL_VERSION}: a share holds the DKG's
 * results (share, public data, base-OT seeds), which a transcript change of the later rounds
 * does not touch, so shares made under protocol 1 still sign under protocol 2.
 */
export const KEY_SHARE_VERSION = 1;

/** κ: bit length of the group order q of secp256k1. */
export const KAPPA = 256;
/** λ_c: computational security parameter; base OTs per ordered pair (DKLs23 §8.1). */
export const LAMBDA_C = 128;
/** λ_s: statistical security parameter. */
export const LAMBDA_S = 128;
/** ξ = κ + 2λ_s: OT-extension batch size = RVOLE rows (DKLs23 Protocol 5.2). */
export const XI = KAPPA + 2 * LAMBDA_S;
/** ℓ: RVOLE vector length, the inputs (r_i, sk_i) of Protocol 3.6. */
export const ELL = 2;
/** ρ = ⌈κ/λ_c⌉: RVOLE check columns. */
export const RHO = Math.ceil(KAPPA / LAMBDA_C);
/** ℓ + ρ: scalars per OT row ("OT width"). */
export const OT_WIDTH = ELL + RHO;
/** s: bits of the OT-extension consistency-check field GF(2^128), and of its random padding. */
export const CHECK_BITS = 128;
/** m = ξ/s: checked blocks; the padding block comes on top. */
export const CHECK_BLOCKS = XI / CHECK_BITS;
/** Bytes of one OT-extension column: ξ + s bits. */
export const COLUMN_BYTES = (XI + CHECK_BITS) / 8;

/** Party counts we support: 2 ≤ t ≤ n ≤ 16. */
export const MIN_PARTIES = 2;
export const MAX_PARTIES = 16;

/** Bytes of a scalar, a compressed point, a session id, a digest, a seed. */
export const SCALAR_BYTES = 32;
export const POINT_BYTES = 33;
export const SID_BYTES = 32;
export const DIGEST_BYTES = 32;
export const SEED_BYTES = 32;
/** μ, the RVOLE check value: 2λ_c bits. */
export const MU_BYTES = (2 * LAMBDA_C) / 8;
