/**
 * The local phishing list (issue #8 item 2): a list of domains shipped with the extension
 * (`background/safety/phishing-list.json`), replaceable by the user from a file, in MetaMask's
 * eth-phishing-detect config format `{ version, tolerance, fuzzylist, whitelist, blacklist }`
 * (https://github.com/MetaMask/eth-phishing-detect, `src/config.json`), so that its published
 * list can be loaded as it is. Nothing is fetched: the wallet works offline and no list server
 * learns which sites the user visits.
 *
 * Matching: a site is listed when its host, or any parent domain of it, is on `blacklist`; a
 * `whitelist` entry at the same or a more specific level wins (`app.example.org` whitelisted
 * under a blacklisted `example.org` is allowed, and the other way round is listed), which is
 * eth-phishing-detect's rule made precise: it lets any whitelisted parent win. `fuzzylist` and
 * `tolerance` are read and kept but not used: Levenshtein matching blocks legitimate sites with
 * no recourse (eth-phishing-detect#6938, #14443; its own docs say "don't add anything to the
 * fuzzylist"), and a block here only costs a "continue anyway", which people learn to click
 * when it fires on real sites.
 *
 * A file is validated strictly (every field, every entry a domain name; unknown fields refused),
 * and a bad one is answered `InvalidInput` naming the field, leaving the current list in place.
 * Each "continue anyway" is logged in `storage.local` (newest first, the last 200).
 * @module
 */
import browser from 'webextension-polyfill';
import { WalletError } from '../errors';
import bundledList from '../safety/phishing-list.json';
import type { PhishingInfo } from '../ui-api';

/** The eth-phishing-detect config format. */
export type PhishingList = {
  /** The format's version (eth-phishing-detect writes 2); shown as the list's version. */
  readonly version: number | string;
  readonly tolerance: number;
  readonly fuzzylist: readonly string[];
  readonly whitelist: readonly string[];
  readonly blacklist: readonly string[];
};

export type PhishingLogEntry = PhishingInfo['log'][number];

export type PhishingService = {
  readonly ready: Promise<void>;
  /** The listed domain that matches `origin` (an http(s) origin), or undefined. */
  check(origin: string): { readonly listedDomain: string } | undefined;
  /** Replaces the list with a file's text; `InvalidInput` (nothing changed) when it is bad. */
  load(text: string): Promise<PhishingInfo>;
  info(): PhishingInfo;
  /** Records that the user approved `what` (the request kind) from a listed `origin`. */
  logContinue(origin: string, what: string): Promise<void>;
};

export const PHISHING_LIST_STORAGE_KEY = 'phishingList';
export const PHISHING_LOG_STORAGE_KEY = 'phishingLog';
export const MAX_PHISHING_LOG = 200;
/** Under `storage.local`'s 10 MB quota (no `unlimitedStorage`), with room for the rest. */
export const MAX_PHISHING_LIST_CHARS = 8_000_000;
/** When the bundled list was compiled. */
export const BUNDLED_PHISHING_LIST_AT = Date.UTC(2026, 11, 6);

const FIELDS = ['version', 'tolerance', 'fuzzylist', 'whitelist', 'blacklist'] as const;
const LIST_FIELDS = ['fuzzylist', 'whitelist', 'blacklist'] as const;
/** A DNS name (RFC 1035 labels, `_` allowed as in real hosts, punycode as `xn--`), lower-case. */
const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

const bad = (message: string) => new WalletError('InvalidInput', message);

/**
 * Validates a phishing list (parsed JSON). Every error names the field: `"blacklist[3]" is not a
 * domain name: "a b"`.
 */
export function validatePhishingList(value: unknown): PhishingList {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('The phishing list must be a JSON object with version, tolerance and the lists.');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!(FIELDS as readonly string[]).includes(key))
      throw bad(`The phishing list has an unknown field "${key.slice(0, 64)}".`);
  const { version, tolerance } = record;
  if (
    !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 0) &&
    !(typeof version === 'string' && version.length > 0 && version.length <= 64)
  )
    throw bad('"version" must be a whole number or a short text.');
  if (
    typeof tolerance !== 'number' ||
    !Number.isInteger(tolerance) ||
    tolerance < 0 ||
    tolerance > 16
  )
    throw bad('"tolerance" must be a whole number from 0 to 16.');
  const lists: Record<(typeof LIST_FIELDS)[number], string[]> = {
    fuzzylist: [],
    whitelist: [],
    blacklist: [],
  };
  for (const field of LIST_FIELDS) {
    const list = record[field];
    if (!Array.isArray(list)) throw bad(`"${field}" must be a list of domain names.`);
    list.forEach((entry: unknown, i) => {
      if (typeof entry !== 'string' || !DOMAIN.test(entry))
        throw bad(
          `"${field}[${i}]" is not a lower-case domain name: ${JSON.stringify(entry)?.slice(0, 80)}.`,
        );
      lists[field].push(entry);
    });
  }
  return { version, tolerance, ...lists };
}

/** Parses and validates a file's text (eth-phishing-detect's `config.json`). */
export function parsePhishingList(text: string): PhishingList {
  if (typeof text !== 'string' || text.length === 0) throw bad('The file is empty.');
  if (text.length > MAX_PHISHING_LIST_CHARS)
    throw bad(`The file is larger than ${MAX_PHISHING_LIST_CHARS / 1_000_000} MB.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('The file is not JSON (expected eth-phishing-detect’s config.json format).');
  }
  return validatePhishingList(value);
}

/** The host of an http(s) origin, lower-case, without a trailing dot; else undefined. */
export function originHost(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return host.length === 0 || host.startsWith('[') ? undefined : host;
}

type Matcher = {
  readonly list: PhishingList;
  readonly whitelist: ReadonlySet<string>;
  readonly blacklist: ReadonlySet<string>;
};

function matcher(list: PhishingList): Matcher {
  return { list, whitelist: new Set(list.whitelist), blacklist: new Set(list.blacklist) };
}

/** The most specific listed domain of `host`; a whitelist entry at a level ends the search. */
export function matchHost(
  host: string,
  lists: Pick<Matcher, 'whitelist' | 'blacklist'>,
): string | undefined {
  const labels = host.split('.');
  for (let i = 0; i < labels.length; i++) {
    const domain = labels.slice(i).join('.');
    if (lists.whitelist.has(domain)) return undefined;
    if (lists.blacklist.has(domain)) return domain;
  }
  return undefined;
}

type Stored = { readonly list: unknown; readonly updatedAt: unknown };

export function createPhishingService(): PhishingService {
  const bundled = matcher(validatePhishingList(bundledList));
  let current: Matcher = bundled;
  let source: PhishingInfo['source'] = 'bundled';
  let updatedAt = BUNDLED_PHISHING_LIST_AT;
  let log: PhishingLogEntry[] = [];
  /** Writes one at a time, so a load and a log entry never overwrite each other's state. */
  let writes: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = writes.then(work, work);
    writes = next.catch(() => {});
    return next;
  };

  const ready = browser.storage.local
    .get([PHISHING_LIST_STORAGE_KEY, PHISHING_LOG_STORAGE_KEY])
    .then((saved) => {
      const stored = saved[PHISHING_LIST_STORAGE_KEY] as Stored | undefined;
      if (stored && typeof stored === 'object' && typeof stored.updatedAt === 'number') {
        try {
          current = matcher(validatePhishingList(stored.list));
          source = 'file';
          updatedAt = stored.updatedAt;
        } catch {
          // A damaged stored list: the bundled one protects until the user loads a file again.
        }
      }
      const entries = saved[PHISHING_LOG_STORAGE_KEY];
      if (Array.isArray(entries)) log = entries.filter(isLogEntry).slice(0, MAX_PHISHING_LOG);
    });

  const info = (): PhishingInfo => ({
    source,
    version: String(current.list.version),
    domains: current.blacklist.size,
    updatedAt,
    log,
  });

  return {
    ready,
    check(origin) {
      const host = originHost(origin);
      const listedDomain = host === undefined ? undefined : matchHost(host, current);
      return listedDomain === undefined ? undefined : { listedDomain };
    },
    load: (text) =>
      serial(async () => {
        await ready;
        const list = parsePhishingList(text);
        const at = Date.now();
        await browser.storage.local.set({
          [PHISHING_LIST_STORAGE_KEY]: { list, updatedAt: at } satisfies Stored,
        });
        current = matcher(list);
        source = 'file';
        updatedAt = at;
        return info();
      }),
    info,
    logContinue: (origin, what) =>
      serial(async () => {
        await ready;
        const next = [{ origin, at: Date.now(), what }, ...log].slice(0, MAX_PHISHING_LOG);
        await browser.storage.local.set({ [PHISHING_LOG_STORAGE_KEY]: next });
        log = next;
      }),
  };
}

function isLogEntry(value: unknown): value is PhishingLogEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.origin === 'string' &&
    typeof entry.at === 'number' &&
    typeof entry.what === 'string'
  );
}
