/**
 * The `recoveries` table (migration 3) behind the store port, on PGlite and on PostgreSQL: one
 * pending recovery per wallet, idempotent start, conflict for another device, conditional cancel,
 * and the completion inside the commit of the recovery's re-share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStorage, type Storage } from '../../server/storage';
import { startPostgres, type TestPostgres } from '../support/postgres';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const KEK = new Uint8Array(32).fill(0x11);
const key = (byte: number) => new Uint8Array(32).fill(byte);
const publicKey = new Uint8Array(33).fill(2);

type Backend = { name: string; open(): Promise<Storage>; close(): Promise<void> };

function pglite(): Backend {
  const dirs: string[] = [];
  return {
    name: 'pglite',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'ckm-recovery-store-'));
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
  describe(`recoveries on ${backend.name}`, () => {
    let storage: Storage;

    beforeAll(async () => {
      storage = await backend.open();
      await storage.createWallet({
        walletId: 'w1',
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

    const start = (signing: number, startedAt: number) =>
      storage.startRecovery({
        walletId: 'w1',
        newSigningKey: key(signing),
        newAgreementKey: key(signing + 1),
        startedAt,
        readyAt: startedAt + 1000,
      });

    it('starts one recovery at a time: the same device again is `exists`, another is `conflict`', async () => {
      expect(await storage.getRecovery('w1')).toBeUndefined();
      const first = await start(10, 5000);
      expect(first.outcome).toBe('started');
      expect(first.record).toMatchObject({ status: 'pending', startedAt: 5000, readyAt: 6000 });
      const again = await start(10, 7000);
      expect(again.outcome).toBe('exists');
      expect(again.record.startedAt).toBe(5000);
      const other = await start(20, 7000);
      expect(other.outcome).toBe('conflict');
      expect(other.record.newSigningKey).toEqual(key(10));
      await expect(
        storage.startRecovery({
          walletId: 'nope',
          newSigningKey: key(1),
          newAgreementKey: key(2),
          startedAt: 1,
          readyAt: 2,
        }),
      ).rejects.toMatchObject({ code: 'NotFound' });
    });

    it('cancels only the named pending recovery, and with `before` only within its waiting period', async () => {
      const cancel = (startedAt: number, at: number, before?: number) =>
        storage.cancelRecovery({
          walletId: 'w1',
          startedAt,
          at,
          by: 'device',
          ...(before === undefined ? {} : { before }),
        });
      expect(await cancel(4999, 5500)).toBe(false); // another start
      expect(await cancel(5000, 6500, 6500)).toBe(false); // the waiting period is over
      expect(await cancel(5000, 5500, 5500)).toBe(true);
      expect(await cancel(5000, 5600)).toBe(false); // already cancelled
      const record = await storage.getRecovery('w1');
      expect(record).toMatchObject({
        status: 'cancelled',
        cancelledAt: 5500,
        cancelledBy: 'device',
      });
      // A new start replaces it and keeps the last cancellation for the status answer.
      const next = await start(20, 8000);
      expect(next.outcome).toBe('started');
      expect(next.record).toMatchObject({ status: 'pending', cancelledAt: 5500, startedAt: 8000 });
    });

    it('completes the recovery in the commit of the re-share that installs its device, not another', async () => {
      await storage.putPendingKey({
        walletId: 'w1',
        version: 1,
        publicKey,
        share: new Uint8Array([1]),
      });
      await storage.commitKey('w1', 1);
      // A re-share to another device: the recovery stays pending.
      await storage.putPendingKey({
        walletId: 'w1',
        version: 2,
        publicKey,
        share: new Uint8Array([2]),
        walletUpdate: {
          deviceSigningKey: key(30),
          deviceAgreementKey: key(31),
          party: 2,
          config: new Uint8Array([2]),
        },
      });
      expect((await storage.getKey('w1', 2))?.nextDeviceSigningKey).toEqual(key(30));
      expect((await storage.getKey('w1', 1))?.nextDeviceSigningKey).toBeUndefined();
      await storage.commitKey('w1', 2);
      expect((await storage.getRecovery('w1'))?.status).toBe('pending');
      await storage.putPendingKey({
        walletId: 'w1',
        version: 3,
        publicKey,
        share: new Uint8Array([3]),
        walletUpdate: {
          deviceSigningKey: key(20),
          deviceAgreementKey: key(21),
          party: 2,
          config: new Uint8Array([3]),
        },
      });
      await storage.commitKey('w1', 3);
      const done = await storage.getRecovery('w1');
      expect(done?.status).toBe('completed');
      expect(done?.completedAt).toBeTypeOf('number');
      expect((await storage.getWallet('w1'))?.deviceSigningKey).toEqual(key(20));
    });
  });
