/**
 * Issue #7's way in from MetaMask, in real Chromium against real server processes and anvil:
 * the standard test mnemonic imported through the popup gives MetaMask's account 0
 * (0xf39F…2266), marked as a key that once existed whole; it signs transactions the test dApp
 * sends (mined), and "Move to a collaborative key" leaves it at exactly zero ETH and zero of its
 * watched token, everything (less the fees the receipts show) on the new collaborative account;
 * the imported account's identity document, exported from Settings, ends in that migration and
 * passes `npm run verify-identity`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../../scripts/stack/wait';
import { launchWallet, type Wallet } from './harness';
import { minedFrom, nonceOf, waitText } from './support/dapp';
import { fund, type LocalServices, startLocalServices } from './support/services';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** `npm run verify-identity -- file` as a child process. */
const verifyIdentity = (file: string) =>
  run('npm', ['run', '--silent', 'verify-identity', '--', file], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

const MNEMONIC = 'test test test test test test test test test test test junk';
/** MetaMask's (and anvil's) account 0 of that phrase, m/44'/60'/0'/0/0. */
const ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
/** Its account 1, shown in the preview but not imported. */
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

let services: LocalServices;
let wallet: Wallet;
let dapp: Page;
let popup: Page;
let token: Hex;
/** Where "Move to a collaborative key" sent everything. */
let collaborative: Hex;

type Ethereum = { request(args: { method: string; params?: unknown }): Promise<unknown> };

const balanceOf = async (who: string) =>
  BigInt((await jsonRpc(services.anvil.url, 'eth_getBalance', [who, 'latest'])) as Hex);

const tokenBalanceOf = async (who: string) =>
  BigInt(
    (await jsonRpc(services.anvil.url, 'eth_call', [
      { to: token, data: `0x70a08231${who.slice(2).toLowerCase().padStart(64, '0')}` },
      'latest',
    ])) as Hex,
  );

const click = async (page: Page, testId: string, timeout = 30_000) => {
  const element = await page.waitForSelector(`[data-testid="${testId}"]:not([disabled])`, {
    timeout,
  });
  await element?.click();
};

const text = (page: Page, selector: string) =>
  page.$eval(selector, (el) => (el.textContent ?? '').trim());

beforeAll(async () => {
  services = await startLocalServices();
  wallet = await launchWallet();
  dapp = await wallet.browser.newPage();
  await dapp.goto(services.dapp.url, { waitUntil: 'load' });
  // A round amount, so the move's arithmetic below is exact from a known start.
  await fund(services.anvil, ACCOUNT_0, 10n);
}, 240_000);

afterAll(async () => {
  await wallet?.close();
  await services?.stop();
});

describe('import from MetaMask and move to a collaborative key (issue #7)', () => {
  it('the test mnemonic imports MetaMask’s account 0, marked as a key that once existed whole', async () => {
    popup = await wallet.openPopup();
    await click(popup, 'account-selector');
    await click(popup, 'import-account-open');
    await popup.waitForSelector('[data-testid="import-warning"]');
    // Twelve real words whose checksum is wrong: a clear error, nothing shown to import.
    await popup.type('[data-testid="import-phrase"]', 'test '.repeat(12).trim());
    await click(popup, 'import-preview');
    const refused = await popup.waitForSelector('[data-testid="import-error"]', {
      timeout: 30_000,
    });
    expect(await refused?.evaluate((el) => el.textContent ?? '')).toMatch(/checksum/i);
    expect(await popup.$('[data-testid="import-preview-list"]')).toBeNull();
    await popup.$eval('[data-testid="import-phrase"]', (el) =>
      (el as HTMLTextAreaElement).select(),
    );
    await popup.type('[data-testid="import-phrase"]', MNEMONIC);
    await popup.$eval('[data-testid="import-count"]', (el) => (el as HTMLInputElement).select());
    await popup.type('[data-testid="import-count"]', '3');
    await click(popup, 'import-preview');
    await popup.waitForSelector('[data-testid="import-preview-list"]', { timeout: 30_000 });
    const preview = await popup.$$eval('[data-testid="import-pick"]', (els) =>
      els.map((el) => ({
        address: el.getAttribute('data-address') ?? '',
        checked: (el as HTMLInputElement).checked,
      })),
    );
    expect(preview).toHaveLength(3);
    expect(getAddress(preview[0]?.address ?? '')).toBe(ACCOUNT_0);
    expect(getAddress(preview[1]?.address ?? '')).toBe(ACCOUNT_1);
    // Only account 0 is picked by default.
    expect(preview.map((p) => p.checked)).toEqual([true, false, false]);

    await click(popup, 'import-submit');
    const imported = await popup.waitForSelector('[data-testid="imported-account"]', {
      timeout: 120_000,
    });
    expect(
      getAddress((await imported?.evaluate((el) => el.getAttribute('data-address'))) ?? ''),
    ).toBe(ACCOUNT_0);
    expect(await popup.$$('[data-testid="imported-account"]')).toHaveLength(1);
    await click(popup, 'import-done');

    await popup.waitForSelector('[data-testid="imported-badge"]', { timeout: 30_000 });
    expect(await text(popup, '[data-testid="imported-badge"]')).toMatch(
      /imported.*this key once existed whole/i,
    );
    expect(await text(popup, '[data-testid="account-address"]')).toBe(ACCOUNT_0);
    await waitText(popup, '[data-testid="balance"]', (v) => /^10(\.0+)?\s*ETH$/.test(v));
    await popup.waitForSelector('[data-testid="migrate-open"]');
  }, 180_000);

  it('the imported account connects to the test dApp and its transaction is mined', async () => {
    await dapp.bringToFront();
    await dapp.click('#connectButton');
    expect((await wallet.approveNext()).kind).toBe('connect');
    await waitText(dapp, '#accounts', (v) => v.toLowerCase().includes(ACCOUNT_0.toLowerCase()));

    const nonce = await nonceOf(services.anvil.url, ACCOUNT_0);
    await dapp.click('#sendEIP1559Button');
    const prompt = await wallet.approveNext({ timeoutMs: 60_000 });
    expect(prompt.kind).toBe('transaction');
    expect(prompt.cosigner).toMatch(/server-a|server-b/);
    const { tx, receipt } = await minedFrom(services.anvil.url, ACCOUNT_0, nonce);
    expect(receipt.status).toBe('0x1');
    expect(getAddress(tx.from)).toBe(ACCOUNT_0);
  }, 120_000);

  it('it deploys an ERC-20 from the test dApp and watches it', async () => {
    const nonce = await nonceOf(services.anvil.url, ACCOUNT_0);
    await dapp.click('#createToken');
    await wallet.approveNext({ timeoutMs: 60_000 });
    const deployed = await minedFrom(services.anvil.url, ACCOUNT_0, nonce);
    expect(deployed.receipt.status).toBe('0x1');
    const addresses = await waitText(dapp, '#erc20TokenAddresses', (v) =>
      /0x[0-9a-f]{40}/i.test(v),
    );
    token = (/0x[0-9a-fA-F]{40}/.exec(addresses)?.[0] ?? '') as Hex;
    expect(getAddress(token)).toBe(getAddress(deployed.receipt.contractAddress ?? ''));
    expect(await tokenBalanceOf(ACCOUNT_0)).toBeGreaterThan(0n);

    const watching = dapp.evaluate(
      (address) =>
        (window as unknown as { ethereum: Ethereum }).ethereum.request({
          method: 'wallet_watchAsset',
          params: { type: 'ERC20', options: { address } },
        }),
      token,
    );
    expect((await wallet.approveNext()).kind).toBe('watchAsset');
    expect(await watching).toBe(true);
  }, 120_000);

  it('Move to a collaborative key: previewed, confirmed; the imported account ends at exactly zero', async () => {
    const ethBefore = await balanceOf(ACCOUNT_0);
    const tokensBefore = await tokenBalanceOf(ACCOUNT_0);
    expect(ethBefore).toBeGreaterThan(0n);

    await popup.bringToFront();
    await popup.reload({ waitUntil: 'load' });
    await click(popup, 'migrate-open');
    await popup.waitForSelector('[data-testid="migrate-transfer"]', { timeout: 60_000 });
    const transfers = await popup.$$eval('[data-testid="migrate-transfer"]', (els) =>
      els.map((el) => (el.textContent ?? '').trim()),
    );
    // The token first, then the ETH left after the fees.
    expect(transfers).toHaveLength(2);
    expect(transfers[1]).toMatch(/ETH/);
    expect(await text(popup, '[data-testid="migrate-fee"]')).toMatch(/ETH/);

    await click(popup, 'migrate-confirm');
    await popup.waitForSelector('[data-testid="migrate-result"]', { timeout: 180_000 });
    const hashes = await popup.$$eval('[data-testid="migrate-hash"]', (els) =>
      els.map((el) => el.getAttribute('title') ?? ''),
    );
    expect(hashes).toHaveLength(2);
    await click(popup, 'migrate-switch');
    await popup.waitForFunction(
      (from) => {
        const shown = document.querySelector('[data-testid="account-address"]')?.textContent;
        return !!shown && shown.trim().toLowerCase() !== from;
      },
      { timeout: 30_000 },
      ACCOUNT_0.toLowerCase(),
    );
    collaborative = (await text(popup, '[data-testid="account-address"]')) as Hex;
    expect(await popup.$('[data-testid="imported-badge"]')).toBeNull();

    // What the chain says, not the wallet.
    let fees = 0n;
    for (const hash of hashes) {
      const receipt = (await jsonRpc(services.anvil.url, 'eth_getTransactionReceipt', [hash])) as {
        status: Hex;
        from: string;
        gasUsed: Hex;
        effectiveGasPrice: Hex;
      };
      expect(receipt.status).toBe('0x1');
      expect(getAddress(receipt.from)).toBe(ACCOUNT_0);
      fees += BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
    }
    expect(await balanceOf(ACCOUNT_0)).toBe(0n);
    expect(await tokenBalanceOf(ACCOUNT_0)).toBe(0n);
    expect(await tokenBalanceOf(collaborative)).toBe(tokensBefore);
    expect(await balanceOf(collaborative)).toBe(ethBefore - fees);
  }, 300_000);

  it('Settings exports the imported account’s identity: its chain ends in the move, and verify-identity prints OK', async () => {
    await popup.bringToFront();
    await click(popup, 'open-settings');
    const exports = await popup.waitForSelector('[data-testid="identity-export-imported"]', {
      timeout: 30_000,
    });
    expect(await popup.$$('[data-testid="identity-export-imported"]')).toHaveLength(1);
    await exports?.click();
    await popup.waitForSelector('[data-testid="identity-kit"]', { timeout: 60_000 });
    // Plumbing: the UR text on screen is the document (the file download is tested in
    // servers-refresh.test.ts).
    const ur = await popup.$eval(
      '[data-testid="identity-kit"] [data-testid="kit-ur"]',
      (el) => (el as HTMLTextAreaElement).value,
    );
    const dir = mkdtempSync(join(tmpdir(), 'ckm-e2e-identity-'));
    try {
      const file = join(dir, 'imported.ur');
      writeFileSync(file, ur);
      const { code, stdout } = await verifyIdentity(file);
      expect(code, stdout).toBe(0);
      // Incepted with the imported key (MetaMask's address), rotated once: the migration to a
      // new key, the collaborative account's.
      expect(stdout).toMatch(/Rotation 1 {2}migration .*\(new key\)/);
      expect(stdout).not.toMatch(/Rotation 2/);
      expect(stdout.toLowerCase()).toContain(`address ${collaborative.toLowerCase()},`);
      expect(stdout.trim().endsWith('OK')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
