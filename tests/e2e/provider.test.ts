/**
 * The smallest real extension, end to end in Chromium: the MAIN-world provider, EIP-6963, the
 * relay and the background.
 */
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StaticServer, serveStatic } from '../../scripts/stack/static-server';
import { launchWallet, type Wallet } from './harness';

type Announced = { info: { uuid: string; name: string; icon: string; rdns: string } };

let wallet: Wallet;
let site: StaticServer;
let page: Page;

beforeAll(async () => {
  site = await serveStatic({ root: join(import.meta.dirname, 'fixtures') });
  wallet = await launchWallet();
});
afterAll(async () => {
  await wallet?.close();
  await site?.close();
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

describe('service worker restart', () => {
  it('emits disconnect (4900) when the background goes away, then reconnects by itself', async () => {
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

describe('popup', () => {
  it('renders with Preact and shows the chain the background reports', async () => {
    const popup = await wallet.openPopup();
    await popup.waitForSelector('[data-testid="chain-id"]');
    const text = await popup.$eval('main', (el) => el.textContent ?? '');
    expect(text).toContain('CKM Wallet');
    expect(await popup.$eval('[data-testid="chain-id"]', (el) => el.textContent)).toBe('0x7a69');
    expect(await popup.$eval('[data-testid="network"]', (el) => el.textContent)).toBe(
      'Localhost 8545',
    );
    await popup.close();
  });
});
