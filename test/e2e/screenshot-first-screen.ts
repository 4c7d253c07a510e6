/**
 * Pictures of the explorer's first screen and its delivery for docs/explorer.md: the opening
 * example at 1366 and 390 px, the download progress on a throttled connection, the note for an
 * empty pad, a clicked input pixel, and a phone with the pad above the layer it jumped to. Not a
 * test: `npx tsx test/e2e/screenshot-first-screen.ts [out-dir]` (default docs/);
 * CONVSCOPE_WEB_DIR serves another build.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers.js';
import { launchChromium } from './browser.js';
import { openPage, startExplorer } from './first-screen-harness.js';

const outDir = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs'));
mkdirSync(outDir, { recursive: true });
const server = await startExplorer();
const browser: Browser = await launchChromium();
const PHONE = { viewport: { width: 390, height: 844 }, context: { hasTouch: true, isMobile: true }, outsideTest: true };
const DESK = { outsideTest: true };

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  const path = join(outDir, name);
  await page.screenshot({ path });
  console.log(`${path}: ${page.viewportSize()?.width} px, ${statSync(path).size} bytes`);
  await page.context().close();
}

try {
  await shot(await openPage(browser, server, 'shot', '', DESK), 'first-screen-1366.png');
  await shot(await openPage(browser, server, 'shot', '', PHONE), 'first-screen-390.png');

  const loading = await openPage(browser, server, 'shot', '?model=lenet', {
    ...DESK,
    ready: false,
    before: async (p) => {
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 94_000 });
    },
  });
  await loading.waitForFunction(() => /\((3\d|4\d)%\)/.test(document.querySelector('[data-testid="model-progress"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await shot(loading, 'first-screen-loading.png');

  const empty = await openPage(browser, server, 'shot', '?model=lenet&view=layers', PHONE);
  await empty.getByTestId('clear').tap();
  await empty.getByTestId('empty-pad').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await shot(empty, 'first-screen-empty-390.png');

  const pixel = await openPage(browser, server, 'shot', '?model=lenet&view=layers', DESK);
  const box = await pixel.locator('[data-testid="feature-map"][data-layer="input"]').boundingBox();
  if (box) await pixel.mouse.click(box.x + (14.5 / 28) * box.width, box.y + (8.5 / 28) * box.height);
  await pixel.getByTestId('input-pixel').waitFor();
  await pixel.getByTestId('input-pixel').scrollIntoViewIfNeeded();
  await shot(pixel, 'first-screen-input-pixel.png');

  const phone = await openPage(browser, server, 'shot', '?model=lenet&view=layers', PHONE);
  await phone.locator('[data-testid="arch-layer"][data-layer="conv2"] button').first().tap();
  await phone.waitForTimeout(1200);
  await shot(phone, 'first-screen-phone-layer.png');
} finally {
  await browser.close();
  await server.close();
}
