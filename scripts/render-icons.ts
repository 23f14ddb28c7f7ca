/**
 * Renders the extension's PNG icons (`extension/public/icon-*.png`) from the one SVG in
 * `inpage-provider/icon.ts`, with the same headless Chromium the tests use. Run it after changing
 * the SVG: `node --import tsx scripts/render-icons.ts`.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import puppeteer from 'puppeteer-core';
import { ICON_SVG } from '../inpage-provider/icon';
import { CHROMIUM_ARGS, chromiumPath } from './stack/chromium';

const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  args: [...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage();
  for (const size of [16, 32, 48, 128]) {
    await page.setViewport({ width: size, height: size });
    const svg = ICON_SVG.replace('width="96" height="96"', `width="${size}" height="${size}"`);
    await page.setContent(`<body style="margin:0;background:transparent">${svg}</body>`);
    const png = await page.screenshot({ omitBackground: true, type: 'png' });
    await writeFile(new URL(`../extension/public/icon-${size}.png`, import.meta.url), png);
  }
} finally {
  await browser.close();
}
