/**
 * Every screen of the popup at its real 360×600 size, light and dark, saved as PNGs under
 * `tests/out/screens/` for review: onboarding, unlock, home, settings, and each approval kind,
 * driven from MetaMask's test dApp against anvil and two CKM server processes. Each screen is
 * shot once its content is there, and checked for basic layout sanity: nothing wider than the
 * popup (nor clipped sideways inside a scrolling region), every input and button named, and the
 * approval prompts showing the requesting origin.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { getAddress, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../../scripts/stack/wait';
import { DEFAULT_PASSWORD, launchWallet, type Wallet } from './harness';
import {
  type Anvil,
  fund,
  type LocalServices,
  startAnvil,
  startLocalServices,
} from './support/services';

const OUT = resolve(import.meta.dirname, '../out/screens');
const WIDTH = 360;
const HEIGHT = 600;

let services: LocalServices;
let second: Anvil;
let wallet: Wallet;
/** The popup, opened in a tab at exactly 360×600 (so it lays out as the toolbar bubble). */
let popup: Page;
let dapp: Page;
let address: `0x${string}`;
let token: `0x${string}`;
const shot: string[] = [];

type Ethereum = { request(args: { method: string; params?: unknown }): Promise<unknown> };

/** The problems `page` shows right now; empty when the screen is sane. */
async function layoutProblems(page: Page, approval: boolean): Promise<string[]> {
  return page.evaluate(
    (width, approval) => {
      const problems: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth}px wide`);
      // Regions that clip sideways: content wider than them is cut off, not scrolled.
      for (const el of document.querySelectorAll<HTMLElement>(
        '.body, .footer, .bar, .prompt-head, .sheet-body, .card, .list',
      )) {
        if (el.scrollWidth > el.clientWidth + 1)
          problems.push(
            `.${el.className.split(' ').join('.')} is ${el.scrollWidth - el.clientWidth}px too wide`,
          );
      }
      const textOf = (ids: string) =>
        ids
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
          .join(' ')
          .trim();
      for (const el of document.querySelectorAll<HTMLInputElement | HTMLButtonElement>(
        'input, button',
      )) {
        if (el instanceof HTMLInputElement && el.type === 'hidden') continue;
        const name =
          el.getAttribute('aria-label')?.trim() ||
          textOf(el.getAttribute('aria-labelledby') ?? '') ||
          [...(el.labels ?? [])].map((l) => l.textContent?.trim() ?? '').join(' ') ||
          (el instanceof HTMLButtonElement ? (el.textContent?.trim() ?? '') : '') ||
          el.getAttribute('title')?.trim() ||
          '';
        if (name === '') problems.push(`unnamed ${el.outerHTML.slice(0, 100)}`);
      }
      if (approval) {
        const origin = document.querySelector('[data-testid="approval-origin"]');
        if (!origin || (origin.textContent ?? '').trim() === '')
          problems.push('the approval does not show its origin');
      }
      return problems;
    },
    WIDTH,
    approval,
  );
}

const frames = (page: Page) =>
  page.evaluate(
    () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
  );

/**
 * Waits for `ready`, checks the layout, and saves `<name>-light.png` and `<name>-dark.png`.
 * `scrollTo` scrolls that element to the top of its scrolling region first.
 */
async function shoot(
  page: Page,
  name: string,
  ready: string,
  options: { approval?: boolean; scrollTo?: string; check?: boolean } = {},
) {
  // A background tab gets no animation frames (nor rAF-polled waits): show it first.
  await page.bringToFront();
  const viewport = page.viewport();
  if (viewport?.width !== WIDTH || viewport.height !== HEIGHT)
    await page.setViewport({ width: WIDTH, height: HEIGHT });
  await page.waitForSelector(ready, { visible: true, timeout: 30_000 });
  if (options.scrollTo)
    await page.$eval(options.scrollTo, (el) => el.scrollIntoView({ block: 'start' }));
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMediaFeatures([
      { name: 'prefers-color-scheme', value: scheme },
      { name: 'prefers-reduced-motion', value: 'reduce' },
    ]);
    await frames(page);
    await page.screenshot({ path: join(OUT, `${name}-${scheme}.png`) });
  }
  await page.emulateMediaFeatures([
    { name: 'prefers-color-scheme', value: 'light' },
    { name: 'prefers-reduced-motion', value: 'reduce' },
  ]);
  shot.push(name);
  return options.check === false ? [] : layoutProblems(page, options.approval ?? false);
}

/** `shoot`, then fails the test if the screen is not sane. */
async function shootAndCheck(...args: Parameters<typeof shoot>) {
  expect.soft(await shoot(...args), args[1]).toEqual([]);
}

/** Shoots the next approval prompt once `ready` is in it, then approves or rejects it. */
async function prompt(
  name: string,
  ready: string,
  action: 'approve' | 'reject',
  extra?: (page: Page, name: string) => Promise<void>,
) {
  // The prompt is answered even when its screen is not sane, so one bad screen fails only itself.
  let problems: string[] = [];
  const before = async (page: Page) => {
    problems = await shoot(page, name, ready, { approval: true }).catch((error: unknown) => [
      `not shot: ${error}`,
    ]);
    await extra?.(page, name);
  };
  const result = await (action === 'approve'
    ? wallet.approveNext({ before, timeoutMs: 60_000 })
    : wallet.rejectNext({ before, timeoutMs: 60_000 }));
  expect.soft(problems, name).toEqual([]);
  return result;
}

/** An extra shot of the current prompt, scrolled down to `selector` (`<name>-details`). */
const below = (selector: string) => async (page: Page, name: string) => {
  expect
    .soft(await shoot(page, `${name}-details`, selector, { approval: true, scrollTo: selector }))
    .toEqual([]);
};

/** Starts a provider request in the dApp page; resolves to its result or error code. */
function ask(method: string, params: unknown): Promise<{ result?: unknown; error?: number }> {
  return dapp
    .evaluate(
      async (method, params) => {
        try {
          const ethereum = (window as unknown as { ethereum: Ethereum }).ethereum;
          return { result: await ethereum.request({ method, params }) };
        } catch (e) {
          return { error: (e as { code: number }).code };
        }
      },
      method,
      params,
    )
    .catch(() => ({ error: -1 }));
}

async function waitText(page: Page, selector: string, predicate: (value: string) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await page.$eval(selector, (el) => (el.textContent ?? '').trim()).catch(() => '');
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`${selector} never matched; last "${value}"`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const word = (hex: string) => hex.replace(/^0x/, '').toLowerCase().padStart(64, '0');
const SPENDER = '0x00000000000000000000000000000000deadbeef';
const RECIPIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
/** 0.0125 ETH. */
const SEND = 12_500_000_000_000_000n;

beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  [services, second] = await Promise.all([startLocalServices(), startAnvil(8546, 1338)]);
  wallet = await launchWallet({ onboard: false });
  popup = await wallet.browser.newPage();
  await popup.setViewport({ width: WIDTH, height: HEIGHT });
  await popup.goto(`chrome-extension://${wallet.extensionId}/popup.html`, { waitUntil: 'load' });
}, 120_000);

afterAll(async () => {
  if (services) await jsonRpc(services.anvil.url, 'evm_setAutomine', [true]).catch(() => {});
  await wallet?.close();
  await services?.stop();
  await second?.stop();
  if (shot.length > 0) console.info(`screens: ${shot.length} × 2 PNGs in ${OUT}`);
});

describe('every screen at 360×600, light and dark', () => {
  it('onboarding: welcome, servers, password, progress, done', async () => {
    await shootAndCheck(popup, 'onboarding-1-welcome', '[data-testid="create-start"]');
    // The two other ways in (issue #7): their forms, before anything is sent.
    await popup.click('[data-testid="restore-start"]');
    await shootAndCheck(popup, 'onboarding-1-restore-file', '[data-testid="restore-file"]');
    await popup.click('[data-testid="source-shares"]');
    await shootAndCheck(popup, 'onboarding-1-restore-shares', '[data-testid="share-input"]');
    await popup.click('[data-testid="back"]');
    await popup.click('[data-testid="recover-start"]');
    await shootAndCheck(popup, 'onboarding-1-recover', '[data-testid="recover-ur"]');
    await popup.click('[data-testid="back"]');
    await popup.waitForSelector('[data-testid="create-start"]');
    await popup.click('[data-testid="create-start"]');
    await popup.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('[data-testid="server-row"]')];
        return rows.length >= 2 && rows.every((r) => r.getAttribute('data-status') === 'ok');
      },
      { timeout: 30_000 },
    );
    await shootAndCheck(popup, 'onboarding-2-servers', '[data-testid="server-fingerprint"]');

    await popup.click('[data-testid="servers-continue"]');
    await popup.waitForSelector('[data-testid="password"]');
    await shootAndCheck(popup, 'onboarding-3-password-empty', '[data-testid="password-strength"]');
    await popup.type('[data-testid="password"]', 'password1');
    await shootAndCheck(popup, 'onboarding-3-password-weak', '[data-testid="password-strength"]');
    await popup.$eval('[data-testid="password"]', (el) => (el as HTMLInputElement).select());
    await popup.type('[data-testid="password"]', DEFAULT_PASSWORD);
    await popup.type('[data-testid="password-confirm"]', DEFAULT_PASSWORD);
    const value = (testid: string) =>
      popup.$eval(`[data-testid="${testid}"]`, (el) => (el as HTMLInputElement).value);
    expect(await value('password')).toBe(DEFAULT_PASSWORD);
    expect(await value('password-confirm')).toBe(DEFAULT_PASSWORD);
    await popup.waitForFunction(
      () =>
        Number(
          document.querySelector('[data-testid="password-strength"]')?.getAttribute('data-score'),
        ) >= 3,
    );
    await shootAndCheck(popup, 'onboarding-3-password-strong', '[data-testid="create-wallet"]');
    await popup.click('[data-testid="advanced-toggle"]');
    await shootAndCheck(
      popup,
      'onboarding-3-password-advanced',
      '[data-testid="recovery-seconds"]',
      {
        scrollTo: '[data-testid="advanced-toggle"]',
      },
    );

    await popup.click('[data-testid="create-wallet"]');
    // The DKG mid-way, if it is caught: the bar past the enrolment and before sealing.
    const midway = await popup
      .waitForFunction(
        () => {
          const now = Number(
            document
              .querySelector('[data-testid="create-progress"]')
              ?.getAttribute('aria-valuenow') ?? -1,
          );
          return now >= 20 && now < 85;
        },
        { polling: 'mutation', timeout: 60_000 },
      )
      .then(
        () => true,
        () => false,
      );
    if (midway)
      await shootAndCheck(popup, 'onboarding-4-progress', '[data-testid="create-progress"]', {
        check: false,
      });
    else console.warn('screens: the DKG finished before its progress could be shot');

    await popup.waitForSelector('[data-testid="created-address"]', { timeout: 180_000 });
    address = (await popup.$eval(
      '[data-testid="created-address"]',
      (el) => el.getAttribute('data-address') ?? '',
    )) as `0x${string}`;
    // The recovery key, shown once (issue #7), when the background made one.
    if (await popup.$('[data-testid="recovery-key-saved"]')) {
      await shootAndCheck(popup, 'onboarding-5-recovery-key', '[data-testid="recovery-kit"]');
      await popup.click('[data-testid="split-key-open"]');
      await popup.click('[data-testid="split-key-submit"]');
      await shootAndCheck(
        popup,
        'onboarding-5-recovery-key-shares',
        '[data-testid="share-sheet"]',
        {
          scrollTo: '[data-testid="share-sheet"]',
        },
      );
      await popup.click('[data-testid="recovery-key-confirm"]');
      await popup.click('[data-testid="recovery-key-saved"]');
      await popup.waitForSelector('[data-testid="onboarding-done"]');
    } else console.warn('screens: no recovery key was made (the background is not ready for #7)');
    await shootAndCheck(popup, 'onboarding-5-done', '[data-testid="created-address"]');
    await popup.click('[data-testid="backup-now"]');
    await shootAndCheck(popup, 'onboarding-5-backup', '[data-testid="backup-password"]', {
      scrollTo: '[data-testid="backup-password"]',
    });
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    await popup.click('[data-testid="onboarding-done"]');
    await shootAndCheck(popup, 'home-1-new', '[data-testid="balance"]');
  }, 240_000);

  it('approvals: connect, messages, typed data', async () => {
    await fund(services.anvil, address);
    dapp = await wallet.browser.newPage();
    await dapp.goto(services.dapp.url, { waitUntil: 'load' });

    await dapp.click('#connectButton');
    expect(
      (await prompt('approval-connect', '[data-testid="connect-accounts"]', 'approve')).kind,
    ).toBe('connect');
    await waitText(dapp, '#accounts', (v) => v.toLowerCase().includes(address.toLowerCase()));

    const text = "Hello from CKM Wallet's screens test.\n\nThis signature costs nothing.";
    const plain = ask('personal_sign', [toHex(text), address]);
    expect((await prompt('approval-message', '[data-testid="message-text"]', 'reject')).kind).toBe(
      'message',
    );
    expect((await plain).error).toBe(4001);

    const siwe = [
      'evil.example wants you to sign in with your Ethereum account:',
      getAddress(address),
      '',
      'Sign in to the screens test.',
      '',
      'URI: https://evil.example/login',
      'Version: 1',
      'Chain ID: 31337',
      'Nonce: 32891756',
      'Issued At: 2026-12-06T12:00:00.000Z',
    ].join('\n');
    const signIn = ask('personal_sign', [toHex(siwe), address]);
    const siweShown = await prompt(
      'approval-message-siwe-mismatch',
      '[data-testid="siwe"]',
      'reject',
    );
    expect(siweShown.warnings.length).toBeGreaterThan(0);
    await signIn;

    await dapp.click('#signTypedDataV4');
    expect(
      (await prompt('approval-typed-data-v4-mail', '[data-testid="typed-message"]', 'reject')).kind,
    ).toBe('typedData');

    await dapp.click('#signPermit');
    expect(
      (
        await prompt(
          'approval-typed-data-permit',
          '[data-testid="typed-message"]',
          'reject',
          below('[data-testid="typed-message"]'),
        )
      ).warnings,
    ).toContain('permit');
  }, 180_000);

  it('approvals: transactions, watchAsset, approvals with warnings', async () => {
    const send = ask('eth_sendTransaction', [{ from: address, to: RECIPIENT, value: toHex(SEND) }]);
    expect(
      (await prompt('approval-transaction-send', '[data-testid="tx-value"]', 'approve')).kind,
    ).toBe('transaction');
    expect((await send).result).toMatch(/^0x[0-9a-f]{64}$/);

    await dapp.click('#createToken');
    await prompt('approval-transaction-deploy', '[data-testid="tx-max-network-fee"]', 'approve');
    const addresses = await waitText(dapp, '#erc20TokenAddresses', (v) =>
      /0x[0-9a-f]{40}/i.test(v),
    );
    token = (/0x[0-9a-fA-F]{40}/.exec(addresses)?.[0] ?? '') as `0x${string}`;

    const watch = ask('wallet_watchAsset', { type: 'ERC20', options: { address: token } });
    expect(
      (await prompt('approval-watch-asset', '[data-testid="watch-asset"]', 'approve')).kind,
    ).toBe('watchAsset');
    expect((await watch).result).toBe(true);

    const unlimited = ask('eth_sendTransaction', [
      {
        from: address,
        to: token,
        data: `0x095ea7b3${word(SPENDER)}${'f'.repeat(64)}`,
        gas: '0x186a0',
      },
    ]);
    expect(
      (
        await prompt(
          'approval-transaction-approve-unlimited',
          '[data-testid="tx-args"]',
          'reject',
          below('[data-testid="tx-args"]'),
        )
      ).warnings,
    ).toContain('unlimited-approval');
    await unlimited;

    const forAll = ask('eth_sendTransaction', [
      {
        from: address,
        to: token,
        data: `0xa22cb465${word(SPENDER)}${word('0x1')}`,
        gas: '0x186a0',
      },
    ]);
    expect(
      (
        await prompt(
          'approval-transaction-set-approval-for-all',
          '[data-testid="tx-args"]',
          'reject',
        )
      ).warnings,
    ).toContain('approval-for-all');
    await forAll;
  }, 180_000);

  it('approvals: addChain, switchChain', async () => {
    await dapp.click('#addEthereumChain');
    expect((await prompt('approval-add-chain', '[data-testid="add-chain"]', 'approve')).kind).toBe(
      'addChain',
    );
    expect(
      (await prompt('approval-switch-chain', '[data-testid="switch-chain"]', 'reject')).kind,
    ).toBe('switchChain');
  }, 120_000);

  it('home: balance, tokens, activity with a pending and a confirmed transaction', async () => {
    // One more send that stays pending: anvil stops mining until the end of the file.
    await jsonRpc(services.anvil.url, 'evm_setAutomine', [false]);
    const send = ask('eth_sendTransaction', [{ from: address, to: RECIPIENT, value: toHex(SEND) }]);
    await wallet.approveNext({ timeoutMs: 30_000 });
    expect((await send).result).toMatch(/^0x[0-9a-f]{64}$/);
    await popup.bringToFront();
    await popup.waitForFunction(
      () => {
        const items = [...document.querySelectorAll('[data-testid="activity-item"]')];
        const status = items.map((i) => i.getAttribute('data-status'));
        return (
          status.includes('pending') &&
          status.includes('confirmed') &&
          document.querySelectorAll('[data-testid="token"]').length > 0
        );
      },
      { timeout: 30_000, polling: 200 },
    );
    await shootAndCheck(popup, 'home-2-balance', '[data-testid="balance"]');
    await shootAndCheck(popup, 'home-3-tokens', '[data-testid="token"]', {
      scrollTo: '[aria-labelledby="tokens-title"]',
    });
    await shootAndCheck(popup, 'home-4-activity', '[data-testid="activity-item"]', {
      scrollTo: '[aria-labelledby="activity-title"]',
    });
    await popup.$eval('.body', (el) => el.scrollTo({ top: 0 }));
    await popup.click('[data-testid="network-selector"]');
    await shootAndCheck(popup, 'home-5-networks-sheet', '[data-testid="network-option"]');
    await popup.keyboard.press('Escape');
    await popup.click('[data-testid="account-selector"]');
    await shootAndCheck(popup, 'home-6-accounts-sheet', '[data-testid="account-option"]');
    // Issue #7: import from MetaMask, its form and its warning.
    await popup.click('[data-testid="import-account-open"]');
    await shootAndCheck(popup, 'home-7-import', '[data-testid="import-phrase"]');
    await popup.click('[data-testid="source-key"]');
    await shootAndCheck(popup, 'home-7-import-key', '[data-testid="import-key"]');
    await popup.click('[data-testid="back"]');
    await popup.waitForSelector('[data-testid="balance"]');
  }, 120_000);

  it('settings: security, servers, networks, connected sites', async () => {
    await popup.bringToFront();
    await popup.click('[data-testid="open-settings"]');
    await popup.waitForSelector('[data-testid="network-row"]');
    await popup.waitForSelector('[data-testid="connection"]');
    await shootAndCheck(popup, 'settings-1-security', '[data-testid="auto-lock"]');
    await shootAndCheck(popup, 'settings-2-servers', '[data-testid="settings-server"]', {
      scrollTo: '[aria-labelledby="servers-title"]',
    });
    await shootAndCheck(popup, 'settings-3-networks', '[data-testid="network-row"]', {
      scrollTo: '[aria-labelledby="networks-title"]',
    });
    await popup.click('[data-testid="network-add-open"]');
    await shootAndCheck(popup, 'settings-4-add-network', '[data-testid="network-add-form"]', {
      scrollTo: '[data-testid="network-add-form"]',
    });
    await shootAndCheck(popup, 'settings-5-connected-sites', '[data-testid="connection"]', {
      scrollTo: '[aria-labelledby="connections-title"]',
    });
    // Issue #7: the key (or why it cannot be read yet), a server's replacement form, backup.
    await shootAndCheck(
      popup,
      'settings-6-key',
      '[aria-labelledby="key-title"] .card, [aria-labelledby="key-title"] .alert',
      {
        scrollTo: '[aria-labelledby="key-title"]',
      },
    );
    await popup.click('[data-testid="server-replace-open"]');
    await shootAndCheck(popup, 'settings-7-replace-server', '[data-testid="replace-url"]', {
      scrollTo: '[data-testid="replace-url"]',
    });
    await popup.click('[data-testid="backup-open"]');
    await shootAndCheck(popup, 'settings-8-backup', '[data-testid="backup-password"]', {
      scrollTo: '[aria-labelledby="backup-title"]',
    });
    await shootAndCheck(popup, 'settings-9-identity', '[data-testid="identity-export"]', {
      scrollTo: '[aria-labelledby="identity-title"]',
    });
    await popup.click('[data-testid="back"]');
    await popup.waitForSelector('[data-testid="balance"]');
  }, 120_000);

  it('unlock: the screen, a wrong password, and the unlock approval', async () => {
    await popup.bringToFront();
    await popup.click('[data-testid="lock"]');
    await shootAndCheck(popup, 'unlock-1', '[data-testid="unlock-password"]');
    await popup.type('[data-testid="unlock-password"]', 'not the password');
    await popup.click('[data-testid="unlock-submit"]');
    await shootAndCheck(popup, 'unlock-2-wrong-password', '[data-testid="unlock-error"]');

    // The right password (typed over the wrong one) unlocks; lock again for the prompt below.
    await popup.$eval('[data-testid="unlock-password"]', (el) => (el as HTMLInputElement).select());
    await popup.type('[data-testid="unlock-password"]', DEFAULT_PASSWORD);
    await popup.keyboard.press('Enter');
    await popup.waitForSelector('[data-testid="balance"]', { timeout: 15_000 });
    await popup.click('[data-testid="lock"]');
    await popup.waitForSelector('[data-testid="unlock-password"]');

    // A signature request while locked asks to unlock first, then shows the request.
    const pending = ask('personal_sign', [toHex('Signed after unlocking.'), address]);
    const page = await wallet.approvalPage();
    expect
      .soft(
        await shoot(page, 'approval-unlock', '[data-testid="unlock-password"]', { approval: true }),
      )
      .toEqual([]);
    expect(await page.$eval('[data-testid="approval"]', (el) => el.getAttribute('data-kind'))).toBe(
      'unlock',
    );
    await page.type('[data-testid="unlock-password"]', DEFAULT_PASSWORD);
    await page.click('[data-testid="approve"]');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="approval"]')?.getAttribute('data-kind') ===
          'message' || document.querySelector('[data-testid="approval-error"]') !== null,
      { timeout: 30_000, polling: 200 },
    );
    expect(await page.$('[data-testid="approval-error"]')).toBeNull();
    expect((await wallet.rejectNext({ timeoutMs: 30_000 })).kind).toBe('message');
    expect((await pending).error).toBe(4001);
  }, 120_000);
});
