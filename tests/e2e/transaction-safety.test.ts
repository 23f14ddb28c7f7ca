/**
 * Issue #8 items 1 and 2 end to end, with real everything (Chromium with the built extension,
 * anvil, two CKM server processes, MetaMask's test dApp unchanged): each warning appears for the
 * matching test-dApp button or fixture transaction and not for a plain ETH transfer; the
 * balance-change preview equals what anvil shows after mining for ETH, an ERC-20 and an NFT; a
 * chain whose node can neither `eth_simulateV1` nor `debug_traceCall` says "could not simulate";
 * a site on the phishing list (loaded from a file in Settings) is gated behind "continue anyway",
 * which is logged.
 *
 * The chain is moved two days on after one "old" token is deployed, so that "deployed less than
 * a day ago" has both answers: the old token is not new, everything the dApp deploys is.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { type Address, maxUint256, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Anvil as NodeAnvil, startAnvil } from '../background/support/chain-node';
import { type RpcProxy, startRpcProxy } from '../background/support/rpc-proxy';
import { deployHst, send } from '../background/support/token-contracts';
import { launchWallet, type Wallet } from './harness';
import { minedFrom, nonceOf, waitText } from './support/dapp';
import {
  approveData,
  dappRequest,
  ethBalance,
  feeOf,
  nodeAnvil,
  openSettings,
  ownerOf,
  type PromptView,
  quantity,
  readPrompt,
  receiptOf,
  tokenBalance,
  transferData,
} from './support/safety';
import { fund, type LocalServices, startLocalServices } from './support/services';

let services: LocalServices;
let wallet: Wallet;
let dapp: Page;
let account: Address;
/** An ERC-20 deployed before the chain moved two days on: not a new contract. */
let oldToken: Address;
/** The dApp's own HST (deployed through the wallet, so new). */
let newToken: Address;
/** The dApp's ERC-721 (new). */
let nft: Address;
/** The test dApp's fixed recipient for its token transfers. */
const DAPP_RECIPIENT = '0x2f318C334780961FB129D2a6c30D0763d9a5C970';
const fresh = () => privateKeyToAddress(generatePrivateKey());

/** Answers the next prompt with `action`, reading it first. */
async function answer(action: 'approve' | 'reject'): Promise<PromptView> {
  let seen: PromptView | undefined;
  const before = async (page: Page) => {
    seen = await readPrompt(page);
  };
  if (action === 'approve') await wallet.approveNext({ before, timeoutMs: 60_000 });
  else await wallet.rejectNext({ before, timeoutMs: 60_000 });
  if (!seen) throw new Error('no prompt was read');
  return seen;
}

/** Sends `tx` from the dApp, answers its prompt, returns what the prompt showed and the outcome. */
async function dappSend(tx: Record<string, unknown>, action: 'approve' | 'reject') {
  const pending = dappRequest(dapp, 'eth_sendTransaction', [{ from: account, ...tx }]);
  const prompt = await answer(action);
  return { prompt, outcome: await pending };
}

beforeAll(async () => {
  services = await startLocalServices();
  const node = nodeAnvil(services.anvil);
  oldToken = await deployHst(node, 0, 'OLD');
  // Two days later: the old token is older than a day; whatever comes next is not.
  await node.rpc('evm_increaseTime', [2 * 86_400]);
  await node.rpc('evm_mine', []);
  wallet = await launchWallet();
  account = wallet.address as Address;
  await fund(services.anvil, account);
  await send(node, { to: oldToken, data: transferData(account, 5n) });
  dapp = await wallet.browser.newPage();
  await dapp.goto(services.dapp.url, { waitUntil: 'load' });
  await dapp.click('#connectButton');
  const connect = await answer('approve');
  expect(connect.kind).toBe('connect');
  // The test dApp's own origin is on no list.
  expect(connect.phishing).toBeUndefined();
  await waitText(dapp, '#accounts', (v) => v.toLowerCase().includes(account.toLowerCase()));
}, 300_000);

afterAll(async () => {
  await wallet?.close();
  await services?.stop();
});

describe('balance-change preview = the chain after mining', () => {
  it('a plain ETH transfer: no warning at all; the native row equals the balance delta less the fee', async () => {
    const to = fresh();
    const value = parseEther('0.25');
    const before = await ethBalance(services.anvil.url, account);
    const { prompt, outcome } = await dappSend({ to, value: quantity(value) }, 'approve');
    expect(prompt.kind).toBe('transaction');
    expect(prompt.warnings).toEqual([]);
    expect(prompt.unavailable).toBeUndefined();
    expect(prompt.changes).toEqual([{ address: 'native', amount: -value }]);
    if (!outcome.ok) throw new Error(`the send failed: ${outcome.message}`);
    const receipt = await receiptOf(services.anvil.url, outcome.result as string);
    expect(receipt.status).toBe('0x1');
    const after = await ethBalance(services.anvil.url, account);
    expect(after - before + feeOf(receipt)).toBe(prompt.changes[0]?.amount);
    expect(await ethBalance(services.anvil.url, to)).toBe(value);
  });

  it('ERC-20 (the dApp’s createToken, then transferTokens): the token row equals the balanceOf delta; new-contract warns', async () => {
    let nonce = await nonceOf(services.anvil.url, account);
    await dapp.click('#createToken');
    await wallet.approveNext({ timeoutMs: 60_000 });
    const deployed = await minedFrom(services.anvil.url, account, nonce);
    expect(deployed.receipt.status).toBe('0x1');
    newToken = deployed.receipt.contractAddress as Address;
    await waitText(dapp, '#erc20TokenAddresses', (v) => /0x[0-9a-f]{40}/i.test(v));
    const before = await tokenBalance(services.anvil.url, newToken, account);
    nonce = await nonceOf(services.anvil.url, account);
    await dapp.click('#transferTokens');
    const prompt = await answer('approve');
    expect(prompt.warnings).toContain('new-contract');
    expect(prompt.warnings).not.toContain('transfer-to-token-contract');
    const row = prompt.changes.find((c) => c.address === newToken.toLowerCase());
    expect(row?.amount).toBeLessThan(0n);
    expect((await minedFrom(services.anvil.url, account, nonce)).receipt.status).toBe('0x1');
    const after = await tokenBalance(services.anvil.url, newToken, account);
    expect(after - before).toBe(row?.amount);
    expect(await tokenBalance(services.anvil.url, newToken, DAPP_RECIPIENT)).toBe(
      -(row?.amount ?? 0n),
    );
  });

  it('ERC-20 of a contract older than a day: no new-contract; the row equals the delta', async () => {
    const to = fresh();
    const before = await tokenBalance(services.anvil.url, oldToken, account);
    const { prompt, outcome } = await dappSend(
      { to: oldToken, data: transferData(to, 2n) },
      'approve',
    );
    expect(prompt.warnings).not.toContain('new-contract');
    expect(prompt.warnings).toEqual([]);
    expect(prompt.changes).toEqual([{ address: oldToken.toLowerCase(), amount: -2n }]);
    if (!outcome.ok) throw new Error(`the send failed: ${outcome.message}`);
    expect((await receiptOf(services.anvil.url, outcome.result as string)).status).toBe('0x1');
    expect((await tokenBalance(services.anvil.url, oldToken, account)) - before).toBe(-2n);
    expect(await tokenBalance(services.anvil.url, oldToken, to)).toBe(2n);
  });

  it('ERC-721 (deploy, mint, transferFrom): the NFT row equals ownerOf and balanceOf after mining', async () => {
    let nonce = await nonceOf(services.anvil.url, account);
    await dapp.click('#deployNFTsButton');
    await wallet.approveNext({ timeoutMs: 60_000 });
    const deployed = await minedFrom(services.anvil.url, account, nonce);
    expect(deployed.receipt.status).toBe('0x1');
    nft = deployed.receipt.contractAddress as Address;
    await waitText(dapp, '#nftsStatus', (v) => /deployed/i.test(v));
    nonce = await nonceOf(services.anvil.url, account);
    await dapp.click('#mintButton');
    const mint = await answer('approve');
    expect(mint.changes.some((c) => c.address === nft.toLowerCase() && c.amount > 0n)).toBe(true);
    expect((await minedFrom(services.anvil.url, account, nonce)).receipt.status).toBe('0x1');
    expect(await ownerOf(services.anvil.url, nft, 1n)).toBe(account.toLowerCase());
    const before = await tokenBalance(services.anvil.url, nft, account);
    await dapp.$eval('#transferTokenInput', (el) => {
      (el as HTMLInputElement).value = '1';
    });
    nonce = await nonceOf(services.anvil.url, account);
    await dapp.click('#transferFromButton');
    const prompt = await answer('approve');
    expect(prompt.changes).toEqual([{ address: nft.toLowerCase(), amount: -1n, tokenId: '1' }]);
    expect((await minedFrom(services.anvil.url, account, nonce)).receipt.status).toBe('0x1');
    expect(await ownerOf(services.anvil.url, nft, 1n)).toBe(DAPP_RECIPIENT.toLowerCase());
    expect((await tokenBalance(services.anvil.url, nft, account)) - before).toBe(-1n);
  });
});

describe('warnings: each for its transaction, none for a plain transfer', () => {
  it('setApprovalForAll to a non-marketplace address (the dApp’s button): approval-for-all', async () => {
    await dapp.click('#setApprovalForAllButton');
    const prompt = await answer('reject');
    expect(prompt.warnings).toContain('approval-for-all');
    // The dApp's operator 0x9bc5…fEF4 holds no code on anvil: a person could take the NFTs.
    expect(prompt.warnings).toContain('spender-is-eoa');
  });

  it('an unlimited ERC-20 approval (fixture): unlimited-approval; a limited one to a contract: none', async () => {
    const unlimited = await dappSend(
      { to: newToken, data: approveData(nft, maxUint256) },
      'reject',
    );
    expect(unlimited.prompt.warnings).toContain('unlimited-approval');
    expect(unlimited.prompt.warnings).not.toContain('spender-is-eoa');
    expect(unlimited.outcome).toMatchObject({ ok: false, code: 4001 });
    const limited = await dappSend({ to: oldToken, data: approveData(oldToken, 3n) }, 'reject');
    expect(limited.prompt.warnings).not.toContain('unlimited-approval');
    expect(limited.prompt.warnings).not.toContain('spender-is-eoa');
    expect(limited.prompt.warnings).not.toContain('new-contract');
  });

  it('Approve Tokens to an address without code (the dApp’s button): spender-is-eoa', async () => {
    await dapp.click('#approveTokens');
    const prompt = await answer('reject');
    expect(prompt.warnings).toContain('spender-is-eoa');
    expect(prompt.warnings).not.toContain('unlimited-approval');
  });

  it('Permit (EIP-2612) and Permit2 signatures are called out', async () => {
    await dapp.click('#signPermit');
    const permit = await answer('reject');
    expect(permit.kind).toBe('typedData');
    expect(permit.warnings).toContain('permit');
    // The reason names the spender and the amount the dApp's Permit grants (and until when).
    expect(permit.reasons.permit).toContain('0x5B38Da6a701c568545dCfcB03FcB875f56beddC4');
    expect(permit.reasons.permit).toContain('3000');
    expect(permit.reasons.permit).toMatch(/until/);
    await dapp.click('#signPermitSingle');
    const permit2 = await answer('reject');
    expect(permit2.kind).toBe('typedData');
    expect(permit2.warnings).toContain('permit2');
  });

  it('SIWE for another domain (the dApp’s “bad domain”): siwe-domain-mismatch; its own SIWE: not', async () => {
    await dapp.click('#siweBadDomain');
    const bad = await answer('reject');
    expect(bad.warnings).toContain('siwe-domain-mismatch');
    await dapp.click('#siwe');
    const good = await answer('reject');
    expect(good.kind).toBe('message');
    expect(good.warnings).not.toContain('siwe-domain-mismatch');
  });

  it('a token transfer to the token contract itself (fixture): transfer-to-token-contract', async () => {
    const { prompt } = await dappSend({ to: oldToken, data: transferData(oldToken, 1n) }, 'reject');
    expect(prompt.warnings).toContain('transfer-to-token-contract');
  });
});

describe('the phishing list', () => {
  let listDir: string;
  let phish: Page;

  beforeAll(async () => {
    listDir = await mkdtemp(join(tmpdir(), 'ckm-phishing-'));
  });
  afterAll(async () => {
    await phish?.close();
    await rm(listDir, { recursive: true, force: true });
  });

  it('a list loaded from a file in Settings gates a listed site behind “continue anyway”, which is logged', async () => {
    const file = join(listDir, 'phishing.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 'e2e-1',
        tolerance: 2,
        fuzzylist: [],
        whitelist: [],
        blacklist: ['phish-test.localhost'],
      }),
    );
    const settings = await openSettings(wallet);
    const input = await settings.waitForSelector('input[data-testid="phishing-file"]');
    await input?.uploadFile(file);
    await settings.waitForFunction(
      () => document.querySelector('[data-testid="phishing-source"]')?.textContent?.match(/file/i),
      { timeout: 30_000 },
    );
    await settings.close();

    // The same test dApp, served under a listed name (Chromium resolves *.localhost to loopback).
    phish = await wallet.browser.newPage();
    const origin = `http://phish-test.localhost:${services.dapp.port}`;
    await phish.goto(origin, { waitUntil: 'load' });
    await phish.click('#connectButton');
    const page = await wallet.approvalPage(60_000);
    const prompt = await readPrompt(page);
    expect(prompt.kind).toBe('connect');
    expect(prompt.phishing).toContain('phish-test.localhost');
    expect(
      await page.$eval('[data-testid="approve"]', (el) => (el as HTMLButtonElement).disabled),
    ).toBe(true);
    await wallet.approveNext({
      before: async (p) => {
        await p.click('[data-testid="continue-anyway"]');
        await p.waitForSelector('[data-testid="approve"]:not([disabled])');
      },
    });
    await waitText(phish, '#accounts', (v) => v.toLowerCase().includes(account.toLowerCase()));

    // A transaction from the listed site carries the panel and the phishing-site warning too;
    // the same transfer from the test dApp's own origin had neither (the first test above).
    const pending = dappRequest(phish, 'eth_sendTransaction', [
      { from: account, to: fresh(), value: quantity(parseEther('0.01')) },
    ]);
    let tx: PromptView | undefined;
    await wallet.rejectNext({
      before: async (p) => {
        tx = await readPrompt(p);
      },
    });
    expect(tx?.kind).toBe('transaction');
    expect(tx?.phishing).toContain('phish-test.localhost');
    expect(tx?.warnings).toContain('phishing-site');
    expect(await pending).toMatchObject({ ok: false, code: 4001 });

    const again = await openSettings(wallet);
    const logged = await again.waitForSelector(
      '[data-testid="phishing-log-item"][data-origin*="phish-test.localhost"]',
      { timeout: 30_000 },
    );
    expect(logged).not.toBeNull();
    await again.close();
  });
});

describe('a chain that cannot simulate', () => {
  let node: NodeAnvil;
  let proxy: RpcProxy;

  beforeAll(async () => {
    node = await startAnvil(1339);
    proxy = await startRpcProxy(node.url, { refuse: ['eth_simulateV1', 'debug_traceCall'] });
  });
  afterAll(async () => {
    await proxy?.close();
    await node?.stop();
  });

  it('the prompt says “could not simulate” (never nothing)', async () => {
    await node.rpc('anvil_setBalance', [account, quantity(parseEther('10'))]);
    const added = dappRequest(dapp, 'wallet_addEthereumChain', [
      {
        chainId: '0x53b',
        chainName: 'No simulation',
        rpcUrls: [proxy.url],
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      },
    ]);
    expect((await wallet.approveNext()).kind).toBe('addChain');
    expect((await wallet.approveNext()).kind).toBe('switchChain');
    expect(await added).toMatchObject({ ok: true });
    await waitText(dapp, '#chainId', (v) => v === '0x53b');

    const { prompt, outcome } = await dappSend(
      { to: fresh(), value: quantity(parseEther('0.1')) },
      'reject',
    );
    expect(prompt.kind).toBe('transaction');
    expect(prompt.unavailable).toMatch(/simulat/i);
    expect(prompt.changes).toEqual([]);
    expect(outcome).toMatchObject({ ok: false, code: 4001 });
    // The wallet asked the node and was told no, for both methods.
    expect(proxy.calls).toContain('eth_simulateV1');
    expect(proxy.calls).toContain('debug_traceCall');

    const back = dappRequest(dapp, 'wallet_switchEthereumChain', [{ chainId: '0x7a69' }]);
    expect((await wallet.approveNext()).kind).toBe('switchChain');
    expect(await back).toMatchObject({ ok: true });
  });
});
