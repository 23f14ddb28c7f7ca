/**
 * What a stopped CKM server process holds, read straight from its PGlite data folder with the
 * server's own storage code, and whether two parties' shares still make the wallet's key. The
 * e2e suites use it to show that a share a server kept after it was replaced is useless
 * (issue #7): neither a threshold signature nor Lagrange interpolation with a current share
 * gives the wallet's key.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { openSql } from '../../../server/storage/open';
import { createSqlStorage } from '../../../server/storage/sql-storage';
import type { KeyStatus } from '../../../server/storage/types';
import { add, mul, mulG } from '../../../tss/curve';
import { decodeKeyShare, type KeyShare, type ThresholdSignature } from '../../../tss/index';
import { lagrangeCoefficient } from '../../../tss/lagrange';
import type { ServerProcess } from '../../integration/support/server-process';
import { rngsFor, runSign } from '../../tss/support/simulate';

/**
 * The key-encryption key every `serverProcess` runs with (tests/integration/support/
 * server-process.ts, where it is not exported); the shares are sealed under it at rest.
 */
const KEK = Uint8Array.from(Buffer.from('cd'.repeat(32), 'hex'));

export type StoredShare = {
  readonly walletId: string;
  readonly version: number;
  readonly status: KeyStatus;
  readonly share: KeyShare;
};

/**
 * Every key version of every wallet on `server`, oldest first. The server must be stopped:
 * PGlite allows one process on a folder.
 */
export async function readStoredShares(server: ServerProcess): Promise<StoredShare[]> {
  const sql = await openSql({ dataDir: server.dataDir, kek: KEK });
  const storage = createSqlStorage({ sql, kek: KEK });
  try {
    const wallets = await sql.query<{ wallet_id: string }>('SELECT wallet_id FROM wallets');
    const out: StoredShare[] = [];
    for (const { wallet_id: walletId } of wallets) {
      for (const key of await storage.listKeys(walletId)) {
        const stored = await storage.getKey(walletId, key.version);
        if (!stored) throw new Error(`${server.name}: version ${key.version} vanished`);
        out.push({
          walletId,
          version: key.version,
          status: key.status,
          share: decodeKeyShare(stored.share),
        });
      }
    }
    return out;
  } finally {
    await storage.close();
  }
}

/** The one active share of `server` (stopped), failing unless there is exactly one. */
export async function activeShareOf(server: ServerProcess): Promise<StoredShare> {
  const active = (await readStoredShares(server)).filter((s) => s.status === 'active');
  if (active.length !== 1)
    throw new Error(`${server.name} holds ${active.length} active shares, expected 1`);
  return active[0] as StoredShare;
}

/**
 * Whether the two shares, Lagrange-weighted at 0 over their two indices, add up to the secret
 * of `publicKey` (checked on the curve: Σ λ_i·x_i·G = Y). The shares of one key version do; a
 * share from before a re-share and one from after do not.
 */
export function sharesAddUp(a: KeyShare, b: KeyShare, publicKey: Uint8Array): boolean {
  if (a.self === b.self) return false;
  const set = [a.self, b.self];
  const secret = add(
    mul(lagrangeCoefficient(a.self, set), a.secretShare),
    mul(lagrangeCoefficient(b.self, set), b.secretShare),
  );
  return secret !== 0n && mulG(secret).equals(secp256k1.Point.fromBytes(publicKey));
}

/**
 * Whether the two shares complete a DKLs23 signing (tss/ in this process, seeded test rngs)
 * whose signature verifies against `publicKey`. Any protocol error counts as "does not combine".
 */
export function combines(a: KeyShare, b: KeyShare, publicKey: Uint8Array): boolean {
  const signers = [a.self, b.self].sort((x, y) => x - y);
  const shares = new Map([
    [a.self, a],
    [b.self, b],
  ]);
  const digest = new Uint8Array(32).fill(0x5a);
  try {
    const out = runSign(shares, { signers, digest }, rngsFor(signers, 'e2e-combine'));
    const sig = out.get(signers[0] as number) as ThresholdSignature;
    const compact = new secp256k1.Signature(sig.r, sig.s).toBytes('compact');
    return secp256k1.verify(compact, digest, publicKey, { prehash: false });
  } catch {
    return false;
  }
}
