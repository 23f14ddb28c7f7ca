/**
 * From a threshold ECDSA signature to Ethereum: low-s normalisation with the recovery id,
 * Ethereum's three encodings of v, and the address of a public key (research/tecdsa.md §2.6
 * "Low-s and recovery id"; EIP-2, EIP-155, EIP-2718, EIP-191/712; Yellow Paper Appendix F).
 * @see https://eips.ethereum.org/EIPS/eip-2
 * @see https://eips.ethereum.org/EIPS/eip-155
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import type { Address } from 'viem';
import { publicKeyToAddress as viemPublicKeyToAddress } from 'viem/utils';
import { N, Point } from './curve';
import { TssError } from './errors';

/** The recovery id: bit 0 = y(R) odd, bit 1 = x(R) ≥ n (SEC 1 v2 §4.1.6). */
export type RecoveryId = 0 | 1 | 2 | 3;

export interface NormalizedSignature {
  readonly r: bigint;
  readonly s: bigint;
  readonly recovery: RecoveryId;
}

const HALF_N = N >> 1n;

function assertScalarInRange(value: unknown, field: string): asserts value is bigint {
  if (typeof value !== 'bigint' || value <= 0n || value >= N)
    throw new TssError('InvalidParameters', `"${field}" expected a scalar in 1..n-1`);
}

/**
 * Ethereum can only express recovery ids 0 and 1: ids 2 and 3 mean x(R) ≥ n, which happens with
 * probability about 2^-128 and has no v value. The caller signs again with a fresh nonce.
 */
function ethereumParity(recovery: unknown): 0 | 1 {
  if (recovery === 0 || recovery === 1) return recovery;
  if (recovery === 2 || recovery === 3)
    throw new TssError(
      'InvalidSignature',
      '"recovery" is 2 or 3 (x(R) ≥ n), which Ethereum cannot express; sign again',
    );
  throw new TssError('InvalidParameters', '"recovery" expected 0, 1, 2 or 3');
}

/**
 * Low-s form and recovery id of (r, s), where r = x(R) mod n, `recoveryParityBit` = y(R) mod 2
 * and `rOverflow` = (x(R) ≥ n). research/tecdsa.md §2.6: "If s > n/2, set s = n−s and flip the
 * y-parity. recid = (R.y odd) ⊕ flipped | ((R.x ≥ n) << 1)". (r, n−s) is the signature for −R,
 * whose y has the other parity; EIP-2 makes high-s transactions invalid.
 * @example
 * const { r, s, recovery } = normalizeSignature(r, s, R.y & 1n ? 1 : 0, R.x >= N);
 */
export function normalizeSignature(
  r: bigint,
  s: bigint,
  recoveryParityBit: 0 | 1,
  rOverflow: boolean,
): NormalizedSignature {
  assertScalarInRange(r, 'r');
  assertScalarInRange(s, 's');
  if (recoveryParityBit !== 0 && recoveryParityBit !== 1)
    throw new TssError('InvalidParameters', '"recoveryParityBit" expected 0 or 1');
  if (typeof rOverflow !== 'boolean')
    throw new TssError('InvalidParameters', '"rOverflow" expected a boolean');
  // s is part of the public output, so branching on it leaks nothing.
  const high = s > HALF_N;
  const parity = high ? recoveryParityBit ^ 1 : recoveryParityBit;
  const recovery = (parity | (rOverflow ? 2 : 0)) as RecoveryId;
  return { r, s: high ? N - s : s, recovery };
}

/**
 * The checksummed (EIP-55) address: the last 20 bytes of keccak256 of the uncompressed key
 * without its 0x04 prefix (Yellow Paper Appendix F), via viem's `publicKeyToAddress`.
 * @example
 * publicKeyToAddress(mulG(0x46…46n)); // '0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F'
 */
export function publicKeyToAddress(point: Point): Address {
  if (!(point instanceof Point) || point.is0())
    throw new TssError('InvalidParameters', '"point" expected a non-identity secp256k1 point');
  return viemPublicKeyToAddress(`0x${bytesToHex(point.toBytes(false))}`);
}

/**
 * Legacy (EIP-155) transactions: v = 2·chainId + 35 + recovery.
 * @example
 * legacyV(1n, 0); // 37n
 */
export function legacyV(chainId: bigint, recovery: RecoveryId): bigint {
  if (typeof chainId !== 'bigint' || chainId < 1n)
    throw new TssError('InvalidParameters', '"chainId" expected a positive integer');
  return 2n * chainId + 35n + BigInt(ethereumParity(recovery));
}

/**
 * Typed transactions (EIP-2930/1559/4844/7702): yParity = recovery.
 * @example
 * yParity(1); // 1
 */
export function yParity(recovery: RecoveryId): 0 | 1 {
  return ethereumParity(recovery);
}

/**
 * personal_sign (EIP-191) and eth_signTypedData (EIP-712): v = 27 + recovery.
 * @example
 * messageV(0); // 27
 */
export function messageV(recovery: RecoveryId): 27 | 28 {
  return ethereumParity(recovery) === 0 ? 27 : 28;
}
