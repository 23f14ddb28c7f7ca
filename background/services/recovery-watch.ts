/**
 * The old device's watch over recoveries (ARCHITECTURE.md flow 4b, issue #7): someone holding
 * the recovery key can ask the servers to move the wallet to another device; they wait out the
 * wallet's period first, and this device, the wallet's own, can cancel. So while unlocked it asks
 * every server now and then (at unlock, every few minutes, and when the popup opens) and keeps
 * what they report for the popup's warning.
 *
 * The questions are signed by this device's key, so they need the wallet unlocked; a locked
 * wallet learns at its next unlock (the waiting period is days, the checks minutes).
 * @module
 */
import browser from 'webextension-polyfill';
import { identityId } from '../../ckm/identity';
import { WalletError } from '../errors';
import type { RecoveryView } from '../ui-api';
import type { KeyringService } from './keyring';

export const RECOVERY_WATCH_ALARM = 'ckm-recovery-watch';
const WATCH_MINUTES = 5;
/** A popup opening asks again only if the last answer is older than this. */
const FRESH_MS = 30_000;

export type RecoveryWatchService = {
  /** What the servers reported last (empty while locked or when none is pending). */
  pending(): readonly RecoveryView[];
  /** Asks the servers now (at most every 30 s unless `force`). */
  check(force?: boolean): Promise<readonly RecoveryView[]>;
  /** Cancels every pending recovery on every server. */
  cancel(): Promise<{ cancelled: number }>;
  onChange(listener: () => void): void;
};

export function createRecoveryWatchService(deps: {
  keyring: KeyringService;
  now?: () => number;
}): RecoveryWatchService {
  const { keyring } = deps;
  const now = deps.now ?? Date.now;
  let last: readonly RecoveryView[] = [];
  let checkedAt = 0;
  let running: Promise<readonly RecoveryView[]> | undefined;
  const listeners = new Set<() => void>();

  const set = (next: readonly RecoveryView[]) => {
    const changed = JSON.stringify(next) !== JSON.stringify(last);
    last = next;
    if (changed) for (const listener of listeners) listener();
  };

  async function ask(): Promise<readonly RecoveryView[]> {
    if (keyring.status() !== 'unlocked') return [];
    const wallet = keyring.wallet();
    const views = await wallet.pendingRecoveries();
    const pending: RecoveryView[] = [];
    for (const view of views)
      if (view.pending)
        pending.push({
          server: view.name,
          newDevice: identityId(view.pending.newDevice),
          startedAt: view.pending.startedAt,
          readyAt: view.pending.readyAt,
        });
    checkedAt = now();
    set(pending);
    return pending;
  }

  const service: RecoveryWatchService = {
    pending: () => (keyring.status() === 'unlocked' ? last : []),
    check(force = false) {
      if (!force && now() - checkedAt < FRESH_MS) return Promise.resolve(last);
      running ??= ask().finally(() => {
        running = undefined;
      });
      return running;
    },
    async cancel() {
      const wallet = keyring.wallet();
      const outcome = await wallet.cancelRecovery();
      await service.check(true).catch(() => {});
      if (outcome.cancelled.length === 0 && outcome.failed.length > 0)
        throw new WalletError(
          'ServerUnavailable',
          `No server could be reached to cancel: ${outcome.failed.map((f) => f.error.shortMessage).join('; ')}`,
        );
      return { cancelled: outcome.cancelled.length };
    },
    onChange: (listener) => void listeners.add(listener),
  };

  keyring.on((event) => {
    if (event === 'unlocked') {
      void service.check(true).catch(() => {});
      void browser.alarms.create(RECOVERY_WATCH_ALARM, { periodInMinutes: WATCH_MINUTES });
    } else if (event === 'locked') {
      set([]);
      void browser.alarms.clear(RECOVERY_WATCH_ALARM);
    }
  });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === RECOVERY_WATCH_ALARM) void service.check(true).catch(() => {});
  });
  return service;
}
