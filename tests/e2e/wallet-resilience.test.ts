/**
 * What must hold when things go wrong, in real Chromium with real servers: a locked wallet asks
 * to unlock before it signs (a wrong password there changes nothing), and with server A down the
 * signature comes from server B.
 */
import type { Page } from 'puppeteer-core';
import { type Hex, recoverMessageAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD, launchWallet, type Wallet } from './harness';
import { type LocalServices, startLocalServices } from './support/services';

let services: LocalServices;
let wallet: Wallet;
let dapp: Page;

type Ethereum = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

/** `personal_sign` from the dApp page; resolves with the signature or the error code. */
function personalSign(message: Hex) {
  return dapp.evaluate(
    async (m, from) => {
      try {
        return {
          signature: (await (window as unknown as { ethereum: Ethereum }).ethereum.request({
            method: 'personal_sign',
            params: [m, from],
          })) as string,
        };
      } catch (e) {
        return { code: (e as { code: number }).code, message: (e as Error).message };
      }
    },
    message,
    wallet.address as string,
  );
}

beforeAll(async () => {
  services = await startLocalServices();
  wallet = await launchWallet();
  dapp = await wallet.browser.newPage();
  await dapp.goto(services.dapp.url, { waitUntil: 'load' });
  const connecting = dapp.evaluate(() =>
    (window as unknown as { ethereum: Ethereum }).ethereum.request({
      method: 'eth_requestAccounts',
    }),
  );
  await wallet.approveNext();
  await connecting;
}, 240_000);

afterAll(async () => {
  await wallet?.close();
  await services?.stop();
});

describe('CKM Wallet when things go wrong', () => {
  it('locked: eth_accounts is [], and a signature first asks to unlock (a wrong password changes nothing)', async () => {
    const popup = await wallet.openPopup();
    await (await popup.waitForSelector('[data-testid="lock"]'))?.click();
    await popup.waitForSelector('[data-testid="unlock-password"]');
    await popup.close();
    expect(
      await dapp.evaluate(() =>
        (window as unknown as { ethereum: Ethereum }).ethereum.request({ method: 'eth_accounts' }),
      ),
    ).toEqual([]);

    const signing = personalSign('0x6c6f636b6564');
    const prompt = await wallet.approvalPage();
    await prompt.waitForSelector('[data-testid="approval"][data-kind="unlock"]');
    await prompt.type('[data-testid="unlock-password"]', 'not the password');
    await prompt.click('[data-testid="approve"]');
    await prompt.waitForSelector('[data-testid="approval-error"]', { timeout: 20_000 });
    // Still locked, still waiting: now the right password, then the signature prompt.
    expect((await wallet.approveNext()).kind).toBe('unlock');
    expect((await wallet.approveNext()).kind).toBe('message');
    const outcome = await signing;
    expect(outcome.signature).toMatch(/^0x[0-9a-f]{130}$/);
    const signer = await recoverMessageAddress({
      message: { raw: '0x6c6f636b6564' },
      signature: outcome.signature as Hex,
    });
    expect(signer).toBe(wallet.address);
  });

  it('server A down: the signature comes from server B', async () => {
    const [serverA] = services.servers;
    await serverA?.kill();
    try {
      const signing = personalSign('0x66726f6d2042');
      const prompt = await wallet.approveNext();
      expect(prompt.cosigner).toMatch(/server-b/);
      const outcome = await signing;
      expect(
        await recoverMessageAddress({
          message: { raw: '0x66726f6d2042' },
          signature: outcome.signature as Hex,
        }),
      ).toBe(wallet.address);
    } finally {
      await serverA?.start();
    }
  });

  it('onboarding: a server that fails during creation gives a clear error, and Retry creates the wallet', async () => {
    const fresh = await launchWallet({ onboard: false });
    const serverB = services.servers[1];
    try {
      const page = await fresh.openPopup();
      await (await page.waitForSelector('[data-testid="create-start"]'))?.click();
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-testid="server-row"]')].filter(
            (row) => row.getAttribute('data-status') === 'ok',
          ).length === 2,
        { timeout: 30_000 },
      );
      await page.click('[data-testid="servers-continue"]');
      await page.waitForSelector('[data-testid="password"]');
      await page.type('[data-testid="password"]', DEFAULT_PASSWORD);
      await page.type('[data-testid="password-confirm"]', DEFAULT_PASSWORD);
      await serverB?.kill();
      await page.click('[data-testid="create-wallet"]');
      const error = await page.waitForSelector('[data-testid="create-error"]', { timeout: 60_000 });
      expect(await error?.evaluate((el) => el.textContent)).toMatch(/server|reach|unavailable/i);
      await serverB?.start();
      await (await page.waitForSelector('[data-testid="create-retry"]:not([disabled])'))?.click();
      const created = await page.waitForSelector('[data-testid="created-address"]', {
        timeout: 120_000,
      });
      expect(await created?.evaluate((el) => el.textContent)).toMatch(/0x[0-9a-fA-F]{40}/);
    } finally {
      await fresh.close();
    }
  });
});
