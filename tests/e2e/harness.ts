/**
 * The one place tests (ours, and dApp developers') start CKM Wallet: real Chromium (or, with
 * `browser: 'firefox'`, Firefox ESR) with the built extension and a fresh profile.
 *
 * ```ts
 * const wallet = await launchWallet();          // onboarded with the CKM servers of `npm start`
 * const page = await wallet.browser.newPage();
 * await page.goto(dappUrl);
 * await page.click('#connect');                  // the dApp calls eth_requestAccounts
 * await wallet.approveNext();                     // the wallet's prompt: Connect
 * await wallet.close();
 * ```
 *
 * Build first (`npm run build`, which `npm test` runs), and have the CKM servers running (`npm
 * start`, or `servers` below). Onboarding goes through the real popup, exactly as a person does
 * it: create, pin the servers, choose a password, run the DKG. See docs/testing-your-dapp.md.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer-core';
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium';
import { launchFirefox } from './support/firefox';

/** The built extension: `CKM_EXTENSION_DIR` if set, else `.output/chrome-mv3`. */
export const DEFAULT_EXTENSION_DIR = resolve(
  process.env.CKM_EXTENSION_DIR ?? resolve(import.meta.dirname, '../../.output/chrome-mv3'),
);

export type LaunchWalletOptions = {
  /**
   * Default `chromium`. `firefox` runs Firefox (ESR) over WebDriver BiDi with the Firefox build
   * (`npm run build:firefox`); see tests/e2e/support/firefox.ts.
   */
  browser?: 'chromium' | 'firefox';
  /**
   * The built extension; default `.output/chrome-mv3` (Firefox: `CKM_FIREFOX_EXTENSION_DIR` or
   * `.output/firefox-mv3`).
   */
  extensionDir?: string;
  /**
   * Chromium binary; default `CHROMIUM_PATH` or `/usr/bin/chromium` (Firefox: `FIREFOX_PATH` or
   * `/usr/bin/firefox-esr`).
   */
  executablePath?: string;
  /** Default true (Chromium's new headless, which runs extensions). */
  headless?: boolean;
  /**
   * How long to wait for the extension's service worker, in ms (default 15 000; Firefox: for
   * the popup page to load).
   */
  timeoutMs?: number;
  /**
   * Create a wallet through the popup before returning (default true). `false` returns the
   * extension as installed, on its welcome screen.
   */
  onboard?: boolean;
  /** The CKM servers to create the wallet with; default the two that `npm start` runs. */
  servers?: readonly string[];
  /** The wallet's password (default `correct horse battery staple`). */
  password?: string;
  /**
   * The recovery key's waiting period, typed into the password step's "Advanced" seconds field
   * (issue #7; default: the wallet's own, 48 hours). Tests use a few seconds.
   */
  recoveryDelaySeconds?: number;
};

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export type PromptOptions = {
  /** How long to wait for the prompt, in ms (default 30 000). */
  timeoutMs?: number;
  /** Runs on the prompt page before the click (e.g. to edit the fee fields). */
  before?: (prompt: Page) => Promise<void>;
};

/** What `approveNext` saw. */
export type PromptResult = {
  /** The approval kind (`connect`, `message`, `typedData`, `transaction`, …). */
  readonly kind: string;
  /** The prompt's warnings, by kind. */
  readonly warnings: readonly string[];
  /** "Co-signed by … in … ms", for signatures. */
  readonly cosigner?: string;
};

export type Wallet = {
  readonly browser: Browser;
  /** The host of the extension's URLs (on Firefox, its `moz-extension://` UUID). */
  readonly extensionId: string;
  /**
   * The extension's service worker, for tests that need to look inside the background (Chromium
   * only: Firefox's background is an event page).
   */
  serviceWorker(): Promise<WebWorker>;
  /** Opens the popup page in a new tab and waits for it to load. */
  openPopup(): Promise<Page>;
  /** The onboarded account's address (undefined with `onboard: false`). */
  readonly address: `0x${string}` | undefined;
  /** The password the wallet was created with. */
  readonly password: string;
  /**
   * The recovery key the popup showed once after creation (issue #7), read from the page as its
   * UR text; undefined with `onboard: false` or when none was made.
   */
  readonly recoveryKit: { readonly urText: string } | undefined;
  /** Waits for the next approval prompt and approves it. */
  approveNext(options?: PromptOptions): Promise<PromptResult>;
  /** Waits for the next approval prompt and rejects it. */
  rejectNext(options?: PromptOptions): Promise<PromptResult>;
  /** The approval window's page, once one is open. */
  approvalPage(timeoutMs?: number): Promise<Page>;
  /** Closes the browser and deletes the profile. */
  close(): Promise<void>;
};

/** What differs between browsers: the browser with the extension loaded, and its pages. */
export type ExtensionSession = {
  readonly browser: Browser;
  readonly extensionId: string;
  openPopup(): Promise<Page>;
  approvalPage(timeoutMs: number): Promise<Page>;
  serviceWorker(): Promise<WebWorker>;
  close(): Promise<void>;
};

export async function launchWallet(options: LaunchWalletOptions = {}): Promise<Wallet> {
  const session =
    options.browser === 'firefox' ? await launchFirefox(options) : await launchChromium(options);
  const { browser, extensionId, openPopup } = session;
  try {
    const password = options.password ?? DEFAULT_PASSWORD;
    const created =
      options.onboard === false ? undefined : await onboard(await openPopup(), password, options);
    const address = created?.address;
    const approvalPage = (timeoutMs = 30_000) => session.approvalPage(timeoutMs);
    const answer = async (action: 'approve' | 'reject', prompt: PromptOptions = {}) => {
      const page = await approvalPage(prompt.timeoutMs);
      const root = await page.waitForSelector('[data-testid="approval"]', {
        timeout: prompt.timeoutMs ?? 30_000,
      });
      if (!root) throw new Error('no approval prompt appeared');
      const kind = (await root.evaluate((el) => el.getAttribute('data-kind'))) ?? '';
      const id = await root.evaluate((el) => el.getAttribute('data-id'));
      const warnings = await page.$$eval('[data-testid="warning"]', (els) =>
        els.map((el) => el.getAttribute('data-kind') ?? ''),
      );
      if (prompt.before) await prompt.before(page);
      // A locked wallet's prompt asks for the password first.
      if (action === 'approve' && kind === 'unlock')
        await page.type('[data-testid="unlock-password"]', password);
      await page.click(`[data-testid="${action}"]`);
      let cosigner: string | undefined;
      if (action === 'approve' && ['message', 'typedData', 'transaction'].includes(kind)) {
        const shown = await page
          .waitForSelector('[data-testid="cosigner"]', { timeout: prompt.timeoutMs ?? 60_000 })
          .catch(() => null);
        cosigner = (await shown?.evaluate((el) => el.textContent ?? '')) ?? undefined;
      }
      // The prompt moves on (next item, or the window closes) before the next answer.
      await page
        .waitForFunction(
          (previous) =>
            document.querySelector('[data-testid="approval"]')?.getAttribute('data-id') !==
            previous,
          { timeout: 10_000 },
          id,
        )
        .catch(() => {});
      return { kind, warnings, ...(cosigner ? { cosigner } : {}) };
    };
    return {
      browser,
      extensionId,
      address,
      password,
      recoveryKit: created?.recoveryKit,
      approvalPage,
      approveNext: (prompt) => answer('approve', prompt),
      rejectNext: (prompt) => answer('reject', prompt),
      serviceWorker: () => session.serviceWorker(),
      openPopup,
      close: () => session.close(),
    };
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** Chromium with the extension loaded into a fresh profile. */
async function launchChromium(options: LaunchWalletOptions): Promise<ExtensionSession> {
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
  const close = async () => {
    await browser.close();
    await rm(userDataDir, { recursive: true, force: true });
  };
  try {
    const target = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
      { timeout: options.timeoutMs ?? 15_000 },
    );
    const extensionId = new URL(target.url()).host;
    return {
      browser,
      extensionId,
      async openPopup() {
        const page = await browser.newPage();
        await page.goto(`chrome-extension://${extensionId}/popup.html`, { waitUntil: 'load' });
        return page;
      },
      approvalPage: (timeoutMs) => findApprovalPage(browser, extensionId, timeoutMs),
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
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The approval window (`popup.html?approval=1`) showing a prompt, waiting for it to open. A
 * window that is closing (its queue just emptied) is skipped.
 */
async function findApprovalPage(browser: Browser, extensionId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const targets = browser
      .targets()
      .filter(
        (t) =>
          t.type() === 'page' &&
          t.url().startsWith(`chrome-extension://${extensionId}/popup.html`) &&
          t.url().includes('approval=1'),
      );
    for (const target of targets) {
      const page = await target.page().catch(() => null);
      if (!page || page.isClosed()) continue;
      const shown = await page.$('[data-testid="approval"]').catch(() => null);
      if (shown) return page;
    }
    if (Date.now() > deadline) throw new Error('no approval prompt appeared');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Creates the wallet through the popup as a person does: welcome → servers (each shown with its
 * pinned identity) → password → DKG progress → address. Returns the new address.
 */
async function onboard(
  page: Page,
  password: string,
  options: Pick<LaunchWalletOptions, 'servers' | 'recoveryDelaySeconds'>,
): Promise<{ address: `0x${string}`; recoveryKit?: { urText: string } }> {
  const { servers } = options;
  const click = async (testId: string, timeout = 30_000) => {
    const element = await page.waitForSelector(`[data-testid="${testId}"]:not([disabled])`, {
      timeout,
    });
    await element?.click();
  };
  await click('create-start');
  if (servers) {
    // Replace the defaults with the caller's servers.
    for (;;) {
      const remove = await page.$('[data-testid="server-row"] [data-testid="server-remove"]');
      if (!remove) break;
      await remove.click();
    }
    for (const [k, url] of servers.entries()) {
      await page.type('[data-testid="server-url"]', url);
      await click('server-add');
      // The popup checks the server and then clears the field: type the next URL only after
      // this one has its row and the field is empty again, or the clearing would eat it.
      await page.waitForFunction(
        (rows: number) =>
          document.querySelectorAll('[data-testid="server-row"]').length >= rows &&
          (document.querySelector('[data-testid="server-url"]') as HTMLInputElement | null)
            ?.value === '',
        { timeout: 30_000 },
        k + 1,
      );
    }
  }
  const expectedRows = servers?.length ?? 1;
  await page.waitForFunction(
    (rows: number) =>
      document.querySelectorAll('[data-testid="server-row"]').length >= rows &&
      [...document.querySelectorAll('[data-testid="server-row"]')].every(
        (row) => row.getAttribute('data-status') === 'ok',
      ),
    { timeout: 30_000 },
    expectedRows,
  );
  await click('servers-continue');
  await page.waitForSelector('[data-testid="password"]');
  await page.type('[data-testid="password"]', password);
  await page.type('[data-testid="password-confirm"]', password);
  if (options.recoveryDelaySeconds !== undefined) {
    await page.click('[data-testid="advanced-toggle"]');
    await page.type('[data-testid="recovery-seconds"]', String(options.recoveryDelaySeconds));
    await page.waitForSelector('[data-testid="recovery-hours"][disabled]');
  }
  await click('create-wallet');
  const done = await Promise.race([
    page.waitForSelector('[data-testid="created-address"]', { timeout: 180_000 }).then(() => 'ok'),
    page.waitForSelector('[data-testid="create-error"]', { timeout: 180_000 }).then(() => 'error'),
  ]);
  if (done === 'error') {
    const message = await page.$eval('[data-testid="create-error"]', (el) => el.textContent);
    throw new Error(`onboarding failed: ${message}`);
  }
  const address = await page.$eval(
    '[data-testid="created-address"]',
    (el) => el.getAttribute('data-address') ?? el.textContent ?? '',
  );
  // The recovery key, shown once after creation (issue #7), when the background made one.
  let recoveryKit: { urText: string } | undefined;
  if (await page.$('[data-testid="recovery-key-saved"]')) {
    const urText = await page
      .$eval(
        '[data-testid="recovery-kit"] [data-testid="kit-ur"]',
        (el) => (el as HTMLTextAreaElement).value,
      )
      .catch(() => '');
    if (urText !== '') recoveryKit = { urText };
    await page.click('[data-testid="recovery-key-confirm"]');
    await click('recovery-key-saved');
  }
  await click('onboarding-done');
  await page.close();
  const match = /0x[0-9a-fA-F]{40}/.exec(address);
  if (!match) throw new Error(`onboarding showed no address (${address})`);
  return { address: match[0] as `0x${string}`, ...(recoveryKit ? { recoveryKit } : {}) };
}
