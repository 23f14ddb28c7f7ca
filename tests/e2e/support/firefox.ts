/**
 * Firefox for the harness (`launchWallet({ browser: 'firefox' })`): Firefox ESR driven by
 * puppeteer over WebDriver BiDi, with the built Firefox add-on (`npm run build:firefox`,
 * `.output/firefox-mv3`) installed as a temporary add-on into a fresh profile.
 *
 * What differs from Chromium, and how it is handled here:
 * - The extension's origin is `moz-extension://<uuid>`, with a UUID Firefox picks per profile. The
 *   profile pref `extensions.webextensions.uuids` fixes it for our add-on id
 *   ({@link FIREFOX_ADDON_ID}, set in wxt.config.ts), so the popup is at a known URL.
 * - WebDriver BiDi refuses to navigate a tab to a `moz-extension:` URL unless Firefox runs with
 *   `--remote-allow-system-access`, so the test browser does.
 * - Extension pages run in Firefox's extension process, and BiDi does not report their
 *   navigations: puppeteer's `page.url()` stays `about:blank` and `goto` never sees the load. So
 *   the popup is opened by starting the navigation and then reading `location.href` in the page,
 *   and the approval window (a `windows.create({ type: 'popup' })` window, which puppeteer does
 *   list as a page) is found by asking each page for its `location.href`.
 * - The background is an event page, not a service worker: there is no worker to attach to.
 * - Host permissions: Firefox grants an MV3 add-on's `host_permissions` at install since 127, and
 *   always to a temporary add-on, so nothing is needed for the test profile.
 * @module
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { ExtensionSession, LaunchWalletOptions } from '../harness';

/** The add-on id (`browser_specific_settings.gecko.id` in wxt.config.ts). */
export const FIREFOX_ADDON_ID = 'wallet@ckmwallet.org';
/** The `moz-extension://` UUID the test profile gives the add-on (any fixed UUID works). */
export const FIREFOX_EXTENSION_UUID = '5c0e2a3e-7d1b-4f6a-9c8e-2b4d6f8a0c1e';

/** The built add-on: `CKM_FIREFOX_EXTENSION_DIR` if set, else `.output/firefox-mv3`. */
export const DEFAULT_FIREFOX_EXTENSION_DIR = resolve(
  process.env.CKM_FIREFOX_EXTENSION_DIR ??
    resolve(import.meta.dirname, '../../../.output/firefox-mv3'),
);

/** Where Firefox is looked for when `FIREFOX_PATH` is not set: Debian's ESR, then Firefox. */
const FIREFOX_CANDIDATES = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

/** `FIREFOX_PATH` if set (and present), else the first Firefox found; undefined when none is. */
export function findFirefox(): string | undefined {
  const configured = process.env.FIREFOX_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return FIREFOX_CANDIDATES.find((path) => existsSync(path));
}

/** {@link findFirefox}, or a clear error saying how to install it. */
export function firefoxPath(): string {
  const path = findFirefox();
  if (!path)
    throw new Error(
      `Firefox not found at ${process.env.FIREFOX_PATH ?? FIREFOX_CANDIDATES.join(' or ')}. Install it with "apt-get install -y firefox-esr" or set FIREFOX_PATH.`,
    );
  return path;
}

/** Starts Firefox with the add-on installed, for `launchWallet({ browser: 'firefox' })`. */
export async function launchFirefox(options: LaunchWalletOptions): Promise<ExtensionSession> {
  const extensionDir = resolve(options.extensionDir ?? DEFAULT_FIREFOX_EXTENSION_DIR);
  if (!existsSync(join(extensionDir, 'manifest.json')))
    throw new Error(
      `No built Firefox add-on at ${extensionDir}. Run "npm run build:firefox" first.`,
    );
  // Puppeteer creates a throwaway profile with these prefs and deletes it on close.
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: options.executablePath ?? firefoxPath(),
    headless: options.headless ?? true,
    enableExtensions: true,
    args: ['--remote-allow-system-access'],
    // CKM_FIREFOX_LOG=1: Firefox's output, with every console message (the add-on's too).
    dumpio: Boolean(process.env.CKM_FIREFOX_LOG),
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({
        [FIREFOX_ADDON_ID]: FIREFOX_EXTENSION_UUID,
      }),
      ...(process.env.CKM_FIREFOX_LOG
        ? { 'devtools.console.stdout.chrome': true, 'devtools.console.stdout.content': true }
        : {}),
    },
  });
  try {
    const installed = await browser.installExtension(extensionDir);
    if (installed !== FIREFOX_ADDON_ID)
      throw new Error(
        `the add-on installed as ${installed}, not ${FIREFOX_ADDON_ID}: was it built for Firefox?`,
      );
    const origin = `moz-extension://${FIREFOX_EXTENSION_UUID}`;
    const timeoutMs = options.timeoutMs ?? 15_000;
    return {
      browser,
      extensionId: FIREFOX_EXTENSION_UUID,
      openPopup: async () => {
        const page = await browser.newPage();
        await openExtensionPage(page, `${origin}/popup.html`, timeoutMs);
        return page;
      },
      approvalPage: (timeout) => findApprovalPage(browser, origin, timeout),
      serviceWorker: () =>
        Promise.reject(
          new Error(
            'Firefox runs the background as an event page, not a service worker: serviceWorker() is Chromium only',
          ),
        ),
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** `page.href` read in the page itself (BiDi does not report extension pages' navigations). */
const hrefOf = (page: Page) =>
  page
    .evaluate(() => `${location.href} ${document.readyState}`)
    .then((value) => {
      const [href = '', state = ''] = value.split(' ');
      return { href, complete: state === 'complete' };
    })
    .catch(() => ({ href: '', complete: false }));

/** Navigates `page` to an extension URL and waits until it has loaded there. */
async function openExtensionPage(page: Page, url: string, timeoutMs: number): Promise<void> {
  // The navigation happens; only its completion is never reported, so the promise is left to
  // time out (or to fail when the page closes) on its own.
  page.goto(url, { timeout: timeoutMs + 30_000 }).catch(() => {});
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { href, complete } = await hrefOf(page);
    if (href === url && complete) return;
    if (Date.now() > deadline)
      throw new Error(`${url} did not load in ${timeoutMs} ms (the page is at "${href}")`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * The approval window (`popup.html?approval=1`) showing a prompt, waiting for it to open. A
 * window that is closing (its queue just emptied) is skipped.
 */
async function findApprovalPage(browser: Browser, origin: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const page of await browser.pages()) {
      if (page.isClosed()) continue;
      const { href } = await hrefOf(page);
      if (!href.startsWith(`${origin}/popup.html`) || !href.includes('approval=1')) continue;
      const shown = await page.$('[data-testid="approval"]').catch(() => null);
      if (shown) return page;
    }
    if (Date.now() > deadline) throw new Error('no approval prompt appeared');
    await new Promise((done) => setTimeout(done, 100));
  }
}
