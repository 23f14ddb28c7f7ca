/**
 * Schnorr proof of knowledge of a discrete logarithm, made non-interactive by Fiat–Shamir
 * (Schnorr 1991; the "π_{i,k}" of research/tecdsa.md §2.2 R2 and the confirmation proof of R4,
 * as in DKLT23 Protocol 9.1 / 0xCarbon `proofs.rs` DLogProof).
 *
 *   prove x for X = x·G:  k ←$ Z_n,  K = k·G,  e = H(tag, sid, context…, X, K),  z = k + e·x
 *   verify:               z·G == K + e·X
 *
 * The challenge is bound to the session id and to a caller-chosen context (party index,
 * coefficient index, chain code, transcript digest…), so a proof cannot be replayed in another
 * session or position (TOB-SILA-7/9; research/tecdsa.md §4.1 item 4).
 * @see https://eprint.iacr.org/2023/765
 * @module
 */
import { decodePoint, decodeScalar } from './assert';
import { add, G, mul, mulG, N, Point, pointToBytes, scalarToBytes } from './curve';
import { TssError } from './errors';
import { oracleScalar } from './hash';
import { SID_BYTES } from './params';
import { type Rng, randomScalar } from './rng';
import { ALL_TAGS, type Tag } from './tags';

/** A proof on the wire: K (33-byte compressed point) and z (32-byte scalar). */
export interface DlogProof {
  readonly commitment: Uint8Array;
  readonly response: Uint8Array;
}

function assertOracleInputs(tag: unknown, sid: unknown, context: unknown): void {
  if (typeof tag !== 'string' || !(ALL_TAGS as readonly string[]).includes(tag))
    throw new TssError('InvalidParameters', '"tag" expected an oracle tag from tss/tags');
  if (!(sid instanceof Uint8Array) || sid.length !== SID_BYTES)
    throw new TssError('InvalidParameters', `"sid" expected ${SID_BYTES} bytes`);
  if (!Array.isArray(context) || !context.every((part) => part instanceof Uint8Array))
    throw new TssError('InvalidParameters', '"context" expected a list of byte strings');
}

/** e = H(tag, sid, context…, X, K) reduced to a scalar. */
function challenge(
  tag: Tag,
  sid: Uint8Array,
  context: readonly Uint8Array[],
  publicPoint: Point,
  commitment: Uint8Array,
): bigint {
  return oracleScalar(tag, sid, ...context, pointToBytes(publicPoint), commitment);
}

/**
 * Proves knowledge of `secret` (non-zero) for X = secret·G. `secret` and the nonce k are
 * multiplied with the constant-time `mulG`.
 * @example
 * const proof = proveDlog(TAGS.dkgPok, sid, [u32(self), u32(k)], coefficient, rng);
 */
export function proveDlog(
  tag: Tag,
  sid: Uint8Array,
  context: readonly Uint8Array[],
  secret: bigint,
  rng: Rng,
): DlogProof {
  assertOracleInputs(tag, sid, context);
  // X = 0·G is the identity, which has no encoding and proves nothing.
  if (typeof secret !== 'bigint' || secret <= 0n || secret >= N)
    throw new TssError('InvalidParameters', '"secret" expected a scalar in 1..n-1');
  if (typeof rng !== 'function')
    throw new TssError('InvalidParameters', '"rng" expected a function');
  const k = randomScalar(rng); // k ←$ Z_n \ {0}
  const commitment = pointToBytes(mulG(k)); // K = k·G
  const e = challenge(tag, sid, context, mulG(secret), commitment); // e = H(…, X, K)
  const response = scalarToBytes(add(k, mul(e, secret))); // z = k + e·x
  return { commitment, response };
}

/**
 * Verifies a peer's proof for `publicPoint` and throws a {@link TssError} naming `field` and
 * `culprit` if it is malformed (`MalformedMessage`, `WrongLength`, `InvalidPoint`,
 * `InvalidScalar`) or false (`InvalidProof`). z = 0 is accepted as an encoding (it occurs with
 * probability 1/n for an honest prover); the equation decides.
 * @example
 * verifyDlog(TAGS.dkgPok, sid, [u32(peer), u32(k)], F[k], msg.proofs[k], peer, `dkg2.proofs[${k}]`);
 */
export function verifyDlog(
  tag: Tag,
  sid: Uint8Array,
  context: readonly Uint8Array[],
  publicPoint: Point,
  proof: unknown,
  culprit: number,
  field: string,
): void {
  assertOracleInputs(tag, sid, context);
  if (!(publicPoint instanceof Point))
    throw new TssError('InvalidParameters', '"publicPoint" expected a secp256k1 point');
  if (publicPoint.is0())
    throw new TssError('InvalidPoint', `"${field}" proves the identity`, culprit);
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof))
    throw new TssError('MalformedMessage', `"${field}" expected an object`, culprit);
  const fields = proof as Record<string, unknown>;
  const commitmentPoint = decodePoint(fields.commitment, `${field}.commitment`, culprit);
  const z = decodeScalar(fields.response, `${field}.response`, culprit, true);
  const e = challenge(tag, sid, context, publicPoint, fields.commitment as Uint8Array);
  // z·G == K + e·X. Everything here is public (the proof, X, e), so multiplyUnsafe is safe.
  const lhs = G.multiplyUnsafe(z);
  const rhs = commitmentPoint.add(publicPoint.multiplyUnsafe(e));
  if (!lhs.equals(rhs)) throw new TssError('InvalidProof', `"${field}" does not verify`, culprit);
}
