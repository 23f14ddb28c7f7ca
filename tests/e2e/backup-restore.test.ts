/**
 * Issue #7, the backup kit, end to end in real Chromium with real CKM server processes and anvil:
 * a wallet backs itself up from Settings (the file, through a real download, and a 3-of-5 SSKR
 * split), its profile is then "lost", and fresh profiles restore it through the popup — from
 * the file, and from 3 of 5 shares — each signing a transaction that is mined, at the same
 * address.
 *
 * Every restore moves the key to a new device identity (docs/ckm.md, `restoreFromBackup`), so
 * the device it came from stops signing, and so does any backup made before it: the text and the 3-of-5
 * shares the lost profile made are refused after the first restore, and the second restore
 * uses shares the restored device made. Wrong passwords and a damaged backup text are refused
 * and change nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWallet, type Wallet } from './harness';
import {
  click,
  connectedDapp,
  downloaded,
  downloadsTo,
  openSettings,
  paste,
  sendMined,
  signRefused,
  texts,
} from './support/kits';
import { fund, type LocalServices, startLocalServices } from './support/services';

let services: LocalServices;
/** The wallet's first device; its profile is "lost" once backed up (kept to check it is retired). */
let original: Wallet;
let originalDapp: Page;
/** Restored from the file. */
let fromFile: Wallet | undefined;
let fromFileDapp: Page;
/** Restored from 3 of 5 shares. */
let fromShares: Wallet | undefined;
let downloads: string;
let address: string;
let backupFile: string;
/** The 3-of-5 split the original device made. */
let staleShares: string[];
/** The same backup as UR text, as the Settings screen showed it. */
let staleUr: string;

const WRONG = 'not the wallet password';

beforeAll(async () => {
  services = await startLocalServices();
  downloads = await mkdtemp(join(tmpdir(), 'ckm-e2e-downloads-'));
  original = await launchWallet();
  address = (original.address as string).toLowerCase();
  await fund(services.anvil, address);
  originalDapp = await connectedDapp(original, services.dapp.url);
  // The original device signs before any restore (so its refusal later is the restore's doing).
  expect((await sendMined(original, originalDapp, services.anvil.url, address)).status).toBe('0x1');
}, 240_000);

afterAll(async () => {
  await fromShares?.close();
  await fromFile?.close();
  await original?.close();
  await services?.stop();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

/** A fresh profile's popup on the "Restore from a backup" form. */
async function restoreForm(wallet: Wallet): Promise<Page> {
  const popup = await wallet.openPopup();
  await click(popup, 'restore-start');
  await popup.waitForSelector('[data-testid="restore-password"]');
  return popup;
}

/** Submits the restore form with `password`; the restored address, or the error shown. */
async function submitRestore(
  popup: Page,
  password: string,
): Promise<{ address?: string; error?: string }> {
  await paste(popup, '[data-testid="restore-password"]', password);
  // A previous attempt's error is marked, so only this attempt's outcome counts.
  await popup.$$eval('[data-testid="restore-error"]', (els) => {
    for (const el of els) el.setAttribute('data-stale', '');
  });
  await click(popup, 'restore-submit');
  const outcome = await Promise.race([
    popup
      .waitForSelector('[data-testid="restored-address"]', { timeout: 120_000 })
      .then(async (el) => ({
        address: (await el?.evaluate((e) => e.getAttribute('data-address') ?? '')) ?? '',
      })),
    popup
      .waitForSelector('[data-testid="restore-error"]:not([data-stale])', { timeout: 120_000 })
      .then(async (el) => ({ error: (await el?.evaluate((e) => e.textContent ?? '')) ?? '' })),
  ]);
  return outcome;
}

/** The profile has no wallet: a newly opened popup is on the welcome screen. */
async function stillEmpty(wallet: Wallet) {
  const popup = await wallet.openPopup();
  try {
    await popup.waitForSelector('[data-testid="create-start"]', { timeout: 15_000 });
    return (await popup.$('[data-testid="balance"]')) === null;
  } finally {
    await popup.close();
  }
}

/** Settings → Split the backup → 3 of 5: the five shares' UR texts. */
async function splitThreeOfFive(popup: Page, password: string): Promise<string[]> {
  await click(popup, 'split-backup-open');
  await paste(popup, '[data-testid="split-backup-password"]', password);
  await paste(popup, '[data-testid="split-backup-threshold"]', '3');
  await paste(popup, '[data-testid="split-backup-count"]', '5');
  await click(popup, 'split-backup-submit');
  await popup.waitForFunction(
    () => document.querySelectorAll('[data-testid="share-sheet"]').length === 5,
    { timeout: 60_000 },
  );
  return texts(popup, '[data-testid="share-ur"]');
}

/** The restore form's Shares tab with `shares` in its fields (a third field added). */
async function enterShares(popup: Page, shares: readonly string[]) {
  await click(popup, 'source-shares');
  while ((await popup.$$('[data-testid="share-input"]')).length < shares.length)
    await click(popup, 'share-add');
  const fields = await popup.$$('[data-testid="share-input"]');
  for (const [i, share] of shares.entries()) {
    const field = fields[i];
    if (!field) throw new Error(`no share field ${i + 1}`);
    // Pasted (one input event), as a person pastes a UR text.
    await field.evaluate((el, value) => {
      const input = el as HTMLTextAreaElement;
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, share);
  }
}

describe('backup kit: back up, lose the profile, restore', () => {
  it('Settings makes the backup (a wrong password is refused), downloads its file, and splits it 3 of 5', async () => {
    await downloadsTo(original.browser, downloads);
    const popup = await openSettings(original);
    await click(popup, 'backup-open');
    await paste(popup, '[data-testid="backup-password"]', WRONG);
    await click(popup, 'backup-password-submit');
    const refused = await popup.waitForSelector('[data-testid="backup-error"]');
    expect(await refused?.evaluate((el) => el.textContent)).toMatch(/password/i);
    expect(await popup.$('[data-testid="backup-kit"]')).toBeNull();

    await paste(popup, '[data-testid="backup-password"]', original.password);
    await click(popup, 'backup-password-submit');
    await popup.waitForSelector('[data-testid="backup-kit"]', { timeout: 60_000 });
    const [urText] = await texts(popup, '[data-testid="backup-kit"] [data-testid="kit-ur"]');
    expect(urText).toMatch(/^ur:envelope\//i);
    staleUr = urText as string;
    await click(popup, 'kit-download');
    const file = await downloaded(downloads);
    expect(file.bytes.length).toBeGreaterThan(100);
    backupFile = file.path;

    staleShares = await splitThreeOfFive(popup, original.password);
    expect(staleShares).toHaveLength(5);
    expect(new Set(staleShares).size).toBe(5);
    for (const share of staleShares) expect(share).toMatch(/^ur:/i);
    await popup.close();
  }, 120_000);

  it('a fresh profile restores from the file (a wrong password first changes nothing) and sends a mined transaction', async () => {
    fromFile = await launchWallet({ onboard: false });
    const popup = await restoreForm(fromFile);
    const input = (await popup.waitForSelector(
      '[data-testid="restore-file"]',
    )) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(backupFile);
    await popup.waitForFunction(() => document.body.textContent?.includes('Chosen:'));

    const wrong = await submitRestore(popup, WRONG);
    expect(wrong.error).toMatch(/password/i);
    expect(await stillEmpty(fromFile)).toBe(true);
    // The form kept the file: the right password now restores.
    await popup.$eval('[data-testid="restore-password"]', (el) => {
      (el as HTMLInputElement).value = '';
    });
    const restored = await submitRestore(popup, original.password);
    expect(restored.error).toBeUndefined();
    expect(restored.address?.toLowerCase()).toBe(address);
    await click(popup, 'restore-done');
    await popup.waitForSelector('[data-testid="balance"]');
    fromFileDapp = await connectedDapp(fromFile, services.dapp.url);
    const sent = await sendMined(fromFile, fromFileDapp, services.anvil.url, address);
    expect(sent.status).toBe('0x1');
  }, 240_000);

  it('the lost profile, retired by that restore, can no longer sign', async () => {
    const refused = await signRefused(original, originalDapp, address);
    // Both servers refuse the retired device's request signature.
    expect(refused.message).toMatch(/no server could co-sign/);
    expect(refused.message).toMatch(/7101: request signature is invalid/);
    expect(refused.message).toMatch(/7102: request signature is invalid/);
  }, 120_000);

  it('a backup made before that restore, as text or as shares, is refused (its device is retired), and so is a damaged text; nothing changes', async () => {
    fromShares = await launchWallet({ onboard: false });
    const popup = await restoreForm(fromShares);
    await click(popup, 'source-ur');
    // One byteword changed in the middle: the UR's checksum no longer matches.
    const middle = Math.floor(staleUr.length / 2);
    const damaged = `${staleUr.slice(0, middle)}${staleUr[middle] === 'a' ? 'e' : 'a'}${staleUr.slice(middle + 1)}`;
    await paste(popup, '[data-testid="restore-ur"]', damaged);
    const broken = await submitRestore(popup, original.password);
    expect(broken.address).toBeUndefined();
    expect(broken.error).toBeTruthy();
    expect(broken.error).not.toMatch(/request signature is invalid/);
    await paste(popup, '[data-testid="restore-ur"]', staleUr);
    const asText = await submitRestore(popup, original.password);
    expect(asText.address).toBeUndefined();
    expect(asText.error).toMatch(/older than the last restore or recovery/i);
    await enterShares(popup, [staleShares[0], staleShares[2], staleShares[4]] as string[]);
    const outcome = await submitRestore(popup, original.password);
    expect(outcome.address).toBeUndefined();
    expect(outcome.error).toBeTruthy();
    expect(outcome.error).toMatch(/older than the last restore or recovery/i);
    expect(await stillEmpty(fromShares)).toBe(true);
    await popup.close();
    // The restored device still signs.
    const sent = await sendMined(fromFile as Wallet, fromFileDapp, services.anvil.url, address);
    expect(sent.status).toBe('0x1');
  }, 240_000);

  it('3 of 5 shares of the restored device’s backup restore another fresh profile, which sends a mined transaction; the first restored profile is then refused', async () => {
    const settings = await openSettings(fromFile as Wallet);
    const shares = await splitThreeOfFive(settings, original.password);
    expect(shares).toHaveLength(5);
    await settings.close();

    const restoring = fromShares as Wallet;
    const popup = await restoreForm(restoring);
    // Two of the five are too few: refused, and nothing is sent.
    await enterShares(popup, [shares[4], shares[1]] as string[]);
    const tooFew = await submitRestore(popup, original.password);
    expect(tooFew.address).toBeUndefined();
    expect(tooFew.error).toMatch(/Not enough shares yet/);
    expect(await stillEmpty(restoring)).toBe(true);
    // Three of the five, not the first three.
    await enterShares(popup, [shares[4], shares[1], shares[3]] as string[]);
    const restored = await submitRestore(popup, original.password);
    expect(restored.error).toBeUndefined();
    expect(restored.address?.toLowerCase()).toBe(address);
    await click(popup, 'restore-done');
    await popup.waitForSelector('[data-testid="balance"]');

    const dapp = await connectedDapp(restoring, services.dapp.url);
    expect((await sendMined(restoring, dapp, services.anvil.url, address)).status).toBe('0x1');

    const refused = await signRefused(fromFile as Wallet, fromFileDapp, address);
    expect(refused.message).toMatch(/no server could co-sign.*request signature is invalid/);
  }, 240_000);
});
