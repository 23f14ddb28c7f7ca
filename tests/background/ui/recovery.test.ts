/**
 * Issue #7's recovery without a backup, through the popup's requests (`handleUiRequest`), each
 * device a whole background service graph, against real CKM servers in this process and a real
 * anvil: the recovery key made at creation (a 2-second waiting period) is presented on a fresh
 * profile; the wallet's own device sees the pending recovery and cancels it (nothing changes;
 * the new device is refused); started again and waited out, the servers re-share to the new
 * device, which signs a mined transaction while the old device is refused. The recovery key's
 * SSKR shares start a recovery too, and the new device may abandon it.
 */
import type { Hex } from 'viem';
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
const NEW_PASSWORD = 'another long password';
const SINK = '0x000000000000000000000000000000000000dEaD' as Hex;

let cluster: InProcessCluster;
let anvil: Anvil;
let old: Device;
let address: Hex;
let kit: KitView;
let kitShares: readonly KitView[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** `device` signs a message with its first account (a threshold signature with a server). */
async function signs(device: Device): Promise<boolean> {
  await use(device);
  const account = device.services.accounts.list()[0];
  if (!account) throw new Error('no account');
  return device.services.signer.signMessage(account, { kind: 'message', message: '0x01' }).then(
    () => true,
    () => false,
  );
}

describe('recovery with the recovery key (popup requests)', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    [cluster, anvil] = await Promise.all([startCluster(2), startAnvil(31337)]);
    routeFetchToCluster(cluster);
    old = await newDevice('old device', cluster, anvil);
    const servers = await probedServers(old, cluster);
    for (const recoveryDelaySeconds of [0, 1.5, 32 * 24 * 60 * 60])
      expect(
        (
          await uiError(old, {
            type: 'createWallet',
            servers,
            password: PASSWORD,
            recoveryDelaySeconds,
          })
        ).code,
      ).toBe('InvalidInput');
    const created = await ui(old, {
      type: 'createWallet',
      servers,
      password: PASSWORD,
      recoveryDelaySeconds: 2,
    });
    address = created.address;
    if (!created.recoveryKit) throw new Error('no recovery kit');
    kit = created.recoveryKit;
    kitShares = await ui(old, { type: 'splitRecoveryKit', threshold: 3, count: 5 });
    await ui(old, { type: 'dismissRecoveryKit' });
    expect((await ui(old, { type: 'getKeyInfo' })).recoveryDelaySeconds).toBe(2);
    await anvil.rpc('anvil_setBalance', [address, '0x56bc75e2d63100000']);
  }, 300_000);
  afterAll(async () => {
    vi.unstubAllGlobals();
    await cluster?.close();
    await anvil?.stop();
  }, 60_000);

  it('start → the old device sees it and cancels → refused → start again → wait → the new device signs; the old one is refused', async () => {
    const fresh = await newDevice('new device', cluster, anvil);
    expect((await ui(fresh, { type: 'recoveryStatus' })).state).toBe('none');
    expect(
      (
        await uiError(fresh, {
          type: 'startRecovery',
          kit: { kind: 'ur', text: 'ur:envelope/not-a-kit' },
          password: NEW_PASSWORD,
        })
      ).code,
    ).toBe('InvalidInput');
    expect((await ui(fresh, { type: 'getState' })).recovering).toBeUndefined();

    const started = await ui(fresh, {
      type: 'startRecovery',
      kit: { kind: 'ur', text: kit.urText },
      password: NEW_PASSWORD,
    });
    expect(started.recoveries).toHaveLength(2);
    expect(started.readyAt).toBeGreaterThan(Date.now());
    const identity = started.recoveries[0]?.newDevice;
    expect((await ui(fresh, { type: 'getState' })).recovering).toBe(true);
    expect((await ui(fresh, { type: 'recoveryStatus' })).state).toBe('waiting');
    expect((await uiError(fresh, { type: 'finishRecovery' })).code).toBe('RecoveryPending');

    // The wallet's own device: the servers report it; the popup's state carries the warning.
    const pending = await ui(old, { type: 'pendingRecoveries' });
    expect(pending).toHaveLength(2);
    expect(pending.map((p) => p.newDevice)).toEqual([identity, identity]);
    expect((await ui(old, { type: 'getState' })).pendingRecoveries).toHaveLength(2);
    expect(await ui(old, { type: 'cancelRecovery' })).toEqual({ cancelled: 2 });
    expect(await ui(old, { type: 'pendingRecoveries' })).toEqual([]);
    expect((await ui(old, { type: 'getState' })).pendingRecoveries).toBeUndefined();

    // Even after the period, a cancelled recovery does not finish; nothing changed.
    await sleep(started.readyAt - Date.now() + 300);
    expect((await ui(fresh, { type: 'recoveryStatus' })).state).toBe('cancelled');
    expect((await uiError(fresh, { type: 'finishRecovery' })).code).toBe('RecoveryCancelled');
    expect((await ui(fresh, { type: 'getState' })).status).not.toBe('unlocked');
    expect(await signs(old)).toBe(true);

    // Again, and this time the old device lets the period run out.
    const again = await ui(fresh, {
      type: 'startRecovery',
      kit: { kind: 'ur', text: kit.urText },
      password: NEW_PASSWORD,
    });
    expect(again.recoveries[0]?.newDevice).toBe(identity);
    expect((await ui(fresh, { type: 'recoveryStatus' })).state).toBe('waiting');
    await sleep(again.readyAt - Date.now() + 300);
    expect((await ui(fresh, { type: 'recoveryStatus' })).state).toBe('ready');
    const finished = await ui(fresh, { type: 'finishRecovery' });
    expect(finished.address).toBe(address);
    const state = await ui(fresh, { type: 'getState' });
    expect(state.status).toBe('unlocked');
    expect(state.recovering).toBeUndefined();
    expect(state.accounts[0]?.address).toBe(address);
    const receipt = await sendAndWait(fresh, anvil, address, SINK, 1n);
    expect(receipt.status).toBe('0x1');
    expect(await signs(old)).toBe(false);
    old = fresh;
  });

  it('3 of 5 SSKR shares of the recovery key start a recovery; 2 are not enough; the new device may abandon it', async () => {
    const other = await newDevice('friend-assisted device', cluster, anvil);
    const two = await uiError(other, {
      type: 'startRecovery',
      kit: { kind: 'shares', texts: [kitShares[1]?.urText ?? '', kitShares[3]?.urText ?? ''] },
      password: NEW_PASSWORD,
    });
    expect(two.code).toBe('InvalidInput');
    expect((await ui(other, { type: 'recoveryStatus' })).state).toBe('none');
    const started = await ui(other, {
      type: 'startRecovery',
      kit: {
        kind: 'shares',
        texts: [kitShares[4], kitShares[0], kitShares[2]].map((s) => s?.urText ?? ''),
      },
      password: NEW_PASSWORD,
    });
    expect(started.recoveries).toHaveLength(2);
    expect(await ui(old, { type: 'pendingRecoveries' })).toHaveLength(2);
    await ui(other, { type: 'abandonRecovery' });
    expect((await ui(other, { type: 'recoveryStatus' })).state).toBe('none');
    expect((await ui(other, { type: 'getState' })).recovering).toBeUndefined();
    expect(await ui(old, { type: 'pendingRecoveries' })).toEqual([]);
    expect(await signs(old)).toBe(true);
  });
});
