/**
 * The policy firewall's tables (migration 4) behind the store port, on PGlite and on PostgreSQL:
 * the policy state round trip, the ledger's rolling sums (a re-sign under the same key replaces,
 * amounts up to 2^256 − 1 sum exactly), holds, the per-wallet lock that serialises two
 * concurrent checks, and the checks at the door.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStorage, type Storage, StorageNotFoundError } from '../../server/storage';
import { startPostgres, type TestPostgres } from '../support/postgres';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const KEK = new Uint8Array(32).fill(0x22);
const key = (byte: number) => new Uint8Array(32).fill(byte);
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const MAX = (2n ** 256n - 1n).toString();

type Backend = { name: string; open(): Promise<Storage>; close(): Promise<void> };

function pglite(): Backend {
  const dirs: string[] = [];
  return {
    name: 'pglite',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'ckm-policy-store-'));
      dirs.push(dataDir);
      return openStorage({ dataDir, kek: KEK });
    },
    async close() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgres(): Backend {
  let server: TestPostgres | undefined;
  return {
    name: 'postgres',
    async open() {
      server ??= await startPostgres();
      return openStorage({ databaseUrl: await server.createDatabase(), kek: KEK });
    },
    async close() {
      await server?.stop();
    },
  };
}

for (const backend of [pglite(), postgres()])
  describe(`policy tables on ${backend.name}`, () => {
    let storage: Storage;

    beforeAll(async () => {
      storage = await backend.open();
      for (const walletId of ['w1', 'w2'])
        await storage.createWallet({
          walletId,
          deviceSigningKey: key(1),
          deviceAgreementKey: key(2),
          party: 2,
          config: new Uint8Array([1]),
        });
    });

    afterAll(async () => {
      await storage?.close();
      await backend.close();
    });

    it('stores and replaces a policy state per wallet', async () => {
      expect(await storage.policyTransaction('w1', (tx) => tx.getPolicy())).toBeUndefined();
      await storage.policyTransaction('w1', (tx) => tx.putPolicy(new Uint8Array([1, 2, 3])));
      await storage.policyTransaction('w1', (tx) => tx.putPolicy(new Uint8Array([4, 5])));
      expect(await storage.policyTransaction('w1', (tx) => tx.getPolicy())).toEqual(
        new Uint8Array([4, 5]),
      );
      expect(await storage.policyTransaction('w2', (tx) => tx.getPolicy())).toBeUndefined();
    });

    it('sums the ledger per asset since a time, replaces a key’s entries, skips the current key, prunes', async () => {
      await storage.policyTransaction('w1', async (tx) => {
        await tx.replaceLedger('k1', [{ chainId: 1, asset: 'native', amount: '100' }], 1_000);
        await tx.replaceLedger(
          'k2',
          [
            { chainId: 1, asset: 'native', amount: '20' },
            { chainId: 1, asset: TOKEN, amount: MAX },
          ],
          2_000,
        );
        await tx.replaceLedger('k3', [{ chainId: 5, asset: 'native', amount: '7' }], 3_000);
        expect(await tx.spent(0)).toEqual([
          { chainId: 1, asset: TOKEN, amount: MAX },
          { chainId: 1, asset: 'native', amount: '120' },
          { chainId: 5, asset: 'native', amount: '7' },
        ]);
        expect(await tx.spent(1_500)).toEqual([
          { chainId: 1, asset: TOKEN, amount: MAX },
          { chainId: 1, asset: 'native', amount: '20' },
          { chainId: 5, asset: 'native', amount: '7' },
        ]);
        expect(await tx.spent(0, 'k2')).toEqual([
          { chainId: 1, asset: 'native', amount: '100' },
          { chainId: 5, asset: 'native', amount: '7' },
        ]);
        // A speed-up of k1 (same nonce) replaces its entry instead of adding to it.
        await tx.replaceLedger('k1', [{ chainId: 1, asset: 'native', amount: '150' }], 4_000);
        expect((await tx.spent(0, 'k2')).find((t) => t.chainId === 1)?.amount).toBe('150');
        // The sum of two maximal amounts is exact, past 2^256.
        await tx.replaceLedger('k4', [{ chainId: 1, asset: TOKEN, amount: MAX }], 4_000);
        expect((await tx.spent(0)).find((t) => t.asset === TOKEN)?.amount).toBe(
          (2n * (2n ** 256n - 1n)).toString(),
        );
        await tx.replaceLedger('k4', [], 4_000);
        await tx.pruneLedger(2_500);
        expect(await tx.spent(0)).toEqual([
          { chainId: 1, asset: 'native', amount: '150' },
          { chainId: 5, asset: 'native', amount: '7' },
        ]);
      });
      // Another wallet's ledger is its own.
      expect(await storage.policyTransaction('w2', (tx) => tx.spent(0))).toEqual([]);
    });

    it('keeps holds: insert, replace by id, list since a time newest first', async () => {
      const hold = {
        holdId: 'aa'.repeat(32),
        createdAt: 10_000,
        readyAt: 20_000,
        status: 'waiting' as const,
        summary: 'Send 5 ETH to 0xAb…cd on chain 1',
      };
      await storage.policyTransaction('w1', async (tx) => {
        expect(await tx.getHold(hold.holdId)).toBeUndefined();
        await tx.putHold(hold);
        await tx.putHold({ ...hold, holdId: 'bb'.repeat(32), createdAt: 11_000 });
        await tx.putHold({ ...hold, holdId: 'cc'.repeat(32), createdAt: 5_000 });
        await tx.putHold({ ...hold, status: 'cancelled', cancelledAt: 12_000 });
        expect(await tx.getHold(hold.holdId)).toEqual({
          ...hold,
          status: 'cancelled',
          cancelledAt: 12_000,
        });
        await tx.putHold({ ...hold, status: 'used' });
        expect(await tx.getHold(hold.holdId)).toEqual({ ...hold, status: 'used' });
        expect((await tx.listHolds(9_000, 10)).map((h) => h.holdId)).toEqual([
          'bb'.repeat(32),
          'aa'.repeat(32),
        ]);
        expect(await tx.listHolds(9_000, 1)).toHaveLength(1);
      });
      expect(
        await storage.policyTransaction('w2', (tx) => tx.getHold(hold.holdId)),
      ).toBeUndefined();
    });

    it('rolls back what a failed check wrote, and passes the check’s own error through', async () => {
      class Refused extends Error {}
      await expect(
        storage.policyTransaction('w2', async (tx) => {
          await tx.replaceLedger('x', [{ chainId: 1, asset: 'native', amount: '5' }], 1);
          throw new Refused('refused');
        }),
      ).rejects.toBeInstanceOf(Refused);
      expect(await storage.policyTransaction('w2', (tx) => tx.spent(0))).toEqual([]);
    });

    it('serialises two checks of one wallet: the second sees the first’s ledger entry', async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const order: string[] = [];
      const first = storage.policyTransaction('w2', async (tx) => {
        order.push('first reads');
        await gate;
        await tx.replaceLedger('a', [{ chainId: 9, asset: 'native', amount: '1' }], 1);
        order.push('first writes');
      });
      await new Promise((r) => setTimeout(r, 50));
      const second = storage.policyTransaction('w2', async (tx) => {
        order.push('second reads');
        return tx.spent(0);
      });
      await new Promise((r) => setTimeout(r, 50));
      release();
      await first;
      expect(await second).toEqual([{ chainId: 9, asset: 'native', amount: '1' }]);
      expect(order).toEqual(['first reads', 'first writes', 'second reads']);
    });

    it('refuses an unknown wallet and bad values at the door', async () => {
      await expect(storage.policyTransaction('nope', (tx) => tx.getPolicy())).rejects.toThrow(
        StorageNotFoundError,
      );
      await storage.policyTransaction('w1', async (tx) => {
        await expect(
          tx.replaceLedger('k', [{ chainId: 1, asset: 'native', amount: '01' }], 1),
        ).rejects.toThrow(/entries\[0\]\.amount/);
        await expect(
          tx.replaceLedger('k', [{ chainId: 1, asset: 'native', amount: '1'.repeat(79) }], 1),
        ).rejects.toThrow(/entries\[0\]\.amount/);
        await expect(
          tx.replaceLedger('k', [{ chainId: -1, asset: 'native', amount: '1' }], 1),
        ).rejects.toThrow(/entries\[0\]\.chainId/);
        await expect(tx.replaceLedger('', [], 1)).rejects.toThrow(/ledgerKey/);
        await expect(
          tx.putHold({
            holdId: 'h',
            createdAt: 1,
            readyAt: 2,
            status: 'ready' as 'waiting',
            summary: 's',
          }),
        ).rejects.toThrow(/hold\.status/);
        await expect(
          tx.putHold({ holdId: 'h', createdAt: 1, readyAt: 2, status: 'waiting', summary: '' }),
        ).rejects.toThrow(/hold\.summary/);
      });
    });
  });
