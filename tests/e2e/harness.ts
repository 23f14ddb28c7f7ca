/**
 * The one place tests (ours, and dApp developers') start CKM Wallet: real Chromium with the built
 * extension and a fresh profile.
 *
 * ```ts
 * const wallet = await launchWallet();
 * const page = await wallet.browser.newPage();
 * await page.goto(dappUrl);
 * const popup = await wallet.openPopup();
 * await wallet.close();
 * ```
 *
 * Build first (`npm run build`, which `npm test` runs). Onboarding helpers (a wallet already
 * created with the CKM servers, approve/reject the next prompt) come with the wallet issue.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer-core';
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium';

export const DEFAULT_EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/chrome-mv3');

export type LaunchWalletOptions = {
  /** The built extension; default `.output/chrome-mv3`. */
  extensionDir?: string;
  /** Chromium binary; default `CHROMIUM_PATH` or `/usr/bin/chromium`. */
  executablePath?: string;
  /** Default true (Chromium's new headless, which runs extensions). */
  headless?: boolean;
  /** How long to wait for the extension's service worker, in ms (default 15 000). */
  timeoutMs?: number;
};

export type Wallet = {
  readonly browser: Browser;
  readonly extensionId: string;
  /** The extension's service worker, for tests that need to look inside the background. */
  serviceWorker(): Promise<WebWorker>;
  /** Opens the popup page in a new tab and waits for it to load. */
  openPopup(): Promise<Page>;
  /** Closes the browser and deletes the profile. */
  close(): Promise<void>;
};

export async function launchWallet(options: LaunchWalletOptions = {}): Promise<Wallet> {
  const extensionDir = resolve(options.extensionDir ?? DEFAULT_EXTENSION_DIR);
  if (!existsSync(join(extensionDir, 'manifest.json')))
    throw new Error(`No built extension at ${extensionDir}. Run "npm run build" first.`);
  const userDataDir = await mkdtemp(join(tmpdir(), 'ckm-wallet-profile-'));
  const browser = await puppeteer.launch({
    executablePath: options.executablePath ?? chromiumPath(),
    headless: options.headless ?? true,
    userDataDir,
    args: [
      ...CHROMIUM_ARGS,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
  try {
    const target = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
      { timeout: options.timeoutMs ?? 15_000 },
    );
    const extensionId = new URL(target.url()).host;
    return {
      browser,
      extensionId,
      async serviceWorker() {
        const worker = await (
          await browser.waitForTarget(
            (t) =>
              t.type() === 'service_worker' &&
              t.url().startsWith(`chrome-extension://${extensionId}/`),
          )
        ).worker();
        if (!worker) throw new Error('the extension service worker is not running');
        return worker;
      },
      async openPopup() {
        const page = await browser.newPage();
        await page.goto(`chrome-extension://${extensionId}/popup.html`, { waitUntil: 'load' });
        return page;
      },
      async close() {
        await browser.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser.close();
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
