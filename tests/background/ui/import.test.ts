/**
 * Issue #7's way in from MetaMask through the popup's requests (`handleUiRequest`), with the whole
 * background service graph against real CKM servers in this process and a real anvil: the
 * standard test mnemonic's account 0 is exactly 0xf39F…, is dealt to this device and the
 * servers, signs a mined transaction, and "Move to a collaborative key" leaves it at exactly zero
 * ETH and zero of its watched ERC-20; anvil's account 1 imported by its private key; bad phrases
 * and keys are InvalidInput with the reason and store nothing.
 */
import { type Address, encodeFunctionData, getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
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
import { deployHst, TEST_DAPP } from '../support/token-contracts';

const PASSWORD = 'correct horse battery staple';
const PHRASE = 'test test test test test test test test test test test junk';
const ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as Hex;
const ACCOUNT_1_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Hex;
const SINK = '0x000000000000000000000000000000000000dEaD' as Hex;

let cluster: InProcessCluster;
let anvil: Anvil;
let device: Device;
let token: Address;

async function balance(of: Hex): Promise<bigint> {
  return BigInt((await anvil.rpc('eth_getBalance', [of, 'latest'])) as Hex);
}

async function tokenBalance(of: Hex): Promise<bigint> {
  const data = encodeFunctionData({
    abi: TEST_DAPP.hstAbi,
    functionName: 'balanceOf',
    args: [of],
  });
  return BigInt((await anvil.rpc('eth_call', [{ to: token, data }, 'latest'])) as Hex);
}

describe('MetaMask import and Move to a collaborative key (popup requests)', {
  timeout: 300_000,
}, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    [cluster, anvil] = await Promise.all([startCluster(2), startAnvil(31337)]);
    routeFetchToCluster(cluster);
    // The ERC-20 is deployed by anvil's account 0 (the test mnemonic's), which holds its supply.
    token = await deployHst(anvil, 0, 'TST');
    device = await newDevice('device', cluster, anvil);
    await ui(device, {
      type: 'createWallet',
      servers: await probedServers(device, cluster),
      password: PASSWORD,
    });
  }, 300_000);
  afterAll(async () => {
    vi.unstubAllGlobals();
    await cluster?.close();
    await anvil?.stop();
  }, 60_000);

  it('previews the test mnemonic: account 0 is MetaMask’s 0xf39F…', async () => {
    const preview = await ui(device, { type: 'previewMnemonic', phrase: PHRASE, count: 2 });
    expect(preview).toEqual([
      { index: 0, address: ACCOUNT_0 },
      { index: 1, address: ACCOUNT_1 },
    ]);
  });

  it('bad phrases and keys are InvalidInput with the reason; nothing is stored', async () => {
    const accounts = (await ui(device, { type: 'getState' })).accounts.length;
    const checksum = await uiError(device, {
      type: 'importMnemonic',
      phrase: 'test test test test test test test test test test test test',
      indexes: [0],
    });
    expect(checksum.code).toBe('InvalidInput');
    expect(checksum.message).toMatch(/checksum/);
    const word = await uiError(device, {
      type: 'previewMnemonic',
      phrase: PHRASE.replace('junk', 'junq'),
      count: 1,
    });
    expect(word.code).toBe('InvalidInput');
    expect(word.message).toMatch(/word 12/);
    const length = await uiError(device, { type: 'importMnemonic', phrase: 'test', indexes: [0] });
    expect(length.message).toMatch(/12, 15, 18, 21 or 24 words/);
    for (const privateKey of ['0x1234', `0x${'0'.repeat(64)}`, `0x${'f'.repeat(64)}`, 'zz']) {
      const error = await uiError(device, { type: 'importPrivateKey', privateKey });
      expect(error.code).toBe('InvalidInput');
      // The message never repeats what was typed (it may be a real key).
      if (privateKey.length > 8) expect(error.message).not.toContain(privateKey.slice(2));
    }
    expect((await ui(device, { type: 'getState' })).accounts).toHaveLength(accounts);
  });

  it('imports account 0 of the phrase: exactly 0xf39F…, marked imported, signs a mined transaction', async () => {
    const imported = await ui(device, { type: 'importMnemonic', phrase: PHRASE, indexes: [0] });
    expect(imported).toHaveLength(1);
    const account = imported[0];
    expect(account?.address).toBe(ACCOUNT_0);
    expect(account?.imported).toBe(true);
    expect(account?.walletId).toMatch(/./);
    const state = await ui(device, { type: 'getState' });
    expect(state.accounts.find((a) => a.address === ACCOUNT_0)?.imported).toBe(true);
    // Importing the same account again is the same account.
    const again = await ui(device, { type: 'importMnemonic', phrase: PHRASE, indexes: [0] });
    expect(again[0]?.index).toBe(account?.index);
    const receipt = await sendAndWait(device, anvil, ACCOUNT_0, SINK, 1n);
    expect(receipt.status).toBe('0x1');
  });

  it('Move to a collaborative key: the token and then all the ETH; 0xf39F… ends at exactly zero', async () => {
    const account = (await ui(device, { type: 'getState' })).accounts.find(
      (a) => a.address === ACCOUNT_0,
    );
    if (!account) throw new Error('not imported');
    await device.services.assets.add(anvil.chainId, ACCOUNT_0, {
      standard: 'ERC20',
      address: getAddress(token),
      symbol: 'TST',
      decimals: 0,
    });
    const tokens = await tokenBalance(ACCOUNT_0);
    expect(tokens).toBe(10n);
    const eth = await balance(ACCOUNT_0);
    expect((await uiError(device, { type: 'previewMigration', index: 0 })).code).toBe(
      'InvalidInput',
    );

    const preview = await ui(device, { type: 'previewMigration', index: account.index });
    expect(preview.from).toBe(ACCOUNT_0);
    expect(preview.chainId).toBe(anvil.chainId);
    expect(preview.transfers).toHaveLength(2);
    expect(preview.transfers[0]?.title).toMatch(/TST/);
    expect(preview.transfers[1]?.title).toMatch(/ETH/);

    const moved = await ui(device, { type: 'migrateAccount', index: account.index });
    expect(moved.hashes).toHaveLength(2);
    expect(moved.to.address).toBe(preview.to);
    expect(moved.to.imported).toBe(false);
    expect(await balance(ACCOUNT_0)).toBe(0n);
    expect(await tokenBalance(ACCOUNT_0)).toBe(0n);
    expect(await tokenBalance(moved.to.address)).toBe(tokens);
    const received = await balance(moved.to.address);
    expect(received).toBeGreaterThan(0n);
    expect(received).toBeLessThan(eth);
    const after = (await ui(device, { type: 'getState' })).accounts.find(
      (a) => a.index === account.index,
    );
    expect(after?.movedTo).toBe(moved.to.address);
    // The watched token follows the funds.
    expect(
      device.services.assets.list(anvil.chainId, moved.to.address).map((t) => t.address),
    ).toEqual([getAddress(token)]);
    // Nothing is left to move.
    expect(
      (await uiError(device, { type: 'previewMigration', index: account.index })).code,
    ).toMatch(/InvalidInput|ChainError|Insufficient/);
  });

  it('imports a raw private key (anvil’s account 1) as 0x7099…', async () => {
    const account = await ui(device, { type: 'importPrivateKey', privateKey: ACCOUNT_1_KEY });
    expect(account.address).toBe(ACCOUNT_1);
    expect(account.imported).toBe(true);
    const noPrefix = await ui(device, {
      type: 'importPrivateKey',
      privateKey: ACCOUNT_1_KEY.slice(2),
    });
    expect(noPrefix.index).toBe(account.index);
    expect((await sendAndWait(device, anvil, ACCOUNT_1, SINK, 1n)).status).toBe('0x1');
  });

  it('a backup carries the imported keys: restored on a fresh profile they sign; the old device’s are refused', async () => {
    const kit = await ui(device, { type: 'exportBackup', password: PASSWORD });
    const old = device;
    device = await newDevice('restored', cluster, anvil);
    await ui(device, {
      type: 'restoreBackup',
      backup: { kind: 'ur', text: kit.urText },
      password: PASSWORD,
    });
    const accounts = (await ui(device, { type: 'getState' })).accounts;
    const imported = accounts.filter((a) => a.imported).map((a) => a.address);
    expect(imported.sort()).toEqual([ACCOUNT_0, ACCOUNT_1].sort());
    expect((await sendAndWait(device, anvil, ACCOUNT_1, SINK, 1n)).status).toBe('0x1');
    await use(old);
    const oldAccount = old.services.accounts.byAddress(ACCOUNT_1);
    if (!oldAccount) throw new Error('no imported account on the old device');
    const refused = await old.services.signer
      .signMessage(oldAccount, { kind: 'message', message: '0x01' })
      .then(
        () => false,
        () => true,
      );
    expect(refused).toBe(true);
  });
});
