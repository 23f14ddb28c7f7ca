/**
 * The "appear as MetaMask" setting, made visible to pages before their first script.
 *
 * The provider (`extension/inpage.content.ts`) is declared in the manifest: MAIN world,
 * `document_start`, every frame; it says `isMetaMask: true` unless told otherwise. A MAIN-world
 * script cannot read extension storage, so while the user has the setting off this service keeps
 * one more MAIN-world script registered (`extension/inpage-no-metamask.content.ts`,
 * `registration: 'runtime'`), which tells the provider `isMetaMask: false` before any page script
 * runs (the hand-off in `inpage-provider/flags.ts` works whichever of the two runs first).
 * With the setting on (the default) nothing is registered, so a fresh install, an update or a
 * worker that has not started yet can never leave a page without the provider.
 *
 * The registration persists across browser sessions; {@link registerInpageScripts} re-checks it at
 * every worker start and follows `settings.onChange`, registering or unregistering only when the
 * registered state differs (so a worker restart never hits "Duplicate script ID").
 * @see https://developer.chrome.com/docs/extensions/reference/api/scripting#method-registerContentScripts
 * @module
 */
import type { Scripting } from 'webextension-polyfill';
import type { Settings, SettingsService } from './settings';

/** The id of the registered flags script (one id per extension, chosen by us). */
export const NO_METAMASK_SCRIPT_ID = 'ckm-wallet-inpage-no-metamask';
/** Where WXT writes `extension/inpage-no-metamask.content.ts`. */
export const NO_METAMASK_SCRIPT_FILE = 'content-scripts/inpage-no-metamask.js';

/** The script's registration: the same frames, world and timing as the provider's. */
export const NO_METAMASK_SCRIPT: Scripting.RegisteredContentScript = Object.freeze({
  id: NO_METAMASK_SCRIPT_ID,
  js: [NO_METAMASK_SCRIPT_FILE],
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  world: 'MAIN',
  persistAcrossSessions: true,
});

/** The part of `browser.scripting` this service uses; injectable for tests. */
export type ScriptingApi = Pick<
  Scripting.Static,
  'getRegisteredContentScripts' | 'registerContentScripts' | 'unregisterContentScripts'
>;

/**
 * Chrome's own `chrome.scripting` (promise-based in MV3), read when first needed. Not through the
 * polyfill: this module's constants are also read by the e2e tests in Node, where the polyfill
 * refuses to load, and a service worker may not `import()` it lazily (HTML forbids `import()` in
 * service workers).
 */
function browserScripting(): ScriptingApi {
  const api = (globalThis as { chrome?: { scripting?: ScriptingApi } }).chrome?.scripting;
  if (!api)
    throw new Error('chrome.scripting is not available (is the "scripting" permission set?)');
  return api;
}

/** Brings the registered scripts in line with `settings`; returns whether it changed anything. */
export async function syncInpageScripts(
  settings: Settings,
  scripting?: ScriptingApi,
): Promise<boolean> {
  scripting ??= browserScripting();
  const registered = await scripting.getRegisteredContentScripts({ ids: [NO_METAMASK_SCRIPT_ID] });
  const want = !settings.appearAsMetaMask;
  const have = registered.some((script) => script.id === NO_METAMASK_SCRIPT_ID);
  if (want === have) return false;
  if (want) await scripting.registerContentScripts([{ ...NO_METAMASK_SCRIPT }]);
  else await scripting.unregisterContentScripts({ ids: [NO_METAMASK_SCRIPT_ID] });
  return true;
}

/**
 * Call once at every service-worker start (this also covers install and update, which start the
 * worker). Resolves after the first sync; later setting changes are applied one after another.
 * A failure is logged, never thrown at the caller: the provider's default still works.
 */
export async function registerInpageScripts(
  settings: SettingsService,
  scripting?: ScriptingApi,
): Promise<void> {
  let queue: Promise<unknown> = Promise.resolve();
  const sync = (next: Settings) => {
    queue = queue
      .then(() => syncInpageScripts(next, scripting))
      .catch((error: unknown) =>
        console.error('CKM Wallet: could not register the "appear as MetaMask" script', error),
      );
    return queue;
  };
  settings.onChange((next) => void sync(next));
  await settings.ready;
  await sync(settings.get());
}
