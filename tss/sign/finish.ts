/**
 * Signing output (DKLs23 Protocol 3.6 step 4; research/tecdsa.md §2.6 "Output", "Low-s and
 * recovery id"): s = Σw / Σu, normalised to low-s with the parity flipped, and verified against
 * the derived public key before it is released. A bad (u, w) from a cheater only aborts.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { decodeScalar } from '../assert';
import { add, inv, mul, N, pointToBytes } from '../curve';
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
  let parity = round3.bigR.toAffine().y & 1n ? 1 : 0;
  // Low-s (EIP-2): s > n/2 → n − s, which negates R and flips the parity.
  if (s > N >> 1n) {
    s = N - s;
    parity ^= 1;
  }
  if (s === 0n) throw new TssError('InvalidSignature', 's is zero');
  const recovery = parity | (round3.rOverflow ? 2 : 0);
  const signature = new secp256k1.Signature(round3.r, s, recovery);
  const publicKeyBytes = pointToBytes(round3.derivedPublicKey);
  const valid =
    round3.r !== 0n &&
    secp256k1.verify(signature.toBytes('compact'), round3.digest, publicKeyBytes, {
      prehash: false,
      lowS: true,
    }) &&
    signature.recoverPublicKey(round3.digest).equals(round3.derivedPublicKey);
  if (!valid)
    throw new TssError(
      'InvalidSignature',
      'the combined signature does not verify under the derived key',
    );
  return { r: round3.r, s, recovery, publicKey: round3.derivedPublicKey };
}
