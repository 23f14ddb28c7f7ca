/**
 * What the issue #7 e2e suites (backup/restore, recovery) share: downloads caught in a directory
 * of the test's own, the popup's Settings and welcome screens, a dApp connected to a wallet, and
 * the two outcomes a device's signature can have: a transaction mined on anvil, or a refusal
 * (a retired device identity) that reaches both the prompt and the dApp.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { type Hex, toHex } from 'viem';
import type { Wallet } from '../harness';
import { minedFrom, nonceOf } from './dapp';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a transaction's value goes: anvil's second dev account. */
export const RECIPIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

type Ethereum = { request(args: { method: string; params?: unknown }): Promise<unknown> };

/** Saves every download of `browser` into `dir` (Chromium, over CDP), as the user would. */
export async function downloadsTo(browser: Browser, dir: string): Promise<void> {
  const session = await browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
}

/** The one finished file in `dir` (Chromium writes `*.crdownload` first), within 15 s. */
export async function downloaded(dir: string): Promise<{ path: string; bytes: Uint8Array }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const names = (await readdir(dir)).filter((n) => !n.endsWith('.crdownload'));
    const [name] = names;
    if (names.length === 1 && name) {
      // Chromium may create the file under its final name before writing it: wait until it is
      // non-empty and its size holds still.
      const path = join(dir, name);
      const first = await readFile(path);
      await pause(200);
      const bytes = new Uint8Array(await readFile(path));
      if (bytes.length > 0 && bytes.length === first.length) return { path, bytes };
    }
    if (names.length > 1) throw new Error(`more than one download in ${dir}: ${names.join(', ')}`);
    if (Date.now() > deadline) throw new Error(`nothing was downloaded into ${dir}`);
    await pause(100);
  }
}

/** Clicks `testId` once it is there and enabled. */
export async function click(page: Page, testId: string, timeout = 30_000): Promise<void> {
  const element = await page.waitForSelector(`[data-testid="${testId}"]:not([disabled])`, {
    timeout,
  });
  if (!element) throw new Error(`no ${testId}`);
  await element.click();
}

/** The value (inputs) or text (anything else) of every `selector` on `page`. */
export function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) =>
    els.map((el) =>
      el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement
        ? el.value
        : (el.textContent ?? '').trim(),
    ),
  );
}

/** Opens the popup on its Settings screen. */
export async function openSettings(wallet: Wallet): Promise<Page> {
  const popup = await wallet.openPopup();
  await click(popup, 'open-settings');
  await popup.waitForSelector('[aria-labelledby="backup-title"]');
  return popup;
}

/** A provider request from the dApp page: its result, or its error's code and message. */
export function ask(
  page: Page,
  method: string,
  params?: unknown,
): Promise<{ result?: unknown; code?: number; message?: string }> {
  return page.evaluate(
    async (method, params) => {
      try {
        const ethereum = (window as unknown as { ethereum: Ethereum }).ethereum;
        return { result: await ethereum.request({ method, ...(params ? { params } : {}) }) };
      } catch (e) {
        return { code: (e as { code?: number }).code, message: (e as Error).message };
      }
    },
    method,
    params as never,
  );
}

/** A tab on the test dApp, connected to `wallet` (the Connect prompt approved). */
export async function connectedDapp(wallet: Wallet, dappUrl: string): Promise<Page> {
  const dapp = await wallet.browser.newPage();
  await dapp.goto(dappUrl, { waitUntil: 'load' });
  const connecting = ask(dapp, 'eth_requestAccounts');
  const prompt = await wallet.approveNext();
  if (prompt.kind !== 'connect') throw new Error(`expected a connect prompt, got ${prompt.kind}`);
  const { result } = await connecting;
  if (!Array.isArray(result) || result.length === 0)
    throw new Error(`the dApp got no account: ${JSON.stringify(result)}`);
  return dapp;
}

/**
 * Sends 0.01 ETH from `from` to {@link RECIPIENT} through the dApp, approves it, and returns the
 * mined receipt's status with the value the recipient gained.
 */
export async function sendMined(
  wallet: Wallet,
  dapp: Page,
  rpcUrl: string,
  from: string,
): Promise<{ status: Hex; hash: Hex }> {
  const nonce = await nonceOf(rpcUrl, from);
  const sending = ask(dapp, 'eth_sendTransaction', [
    { from, to: RECIPIENT, value: toHex(10n ** 16n) },
  ]);
  const prompt = await wallet.approveNext({ timeoutMs: 60_000 });
  if (prompt.kind !== 'transaction') throw new Error(`expected a transaction, got ${prompt.kind}`);
  const sent = await sending;
  if (typeof sent.result !== 'string') throw new Error(`the send failed: ${sent.message}`);
  const { tx, receipt } = await minedFrom(rpcUrl, from, nonce);
  return { status: receipt.status, hash: tx.hash };
}

/**
 * `personal_sign` from the dApp, approved in the prompt, when the device cannot sign: resolves
 * with the error the dApp got (the prompt moves on once the signature failed).
 */
export async function signRefused(
  wallet: Wallet,
  dapp: Page,
  from: string,
): Promise<{ code?: number; message: string }> {
  const signing = ask(dapp, 'personal_sign', [toHex('signed by a retired device?'), from]);
  const page = await wallet.approvalPage();
  await page.waitForSelector('[data-testid="approval"][data-kind="message"]');
  await page.click('[data-testid="approve"]');
  const outcome = await signing;
  if (outcome.result !== undefined)
    throw new Error(`the device signed: ${JSON.stringify(outcome.result)}`);
  return {
    ...(outcome.code !== undefined ? { code: outcome.code } : {}),
    message: outcome.message ?? '',
  };
}

/** Puts `text` into the field as a paste does (one input event), for long UR texts. */
export async function paste(page: Page, selector: string, text: string): Promise<void> {
  const field = await page.waitForSelector(selector);
  if (!field) throw new Error(`no ${selector}`);
  await field.evaluate((el, value) => {
    const input = el as HTMLInputElement | HTMLTextAreaElement;
    input.focus();
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

/**
 * A request to the background's UI API from an extension page, as the popup sends it: its value,
 * or its error's code and message. Only for setup, or for checks no screen offers.
 */
export function uiCall(
  page: Page,
  request: Record<string, unknown> & { type: string },
): Promise<
  { ok: true; value: unknown } | { ok: false; error: { code?: string; message: string } }
> {
  return page.evaluate(
    (request) =>
      (
        globalThis as unknown as {
          chrome: { runtime: { sendMessage(m: unknown): Promise<never> } };
        }
      ).chrome.runtime.sendMessage({ tag: 'ckm-wallet:ui', request }),
    request,
  );
}
