/**
 * Issue #8 item 3 end to end, with real everything (Chromium with the built extension, anvil, two
 * CKM server processes, MetaMask's test dApp): the owner sets the rules in Settings → Security and
 * every server reports them; a dApp transfer above the daily limit gets the prompt's
 * `policy-refusal` (`dailyLimit`) and the dApp an error, one under it is mined; tightening applies
 * at once; turning "never co-sign unknown approvals" off shows `policy-pending` and the rule keeps
 * refusing until the waiting period is over, then the same approval is mined; a transfer above
 * the hold threshold is held (`hold`), listed on Home under Waiting, sent with `held-send` after
 * the wait and mined; another one cancelled with `held-cancel` stays refused.
 *
 * The waiting period is short (see DELAY_SECONDS) and set while the wallet had no rules, so it
 * applies at once; nothing here asserts how long anything took.
 */
import type { Page } from 'puppeteer-core';
import { type Address, maxUint256, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../../scripts/stack/wait';
import { deployHst } from '../background/support/token-contracts';
import { launchWallet, type Wallet } from './harness';
import { minedFrom, nonceOf, waitText } from './support/dapp';
import {
  approveData,
  approveExpectingRefusal,
  type DappOutcome,
  dappRequest,
  ethBalance,
  heldItems,
  nodeAnvil,
  openSettings,
  type PolicyForm,
  policyRows,
  quantity,
  readPrompt,
  receiptOf,
  savePolicy,
  until,
} from './support/safety';
import { fund, type LocalServices, startLocalServices } from './support/services';

/**
 * Long enough that the refusal right after a loosening is asked well within it on a loaded
 * machine, short enough to wait out.
 */
const DELAY_SECONDS = 30;
const CHAIN_ID = 31337;

let services: LocalServices;
let wallet: Wallet;
let dapp: Page;
let account: Address;
/** Any ERC-20 (deployed by anvil's dev account): the servers judge the approval's calldata. */
let token: Address;
const fresh = () => privateKeyToAddress(generatePrivateKey());

/** The rules of the first save: 3 ETH a day, hold above 1 ETH, unknown approvals blocked. */
const FIRST: PolicyForm = {
  chainId: CHAIN_ID,
  dailyLimitEth: '3',
  holdAboveEth: '1',
  blockUnknownApprovals: true,
  delaySeconds: DELAY_SECONDS,
};

/** Starts a dApp `eth_sendTransaction`; settle it after answering the prompt. */
const dappSend = (tx: Record<string, unknown>): Promise<DappOutcome> =>
  dappRequest(dapp, 'eth_sendTransaction', [{ from: account, ...tx }]);

/** Saves `form` in Settings → Security; returns the popup, still open on Settings. */
async function setRules(form: PolicyForm): Promise<Page> {
  const settings = await openSettings(wallet);
  await savePolicy(settings, form);
  return settings;
}

/** Whether each server's row shows a looser change waiting. */
async function pendingByServer(settings: Page): Promise<boolean[]> {
  return settings.$$eval('[data-testid="policy-server"]', (rows) =>
    rows.map((row) => row.querySelector('[data-testid="policy-pending"]') !== null),
  );
}

beforeAll(async () => {
  services = await startLocalServices();
  token = await deployHst(nodeAnvil(services.anvil), 0, 'FWL');
  wallet = await launchWallet();
  account = wallet.address as Address;
  await fund(services.anvil, account);
  dapp = await wallet.browser.newPage();
  await dapp.goto(services.dapp.url, { waitUntil: 'load' });
  await dapp.click('#connectButton');
  expect((await wallet.approveNext()).kind).toBe('connect');
  await waitText(dapp, '#accounts', (v) => v.toLowerCase().includes(account.toLowerCase()));
}, 300_000);

afterAll(async () => {
  await wallet?.close();
  await services?.stop();
});

describe('the server policy firewall from Settings → Security', () => {
  it('the first rules apply at once on both servers (the wallet had none)', async () => {
    const settings = await setRules(FIRST);
    const rows = await policyRows(settings);
    expect(rows.map((r) => r.party).sort()).toEqual(['2', '3']);
    expect(await pendingByServer(settings)).toEqual([false, false]);
    expect(await settings.$$('[data-testid="policy-server-error"]')).toHaveLength(0);
    // Each server reports what it counted against the daily limit.
    expect(
      await settings.$$('[data-testid="policy-server"] [data-testid="policy-spent"]'),
    ).toHaveLength(2);
    await settings.close();
  });

  it('a dApp transfer above the daily limit: the prompt explains the refusal, the dApp gets an error, nothing is sent', async () => {
    const nonce = await nonceOf(services.anvil.url, account);
    const pending = dappSend({ to: fresh(), value: quantity(parseEther('5')) });
    const refusal = await approveExpectingRefusal(wallet);
    expect(refusal.rule).toBe('dailyLimit');
    expect(refusal.text.length).toBeGreaterThan(0);
    expect(await pending).toMatchObject({ ok: false });
    expect(await nonceOf(services.anvil.url, account)).toBe(nonce);
  });

  it('under the limit (and the hold threshold): co-signed and mined', async () => {
    const to = fresh();
    const pending = dappSend({ to, value: quantity(parseEther('0.5')) });
    await wallet.approveNext({ timeoutMs: 60_000 });
    const outcome = await pending;
    if (!outcome.ok) throw new Error(`the send failed: ${outcome.message}`);
    expect((await receiptOf(services.anvil.url, outcome.result as string)).status).toBe('0x1');
    expect(await ethBalance(services.anvil.url, to)).toBe(parseEther('0.5'));
  });

  it('above the hold threshold: held (rule hold), listed on Home under Waiting', async () => {
    const pending = dappSend({ to: fresh(), value: quantity(parseEther('2')) });
    const refusal = await approveExpectingRefusal(wallet);
    expect(refusal.rule).toBe('hold');
    expect(await pending).toMatchObject({ ok: false });
    const home = await heldItems(wallet, 1);
    expect(await home.$$('[data-testid="held-list"] [data-testid="held-item"]')).toHaveLength(1);
    expect(
      await home.$eval('[data-testid="held-send"]', (el) => (el as HTMLButtonElement).disabled),
    ).toBe(true);
    await home.close();
  });

  it('another held transfer cancelled with held-cancel: gone from Waiting, and asked again it stays refused', async () => {
    const to = fresh();
    const tx = { to, value: quantity(parseEther('1.5')) };
    const first = dappSend(tx);
    expect((await approveExpectingRefusal(wallet)).rule).toBe('hold');
    await first;
    const home = await heldItems(wallet, 2);
    // The newest hold is the one to cancel: find its row by the recipient it shows.
    const rows = await home.$$('[data-testid="held-item"]');
    let cancelled = false;
    for (const row of rows) {
      const text = await row.evaluate((el) => el.textContent ?? '');
      const lower = text.toLowerCase();
      if (!lower.includes(to.slice(2, 6).toLowerCase()) && !lower.includes('1.5')) continue;
      await (await row.$('[data-testid="held-cancel"]'))?.click();
      cancelled = true;
      break;
    }
    expect(cancelled).toBe(true);
    await home.waitForFunction(
      () => document.querySelectorAll('[data-testid="held-item"]').length === 1,
      { timeout: 60_000 },
    );
    await home.close();
    const nonce = await nonceOf(services.anvil.url, account);
    const again = dappSend(tx);
    const refusal = await approveExpectingRefusal(wallet);
    expect(refusal.rule).toBe('hold');
    expect(refusal.text).toMatch(/cancel/i);
    expect(await again).toMatchObject({ ok: false });
    expect(await nonceOf(services.anvil.url, account)).toBe(nonce);
  });

  it('tightening applies at once: a lower daily limit refuses what the old one allowed', async () => {
    const settings = await setRules({ ...FIRST, dailyLimitEth: '0.5' });
    expect(await pendingByServer(settings)).toEqual([false, false]);
    await settings.close();
    // 0.5 ETH were co-signed today: 0.1 more was fine under 3 ETH and is over 0.5 ETH.
    const pending = dappSend({ to: fresh(), value: quantity(parseEther('0.1')) });
    expect((await approveExpectingRefusal(wallet)).rule).toBe('dailyLimit');
    expect(await pending).toMatchObject({ ok: false });
  });

  it('turning a rule off (and raising the limit) waits: policy-pending, and the rule still refuses', async () => {
    const settings = await setRules({ ...FIRST, blockUnknownApprovals: false });
    expect(await pendingByServer(settings)).toEqual([true, true]);
    await settings.close();
    const pending = dappSend({ to: token, data: approveData(fresh(), maxUint256) });
    const refusal = await approveExpectingRefusal(wallet);
    expect(refusal.rule).toBe('unknownApproval');
    expect(refusal.prompt.warnings).toContain('unlimited-approval');
    expect(await pending).toMatchObject({ ok: false });
  });

  it('after the waiting period the looser rules are in force: the same approval is mined', async () => {
    await until(
      'the looser rules to take effect on both servers',
      async () => {
        const settings = await openSettings(wallet);
        try {
          await settings.waitForSelector('[data-testid="policy-server"]', { timeout: 30_000 });
          return (await pendingByServer(settings)).every((p) => !p);
        } finally {
          await settings.close();
        }
      },
      (DELAY_SECONDS + 90) * 1000,
    );
    const pending = dappSend({ to: token, data: approveData(fresh(), maxUint256) });
    await wallet.approveNext({ timeoutMs: 60_000 });
    const outcome = await pending;
    if (!outcome.ok) throw new Error(`the approval failed: ${outcome.message}`);
    expect((await receiptOf(services.anvil.url, outcome.result as string)).status).toBe('0x1');
  });

  it('the held transfer, once its wait is over, is sent from Home with held-send and mined', async () => {
    const home = await heldItems(wallet, 1);
    await home.waitForSelector('[data-testid="held-item"][data-ready="true"]', {
      timeout: (DELAY_SECONDS + 60) * 1000,
    });
    const nonce = await nonceOf(services.anvil.url, account);
    await (await home.waitForSelector('[data-testid="held-send"]:not([disabled])'))?.click();
    const { tx, receipt } = await minedFrom(services.anvil.url, account, nonce);
    expect(receipt.status).toBe('0x1');
    const full = (await jsonRpc(services.anvil.url, 'eth_getTransactionByHash', [tx.hash])) as {
      value: `0x${string}`;
    };
    expect(BigInt(full.value)).toBe(parseEther('2'));
    await home.waitForFunction(
      () => document.querySelectorAll('[data-testid="held-item"]').length === 0,
      { timeout: 60_000 },
    );
    await home.close();
  });

  it('the prompt of a refused transfer shows what it would do before the refusal', async () => {
    // The preview and the refusal are independent: a refused prompt still had its preview.
    const pending = dappSend({ to: fresh(), value: quantity(parseEther('10')) });
    const page = await wallet.approvalPage(30_000);
    const prompt = await readPrompt(page);
    expect(prompt.changes).toEqual([{ address: 'native', amount: -parseEther('10') }]);
    const refusal = await approveExpectingRefusal(wallet);
    expect(refusal.rule).toBe('dailyLimit');
    expect(await pending).toMatchObject({ ok: false });
  });

  it('an allowlist (a tightening, so at once): a listed recipient is mined, any other is refused', async () => {
    const friend = fresh();
    const settings = await setRules({
      ...FIRST,
      blockUnknownApprovals: false,
      allowlist: [friend],
    });
    expect(await pendingByServer(settings)).toEqual([false, false]);
    await settings.close();
    const stranger = dappSend({ to: fresh(), value: quantity(parseEther('0.1')) });
    expect((await approveExpectingRefusal(wallet)).rule).toBe('allowlist');
    expect(await stranger).toMatchObject({ ok: false });
    const listed = dappSend({ to: friend, value: quantity(parseEther('0.1')) });
    await wallet.approveNext({ timeoutMs: 60_000 });
    const outcome = await listed;
    if (!outcome.ok) throw new Error(`the send failed: ${outcome.message}`);
    expect((await receiptOf(services.anvil.url, outcome.result as string)).status).toBe('0x1');
    expect(await ethBalance(services.anvil.url, friend)).toBe(parseEther('0.1'));
  });
});
