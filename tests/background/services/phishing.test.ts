/**
 * The local phishing list: the bundled list's matching, loading a file (and every way a file can
 * be refused without changing anything), the "continue anyway" log, and the approval gate through
 * the popup's own handlers with the whole background service graph.
 */
import { toHex } from 'viem';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ApprovalRequest } from '../../../background/approvals-api';
import { describeMessage } from '../../../background/decode';
import { isWalletError, type WalletError } from '../../../background/errors';
import { createServices } from '../../../background/index';
import type { Services } from '../../../background/rpc/types';
import { createApprovalsService, type WindowOpener } from '../../../background/services/approvals';
import {
  createPhishingService,
  MAX_PHISHING_LIST_CHARS,
  MAX_PHISHING_LOG,
  PHISHING_LIST_STORAGE_KEY,
  PHISHING_LOG_STORAGE_KEY,
  type PhishingService,
} from '../../../background/services/phishing';
import { memoryVaultStore } from '../../../background/services/vault-store';
import { handlers } from '../../../background/ui-handlers';

const LISTED = 'https://myetherwalet.com';
const SAFE = 'https://dapp.example';

/** An approval window that is "open" as soon as asked; the test answers the queue itself. */
const opener = (): WindowOpener => ({
  open: async () => {},
  close: async () => {},
  onClosed: () => {},
});

async function started(): Promise<PhishingService> {
  const service = createPhishingService();
  await service.ready;
  return service;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<WalletError> {
  try {
    await promise;
  } catch (error) {
    if (isWalletError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const list = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: 7,
    tolerance: 2,
    fuzzylist: [],
    whitelist: ['safe.evil.example'],
    blacklist: ['evil.example', 'drainer.example'],
    ...fields,
  });

beforeEach(() => {
  fakeBrowser.reset();
});

describe('the bundled list', () => {
  it('matches a listed domain and its subdomains, on any port and scheme', async () => {
    const phishing = await started();
    expect(phishing.check(LISTED)).toEqual({ listedDomain: 'myetherwalet.com' });
    expect(phishing.check('https://app.myetherwalet.com:8443')).toEqual({
      listedDomain: 'myetherwalet.com',
    });
    expect(phishing.check('http://WWW.MyEtherWalet.com.')).toEqual({
      listedDomain: 'myetherwalet.com',
    });
    expect(phishing.check('https://myetherwallet.com.ua')).toEqual({
      listedDomain: 'myetherwallet.com.ua',
    });
  });

  it('does not match a whitelisted site, a look-alike that is not listed, or another site', async () => {
    const phishing = await started();
    for (const origin of [
      'https://myetherwallet.com',
      'https://www.myetherwallet.com',
      'https://metamask.io',
      'https://etherscan.io',
      // Look-alikes of listed domains (fuzzy matching is off on purpose).
      'https://myetherwalett.com',
      'https://notmyetherwalet.com',
      'https://myetherwalet.com.example.org',
      SAFE,
      'chrome-extension://abcdefghijklmnop',
      'not an origin',
    ])
      expect(phishing.check(origin), origin).toBeUndefined();
  });

  it('reports what it is', async () => {
    const info = (await started()).info();
    expect(info).toMatchObject({ source: 'bundled', version: '2', log: [] });
    expect(info.domains).toBeGreaterThanOrEqual(10);
  });
});

describe('loading a list from a file', () => {
  it('replaces the bundled list, and is kept across restarts', async () => {
    const phishing = await started();
    const info = await phishing.load(list());
    expect(info).toMatchObject({ source: 'file', version: '7', domains: 2 });
    expect(phishing.check('https://evil.example')).toEqual({ listedDomain: 'evil.example' });
    expect(phishing.check('https://x.drainer.example')).toEqual({
      listedDomain: 'drainer.example',
    });
    // The bundled entries are gone: the file replaces, it does not add.
    expect(phishing.check(LISTED)).toBeUndefined();
    const restarted = await started();
    expect(restarted.info()).toMatchObject({ source: 'file', version: '7' });
    expect(restarted.check('https://evil.example')).toEqual({ listedDomain: 'evil.example' });
  });

  it('a whitelist entry wins at its level and below; a blacklisted child of it does not', async () => {
    const phishing = await started();
    await phishing.load(
      list({
        whitelist: ['safe.evil.example', 'good.example'],
        blacklist: ['evil.example', 'bad.good.example'],
      }),
    );
    expect(phishing.check('https://safe.evil.example')).toBeUndefined();
    expect(phishing.check('https://deep.safe.evil.example')).toBeUndefined();
    expect(phishing.check('https://other.evil.example')).toEqual({ listedDomain: 'evil.example' });
    expect(phishing.check('https://good.example')).toBeUndefined();
    expect(phishing.check('https://x.bad.good.example')).toEqual({
      listedDomain: 'bad.good.example',
    });
  });

  const malformed: readonly (readonly [string, string, string])[] = [
    ['not JSON', '{"version": 2,', 'not JSON'],
    ['not an object', '[]', 'JSON object'],
    ['empty', '', 'empty'],
    ['an unknown field', list({ c2DomainBlocklist: [] }), '"c2DomainBlocklist"'],
    ['version missing', list({ version: undefined }), '"version"'],
    ['version negative', list({ version: -1 }), '"version"'],
    ['version an object', list({ version: { major: 2 } }), '"version"'],
    ['tolerance a string', list({ tolerance: '2' }), '"tolerance"'],
    ['tolerance fractional', list({ tolerance: 1.5 }), '"tolerance"'],
    ['fuzzylist not a list', list({ fuzzylist: 'metamask.io' }), '"fuzzylist"'],
    ['fuzzylist entry not a domain', list({ fuzzylist: ['meta mask.io'] }), '"fuzzylist[0]"'],
    ['whitelist missing', list({ whitelist: undefined }), '"whitelist"'],
    ['whitelist entry a number', list({ whitelist: ['ok.example', 5] }), '"whitelist[1]"'],
    ['blacklist not a list', list({ blacklist: { 'evil.example': true } }), '"blacklist"'],
    ['blacklist entry a URL', list({ blacklist: ['https://evil.example/'] }), '"blacklist[0]"'],
    ['blacklist entry upper-case', list({ blacklist: ['Evil.example'] }), '"blacklist[0]"'],
    ['blacklist entry empty', list({ blacklist: ['evil.example', ''] }), '"blacklist[1]"'],
    ['blacklist entry a bad label', list({ blacklist: ['-evil.example'] }), '"blacklist[0]"'],
    ['too large', ' '.repeat(MAX_PHISHING_LIST_CHARS + 1), 'larger than'],
  ];

  it.each(malformed)(
    '%s: InvalidInput naming it, and the old list stays',
    async (_, text, names) => {
      const phishing = await started();
      await phishing.load(list());
      const stored = await fakeBrowser.storage.local.get(PHISHING_LIST_STORAGE_KEY);
      const error = await rejection(phishing.load(text));
      expect(error.code).toBe('InvalidInput');
      expect(error.message).toContain(names);
      expect(phishing.check('https://evil.example')).toEqual({ listedDomain: 'evil.example' });
      expect(phishing.info()).toMatchObject({ source: 'file', version: '7' });
      expect(await fakeBrowser.storage.local.get(PHISHING_LIST_STORAGE_KEY)).toEqual(stored);
    },
  );

  it('a bad file over the bundled list leaves the bundled list', async () => {
    const phishing = await started();
    expect((await rejection(phishing.load(list({ blacklist: [null] })))).code).toBe('InvalidInput');
    expect(phishing.info().source).toBe('bundled');
    expect(phishing.check(LISTED)).toEqual({ listedDomain: 'myetherwalet.com' });
    expect(await fakeBrowser.storage.local.get(PHISHING_LIST_STORAGE_KEY)).toEqual({});
  });

  it('a damaged stored list falls back to the bundled one', async () => {
    await fakeBrowser.storage.local.set({
      [PHISHING_LIST_STORAGE_KEY]: { list: { blacklist: 'x' }, updatedAt: 1 },
    });
    const phishing = await started();
    expect(phishing.info().source).toBe('bundled');
    expect(phishing.check(LISTED)).toEqual({ listedDomain: 'myetherwalet.com' });
  });
});

describe('the "continue anyway" log', () => {
  it('keeps the last 200, newest first, across restarts', async () => {
    const phishing = await started();
    for (let i = 0; i < MAX_PHISHING_LOG + 5; i++)
      await phishing.logContinue(`https://site${i}.example`, 'message');
    const { log } = phishing.info();
    expect(log).toHaveLength(MAX_PHISHING_LOG);
    expect(log[0]).toMatchObject({ origin: `https://site${MAX_PHISHING_LOG + 4}.example` });
    expect(log.at(-1)).toMatchObject({ origin: 'https://site5.example' });
    expect((await started()).info().log).toEqual(log);
  });
});

describe('the approval gate', () => {
  const message = (origin: string): Extract<ApprovalRequest, { kind: 'message' }> => ({
    kind: 'message',
    account: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    chain: { chainId: 1, name: 'Ethereum', symbol: 'ETH' },
    message: toHex('hello'),
    insight: describeMessage(toHex('hello'), origin),
  });

  it('a listed site: flagged with a warning; approve without "continue anyway" is PhishingSite and the prompt stays', async () => {
    const phishing = await started();
    const approvals = createApprovalsService(opener(), phishing);
    const answered = approvals.request(LISTED, message(LISTED));
    const [item] = approvals.list();
    if (item?.request.kind !== 'message') throw new Error('no message prompt');
    expect(item.phishing).toEqual({ listedDomain: 'myetherwalet.com' });
    expect(item.request.insight.warnings[0]).toMatchObject({
      kind: 'phishing-site',
      severity: 'danger',
    });
    expect(item.request.insight.warnings[0]?.message).toContain('myetherwalet.com');

    const refused = await rejection(approvals.resolve(item.id, {}));
    expect(refused.code).toBe('PhishingSite');
    expect(refused.message).toContain('continue anyway');
    expect((await rejection(approvals.resolve(item.id, {}, { continueAnyway: false }))).code).toBe(
      'PhishingSite',
    );
    expect(approvals.list().map((i) => i.id)).toEqual([item.id]);
    expect(phishing.info().log).toEqual([]);

    await approvals.resolve(item.id, {}, { continueAnyway: true });
    await expect(answered).resolves.toEqual({});
    expect(approvals.list()).toEqual([]);
    expect(phishing.info().log).toEqual([
      { origin: LISTED, at: expect.any(Number), what: 'message' },
    ]);
  });

  it('a site not on the list: no flag, no warning, approved as before and not logged', async () => {
    const phishing = await started();
    const approvals = createApprovalsService(opener(), phishing);
    const answered = approvals.request(SAFE, { kind: 'connect', accounts: [] });
    const [item] = approvals.list();
    expect(item?.phishing).toBeUndefined();
    await approvals.resolve(item?.id ?? '', { accounts: [] });
    await expect(answered).resolves.toEqual({ accounts: [] });
    expect(phishing.info().log).toEqual([]);
  });

  it('an unlock prompt from a listed site is not gated (unlocking grants it nothing)', async () => {
    const approvals = createApprovalsService(opener(), await started());
    void approvals.request(LISTED, { kind: 'unlock' });
    expect(approvals.list()[0]?.phishing).toBeUndefined();
  });
});

describe('the popup handlers, with the whole service graph', () => {
  let services: Services;
  beforeEach(async () => {
    services = createServices({ store: memoryVaultStore(), opener: opener() });
    await services.phishing.ready;
  });

  it('getPhishingInfo and loadPhishingList (a bad file: InvalidInput, nothing changes)', async () => {
    expect((await handlers.getPhishingInfo({ type: 'getPhishingInfo' }, services)).source).toBe(
      'bundled',
    );
    const loaded = await handlers.loadPhishingList(
      { type: 'loadPhishingList', text: list() },
      services,
    );
    expect(loaded).toMatchObject({ source: 'file', domains: 2 });
    const bad = await rejection(
      Promise.resolve().then(() =>
        handlers.loadPhishingList({ type: 'loadPhishingList', text: '{}' }, services),
      ),
    );
    expect(bad.code).toBe('InvalidInput');
    expect((await handlers.getPhishingInfo({ type: 'getPhishingInfo' }, services)).domains).toBe(2);
  });

  it('resolveApproval passes "continue anyway" through; the choice is logged', async () => {
    const answered = services.approvals.request(LISTED, { kind: 'connect', accounts: [] });
    const [item] = services.approvals.list();
    if (!item) throw new Error('no prompt');
    expect(item.phishing).toEqual({ listedDomain: 'myetherwalet.com' });
    const refused = await rejection(
      Promise.resolve().then(() =>
        handlers.resolveApproval(
          { type: 'resolveApproval', id: item.id, result: { accounts: [] } },
          services,
        ),
      ),
    );
    expect(refused.code).toBe('PhishingSite');
    expect(services.approvals.list()).toHaveLength(1);
    await handlers.resolveApproval(
      { type: 'resolveApproval', id: item.id, result: { accounts: [] }, continueAnyway: true },
      services,
    );
    await expect(answered).resolves.toEqual({ accounts: [] });
    const info = await handlers.getPhishingInfo({ type: 'getPhishingInfo' }, services);
    expect(info.log).toEqual([{ origin: LISTED, at: expect.any(Number), what: 'connect' }]);
    expect(
      (await fakeBrowser.storage.local.get(PHISHING_LOG_STORAGE_KEY))[PHISHING_LOG_STORAGE_KEY],
    ).toEqual(info.log);
  });
});
