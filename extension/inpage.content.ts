import { defineContentScript } from 'wxt/utils/define-content-script';
import { installProvider } from '../inpage-provider/provider';

// MAIN world at document_start, in every frame: `window.ethereum` exists before the page's first
// script runs. Declared in the manifest (not registered at run time), so a page never loads
// without it, even in the moment after install or update before the worker has run.
export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  world: 'MAIN',
  main() {
    installProvider();
  },
});
