/**
 * A dApp built on viem's `createWalletClient(custom(window.ethereum))`: connect, sign (verified by
 * viem), send (mined, read back through the wallet's own RPC forwarding), add and switch chain.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, serveStatic } from '../../scripts/stack/static-server';
import { launchWallet, type Wallet } from './harness';
import {
  type Anvil,
  fund,
  type LocalServices,
  startAnvil,
  startLocalServices,
} from './support/services';

type ViemDapp = {
  connect(): Promise<string[]>;
  chainId(): Promise<number>;
  sign(message: string): Promise<{ account: string; signature: string; valid: boolean }>;
  send(to: string, ether: string): Promise<{ hash: string; status: string }>;
  switchToSecond(): Promise<number>;
};

let services: LocalServices;
let second: Anvil;
let site: StaticServer;
let siteDir: string;
let wallet: Wallet;
let page: Page;

/** Calls `window.viemDapp[name](...args)` in the page while the test answers the prompts. */
function dapp<K extends keyof ViemDapp>(name: K, ...args: Parameters<ViemDapp[K]>) {
  return page.evaluate(
    (n, a) =>
      (window as unknown as { viemDapp: Record<string, (...x: unknown[]) => unknown> }).viemDapp[
        n
      ]?.(...a),
    name,
    args as unknown[],
  ) as ReturnType<ViemDapp[K]>;
}

beforeAll(async () => {
  siteDir = await mkdtemp(join(tmpdir(), 'ckm-viem-dapp-'));
  await build({
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: siteDir,
      emptyOutDir: false,
      lib: {
        entry: resolve(import.meta.dirname, 'fixtures/viem-dapp.ts'),
        formats: ['iife'],
        name: 'viemDappBundle',
        fileName: () => 'dapp.js',
      },
    },
  });
  await writeFile(
    join(siteDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>viem dApp</title><script src="dapp.js"></script>',
  );
  [services, second, site] = await Promise.all([
    startLocalServices(),
    startAnvil(8546, 1338),
    serveStatic({ root: siteDir, host: '127.0.0.1' }),
  ]);
  wallet = await launchWallet();
  await fund(services.anvil, wallet.address as string);
  await fund(second, wallet.address as string);
  page = await wallet.browser.newPage();
  await page.goto(site.url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.title === 'viem dApp ready');
}, 240_000);

afterAll(async () => {
  await wallet?.close();
  await Promise.all([services?.stop(), second?.stop(), site?.close()]);
  if (siteDir) await rm(siteDir, { recursive: true, force: true });
});

describe('a viem dApp (createWalletClient(custom(window.ethereum)))', () => {
  it('connects', async () => {
    const connecting = dapp('connect');
    expect((await wallet.approveNext()).kind).toBe('connect');
    expect((await connecting).map((a) => a.toLowerCase())).toEqual([wallet.address?.toLowerCase()]);
    expect(await dapp('chainId')).toBe(31337);
  });

  it('signs a message that viem verifies', async () => {
    const signing = dapp('sign', 'hello from viem');
    expect((await wallet.approveNext()).kind).toBe('message');
    const { account, valid } = await signing;
    expect(account.toLowerCase()).toBe(wallet.address?.toLowerCase());
    expect(valid).toBe(true);
  });

  it('sends ETH; viem waits for the receipt through the wallet', async () => {
    const sending = dapp('send', '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C', '0.5');
    expect((await wallet.approveNext()).kind).toBe('transaction');
    expect((await sending).status).toBe('success');
  });

  it('adds and switches to another chain', async () => {
    const switching = dapp('switchToSecond');
    expect((await wallet.approveNext()).kind).toBe('addChain');
    expect((await wallet.approveNext()).kind).toBe('switchChain');
    expect(await switching).toBe(1338);
  });
});
