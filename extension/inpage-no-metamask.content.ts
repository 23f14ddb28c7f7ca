import { defineContentScript } from 'wxt/utils/define-content-script';
import { publishFlags } from '../inpage-provider/flags';

// Registered at run time by `background/services/inpage-registration.ts`, only while the user has
// turned "appear as MetaMask" off: it tells the provider, before any page script runs, to say
// `isMetaMask: false`. Not in the manifest (`registration: 'runtime'`).
export default defineContentScript({
  registration: 'runtime',
  runAt: 'document_start',
  allFrames: true,
  world: 'MAIN',
  main() {
    publishFlags(window, { appearAsMetaMask: false });
  },
});
