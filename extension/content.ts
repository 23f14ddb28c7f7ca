import { defineContentScript } from 'wxt/utils/define-content-script';
import { startRelay } from '../content/relay';

// ISOLATED world: the relay between the page and the background, in every frame the provider is.
export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  main() {
    startRelay();
  },
});
