/**
 * Signing output (DKLs23 Protocol 3.6 step 4; research/tecdsa.md §2.6 "Output", "Low-s and
 * recovery id"): s = Σw / Σu, normalised to low-s with the parity flipped, and verified against
 * the derived public key before it is released. A bad (u, w) from a cheater only aborts.
 *
 * The verification is the ECDSA equation on the nonce point itself (SEC 1 v2 §4.1.4 step 5
 * without taking x): s⁻¹m·G + s⁻¹r·pk = R', with R' = ±R the point whose parity the recovery id
 * states. It implies the ECDSA verification (x(R') mod n = r) and also fixes the recovery id
 * (public-key recovery from (r, s, recid) rebuilds exactly R'), so it replaces a noble `verify`
 * plus `recoverPublicKey` with one double-scalar multiplication (docs/protocol.md §9). Every
 * scalar in it is public, so it runs variable-time.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { decodeScalar } from '../assert';
import { add, G, inv, mul, N } from '../curve';
import { TssError } from '../errors';
import { consume } from '../state';
import { collectSignMessages, parseSign3 } from './parse';
import type { SignRound3State, ThresholdSignature } from './types';

export function signFinish(
  round3: SignRound3State,
  inbound: readonly unknown[],
): ThresholdSignature {
  consume(round3, 'sign/round3');
  const { self, peers, sigid } = round3;
  const raw = collectSignMessages(inbound, peers, self, sigid, 'sign3', false);
  let sumU = decodeScalar(round3.broadcast.u, 'sign3.u', self, true);
  let sumW = decodeScalar(round3.broadcast.w, 'sign3.w', self, true);
  for (const [from, fields] of raw) {
    const { u, w } = parseSign3(fields, from);
    sumU = add(sumU, decodeScalar(u, 'sign3.u', from, true));
    sumW = add(sumW, decodeScalar(w, 'sign3.w', from, true));
  }
  if (sumU === 0n) throw new TssError('DegenerateNonce', 'Σu is zero');
  let s = mul(sumW, inv(sumU)); // s = r^{-1}(m + r_x·sk)
  let nonce = round3.bigR;
  // Low-s (EIP-2): s > n/2 → n − s, which negates R and flips the parity.
  if (s > N >> 1n) {
    s = N - s;
    nonce = nonce.negate();
  }
  if (s === 0n || round3.r === 0n) throw new TssError('InvalidSignature', 'r or s is zero');
  const parity = nonce.toAffine().y & 1n ? 1 : 0;
  const recovery = parity | (round3.rOverflow ? 2 : 0);
  // s⁻¹m·G + s⁻¹r·pk_derived must be R' itself (module doc); m mod n as ECDSA's e (bits2int).
  const sInverse = inv(s);
  const valid = G.mulAddUnsafe(
    mul(round3.message, sInverse),
    round3.derivedPublicKey,
    mul(round3.r, sInverse),
  ).equals(nonce);
  if (!valid)
    throw new TssError(
      'InvalidSignature',
      'the combined signature does not verify under the derived key',
    );
  // noble's Signature checks the ranges once more (r, s in [1, n), recovery in 0..3).
  const signature = new secp256k1.Signature(round3.r, s, recovery);
  return { r: signature.r, s: signature.s, recovery, publicKey: round3.derivedPublicKey };
}
