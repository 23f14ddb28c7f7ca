/**
 * Ethereum signature helpers (tss/ethereum.ts; research/tecdsa.md §2.6, §6 "Ethereum v"):
 * the EIP-155 example, low-s with the parity flip, and viem as the recovery oracle.
 */
import { recoverAddress } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { add, G, inv, mod, mul, mulG, N, type Point, scalarToBytes } from '../../tss/curve';
import {
  legacyV,
  messageV,
  normalizeSignature,
  publicKeyToAddress,
  type RecoveryId,
  yParity,
} from '../../tss/ethereum';
import { randomScalar } from '../../tss/rng';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

const hex32 = (value: bigint) => `0x${Buffer.from(scalarToBytes(value)).toString('hex')}` as const;

/** The nonce point a verifier reconstructs: R = s⁻¹·(m·G + r·pk) (0xCarbon `sign_phase4`). */
function nonceOf(hash: bigint, r: bigint, s: bigint, pk: Point): Point {
  const w = inv(s);
  return mulG(mul(hash, w)).add(pk.multiply(mul(r, w)));
}

// ethereum/EIPs EIPS/eip-155.md, "Example".
const EIP155 = {
  key: BigInt(`0x${'46'.repeat(32)}`),
  hash: 0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53n,
  v: 37n,
  r: 18515461264373351373200002665853028612451056578545711640558177340181847433846n,
  s: 46948507304638947509940763649030358759909902576025900602547168820602576006531n,
};

describe('EIP-155 example', () => {
  const pk = mulG(EIP155.key);
  const address = publicKeyToAddress(pk);

  it('the address of key 0x46…46 matches viem', () => {
    expect(address).toBe(privateKeyToAddress(hex32(EIP155.key)));
    expect(address).toBe('0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F');
  });

  it('our recovery id and legacy v on the published (r, s) give v = 37, and viem recovers the address', async () => {
    const R = nonceOf(EIP155.hash, EIP155.r, EIP155.s, pk);
    expect(mod(R.x)).toBe(EIP155.r);
    const parity = R.y & 1n ? 1 : 0;
    const signature = normalizeSignature(EIP155.r, EIP155.s, parity, R.x >= N);
    expect(signature.s).toBe(EIP155.s); // already low-s
    expect(legacyV(1n, signature.recovery)).toBe(EIP155.v);
    const recovered = await recoverAddress({
      hash: hex32(EIP155.hash),
      signature: {
        r: hex32(signature.r),
        s: hex32(signature.s),
        v: legacyV(1n, signature.recovery),
      },
    });
    expect(recovered).toBe(address);
  });
});

describe('normalizeSignature', () => {
  it('property: low-s with the parity flip keeps the signature recoverable to the signer', async () => {
    const rng = seededRng('ethereum/low-s');
    let flipped = 0;
    for (let trial = 0; trial < 12; trial++) {
      const sk = randomScalar(rng);
      const hash = randomScalar(rng);
      const k = randomScalar(rng);
      const R = mulG(k);
      const r = mod(R.x);
      const s = mul(inv(k), add(hash, mul(r, sk)));
      const out = normalizeSignature(r, s, R.y & 1n ? 1 : 0, R.x >= N);
      if (out.s !== s) flipped++;
      expect(out.s <= N >> 1n).toBe(true);
      expect(out.r).toBe(r);
      for (const signature of [
        { r: hex32(out.r), s: hex32(out.s), yParity: yParity(out.recovery) },
        { r: hex32(out.r), s: hex32(out.s), v: BigInt(messageV(out.recovery)) },
        { r: hex32(out.r), s: hex32(out.s), v: legacyV(11155111n, out.recovery) },
      ])
        expect(await recoverAddress({ hash: hex32(hash), signature })).toBe(
          publicKeyToAddress(mulG(sk)),
        );
    }
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(12);
  });

  it('flips exactly above n/2 and sets bit 1 for x(R) ≥ n', () => {
    const half = N >> 1n;
    expect(normalizeSignature(1n, half, 0, false)).toEqual({ r: 1n, s: half, recovery: 0 });
    expect(normalizeSignature(1n, half + 1n, 0, false)).toEqual({
      r: 1n,
      s: N - half - 1n,
      recovery: 1,
    });
    expect(normalizeSignature(1n, N - 1n, 1, false)).toEqual({ r: 1n, s: 1n, recovery: 0 });
    expect(normalizeSignature(1n, 5n, 1, true).recovery).toBe(3);
    expect(normalizeSignature(1n, N - 5n, 1, true).recovery).toBe(2);
  });

  it('rejects r or s outside 1..n-1, a parity other than 0/1 and a non-boolean overflow flag', () => {
    expectTssError(() => normalizeSignature(0n, 1n, 0, false), 'InvalidParameters');
    expectTssError(() => normalizeSignature(N, 1n, 0, false), 'InvalidParameters');
    expectTssError(() => normalizeSignature(1n, 0n, 0, false), 'InvalidParameters');
    expectTssError(() => normalizeSignature(1n, N, 0, false), 'InvalidParameters');
    expectTssError(
      () => normalizeSignature(1 as unknown as bigint, 1n, 0, false),
      'InvalidParameters',
    );
    expectTssError(() => normalizeSignature(1n, 1n, 2 as 0, false), 'InvalidParameters');
    expectTssError(
      () => normalizeSignature(1n, 1n, 0, 1 as unknown as boolean),
      'InvalidParameters',
    );
  });
});

describe('Ethereum v', () => {
  it('legacyV = 2·chainId + 35 + recovery, yParity = recovery, messageV = 27 + recovery', () => {
    expect(legacyV(1n, 0)).toBe(37n);
    expect(legacyV(1n, 1)).toBe(38n);
    expect(legacyV(137n, 1)).toBe(310n);
    expect(legacyV(2n ** 64n, 0)).toBe(2n ** 65n + 35n);
    expect(yParity(0)).toBe(0);
    expect(yParity(1)).toBe(1);
    expect(messageV(0)).toBe(27);
    expect(messageV(1)).toBe(28);
  });

  it('refuses recovery ids 2 and 3 (x(R) ≥ n) with InvalidSignature', () => {
    for (const recovery of [2, 3] as RecoveryId[]) {
      const error = expectTssError(() => legacyV(1n, recovery), 'InvalidSignature');
      expect(error.shortMessage).toContain('"recovery"');
      expectTssError(() => yParity(recovery), 'InvalidSignature');
      expectTssError(() => messageV(recovery), 'InvalidSignature');
    }
  });

  it('rejects other recovery values and non-positive chain ids', () => {
    for (const recovery of [4, -1, 0.5, '0', 0n] as unknown as RecoveryId[]) {
      expectTssError(() => legacyV(1n, recovery), 'InvalidParameters');
      expectTssError(() => yParity(recovery), 'InvalidParameters');
      expectTssError(() => messageV(recovery), 'InvalidParameters');
    }
    expectTssError(() => legacyV(0n, 0), 'InvalidParameters');
    expectTssError(() => legacyV(-1n, 0), 'InvalidParameters');
    expectTssError(() => legacyV(1 as unknown as bigint, 0), 'InvalidParameters');
  });
});

describe('publicKeyToAddress', () => {
  it('matches viem for random keys and rejects the identity and non-points', () => {
    const rng = seededRng('ethereum/address');
    for (let i = 0; i < 3; i++) {
      const sk = randomScalar(rng);
      expect(publicKeyToAddress(mulG(sk))).toBe(privateKeyToAddress(hex32(sk)));
    }
    expectTssError(() => publicKeyToAddress(G.subtract(G)), 'InvalidParameters');
    expectTssError(() => publicKeyToAddress('0x04' as unknown as Point), 'InvalidParameters');
  });
});
