import { render } from 'preact';
import { App } from './App';
import { isApprovalMode } from './screen';
import './theme.css';

// Sizing: the toolbar bubble is exactly 360×600; the approval window fills itself; a tab shows
// the popup as a centred card.
const mode = isApprovalMode(location.search)
  ? 'window'
  : window.innerWidth >= 480
    ? 'tab'
    : 'bubble';
document.documentElement.classList.add(`mode-${mode}`);

const root = document.getElementById('app');
if (root) render(<App />, root);
