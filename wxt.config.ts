import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

// WXT finds entrypoints only by file name inside `entrypointsDir`, so `extension/` holds thin
// entry files and the real code lives in the top-level folders (see ARCHITECTURE.md).
export default defineConfig({
  srcDir: '.',
  entrypointsDir: 'extension',
  publicDir: 'extension/public',
  outDir: '.output',
  manifestVersion: 3,
  manifest: ({ browser }) => ({
    name: 'CKM Wallet',
    description:
      'An Ethereum wallet whose key never exists whole: every signature is a threshold signature with independent CKM servers.',
    // alarms: the auto-lock deadline survives a service-worker restart; scripting: the
    // "appear as MetaMask" flag is registered as a MAIN-world script before the provider's.
    permissions: ['storage', 'alarms', 'scripting'],
    // The CKM servers and chain RPCs the user chooses (any URL) are fetched from the worker.
    host_permissions: ['http://*/*', 'https://*/*'],
    icons: { 16: 'icon-16.png', 32: 'icon-32.png', 48: 'icon-48.png', 128: 'icon-128.png' },
    action: { default_title: 'CKM Wallet' },
    // Firefox: a fixed add-on id (storage and the moz-extension:// UUID pref key on it), and 128,
    // the first release with `world: 'MAIN'` content scripts (the provider). Chrome's manifest
    // stays without the key.
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: { id: 'wallet@ckmwallet.org', strict_min_version: '128.0' },
          },
        }
      : {}),
  }),
  vite: () => ({ plugins: [preact({ prerender: { enabled: false } })] }),
});
