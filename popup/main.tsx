import { render } from 'preact';
import browser from 'webextension-polyfill';
import { App } from './App';
import { isApprovalMode } from './screen';
import './theme.css';

/** True in the toolbar bubble (Chrome reports the page among the extension's popup views). */
function inToolbarBubble(): boolean {
  try {
    return browser.extension.getViews({ type: 'popup' }).includes(window);
  } catch {
    return false;
  }
}

// Sizing: the approval window fills itself; the toolbar bubble (and anything narrow) is exactly
// 360×600; a wide tab shows the popup as a centred card.
const mode = isApprovalMode(location.search)
  ? 'window'
  : !inToolbarBubble() && window.innerWidth >= 480
    ? 'tab'
    : 'bubble';
document.documentElement.classList.add(`mode-${mode}`);

const root = document.getElementById('app');
if (root) render(<App />, root);
