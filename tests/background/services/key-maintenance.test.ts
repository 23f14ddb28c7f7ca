/**
 * The refresh schedule (issue #7) against real CKM servers in this process: the alarm is set at
 * the key's arrival plus the interval; when it fires while unlocked the shares are refreshed
 * (version + 1, same address, last refresh recorded, next alarm moved); when it fires while
 * locked the refresh is due and runs at the next unlock; a failed scheduled refresh stays due and
 * is retried an hour later; interval 0 clears the alarm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  createKeyMaintenanceService,
  type KeyMaintenanceService,
  REFRESH_ALARM,
} from '../../../background/services/key-maintenance';
import { createKeyringService, type KeyringService } from '../../../background/services/keyring';
import { createSettingsService, type SettingsService } from '../../../background/services/settings';
import { memoryVaultStore } from '../../../background/services/vault-store';
import { type InProcessCluster, startCluster } from '../../ckm/support/in-process';

const PASSWORD = 'correct horse battery staple';
const DAY = 24 * 60 * 60 * 1000;

let cluster: InProcessCluster;
let now = Date.now();
let keyring: KeyringService;
let settings: SettingsService;
let upkeep: KeyMaintenanceService;

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

async function fire(): Promise<void> {
  const alarm = await fakeBrowser.alarms.get(REFRESH_ALARM);
  expect(alarm).toBeDefined();
  now = (alarm?.scheduledTime ?? now) + 1;
  await fakeBrowser.alarms.onAlarm.trigger({ name: REFRESH_ALARM, scheduledTime: now });
}

/** Waits until the wallet's key version reaches `version` (a refresh runs in the background). */
async function versionReaches(version: number): Promise<void> {
  for (let i = 0; i < 600 && keyring.publicState()?.version !== version; i++) await settle(100);
  expect(keyring.publicState()?.version).toBe(version);
}

describe('scheduled refresh', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    cluster = await startCluster(2);
    settings = createSettingsService();
    keyring = createKeyringService({
      store: memoryVaultStore(),
      settings,
      transport: cluster.transport,
      now: () => now,
    });
    upkeep = createKeyMaintenanceService({ keyring, settings, now: () => now });
    await Promise.all([keyring.ready, upkeep.ready]);
    await settings.update({ autoLockMinutes: 0 });
    await keyring.create({
      servers: cluster.servers.map((s) => ({ url: s.url })),
      password: PASSWORD,
    });
    await upkeep.startSchedule();
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('sets the alarm 30 days after the key arrived; nothing refreshed yet', async () => {
    const alarm = await fakeBrowser.alarms.get(REFRESH_ALARM);
    expect(alarm?.scheduledTime).toBe(now + 30 * DAY);
    const info = upkeep.info();
    expect(info.keyVersion).toBe(1);
    expect(info.lastRefreshAt).toBeUndefined();
    expect(info.nextRefreshAt).toBe(now + 30 * DAY);
    expect(info.refreshIntervalDays).toBe(30);
  });

  it('refreshes when the alarm fires while unlocked, and schedules the next one', async () => {
    const address = keyring.wallet().address;
    await fire();
    await versionReaches(2);
    expect(keyring.wallet().address).toBe(address);
    const info = upkeep.info();
    expect(info.lastRefreshAt).toBe(now);
    expect(info.nextRefreshAt).toBe(now + 30 * DAY);
    expect((await fakeBrowser.alarms.get(REFRESH_ALARM))?.scheduledTime).toBe(now + 30 * DAY);
  });

  it('is due when the alarm fires while locked, and runs at the next unlock', async () => {
    await keyring.lock();
    await fire();
    await settle(200);
    expect(keyring.status()).toBe('locked');
    expect(upkeep.info().keyVersion).toBe(0); // locked: nothing readable
    await keyring.unlock(PASSWORD);
    await versionReaches(3);
    expect(upkeep.info().lastRefreshAt).toBe(now);
  });

  it('a scheduled refresh that fails (a server down) stays due and is retried an hour later', async () => {
    const b = cluster.servers[1];
    if (!b) throw new Error('two servers expected');
    b.down = true;
    try {
      await fire();
      await settle(500);
      // The first server may answer, but the refresh needs every server: nothing changed.
      for (let i = 0; i < 300; i++) {
        const alarm = await fakeBrowser.alarms.get(REFRESH_ALARM);
        if (alarm && alarm.scheduledTime <= now + 60 * 60 * 1000 + 1) break;
        await settle(100);
      }
      expect((await fakeBrowser.alarms.get(REFRESH_ALARM))?.scheduledTime).toBe(
        now + 60 * 60 * 1000,
      );
      expect(keyring.publicState()?.version).toBe(3);
    } finally {
      b.down = false;
    }
    await fire();
    await versionReaches(4);
  });

  it('interval 0 means on demand only: no alarm', async () => {
    await settings.update({ refreshIntervalDays: 0 });
    await settle();
    expect(await fakeBrowser.alarms.get(REFRESH_ALARM)).toBeUndefined();
    expect(upkeep.info().nextRefreshAt).toBeUndefined();
    await settings.update({ refreshIntervalDays: 30 });
  });
});
