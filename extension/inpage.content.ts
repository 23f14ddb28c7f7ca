import { defineContentScript } from 'wxt/utils/define-content-script';
import { installProvider } from '../inpage-provider/provider';

// MAIN world at document_start: `window.ethereum` exists before the page's first script runs.
export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  world: 'MAIN',
  main() {
    installProvider();
  },
});
