/**
 * Pictures of overview → detail and the hands-on views, at a desktop's and a phone's width: the
 * kernel sliding over the layer below (LeNet conv2, clicked in the Layers view), the pooling
 * window and its winner, the output's softmax, the mlp's normalised inputs, the invariance sliders
 * with the digit shifted and turned, and LeNet beside the mlp. Not a test:
 * `npx tsx test/e2e/screenshot-detail.ts [dir]` writes detail-<scene>-<width>.png.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/server.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const dir = resolve(process.argv[2] ?? '/tmp/shots');
mkdirSync(dir, { recursive: true });
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();

async function open(query: string, width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: width > 800 ? 900 : 844 } });
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => window.__convscope?.ready === true);
  await page.getByTestId('clear').click();
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
  return page;
}

async function shot(page: Page, name: string, width: number, target = '#view-panel'): Promise<void> {
  await page.locator(target).first().evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(250);
  const path = join(dir, `detail-${name}-${width}.png`);
  await page.screenshot({ path });
  console.log(path);
}

try {
  for (const width of [1366, 390]) {
    // overview → detail: click conv2 map 13 at row 3, column 5 in the Layers view
    let page = await open('?model=lenet&view=layers', width);
    const map = page.locator('[data-testid="feature-map"][data-layer="conv2"][data-channel="13"]');
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    if (box) await page.mouse.click(box.x + (5.5 / 8) * box.width, box.y + (3.5 / 8) * box.height);
    await page.getByTestId('slide-animation').waitFor();
    await page.getByTestId('anim-next').click();
    await shot(page, 'anim-conv', width, '[data-testid="slide-animation"]');
    await page.getByTestId('step-all').click();
    await shot(page, 'step-conv', width, '.steps');
    await page.close();

    page = await open('?model=lenet&view=step&unit=pool1:303', width);
    await page.getByTestId('slide-animation').waitFor();
    await shot(page, 'anim-pool', width, '[data-testid="slide-animation"]');
    await page.close();

    page = await open('?model=lenet&view=step', width);
    await page.getByTestId('step-start-output').click();
    await page.getByTestId('step-all').click();
    await shot(page, 'step-output', width, '[data-testid="step-sum"]');
    await page.close();

    page = await open('?model=mlp&view=step', width);
    await shot(page, 'step-start', width);
    await page.getByTestId('step-start').click();
    await page.getByTestId('step-all').click();
    await shot(page, 'step-mlp', width, '.title');
    await page.close();

    page = await open('?model=lenet&view=invariance', width);
    for (const [axis, presses] of [['shiftX', 4], ['rotate', 6]] as const) {
      await page.getByTestId(`inv-slider-${axis}`).focus();
      for (let i = 0; i < presses; i++) await page.keyboard.press('ArrowRight');
    }
    await shot(page, 'invariance', width);
    await page.close();

    page = await open('?model=lenet&view=compare', width);
    await page.getByTestId('compare-prediction-right').waitFor();
    await shot(page, 'compare', width);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
