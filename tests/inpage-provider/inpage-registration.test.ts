/**
 * background/services/inpage-registration.ts: the "appear as MetaMask: off" script is registered
 * exactly while the setting is off, at worker start and on every change. (Kept beside the provider
 * tests because it exists for the provider.)
 */
import { describe, expect, it } from 'vitest';
import type { Scripting } from 'webextension-polyfill';
import {
  NO_METAMASK_SCRIPT,
  NO_METAMASK_SCRIPT_FILE,
  NO_METAMASK_SCRIPT_ID,
  registerInpageScripts,
  type ScriptingApi,
  syncInpageScripts,
} from '../../background/services/inpage-registration';
import {
  DEFAULT_SETTINGS,
  type Settings,
  type SettingsService,
} from '../../background/services/settings';

/** `browser.scripting` as Chrome behaves: a duplicate id or an unknown id is an error. */
class FakeScripting implements ScriptingApi {
  readonly scripts = new Map<string, Scripting.RegisteredContentScript>();
  readonly calls: string[] = [];
  async getRegisteredContentScripts(filter?: Scripting.ContentScriptFilter) {
    this.calls.push('get');
    return [...this.scripts.values()].filter((s) => !filter?.ids || filter.ids.includes(s.id));
  }
  async registerContentScripts(scripts: Scripting.RegisteredContentScript[]) {
    this.calls.push('register');
    for (const s of scripts) {
      if (this.scripts.has(s.id)) throw new Error(`Duplicate script ID '${s.id}'`);
      this.scripts.set(s.id, s);
    }
  }
  async unregisterContentScripts(filter?: Scripting.ContentScriptFilter) {
    this.calls.push('unregister');
    for (const id of filter?.ids ?? [...this.scripts.keys()]) {
      if (!this.scripts.delete(id)) throw new Error(`Nonexistent script ID '${id}'`);
    }
  }
}

function fakeSettings(initial: Partial<Settings> = {}) {
  let current: Settings = { ...DEFAULT_SETTINGS, ...initial };
  const listeners: ((s: Settings) => void)[] = [];
  const service: SettingsService = {
    ready: Promise.resolve(),
    get: () => current,
    async update(patch) {
      current = { ...current, ...patch };
      for (const l of listeners) l(current);
      return current;
    },
    onChange: (l) => void listeners.push(l),
  };
  return service;
}

const off: Settings = { ...DEFAULT_SETTINGS, appearAsMetaMask: false };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('inpage registration: the "appear as MetaMask" script', () => {
  it('registers the MAIN-world, document_start, all-frames script exactly when the setting is off', async () => {
    const scripting = new FakeScripting();
    expect(await syncInpageScripts(DEFAULT_SETTINGS, scripting)).toBe(false);
    expect(scripting.scripts.size).toBe(0);
    expect(await syncInpageScripts(off, scripting)).toBe(true);
    expect([...scripting.scripts.values()]).toEqual([
      {
        id: NO_METAMASK_SCRIPT_ID,
        js: [NO_METAMASK_SCRIPT_FILE],
        matches: ['<all_urls>'],
        runAt: 'document_start',
        allFrames: true,
        world: 'MAIN',
        persistAcrossSessions: true,
      },
    ]);
    // A worker restart with the same setting changes nothing (no "Duplicate script ID").
    expect(await syncInpageScripts(off, scripting)).toBe(false);
    expect(await syncInpageScripts(DEFAULT_SETTINGS, scripting)).toBe(true);
    expect(scripting.scripts.size).toBe(0);
    expect(Object.isFrozen(NO_METAMASK_SCRIPT)).toBe(true);
  });

  it('the file name is the one WXT builds from extension/inpage-no-metamask.content.ts', () => {
    expect(NO_METAMASK_SCRIPT_FILE).toBe('content-scripts/inpage-no-metamask.js');
  });

  it('registerInpageScripts syncs at start and follows every change, in order', async () => {
    const scripting = new FakeScripting();
    const settings = fakeSettings({ appearAsMetaMask: false });
    await registerInpageScripts(settings, scripting);
    expect(scripting.scripts.has(NO_METAMASK_SCRIPT_ID)).toBe(true);
    await settings.update({ appearAsMetaMask: true });
    await settings.update({ appearAsMetaMask: false });
    await settings.update({ appearAsMetaMask: true });
    await settle();
    expect(scripting.scripts.size).toBe(0);
    expect(scripting.calls).toEqual([
      'get',
      'register',
      'get',
      'unregister',
      'get',
      'register',
      'get',
      'unregister',
    ]);
    await settings.update({ autoLockMinutes: 5 });
    await settle();
    expect(scripting.calls.at(-1)).toBe('get');
  });

  it('a failing browser API is logged, not thrown, and later changes still apply', async () => {
    const scripting = new FakeScripting();
    let fail = true;
    const original = scripting.registerContentScripts.bind(scripting);
    scripting.registerContentScripts = async (scripts) => {
      if (fail) throw new Error('boom');
      return original(scripts);
    };
    const errors: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const settings = fakeSettings({ appearAsMetaMask: false });
      await expect(registerInpageScripts(settings, scripting)).resolves.toBeUndefined();
      expect(errors).toHaveLength(1);
      fail = false;
      await settings.update({ appearAsMetaMask: false });
      await settle();
      expect(scripting.scripts.has(NO_METAMASK_SCRIPT_ID)).toBe(true);
    } finally {
      console.error = consoleError;
    }
  });
});
