/**
 * MetaMask's own test dApp (`@metamask/test-dapp`), unchanged, finds CKM Wallet by EIP-6963.
 * Discovery only, before any wallet exists; connecting and signing are in wallet-dapp.test.ts.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, serveStatic } from '../../scripts/stack/static-server';
import { launchWallet, type Wallet } from './harness';

const require = createRequire(import.meta.url);
let wallet: Wallet;
let dapp: StaticServer;

beforeAll(async () => {
  dapp = await serveStatic({
    root: join(dirname(require.resolve('@metamask/test-dapp/package.json')), 'dist'),
  });
  wallet = await launchWallet({ onboard: false });
});
afterAll(async () => {
  await wallet?.close();
  await dapp?.close();
});

describe('@metamask/test-dapp', () => {
  it('lists CKM Wallet among the EIP-6963 providers and makes it the active provider', async () => {
    const page = await wallet.browser.newPage();
    await page.goto(dapp.url, { waitUntil: 'load' });
    await page.waitForFunction(
      () => document.querySelector('#providers')?.textContent?.includes('CKM Wallet'),
      { timeout: 20_000 },
    );
    const providers = await page.$eval('#providers', (el) => el.textContent ?? '');
    expect(providers).toContain('org.ckmwallet');
    await page.waitForFunction(
      () => document.querySelector('#activeProviderName')?.textContent?.includes('CKM Wallet'),
      { timeout: 20_000 },
    );
    const icon = await page.$eval('#activeProviderIcon', (el) => el.innerHTML);
    expect(icon).toContain('data:image/svg+xml;base64,');
  });
});
