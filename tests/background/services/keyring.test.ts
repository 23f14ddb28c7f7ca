/**
 * The keyring against real CKM servers (the whole server stack in this process): create with
 * the DKG, the vault (wrong password changes nothing), lock, unlock, a worker restart keeps the
 * wallet unlocked until the auto-lock deadline, and the signer's threshold signatures recover to
 * the derived accounts.
 */
import { type Hex, recoverMessageAddress, recoverTypedDataAddress } from 'viem';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { isWalletError } from '../../../background/errors';
import { createAccountsService } from '../../../background/services/accounts';
import { createKeyringService, type KeyringService } from '../../../background/services/keyring';
import { createSettingsService } from '../../../background/services/settings';
import { createSignerService } from '../../../background/services/signer';
import { memoryVaultStore, type VaultStore } from '../../../background/services/vault-store';
import { decodeDeviceState, encodeDeviceState } from '../../../ckm/client/device-state';
import { CkmError } from '../../../ckm/errors';
import { type InProcessCluster, startCluster } from '../../ckm/support/in-process';

const PASSWORD = 'correct horse battery staple';

let cluster: InProcessCluster;
let store: VaultStore;
let session: Record<string, unknown>;

function keyringAt(now: () => number = Date.now): KeyringService {
  return createKeyringService({
    store,
    settings: createSettingsService(),
    transport: cluster.transport,
    now,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('keyring, vault and signer', { timeout: 180_000 }, () => {
  let keyring: KeyringService;

  beforeAll(async () => {
    fakeBrowser.reset();
    cluster = await startCluster(2);
    store = memoryVaultStore();
    keyring = keyringAt();
    await keyring.ready;
    expect(keyring.status()).toBe('uninitialized');
    const stages: string[] = [];
    await keyring.create({
      servers: cluster.servers.map((s) => ({ url: s.url })),
      password: PASSWORD,
      onProgress: (p) => stages.push(p.stage),
    });
    expect(stages).toContain('dkg');
    expect(stages).toContain('seal');
    expect(keyring.status()).toBe('unlocked');
    session = await fakeBrowser.storage.session.get();
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
  });
  beforeEach(async () => {
    // Each test starts from the created, unlocked wallet's browser state.
    await fakeBrowser.storage.session.clear();
    await fakeBrowser.storage.session.set(session);
  });

  it('stores nothing secret in clear: the vault holds envelopes, storage.local holds no key', async () => {
    const record = await store.read();
    expect(record?.formatVersion).toBe(1);
    const state = encodeDeviceState(keyring.wallet().state);
    const needle = Buffer.from(keyring.wallet().state.deviceKeys.signingSecret).toString('hex');
    expect(Buffer.from(record?.state ?? []).toString('hex')).not.toContain(needle);
    expect(Buffer.from(record?.lock ?? []).toString('hex')).not.toContain(needle);
    expect(JSON.stringify(await fakeBrowser.storage.local.get())).not.toContain(needle);
    expect(
      decodeDeviceState(state).share.publicKey.equals(keyring.wallet().state.share.publicKey),
    ).toBe(true);
  });

  it('a wrong password is a typed error and changes nothing', async () => {
    await keyring.lock();
    const before = await store.read();
    const error = await rejection(keyring.unlock('not the password'));
    expect(isWalletError(error, 'WrongPassword')).toBe(true);
    expect(keyring.status()).toBe('locked');
    expect(await store.read()).toEqual(before);
    expect(() => keyring.wallet()).toThrow(/locked/);
    await keyring.unlock(PASSWORD);
    expect(keyring.status()).toBe('unlocked');
    session = await fakeBrowser.storage.session.get();
  });

  it('a restarted worker is still unlocked (vault key in storage.session), until the deadline', async () => {
    const restarted = keyringAt();
    await restarted.ready;
    expect(restarted.status()).toBe('unlocked');
    expect(restarted.wallet().address).toBe(keyring.wallet().address);
    // The same worker restarting after the auto-lock deadline (15 min by default) is locked.
    const late = keyringAt(() => Date.now() + 16 * 60_000);
    await late.ready;
    expect(late.status()).toBe('locked');
  });

  it('the auto-lock alarm locks the wallet once its deadline has passed', async () => {
    let now = Date.now();
    const timed = keyringAt(() => now);
    await timed.ready;
    expect(timed.status()).toBe('unlocked');
    const alarm = await fakeBrowser.alarms.get('ckm-auto-lock');
    expect(alarm?.scheduledTime).toBeGreaterThan(now);
    now = (alarm?.scheduledTime ?? now) + 1;
    await fakeBrowser.alarms.onAlarm.trigger({ name: 'ckm-auto-lock', scheduledTime: now });
    await new Promise((r) => setTimeout(r, 50));
    expect(timed.status()).toBe('locked');
    expect(await fakeBrowser.storage.session.get('keyring')).toEqual({});
  });

  it('signs messages and typed data for derived accounts; each recovers to its account', async () => {
    const accounts = createAccountsService(keyring);
    await accounts.ready;
    const first = await accounts.initialize();
    const second = await accounts.add('Savings');
    expect(second.index).toBe(1);
    expect(second.address).not.toBe(first.address);
    const signer = createSignerService(keyring, accounts);
    const message = '0x68656c6c6f' as Hex;
    const signed = await signer.signMessage(second, { kind: 'message', message });
    expect(signed.completion.cosigner?.name).toMatch(/^server-/);
    expect(
      await recoverMessageAddress({ message: { raw: message }, signature: signed.value }),
    ).toBe(second.address);
    const typedData = {
      types: {
        EIP712Domain: [{ name: 'name', type: 'string' }],
        Mail: [{ name: 'contents', type: 'string' }],
      },
      primaryType: 'Mail',
      domain: { name: 'Test' },
      message: { contents: 'hi' },
    };
    const typed = await signer.signTypedData(first, { kind: 'typedData', typedData } as never);
    expect(
      await recoverTypedDataAddress({
        types: { Mail: typedData.types.Mail },
        primaryType: 'Mail',
        domain: { name: 'Test' },
        message: { contents: 'hi' },
        signature: typed.value,
      }),
    ).toBe(first.address);
  });

  it('server A down: the signature comes from server B', async () => {
    const accounts = createAccountsService(keyring);
    await accounts.ready;
    const account = accounts.list()[0];
    if (!account) throw new Error('no account');
    const signer = createSignerService(keyring, accounts);
    (cluster.servers[0] as { down: boolean }).down = true;
    try {
      const signed = await signer.signMessage(account, { kind: 'message', message: '0x01' });
      expect(signed.completion.cosigner?.name).toBe('server-b');
    } finally {
      (cluster.servers[0] as { down: boolean }).down = false;
    }
  });

  it('refuses a second wallet and a short password', async () => {
    expect(
      isWalletError(
        await rejection(keyring.create({ servers: [], password: PASSWORD })),
        'AlreadyInitialized',
      ),
    ).toBe(true);
    const fresh = createKeyringService({
      store: memoryVaultStore(),
      settings: createSettingsService(),
      transport: cluster.transport,
    });
    await fresh.ready;
    // A fresh worker with another (empty) vault: the session of the first one does not open it.
    expect(fresh.status()).toBe('uninitialized');
    expect(
      isWalletError(
        await rejection(fresh.create({ servers: [], password: 'short' })),
        'InvalidInput',
      ),
    ).toBe(true);
  });

  it('a commit that fails after the vault is sealed still leaves a created wallet; the commit is retried before signing', async () => {
    const otherStore = memoryVaultStore();
    const other = createKeyringService({
      store: otherStore,
      settings: createSettingsService(),
      transport: cluster.transport,
    });
    await other.ready;
    cluster.intercept = (request) => (request.url.includes('/commit') ? undefined : request);
    try {
      await other.create({
        servers: cluster.servers.map((s) => ({ url: s.url })),
        password: PASSWORD,
      });
    } finally {
      cluster.intercept = undefined;
    }
    expect(other.status()).toBe('unlocked');
    expect(other.wallet().state.uncommitted.length).toBeGreaterThan(0);
    expect(await otherStore.read()).toBeDefined();
    const accounts = createAccountsService(other);
    const signer = createSignerService(other, accounts);
    const account = {
      index: 0,
      name: 'Account 1',
      address: '0x0000000000000000000000000000000000000000' as const,
      imported: false,
    };
    const signed = await signer.signMessage(account, { kind: 'message', message: '0x02' });
    expect(signed.value).toMatch(/^0x[0-9a-f]{130}$/);
    expect(other.wallet().state.uncommitted).toEqual([]);
  });

  it('a damaged device state does not decode', () => {
    const bytes = encodeDeviceState(keyring.wallet().state);
    const at = bytes.length - 3;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    expect(() => decodeDeviceState(bytes)).toThrow(CkmError);
  });
});
