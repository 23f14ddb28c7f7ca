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
};

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  autoLockMinutes: 15,
  appearAsMetaMask: true,
});

const STORAGE_KEY = 'settings';
/** At most a day: a longer idle lock is no lock. */
export const MAX_AUTO_LOCK_MINUTES = 24 * 60;

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
  const { autoLockMinutes, appearAsMetaMask } = settings;
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
  return Object.freeze({ autoLockMinutes, appearAsMetaMask });
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
