/**
 * Upkeep of the collaborative key (issue #7, ARCHITECTURE.md flows 3 and 5): refresh on demand
 * and on a schedule, and replacement of a server. Both are two-phase in the ckm client
 * (docs/ckm.md §4), so a crash at any step leaves the old or the new key usable; a retry picks
 * up from whatever was persisted. The address never changes.
 *
 * The schedule: an alarm at `last refresh (or creation) + interval`. When it fires while the
 * wallet is locked the shares cannot be used, so the refresh is marked due and runs at the next
 * unlock. When a scheduled refresh fails (a server down), it stays due and is retried an hour
 * later; nothing is lost meanwhile, since the current shares keep signing.
 *
 * Public bookkeeping (dates only) lives in `storage.local`.
 * @module
 */

import { getAddress } from 'viem';
import browser from 'webextension-polyfill';
import type { CkmWallet, DeviceWalletState } from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import { identityId, type PartyIdentity } from '../../ckm/identity';
import { DEFAULT_RECOVERY_DELAY_SECONDS } from '../../ckm/wallet';
import { derivePath, publicKeyToAddress } from '../../tss/index';
import { WalletError } from '../errors';
import type { KeyInfo, ServerView } from '../ui-api';
import type { KeyringService } from './keyring';
import type { SettingsService } from './settings';

const STORAGE_KEY = 'keyMaintenance';
export const REFRESH_ALARM = 'ckm-refresh';
const DAY_MS = 24 * 60 * 60 * 1000;
const RETRY_MS = 60 * 60 * 1000;

type Hex = `0x${string}`;

type Stored = {
  /** When the key (as this device holds it) came to be: creation, restore or recovery. */
  readonly since?: number;
  readonly lastRefreshAt?: number;
  /** A scheduled refresh that could not run yet (locked, or a server was down). */
  readonly due?: boolean;
};

export type KeyChange = {
  readonly kind: 'refresh' | 'reshare';
  readonly before: DeviceWalletState;
  readonly after: DeviceWalletState;
};

/** What runs a refresh; the identity service wraps it to sign the rotation record around it. */
export type RefreshRunner = (wallet: CkmWallet) => Promise<void>;

export type ServerReplacement = {
  readonly party: number;
  readonly url: string;
  readonly pinned: PartyIdentity;
  /** The newcomer's name as it presented itself. */
  readonly name: string;
};

/** What runs a server replacement (the identity service wraps it too). */
export type ReshareRunner = (wallet: CkmWallet, replacement: ServerReplacement) => Promise<void>;

export type KeyMaintenanceService = {
  readonly ready: Promise<void>;
  info(): KeyInfo;
  /** Refreshes every share now. @throws {WalletError} `Busy`, `Locked`, `ServerUnavailable` */
  refresh(): Promise<KeyInfo>;
  /** Replaces server `party` by the one at `url`, pinned to `pinned`. */
  replaceServer(args: ServerReplacement): Promise<KeyInfo>;
  /**
   * Finishes a refresh or replacement that stopped before every server committed (the device
   * already holds the new version). @throws {WalletError} `ServerUnavailable`, `Busy`
   */
  finishCommits(): Promise<KeyInfo>;
  /** A new wallet (created, restored, recovered) starts its schedule now. */
  startSchedule(): Promise<void>;
  /** Lets the identity service sign rotation records around each refresh. */
  setRefreshRunner(runner: RefreshRunner): void;
  setReshareRunner(runner: ReshareRunner): void;
  onChange(listener: (change: KeyChange) => void): void;
};

/** The servers of a wallet configuration, as the popup shows them. */
export function serverViews(state: DeviceWalletState | undefined): ServerView[] {
  return (state?.config.parties ?? [])
    .filter((p) => p.role === 'server')
    .map((p) => ({
      party: p.index,
      name: p.name,
      url: state?.urls.get(p.index) ?? '',
      identity: identityId(p.identity),
    }));
}

function asWalletError(cause: unknown, what: string): unknown {
  if (!isCkmError(cause)) return cause;
  return new WalletError(
    cause.code === 'ServerUnavailable' ? 'ServerUnavailable' : 'Busy',
    `${what} failed: ${cause.shortMessage}. Nothing was lost; try again.`,
    { cause },
  );
}

export function createKeyMaintenanceService(deps: {
  keyring: KeyringService;
  settings: SettingsService;
  now?: () => number;
}): KeyMaintenanceService {
  const { keyring, settings } = deps;
  const now = deps.now ?? Date.now;
  let stored: Stored = {};
  let busy: KeyInfo['busy'];
  let runRefresh: RefreshRunner = (wallet) => wallet.refresh();
  let runReshare: ReshareRunner = (wallet, r) =>
    wallet.reshare({ replace: r.party, url: r.url, pinned: r.pinned });
  const listeners = new Set<(change: KeyChange) => void>();

  const save = async (next: Stored) => {
    stored = next;
    await browser.storage.local.set({ [STORAGE_KEY]: next });
  };
  const ready = browser.storage.local.get(STORAGE_KEY).then((value) => {
    const saved = value[STORAGE_KEY] as Stored | undefined;
    if (saved && typeof saved === 'object') stored = saved;
  });

  const nextRefreshAt = (): number | undefined => {
    const days = settings.get().refreshIntervalDays;
    const from = stored.lastRefreshAt ?? stored.since;
    return days === 0 || from === undefined ? undefined : from + days * DAY_MS;
  };

  async function schedule(when = nextRefreshAt()): Promise<void> {
    if (when === undefined) await browser.alarms.clear(REFRESH_ALARM);
    else await browser.alarms.create(REFRESH_ALARM, { when: Math.max(when, now() + 1_000) });
  }

  async function exclusive(kind: 'refresh' | 'replace', run: () => Promise<void>) {
    if (busy) throw new WalletError('Busy', `A key ${busy} is already running.`);
    busy = kind;
    try {
      await run();
    } finally {
      busy = undefined;
    }
  }

  function info(): KeyInfo {
    const state = keyring.publicState();
    const next = nextRefreshAt();
    return {
      // Account 1's address (m/0): the one the person knows.
      address: (state
        ? getAddress(
            publicKeyToAddress(
              derivePath(state.share.publicKey, state.share.chainCode, [0]).publicKey,
            ),
          )
        : '0x') as Hex,
      keyVersion: state?.version ?? 0,
      ...(stored.lastRefreshAt !== undefined ? { lastRefreshAt: stored.lastRefreshAt } : {}),
      ...(next !== undefined ? { nextRefreshAt: next } : {}),
      refreshIntervalDays: settings.get().refreshIntervalDays,
      ...(busy ? { busy } : {}),
      servers: serverViews(state),
      ...(state?.config.recoveryKey
        ? {
            recoveryDelaySeconds:
              state.config.recoveryDelaySeconds ?? DEFAULT_RECOVERY_DELAY_SECONDS,
          }
        : {}),
    };
  }

  async function refreshNow(): Promise<void> {
    const wallet = keyring.wallet();
    await exclusive('refresh', async () => {
      const before = wallet.state;
      try {
        await runRefresh(wallet);
      } catch (cause) {
        throw asWalletError(cause, 'The refresh');
      }
      await save({ ...stored, lastRefreshAt: now(), due: false });
      for (const listener of listeners) listener({ kind: 'refresh', before, after: wallet.state });
    });
    await schedule();
  }

  /** A scheduled refresh: never throws; what fails stays due. */
  async function refreshWhenDue(): Promise<void> {
    if (keyring.status() !== 'unlocked') {
      await save({ ...stored, due: true });
      return;
    }
    try {
      await refreshNow();
    } catch {
      await save({ ...stored, due: true });
      await schedule(now() + RETRY_MS);
    }
  }

  browser.alarms.onAlarm.addListener(async (alarm) => {
    if (alarm.name !== REFRESH_ALARM) return;
    await ready;
    const next = nextRefreshAt();
    if (next !== undefined && next <= now() + 60_000) await refreshWhenDue();
    else if (stored.due) await refreshWhenDue();
  });
  keyring.on((event) => {
    if (event === 'unlocked' && stored.due) void ready.then(refreshWhenDue);
  });
  settings.onChange(() => void ready.then(() => schedule()));

  return {
    ready,
    info,
    async refresh() {
      await ready;
      await refreshNow();
      return info();
    },
    async replaceServer(replacement) {
      await ready;
      const wallet = keyring.wallet();
      await exclusive('replace', async () => {
        const before = wallet.state;
        try {
          await runReshare(wallet, replacement);
        } catch (cause) {
          throw asWalletError(cause, 'Replacing the server');
        }
        for (const listener of listeners)
          listener({ kind: 'reshare', before, after: wallet.state });
      });
      return info();
    },
    async finishCommits() {
      await ready;
      const wallet = keyring.wallet();
      await exclusive('replace', async () => {
        try {
          await wallet.commitPending({ strict: true });
        } catch (cause) {
          throw asWalletError(cause, 'Confirming the new key with every server');
        }
      });
      return info();
    },
    async startSchedule() {
      await ready;
      await save({ since: now() });
      await schedule();
    },
    setRefreshRunner: (runner) => {
      runRefresh = runner;
    },
    setReshareRunner: (runner) => {
      runReshare = runner;
    },
    onChange: (listener) => void listeners.add(listener),
  };
}
