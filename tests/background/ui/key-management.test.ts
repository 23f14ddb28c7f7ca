/**
 * Issue #7's backup kit, refresh and server replacement through the popup's requests
 * (`handleUiRequest`), each device a whole background service graph, against real CKM servers in
 * this process and a real anvil: the recovery key shown once (SSKR split, then gone), backup
 * kits (wrong password changes nothing), "lose the profile" and restore from the file, the UR
 * text and 3 of 5 shares (same address, a mined transaction, the old device refused), a refresh
 * (version + 1, same address, date shown) and replacing a server (signs with the new one alone).
 */
import { type Hex, parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { KitView } from '../../../background/ui-api';
import { type InProcessCluster, startCluster } from '../../ckm/support/in-process';
import { type Anvil, startAnvil } from '../support/chain-node';
import {
  type Device,
  newDevice,
  probedServers,
  routeFetchToCluster,
  sendAndWait,
  ui,
  uiError,
  use,
} from '../support/devices';

const PASSWORD = 'correct horse battery staple';
const SINK = '0x000000000000000000000000000000000000dEaD' as Hex;

let cluster: InProcessCluster;
let anvil: Anvil;
let first: Device;
let address: Hex;

async function refused(device: Device): Promise<unknown> {
  await use(device);
  const account = device.services.accounts.list()[0];
  if (!account) throw new Error('no account');
  return device.services.signer.signMessage(account, { kind: 'message', message: '0x01' }).then(
    () => {
      throw new Error(`${device.name} still signs`);
    },
    (e: unknown) => e,
  );
}

async function fund(to: Hex) {
  await anvil.rpc('anvil_setBalance', [to, '0x56bc75e2d63100000']);
}

describe('backup kits, restore, refresh and server replacement (popup requests)', {
  timeout: 300_000,
}, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    // Three servers: the wallet uses the first two; the third replaces one of them later.
    [cluster, anvil] = await Promise.all([startCluster(3), startAnvil(31337)]);
    routeFetchToCluster(cluster);
    first = await newDevice('first device', cluster, anvil);
    const created = await ui(first, {
      type: 'createWallet',
      servers: await probedServers(first, cluster, 2),
      password: PASSWORD,
    });
    address = created.address;
    expect(created.recoveryKit?.urText).toMatch(/^ur:envelope\//);
    await fund(address);
  }, 300_000);
  afterAll(async () => {
    vi.unstubAllGlobals();
    await cluster?.close();
    await anvil?.stop();
  }, 60_000);

  it('the recovery key is shown once: split 3-of-5, then dismissed and gone', async () => {
    const shares = await ui(first, { type: 'splitRecoveryKit', threshold: 3, count: 5 });
    expect(shares).toHaveLength(5);
    expect(new Set(shares.map((s) => s.urText)).size).toBe(5);
    for (const share of shares) expect(share.urText).toMatch(/^ur:envelope\//);
    expect((await uiError(first, { type: 'splitRecoveryKit', threshold: 4, count: 3 })).code).toBe(
      'InvalidInput',
    );
    // Not yet saved: the popup may show it again, but never while the wallet is locked.
    expect((await ui(first, { type: 'getState' })).recoveryKitPending).toBe(true);
    expect((await ui(first, { type: 'showRecoveryKit' })).urText).toMatch(/^ur:envelope\//);
    await ui(first, { type: 'lock' });
    expect((await ui(first, { type: 'getState' })).recoveryKitPending).toBeUndefined();
    expect((await uiError(first, { type: 'showRecoveryKit' })).code).toBe('Locked');
    expect((await uiError(first, { type: 'splitRecoveryKit', threshold: 3, count: 5 })).code).toBe(
      'Locked',
    );
    await ui(first, { type: 'unlock', password: PASSWORD });
    await ui(first, { type: 'dismissRecoveryKit' });
    const gone = await uiError(first, { type: 'splitRecoveryKit', threshold: 3, count: 5 });
    expect(gone.code).toBe('NotFound');
  });

  it('a backup with a wrong password is WrongPassword and changes nothing', async () => {
    const before = await first.store.read();
    const error = await uiError(first, { type: 'exportBackup', password: 'not the password' });
    expect(error.code).toBe('WrongPassword');
    const split = await uiError(first, {
      type: 'splitBackup',
      password: 'not the password',
      threshold: 3,
      count: 5,
    });
    expect(split.code).toBe('WrongPassword');
    expect(await first.store.read()).toEqual(before);
    expect((await ui(first, { type: 'getState' })).status).toBe('unlocked');
    const bad = await uiError(first, {
      type: 'splitBackup',
      password: PASSWORD,
      threshold: 1,
      count: 1,
    });
    expect(bad.code).toBe('InvalidInput');
  });

  it('lose the profile: restore from the backup file; signs a mined transaction; the old device is refused', async () => {
    const kit = await ui(first, { type: 'exportBackup', password: PASSWORD });
    expect(kit.fileName).toMatch(/^ckm-wallet-backup-\d{4}-\d\d-\d\d\.envelope$/);
    expect(kit.qrParts.length).toBeGreaterThan(0);

    const second = await newDevice('second device', cluster, anvil);
    // Bad input first: nothing is stored.
    expect(
      (
        await uiError(second, {
          type: 'restoreBackup',
          backup: { kind: 'file', base64: kit.fileBase64 },
          password: 'not the password',
        })
      ).code,
    ).toBe('WrongPassword');
    expect(
      (
        await uiError(second, {
          type: 'restoreBackup',
          backup: { kind: 'file', base64: '!!not base64' },
          password: PASSWORD,
        })
      ).code,
    ).toBe('InvalidInput');
    expect((await ui(second, { type: 'getState' })).status).toBe('uninitialized');
    expect(await second.store.read()).toBeUndefined();

    const restored = await ui(second, {
      type: 'restoreBackup',
      backup: { kind: 'file', base64: kit.fileBase64 },
      password: PASSWORD,
    });
    expect(restored.address).toBe(address);
    const state = await ui(second, { type: 'getState' });
    expect(state.status).toBe('unlocked');
    expect(state.accounts[0]?.address).toBe(address);
    const receipt = await sendAndWait(second, anvil, address, SINK, parseEther('0.01'));
    expect(receipt.status).toBe('0x1');
    expect(await refused(first)).toBeInstanceOf(Error);
    // The retired backup no longer restores anywhere.
    const third = await newDevice('stale backup', cluster, anvil);
    const stale = await uiError(third, {
      type: 'restoreBackup',
      backup: { kind: 'file', base64: kit.fileBase64 },
      password: PASSWORD,
    });
    expect(stale.code).toBe('InvalidInput');
    expect(stale.message).toMatch(/older than the last restore or recovery/);
    expect((await ui(third, { type: 'getState' })).status).toBe('uninitialized');

    // The restored device backs up again; its UR text restores on yet another profile.
    const next = await ui(second, { type: 'exportBackup', password: PASSWORD });
    const fourth = await newDevice('from UR text', cluster, anvil);
    const fromUr = await ui(fourth, {
      type: 'restoreBackup',
      backup: { kind: 'ur', text: next.urText },
      password: PASSWORD,
    });
    expect(fromUr.address).toBe(address);
    expect((await sendAndWait(fourth, anvil, address, SINK, 1n)).status).toBe('0x1');
    expect(await refused(second)).toBeInstanceOf(Error);

    // SSKR: 3 of 5 shares of the newest backup.
    const shares: readonly KitView[] = await ui(fourth, {
      type: 'splitBackup',
      password: PASSWORD,
      threshold: 3,
      count: 5,
    });
    expect(shares).toHaveLength(5);
    const fifth = await newDevice('from 3 of 5 shares', cluster, anvil);
    const two = await uiError(fifth, {
      type: 'restoreBackup',
      backup: { kind: 'shares', texts: [shares[0], shares[3]].map((s) => s?.urText ?? '') },
      password: PASSWORD,
    });
    expect(two.code).toBe('InvalidInput');
    expect(two.message).toMatch(/not enough shares/i);
    expect(
      (
        await uiError(fifth, {
          type: 'restoreBackup',
          backup: {
            kind: 'shares',
            texts: [shares[0]?.urText ?? '', shares[3]?.urText ?? '', 'ur:envelope/nonsense'],
          },
          password: PASSWORD,
        })
      ).code,
    ).toBe('InvalidInput');
    expect((await ui(fifth, { type: 'getState' })).status).toBe('uninitialized');
    const fromShares = await ui(fifth, {
      type: 'restoreBackup',
      backup: {
        kind: 'shares',
        texts: [shares[4], shares[1], shares[2]].map((s) => s?.urText ?? ''),
      },
      password: PASSWORD,
    });
    expect(fromShares.address).toBe(address);
    expect((await sendAndWait(fifth, anvil, address, SINK, 1n)).status).toBe('0x1');
    expect(await refused(fourth)).toBeInstanceOf(Error);
    first = fifth;
  });

  it('refreshKey: version + 1, the date shown, the same address, still signs', async () => {
    const before = await ui(first, { type: 'getKeyInfo' });
    const started = Date.now();
    const after = await ui(first, { type: 'refreshKey' });
    expect(after.keyVersion).toBe(before.keyVersion + 1);
    // `KeyInfo.address` is the key's own (root) address; account 1 is m/0 of it.
    expect(after.address).toBe(before.address);
    expect((await ui(first, { type: 'getState' })).accounts[0]?.address).toBe(address);
    expect(after.lastRefreshAt).toBeGreaterThanOrEqual(started);
    expect(after.nextRefreshAt).toBe((after.lastRefreshAt ?? 0) + 30 * 24 * 60 * 60 * 1000);
    expect((await ui(first, { type: 'getKeyInfo' })).lastRefreshAt).toBe(after.lastRefreshAt);
    expect((await sendAndWait(first, anvil, address, SINK, 1n)).status).toBe('0x1');
  });

  it('replaceServer: B by C; with A down the device signs with C', async () => {
    const info = await ui(first, { type: 'getKeyInfo' });
    const b = info.servers[1];
    if (!b) throw new Error('no second server');
    const c = cluster.servers[2];
    if (!c) throw new Error('no third server');
    const shown = await ui(first, { type: 'probeServer', url: c.url });
    // A wrong fingerprint, or a party that is not a server of this wallet, changes nothing.
    expect(
      (
        await uiError(first, {
          type: 'replaceServer',
          party: b.party,
          url: c.url,
          identity: 'ab'.repeat(32),
        })
      ).code,
    ).toBe('IdentityChanged');
    expect(
      (
        await uiError(first, {
          type: 'replaceServer',
          party: 99,
          url: c.url,
          identity: shown.identity,
        })
      ).code,
    ).toBe('InvalidInput');
    const replaced = await ui(first, {
      type: 'replaceServer',
      party: b.party,
      url: c.url,
      identity: shown.identity,
    });
    expect(replaced.address).toBe(info.address);
    expect(replaced.keyVersion).toBe(info.keyVersion + 1);
    expect(replaced.servers.map((s) => s.url)).toEqual([info.servers[0]?.url, c.url]);
    expect(replaced.servers[1]?.identity).toBe(shown.identity);
    const a = cluster.servers[0];
    const oldB = cluster.servers[1];
    if (!a || !oldB) throw new Error('no servers');
    a.down = true;
    oldB.down = true;
    try {
      const receipt = await sendAndWait(first, anvil, address, SINK, 1n);
      expect(receipt.status).toBe('0x1');
      const activity = first.services.activity.list(address);
      expect(activity[0]?.cosigner?.name).toBe(c.name);
    } finally {
      a.down = false;
      oldB.down = false;
    }
  });
});
