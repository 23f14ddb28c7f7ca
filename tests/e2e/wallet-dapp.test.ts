/**
 * The wallet against MetaMask's own test dApp, unchanged, with real everything: Chromium with the
 * built extension, anvil, two CKM server processes. The wallet is onboarded through its popup
 * (the harness), and every signature is checked by recovery or on chain, not just by the absence
 * of an error.
 */
import type { Page } from 'puppeteer-core';
import { type Hex, recoverMessageAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../../scripts/stack/wait';
import { launchWallet, type Wallet } from './harness';
import { minedFrom as minedOn, nonceOf as nonceOn, waitText } from './support/dapp';
import {
  type Anvil,
  fund,
  type LocalServices,
  startAnvil,
  startLocalServices,
} from './support/services';

let services: LocalServices;
/** A second dev chain for add/switch chain: the test dApp's own "Localhost 8546", chain 1338. */
let second: Anvil;
let wallet: Wallet;
let dapp: Page;
let address: string;

/** The wallet's transaction with `nonce` on the first chain, once mined. */
const minedFrom = (from: string, nonce: number) => minedOn(services.anvil.url, from, nonce);
const nonceOf = (who: string) => nonceOn(services.anvil.url, who);

beforeAll(async () => {
  [services, second] = await Promise.all([startLocalServices(), startAnvil(8546, 1338)]);
  wallet = await launchWallet();
  address = (wallet.address as string).toLowerCase();
  await fund(services.anvil, address);
  dapp = await wallet.browser.newPage();
  await dapp.goto(services.dapp.url, { waitUntil: 'load' });
}, 240_000);

afterAll(async () => {
  await wallet?.close();
  await services?.stop();
  await second?.stop();
});

describe('CKM Wallet with @metamask/test-dapp', () => {
  it('refuses to sign before the site is connected (4100)', async () => {
    const error = await dapp.evaluate(async (from) => {
      try {
        await (
          window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
        ).ethereum.request({
          method: 'personal_sign',
          params: ['0x68656c6c6f', from],
        });
        return undefined;
      } catch (e) {
        return (e as { code: number }).code;
      }
    }, address);
    expect(error).toBe(4100);
  });

  it('connects: the prompt shows the site and the dApp gets the account', async () => {
    await dapp.click('#connectButton');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('connect');
    await waitText(dapp, '#accounts', (v) => v.toLowerCase().includes(address));
  });

  it('rejecting a prompt gives 4001', async () => {
    const pending = dapp.evaluate(async (from) => {
      try {
        await (
          window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
        ).ethereum.request({
          method: 'personal_sign',
          params: ['0x72656a656374206d65', from],
        });
        return undefined;
      } catch (e) {
        return (e as { code: number }).code;
      }
    }, address);
    await wallet.rejectNext();
    expect(await pending).toBe(4001);
  });

  it('personal_sign: a threshold signature that recovers to the account, and the dApp verifies it', async () => {
    await dapp.click('#personalSign');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('message');
    expect(prompt.cosigner).toMatch(/server-a|server-b/);
    const signature = (await waitText(dapp, '#personalSignResult', (v) =>
      /^0x[0-9a-f]{130}$/i.test(v),
    )) as Hex;
    const message = await dapp.evaluate(
      () =>
        `0x${Array.from(new TextEncoder().encode('Example `personal_sign` message'))
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('')}`,
    );
    const recovered = await recoverMessageAddress({ message: { raw: message as Hex }, signature });
    expect(recovered.toLowerCase()).toBe(address);
    await dapp.click('#personalSignVerify');
    await waitText(dapp, '#personalSignVerifyECRecoverResult', (v) => v.toLowerCase() === address);
  });

  for (const version of ['V3', 'V4'] as const) {
    it(`eth_signTypedData_${version.toLowerCase()}: signed and verified by the dApp`, async () => {
      await dapp.click(`#signTypedData${version}`);
      const prompt = await wallet.approveNext();
      expect(prompt.kind).toBe('typedData');
      await waitText(dapp, `#signTypedData${version}Result`, (v) => /^0x[0-9a-f]{130}$/i.test(v));
      await dapp.click(`#signTypedData${version}Verify`);
      await waitText(
        dapp,
        `#signTypedData${version}VerifyResult`,
        (v) => v.toLowerCase() === address,
      );
    });
  }

  it('EIP-1559 send: approved, threshold-signed, mined', async () => {
    const nonce = await nonceOf(address);
    await dapp.click('#sendEIP1559Button');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('transaction');
    const { tx, receipt } = await minedFrom(address, nonce);
    expect(receipt.status).toBe('0x1');
    expect(tx.type).toBe('0x2');
  });

  it('legacy send: approved, threshold-signed, mined', async () => {
    const nonce = await nonceOf(address);
    await dapp.click('#sendButton');
    await wallet.approveNext();
    const { tx, receipt } = await minedFrom(address, nonce);
    expect(receipt.status).toBe('0x1');
    expect(tx.type).toBe('0x0');
  });

  it('ERC-20: deploy, then transfer', async () => {
    let nonce = await nonceOf(address);
    await dapp.click('#createToken');
    await wallet.approveNext({ timeoutMs: 60_000 });
    const deployed = await minedFrom(address, nonce);
    expect(deployed.receipt.status).toBe('0x1');
    expect(deployed.receipt.contractAddress).toMatch(/^0x[0-9a-f]{40}$/i);
    await waitText(dapp, '#tokenAddresses, #erc20TokenAddresses', (v) => /0x[0-9a-f]{40}/i.test(v));
    nonce = await nonceOf(address);
    await dapp.click('#transferTokens');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('transaction');
    const transfer = await minedFrom(address, nonce);
    expect(transfer.receipt.status).toBe('0x1');
  });

  it('the permit signature (EIP-2612) is called out and verifies', async () => {
    await dapp.click('#signPermit');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('typedData');
    expect(prompt.warnings).toContain('permit');
    await waitText(dapp, '#signPermitResult', (v) => /^0x[0-9a-f]{130}$/i.test(v));
    await dapp.click('#signPermitVerify');
    await waitText(dapp, '#signPermitVerifyResult', (v) => v.toLowerCase() === address);
  });

  it('ERC-721: deploy, mint, setApprovalForAll with its warning, transfer', async () => {
    let nonce = await nonceOf(address);
    await dapp.click('#deployNFTsButton');
    await wallet.approveNext({ timeoutMs: 60_000 });
    expect((await minedFrom(address, nonce)).receipt.status).toBe('0x1');
    await waitText(dapp, '#nftsStatus', (v) => /deployed/i.test(v));
    nonce = await nonceOf(address);
    await dapp.click('#mintButton');
    await wallet.approveNext();
    expect((await minedFrom(address, nonce)).receipt.status).toBe('0x1');
    nonce = await nonceOf(address);
    await dapp.click('#setApprovalForAllButton');
    const prompt = await wallet.approveNext();
    expect(prompt.warnings).toContain('approval-for-all');
    const approval = await minedFrom(address, nonce);
    expect(approval.receipt.status).toBe('0x1');
    // Transfer token 1 to the dApp's recipient; the chain then says who owns it.
    const recipient = '0x2f318C334780961FB129D2a6c30D0763d9a5C970';
    await dapp.$eval('#transferTokenInput', (el) => {
      (el as HTMLInputElement).value = '1';
    });
    nonce = await nonceOf(address);
    await dapp.click('#transferFromButton');
    const transfer = await wallet.approveNext();
    expect(transfer.kind).toBe('transaction');
    const mined = await minedFrom(address, nonce);
    expect(mined.receipt.status).toBe('0x1');
    const nft = mined.tx.to;
    const owner = (await jsonRpc(services.anvil.url, 'eth_call', [
      { to: nft, data: `0x6352211e${(1).toString(16).padStart(64, '0')}` },
      'latest',
    ])) as string;
    expect(`0x${owner.slice(-40)}`).toBe(recipient.toLowerCase());
  });

  it('eth_signTypedData (v1): signed and verified by the dApp', async () => {
    await dapp.click('#signTypedData');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('typedData');
    await waitText(dapp, '#signTypedDataResult', (v) => /^0x[0-9a-f]{130}$/i.test(v));
    await dapp.click('#signTypedDataVerify');
    await waitText(dapp, '#signTypedDataVerifyResult', (v) => v.toLowerCase() === address);
  });

  it('adds and switches to a second chain (8546, chain 1338) checked against its RPC; a send there is mined; and back', async () => {
    await dapp.click('#addEthereumChain');
    expect((await wallet.approveNext()).kind).toBe('addChain');
    expect((await wallet.approveNext()).kind).toBe('switchChain');
    await waitText(dapp, '#chainId', (v) => v === '0x53a');
    await fund(second, address);
    const count = async () =>
      Number((await jsonRpc(second.url, 'eth_getTransactionCount', [address, 'latest'])) as Hex);
    const before = await count();
    await dapp.click('#sendEIP1559Button');
    await wallet.approveNext();
    const deadline = Date.now() + 30_000;
    while ((await count()) === before) {
      if (Date.now() > deadline) throw new Error('the send on chain 1338 was not mined');
      await new Promise((r) => setTimeout(r, 200));
    }
    const back = dapp.evaluate(() =>
      (
        window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
      ).ethereum.request({
        method: 'wallet_switchEthereumChain',
        params: [{ chainId: '0x7a69' }],
      }),
    );
    expect((await wallet.approveNext()).kind).toBe('switchChain');
    expect(await back).toBeNull();
    await waitText(dapp, '#chainId', (v) => v === '0x7a69');
  });

  it('revoking permissions disconnects the site', async () => {
    await dapp.click('#revokeAccountsPermission');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const accounts = await dapp.evaluate(() =>
        (
          window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
        ).ethereum.request({
          method: 'eth_accounts',
        }),
      );
      if (Array.isArray(accounts) && accounts.length === 0) break;
      if (Date.now() > deadline) throw new Error(`still connected: ${JSON.stringify(accounts)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
