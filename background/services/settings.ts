/**
 * The user's preferences, in `storage.local` (nothing secret here).
 * @module
 */
import browser from 'webextension-polyfill';

export type Settings = {
  /** Minutes of inactivity before the wallet locks itself; 0 = never. */
  readonly autoLockMinutes: number;
  /** Set `isMetaMask: true` on the provider, for dApps that only talk to "MetaMask". */
  readonly appearAsMetaMask: boolean;
  /** Days between scheduled refreshes of every share (issue #7); 0 = only on demand. */
  readonly refreshIntervalDays: number;
};

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  autoLockMinutes: 15,
  appearAsMetaMask: true,
  refreshIntervalDays: 30,
});

const STORAGE_KEY = 'settings';
/** At most a day: a longer idle lock is no lock. */
export const MAX_AUTO_LOCK_MINUTES = 24 * 60;
/** At most a year between refreshes. */
export const MAX_REFRESH_INTERVAL_DAYS = 365;

export type SettingsService = {
  /** Resolves once the stored settings are loaded. */
  readonly ready: Promise<void>;
  get(): Settings;
  /** Validates and stores a change; returns the new settings. */
  update(patch: Partial<Settings>): Promise<Settings>;
  onChange(listener: (settings: Settings) => void): void;
};

export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

function checked(settings: Settings): Settings {
  const { autoLockMinutes, appearAsMetaMask, refreshIntervalDays } = settings;
  if (
    !Number.isInteger(autoLockMinutes) ||
    autoLockMinutes < 0 ||
    autoLockMinutes > MAX_AUTO_LOCK_MINUTES
  )
    throw new InvalidSettingError(
      `auto-lock must be a whole number of minutes from 0 to ${MAX_AUTO_LOCK_MINUTES}`,
    );
  if (typeof appearAsMetaMask !== 'boolean')
    throw new InvalidSettingError('"appear as MetaMask" must be on or off');
  if (
    !Number.isInteger(refreshIntervalDays) ||
    refreshIntervalDays < 0 ||
    refreshIntervalDays > MAX_REFRESH_INTERVAL_DAYS
  )
    throw new InvalidSettingError(
      `the refresh interval must be a whole number of days from 0 to ${MAX_REFRESH_INTERVAL_DAYS}`,
    );
  return Object.freeze({ autoLockMinutes, appearAsMetaMask, refreshIntervalDays });
}

export function createSettingsService(): SettingsService {
  let current = DEFAULT_SETTINGS;
  const listeners = new Set<(settings: Settings) => void>();
  const ready = browser.storage.local.get(STORAGE_KEY).then((stored) => {
    try {
      current = checked({ ...DEFAULT_SETTINGS, ...(stored[STORAGE_KEY] as Partial<Settings>) });
    } catch {
      current = DEFAULT_SETTINGS;
    }
  });
  return {
    ready,
    get: () => current,
    async update(patch) {
      await ready;
      const next = checked({ ...current, ...patch });
      await browser.storage.local.set({ [STORAGE_KEY]: next });
      current = next;
      for (const listener of listeners) listener(next);
      return next;
    },
    onChange: (listener) => void listeners.add(listener),
  };
}
