/**
 * The smallest real extension, end to end in Chromium: the MAIN-world provider, EIP-6963, the
 * relay and the background; the provider's events and legacy surface, "appear as MetaMask", and
 * what a page sees when the service worker stops under it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  NO_METAMASK_SCRIPT,
  NO_METAMASK_SCRIPT_ID,
} from '../../background/services/inpage-registration';
import { DISCONNECTED_MESSAGE, EXTENSION_GONE_MESSAGE } from '../../content/page-channel';
import { type StaticServer, serveStatic } from '../../scripts/stack/static-server';
import { launchWallet, type Wallet } from './harness';

/**
 * A page whose first script records what a dApp sees before anything else runs, and every
 * provider event from then on (`window.__events`, as `[name, chainId | code | data]`).
 */
const PROVIDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="UTF-8"><title>provider e2e</title>
<script>
  const ethereum = window.ethereum;
  window.__first = {
    ethereumType: typeof ethereum,
    isMetaMask: ethereum && ethereum.isMetaMask,
    isCkmWallet: ethereum && ethereum.isCkmWallet,
    connected: ethereum && ethereum.isConnected(),
  };
  window.__events = [];
  for (const name of ['connect', 'disconnect', 'chainChanged', 'accountsChanged'])
    ethereum.on(name, (data) =>
      window.__events.push([name, data && typeof data === 'object' && !Array.isArray(data) ? (data.chainId ?? data.code) : data]),
    );
</script></head><body><h1>provider e2e</h1></body></html>`;

type Announced = { info: { uuid: string; name: string; icon: string; rdns: string } };

let wallet: Wallet;
let site: StaticServer;
let providerSite: StaticServer;
let providerRoot: string;
let page: Page;

beforeAll(async () => {
  site = await serveStatic({ root: join(import.meta.dirname, 'fixtures') });
  providerRoot = await mkdtemp(join(tmpdir(), 'ckm-provider-e2e-'));
  await writeFile(join(providerRoot, 'provider.html'), PROVIDER_PAGE);
  providerSite = await serveStatic({ root: providerRoot });
  // No onboarding: these tests need only what any page gets (chain id, events, legacy shapes).
  const options = { onboard: false, headless: true };
  wallet = await launchWallet(options);
});
afterAll(async () => {
  await wallet?.close();
  await site?.close();
  await providerSite?.close();
  if (providerRoot) await rm(providerRoot, { recursive: true, force: true });
});
beforeEach(async () => {
  page = await wallet.browser.newPage();
  await page.goto(`${site.url}/dapp.html`, { waitUntil: 'load' });
});

const rpc = (method: string, params?: unknown) =>
  page.evaluate(
    async (method, params) => {
      try {
        const ethereum = (
          window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
        ).ethereum;
        return { result: await ethereum.request({ method, params }) };
      } catch (error) {
        const { code, message } = error as { code: number; message: string };
        return { error: { code, message, isError: error instanceof Error } };
      }
    },
    method,
    params,
  );

describe('inpage provider (MAIN world, document_start)', () => {
  it('defines window.ethereum before the page’s first inline script runs', async () => {
    const first = await page.evaluate(
      () => (window as unknown as { __firstScript: unknown }).__firstScript,
    );
    expect(first).toEqual({ ethereumType: 'object', isCkmWallet: true });
  });

  it('leaves window.ethereum configurable, so other wallets can coexist', async () => {
    const descriptor = await page.evaluate(() => {
      const d = Object.getOwnPropertyDescriptor(window, 'ethereum');
      return { configurable: d?.configurable, writable: d?.writable };
    });
    expect(descriptor).toEqual({ configurable: true, writable: true });
  });
});

describe('EIP-6963 discovery', () => {
  it('announces on requestProvider with valid provider info, and the provider is window.ethereum', async () => {
    const result = await page.evaluate(() => {
      const seen: { info: unknown; isEthereum: boolean; frozen: boolean }[] = [];
      window.addEventListener('eip6963:announceProvider', (event) => {
        const detail = (event as CustomEvent).detail;
        seen.push({
          info: detail.info,
          isEthereum: detail.provider === (window as unknown as { ethereum: unknown }).ethereum,
          frozen: Object.isFrozen(detail),
        });
      });
      window.dispatchEvent(new Event('eip6963:requestProvider'));
      window.dispatchEvent(new Event('eip6963:requestProvider'));
      return seen;
    });
    expect(result).toHaveLength(2);
    const [first, second] = result as [
      Announced & { isEthereum: boolean; frozen: boolean },
      Announced,
    ];
    expect(first.isEthereum).toBe(true);
    expect(first.frozen).toBe(true);
    expect(first.info.name).toBe('CKM Wallet');
    expect(first.info.rdns).toBe('org.ckmwallet');
    expect(first.info.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second.info.uuid).toBe(first.info.uuid);
    expect(first.info.icon).toMatch(/^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/);
    const svg = Buffer.from(first.info.icon.split(',')[1] ?? '', 'base64').toString();
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('announces on load, to listeners that were there before any page script', async () => {
    const fresh = await wallet.browser.newPage();
    await fresh.evaluateOnNewDocument(() => {
      const early: unknown[] = [];
      (window as unknown as { __early: unknown[] }).__early = early;
      window.addEventListener('eip6963:announceProvider', (event) =>
        early.push((event as CustomEvent).detail.info),
      );
    });
    await fresh.goto(`${site.url}/dapp.html`, { waitUntil: 'load' });
    const early = (await fresh.evaluate(
      () => (window as unknown as { __early: unknown[] }).__early,
    )) as Announced['info'][];
    expect(early.length).toBeGreaterThanOrEqual(1);
    expect(early[0]?.name).toBe('CKM Wallet');
    await fresh.close();
  });

  it('uses a new uuid after a reload', async () => {
    const uuid = () =>
      page.evaluate(() => {
        let id = '';
        const listener = (event: Event) => {
          id = (event as CustomEvent).detail.info.uuid;
        };
        window.addEventListener('eip6963:announceProvider', listener);
        window.dispatchEvent(new Event('eip6963:requestProvider'));
        window.removeEventListener('eip6963:announceProvider', listener);
        return id;
      });
    const before = await uuid();
    await page.reload({ waitUntil: 'load' });
    const after = await uuid();
    expect(after).not.toBe('');
    expect(after).not.toBe(before);
  });
});

describe('requests through the relay and the background', () => {
  it('eth_chainId round-trips and returns the dev chain, 0x7a69', async () => {
    expect(await rpc('eth_chainId')).toEqual({ result: '0x7a69' });
    expect(await rpc('eth_chainId', [])).toEqual({ result: '0x7a69' });
  });

  it('an unknown method rejects with EIP-1193 code 4200', async () => {
    const outcome = await rpc('wallet_doesNotExist');
    expect(outcome.error).toEqual({
      code: 4200,
      message: 'The method "wallet_doesNotExist" is not supported by CKM Wallet.',
      isError: true,
    });
  });

  it('a malformed request rejects with -32600 before it leaves the page', async () => {
    const outcome = await page.evaluate(async () => {
      const ethereum = (
        window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
      ).ethereum;
      const codes: number[] = [];
      for (const bad of [
        undefined,
        'eth_chainId',
        ['eth_chainId'],
        { method: 7 },
        { method: 'x', params: 5 },
      ])
        await ethereum.request(bad).catch((error: { code: number }) => codes.push(error.code));
      return codes;
    });
    expect(outcome).toEqual([-32600, -32600, -32600, -32600, -32600]);
  });

  it('the relay answers a hand-forged malformed message with -32600 and forwards nothing else', async () => {
    const outcome = await page.evaluate(
      () =>
        new Promise((resolve) => {
          window.addEventListener('message', (event) => {
            if (event.data?.target === 'ckm-wallet:to-page' && event.data.id === 'forged')
              resolve(event.data);
          });
          window.postMessage(
            {
              target: 'ckm-wallet:to-content',
              kind: 'request',
              id: 'forged',
              method: 'eth_chainId',
              params: 'x',
            },
            '*',
          );
        }),
    );
    expect(outcome).toMatchObject({
      kind: 'response',
      id: 'forged',
      error: { code: -32600, message: 'Invalid request: "params" expected an array or an object.' },
    });
  });
});

type PageWindow = {
  ethereum: {
    request(a: unknown): Promise<unknown>;
    send(...args: unknown[]): unknown;
    sendAsync(payload: unknown, cb: (e: unknown, r: unknown) => void): void;
    enable(): Promise<unknown>;
    isConnected(): boolean;
    isMetaMask: boolean;
    chainId: string | null;
    networkVersion: string | null;
    _metamask: { isUnlocked(): Promise<boolean> };
  };
  __first: { ethereumType: string; isMetaMask: boolean; isCkmWallet: boolean; connected: boolean };
  __events: [string, unknown][];
};

/** Opens the provider page and waits for the provider's start-up `connect`. */
async function openProviderPage(): Promise<Page> {
  const fresh = await wallet.browser.newPage();
  await fresh.goto(`${providerSite.url}/provider.html`, { waitUntil: 'load' });
  await fresh.waitForFunction(
    () => (window as unknown as PageWindow).__events.some(([name]) => name === 'connect'),
    { timeout: 20_000 },
  );
  return fresh;
}

describe('provider state and events', () => {
  it('is MetaMask by default, before the page’s first script, and not yet connected there', async () => {
    const fresh = await openProviderPage();
    expect(await fresh.evaluate(() => (window as unknown as PageWindow).__first)).toEqual({
      ethereumType: 'object',
      isMetaMask: true,
      isCkmWallet: true,
      connected: false,
    });
    await fresh.close();
  });

  it('emits connect with the chain id at start-up, and fills chainId and networkVersion', async () => {
    const fresh = await openProviderPage();
    const seen = await fresh.evaluate(() => {
      const w = window as unknown as PageWindow;
      return {
        events: w.__events,
        chainId: w.ethereum.chainId,
        networkVersion: w.ethereum.networkVersion,
        connected: w.ethereum.isConnected(),
      };
    });
    expect(seen).toEqual({
      events: [['connect', '0x7a69']],
      chainId: '0x7a69',
      networkVersion: '31337',
      connected: true,
    });
    await fresh.close();
  });
});

describe('MetaMask legacy surface', () => {
  it('send, sendAsync (single and batch) and synchronous send answer with JSON-RPC shapes', async () => {
    const fresh = await openProviderPage();
    const outcome = await fresh.evaluate(async () => {
      const { ethereum } = window as unknown as PageWindow;
      const viaCallback = (
        fn: (p: unknown, cb: (e: unknown, r: unknown) => void) => void,
        p: unknown,
      ) =>
        new Promise((resolve) =>
          fn(p, (error, response) =>
            resolve({ error: error === null ? null : (error as { code: number }).code, response }),
          ),
        );
      return {
        sendPromise: await ethereum.send('eth_chainId', []),
        sendCallback: await viaCallback((p, cb) => ethereum.send(p, cb), {
          id: 1,
          jsonrpc: '2.0',
          method: 'eth_chainId',
        }),
        sendAsync: await viaCallback(ethereum.sendAsync, {
          id: 'x',
          jsonrpc: '2.0',
          method: 'net_version',
        }),
        sendAsyncError: await viaCallback(ethereum.sendAsync, {
          id: 2,
          jsonrpc: '2.0',
          method: 'wallet_doesNotExist',
        }),
        batch: await viaCallback(ethereum.sendAsync, [
          { id: 3, jsonrpc: '2.0', method: 'eth_chainId' },
          { id: 4, jsonrpc: '2.0', method: 'net_version' },
        ]),
        syncNetVersion: ethereum.send({ id: 5, jsonrpc: '2.0', method: 'net_version' }),
        syncAccounts: ethereum.send({ id: 6, jsonrpc: '2.0', method: 'eth_accounts' }),
        syncOther: (() => {
          try {
            ethereum.send({ id: 7, jsonrpc: '2.0', method: 'eth_chainId' });
            return 'no error';
          } catch (error) {
            return (error as Error).message;
          }
        })(),
        isUnlocked: typeof (await ethereum._metamask.isUnlocked()),
      };
    });
    expect(outcome).toEqual({
      sendPromise: { jsonrpc: '2.0', result: '0x7a69' },
      sendCallback: { error: null, response: { id: 1, jsonrpc: '2.0', result: '0x7a69' } },
      sendAsync: { error: null, response: { id: 'x', jsonrpc: '2.0', result: '31337' } },
      sendAsyncError: {
        error: 4200,
        response: {
          id: 2,
          jsonrpc: '2.0',
          error: {
            code: 4200,
            message: 'The method "wallet_doesNotExist" is not supported by CKM Wallet.',
          },
        },
      },
      batch: {
        error: null,
        response: [
          { id: 3, jsonrpc: '2.0', result: '0x7a69' },
          { id: 4, jsonrpc: '2.0', result: '31337' },
        ],
      },
      syncNetVersion: { id: 5, jsonrpc: '2.0', result: '31337' },
      syncAccounts: { id: 6, jsonrpc: '2.0', result: [] },
      syncOther:
        'CKM Wallet does not support synchronous methods like eth_chainId without a callback parameter.',
      isUnlocked: 'boolean',
    });
    await fresh.close();
  });

  it('enable() is eth_requestAccounts and returns a promise', async () => {
    const fresh = await openProviderPage();
    const outcome = await fresh.evaluate(() => {
      const { ethereum } = window as unknown as PageWindow;
      const posted: string[] = [];
      const original = window.postMessage.bind(window);
      window.postMessage = ((message: { method?: string }, ...rest: [string]) => {
        if (message?.method) posted.push(message.method);
        return original(message, ...rest);
      }) as typeof window.postMessage;
      const result = ethereum.enable();
      window.postMessage = original;
      result.catch(() => undefined); // the prompt's answer is not this test's business
      return { isPromise: result instanceof Promise, posted };
    });
    expect(outcome).toEqual({ isPromise: true, posted: ['eth_requestAccounts'] });
    await fresh.close();
  });
});

describe('"appear as MetaMask" off', () => {
  it('the registered flags script makes isMetaMask false before the page’s first script', async () => {
    // What `registerInpageScripts` registers while the setting is off, registered from an
    // extension page: attaching to the worker itself would leave its next start waiting for a
    // debugger (see the restart tests).
    const extensionPage = await wallet.openPopup();
    const scripting = (call: 'register' | 'unregister') =>
      extensionPage.evaluate(
        async (call, script, id) => {
          const { scripting } = (
            globalThis as unknown as {
              chrome: {
                scripting: {
                  registerContentScripts(s: unknown[]): Promise<void>;
                  unregisterContentScripts(f: unknown): Promise<void>;
                };
              };
            }
          ).chrome;
          if (call === 'register') await scripting.registerContentScripts([script]);
          else await scripting.unregisterContentScripts({ ids: [id] });
        },
        call,
        NO_METAMASK_SCRIPT as unknown as Record<string, unknown>,
        NO_METAMASK_SCRIPT_ID,
      );
    await scripting('register');
    try {
      const fresh = await openProviderPage();
      const seen = await fresh.evaluate(() => {
        const w = window as unknown as PageWindow;
        const announced: boolean[] = [];
        window.addEventListener('eip6963:announceProvider', (event) =>
          announced.push((event as CustomEvent).detail.provider.isMetaMask),
        );
        window.dispatchEvent(new Event('eip6963:requestProvider'));
        return { first: w.__first.isMetaMask, now: w.ethereum.isMetaMask, announced };
      });
      expect(seen).toEqual({ first: false, now: false, announced: [false] });
      await fresh.close();
    } finally {
      await scripting('unregister');
      await extensionPage.close();
    }
    const after = await openProviderPage();
    expect(await after.evaluate(() => (window as unknown as PageWindow).__first.isMetaMask)).toBe(
      true,
    );
    await after.close();
  });
});

describe('service worker restart', () => {
  it('a request in flight when the worker stops rejects with 4900; the page sees disconnect, then connect, and later requests work', async () => {
    const fresh = await openProviderPage();
    // Keep a request in flight in the background: wallet_addEthereumChain first asks the new
    // chain's RPC for its chain id (EIP-3085), and this RPC never answers. (No CDP session on
    // the worker itself: Chromium would then start its successor waiting for a debugger.)
    let probes = 0;
    const silent = createServer(() => {
      probes += 1;
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const rpcUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const inFlight = fresh.evaluate(
        (url) =>
          (window as unknown as PageWindow).ethereum
            .request({
              method: 'wallet_addEthereumChain',
              params: [
                {
                  chainId: '0x539',
                  chainName: 'Silent',
                  rpcUrls: [url],
                  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
                },
              ],
            })
            .then(
              (result) => ({ result }),
              (error: { code: number; message: string }) => ({
                code: error.code,
                message: error.message,
              }),
            ),
        rpcUrl,
      );
      await vi.waitFor(() => expect(probes).toBeGreaterThan(0), { timeout: 10_000 });
      const cdp = await fresh.createCDPSession();
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
      expect(await inFlight).toEqual({ code: 4900, message: DISCONNECTED_MESSAGE });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
    await fresh.waitForFunction(
      () =>
        (window as unknown as PageWindow).__events.filter(([name]) => name === 'connect').length >=
        2,
      { timeout: 20_000 },
    );
    expect(await fresh.evaluate(() => (window as unknown as PageWindow).__events)).toEqual([
      ['connect', '0x7a69'],
      ['disconnect', 4900],
      ['connect', '0x7a69'],
    ]);
    expect(
      await fresh.evaluate(() =>
        (window as unknown as PageWindow).ethereum.request({ method: 'eth_chainId' }),
      ),
    ).toBe('0x7a69');
    await fresh.close();
  });

  it('an open page keeps the worker awake past Chrome’s 30 s idle limit (heartbeat): no disconnect', async () => {
    const fresh = await openProviderPage();
    // Without the relay's heartbeat the worker is stopped at ~30 s and the page sees
    // disconnect + connect (measured: 30.4 s); with it, nothing happens.
    await new Promise((resolve) => setTimeout(resolve, 40_000));
    expect(await fresh.evaluate(() => (window as unknown as PageWindow).__events)).toEqual([
      ['connect', '0x7a69'],
    ]);
    expect(
      await fresh.evaluate(() =>
        (window as unknown as PageWindow).ethereum.request({ method: 'eth_chainId' }),
      ),
    ).toBe('0x7a69');
    await fresh.close();
  }, 90_000);

  it('a worker stopped between requests: disconnect (4900), reconnect, and the next request works', async () => {
    expect(await rpc('eth_chainId')).toEqual({ result: '0x7a69' });
    await page.evaluate(() => {
      const w = window as unknown as {
        ethereum: { on(e: string, l: (error: { code: number }) => void): void };
        __disconnects: number[];
      };
      w.__disconnects = [];
      w.ethereum.on('disconnect', (error) => w.__disconnects.push(error.code));
    });
    const cdp = await page.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await page.waitForFunction(
      () => (window as unknown as { __disconnects: number[] }).__disconnects.length > 0,
      { timeout: 10_000 },
    );
    expect(
      await page.evaluate(() => (window as unknown as { __disconnects: number[] }).__disconnects),
    ).toEqual([4900]);
    expect(await rpc('eth_chainId')).toEqual({ result: '0x7a69' });
    await cdp.detach();
  });
});

// Last in this file: after `runtime.reload()` the unpacked extension does not come back in this
// harness (Chromium loaded it from --load-extension), so nothing may run after it.
describe('extension reloaded (the content scripts of open pages are orphaned)', () => {
  it('the page hears one permanent disconnect, and every request fails with "reload the page"', async () => {
    const fresh = await openProviderPage();
    const extensionPage = await wallet.openPopup();
    await extensionPage.evaluate(() => {
      const { runtime } = (globalThis as unknown as { chrome: { runtime: { reload(): void } } })
        .chrome;
      setTimeout(() => runtime.reload(), 50);
    });
    await fresh.waitForFunction(
      () => (window as unknown as PageWindow).__events.some(([name]) => name === 'disconnect'),
      { timeout: 20_000 },
    );
    const outcome = await fresh.evaluate(async () => {
      const w = window as unknown as PageWindow;
      // Give a late second event the chance to show up.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const error = await w.ethereum.request({ method: 'eth_chainId' }).then(
        () => undefined,
        (e: { code: number; message: string }) => ({ code: e.code, message: e.message }),
      );
      return {
        events: w.__events,
        error,
        connected: w.ethereum.isConnected(),
        chainId: w.ethereum.chainId,
      };
    });
    expect(outcome).toEqual({
      events: [
        ['connect', '0x7a69'],
        ['disconnect', 4900],
      ],
      error: { code: 4900, message: EXTENSION_GONE_MESSAGE },
      connected: false,
      chainId: null,
    });
    await fresh.close();
  });
});
