/**
 * The Firefox add-on (`npm run build:firefox`) in Firefox ESR, against MetaMask's test dApp with
 * real everything (anvil, two CKM server processes): onboarded through its popup, connected, a
 * `personal_sign` checked by recovery, an EIP-1559 send mined. The same checks as
 * wallet-dapp.test.ts does on Chromium. Skipped only when there is no Firefox binary
 * (`FIREFOX_PATH`, `/usr/bin/firefox-esr`, `/usr/bin/firefox`); `.ci/run` installs firefox-esr.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'puppeteer-core';
import { type Hex, recoverMessageAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NO_METAMASK_SCRIPT,
  NO_METAMASK_SCRIPT_ID,
} from '../../background/services/inpage-registration';
import { launchWallet, type Wallet } from './harness';
import { minedFrom as minedOn, nonceOf as nonceOn, waitText } from './support/dapp';
import { findFirefox } from './support/firefox';
import { fund, type LocalServices, startLocalServices } from './support/services';

const firefox = findFirefox();
if (!firefox)
  console.warn(
    `tests/e2e/firefox.test.ts skipped: no Firefox binary at ${process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr or /usr/bin/firefox'} (apt-get install -y firefox-esr, or set FIREFOX_PATH)`,
  );

let services: LocalServices;
let wallet: Wallet;
let dapp: Page;
let address: string;

const minedFrom = (from: string, nonce: number) => minedOn(services.anvil.url, from, nonce);
const nonceOf = (who: string) => nonceOn(services.anvil.url, who);

/** What a page's first script saw of `window.ethereum` (a page served on a free loopback port). */
async function firstScriptSaw(): Promise<unknown> {
  const server = createServer((_, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(
      '<!doctype html><script>window.seen = { type: typeof window.ethereum, isMetaMask: window.ethereum && window.ethereum.isMetaMask }</script>',
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const probe = await wallet.browser.newPage();
  try {
    await probe.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      waitUntil: 'load',
    });
    return await probe.evaluate(() => (window as unknown as { seen: unknown }).seen);
  } finally {
    await probe.close();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}

describe.skipIf(!firefox)('CKM Wallet in Firefox ESR with @metamask/test-dapp', () => {
  beforeAll(async () => {
    services = await startLocalServices();
    wallet = await launchWallet({ browser: 'firefox' });
    address = (wallet.address as string).toLowerCase();
    await fund(services.anvil, address);
    dapp = await wallet.browser.newPage();
    await dapp.goto(services.dapp.url, { waitUntil: 'load' });
  }, 240_000);

  afterAll(async () => {
    await wallet?.close();
    await services?.stop();
  });

  it('the provider is there before the page’s first script, and says it is MetaMask', async () => {
    expect(await firstScriptSaw()).toEqual({ type: 'object', isMetaMask: true });
  });

  it('"appear as MetaMask" off: the registered MAIN-world script (scripting API) says isMetaMask false first', async () => {
    // What `registerInpageScripts` registers while the setting is off, from an extension page.
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
      expect(await firstScriptSaw()).toEqual({ type: 'object', isMetaMask: false });
    } finally {
      await scripting('unregister');
      await extensionPage.close();
    }
    expect(await firstScriptSaw()).toEqual({ type: 'object', isMetaMask: true });
  });

  it('connects: the prompt shows the site and the dApp gets the account', async () => {
    await dapp.click('#connectButton');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('connect');
    await waitText(dapp, '#accounts', (v) => v.toLowerCase().includes(address));
  });

  it('rejecting a prompt gives 4001', async () => {
    const pending = dapp.evaluate(async (from) => {
      try {
        await (
          window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
        ).ethereum.request({ method: 'personal_sign', params: ['0x72656a656374206d65', from] });
        return undefined;
      } catch (e) {
        return (e as { code: number }).code;
      }
    }, address);
    await wallet.rejectNext();
    expect(await pending).toBe(4001);
  });

  it('personal_sign: a threshold signature that recovers to the account, and the dApp verifies it', async () => {
    await dapp.click('#personalSign');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('message');
    expect(prompt.cosigner).toMatch(/server-a|server-b/);
    const signature = (await waitText(dapp, '#personalSignResult', (v) =>
      /^0x[0-9a-f]{130}$/i.test(v),
    )) as Hex;
    const message = await dapp.evaluate(
      () =>
        `0x${Array.from(new TextEncoder().encode('Example `personal_sign` message'))
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('')}`,
    );
    const recovered = await recoverMessageAddress({ message: { raw: message as Hex }, signature });
    expect(recovered.toLowerCase()).toBe(address);
    await dapp.click('#personalSignVerify');
    await waitText(dapp, '#personalSignVerifyECRecoverResult', (v) => v.toLowerCase() === address);
  });

  it('EIP-1559 send: approved, threshold-signed, mined', async () => {
    const nonce = await nonceOf(address);
    await dapp.click('#sendEIP1559Button');
    const prompt = await wallet.approveNext();
    expect(prompt.kind).toBe('transaction');
    const { tx, receipt } = await minedFrom(address, nonce);
    expect(receipt.status).toBe('0x1');
    expect(tx.type).toBe('0x2');
  });
});
