/**
 * `provider.eth_chainId.roundtrip`: the latency a dApp sees for a request the background answers
 * (page → relay → service worker → back), against a `window.postMessage` echo in the same page,
 * the floor for any injected wallet.
 * @module
 */
import { join } from 'node:path';
import { serveStatic } from '../scripts/stack/static-server';
import { launchWallet } from '../tests/e2e/harness';
import { type Benchmark, medianMs } from './harness';

export const providerRoundtrip: Benchmark = {
  name: 'provider.eth_chainId.roundtrip',
  unit: 'ms',
  baselineLabel: 'postMessage echo',
  async run() {
    const site = await serveStatic({ root: join(import.meta.dirname, '../tests/e2e/fixtures') });
    const wallet = await launchWallet({ onboard: false });
    try {
      const page = await wallet.browser.newPage();
      await page.goto(`${site.url}/dapp.html`, { waitUntil: 'load' });
      // In-page code as strings: tsx's transform would inject helpers the page lacks.
      const value = await medianMs(() =>
        page.evaluate("window.ethereum.request({ method: 'eth_chainId' })"),
      );
      const baseline = await medianMs(() =>
        page.evaluate(`new Promise((resolve) => {
          const tag = Math.random();
          const onMessage = (event) => {
            if (event.data !== tag) return;
            window.removeEventListener('message', onMessage);
            resolve();
          };
          window.addEventListener('message', onMessage);
          window.postMessage(tag, '*');
        })`),
      );
      return { value, baseline };
    } finally {
      await wallet.close();
      await site.close();
    }
  },
};
