/**
 * Pictures of what explains the explorer in place, at a desktop's and a phone's width: a layer's
 * unit read out under the pointer, a term's card open from the architecture strip, the glossary,
 * the Kernels view (LeNet's volumes; the mlp's first layer as 28×28 images) and the Network view
 * of tiny, LeNet and the mlp. Not a test: `npx tsx test/e2e/screenshot-teach.ts [dir]` writes
 * teach-<scene>-<width>.png (docs/ takes the ones the walk-through uses).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/server.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const dir = resolve(process.argv[2] ?? '/tmp/shots');
const only = process.argv[3];
mkdirSync(dir, { recursive: true });
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();

async function open(query: string, width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: width > 800 ? 900 : 844 } });
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  return page;
}

async function drawSeven(page: Page): Promise<void> {
  await page.getByTestId('clear').click();
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
}

async function shot(page: Page, name: string, width: number, full = false): Promise<void> {
  // on a phone the views sit below the pad: show the view
  if (width < 800 && !full && name !== 'term' && name !== 'hover') await page.locator('#view-panel').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(250);
  const path = join(dir, `teach-${name}-${width}.png`);
  await page.screenshot({ path, fullPage: full });
  console.log(path);
}

const scenes: Record<string, (width: number) => Promise<void>> = {
  async hover(width) {
    const page = await open('?model=lenet&view=layers', width);
    await drawSeven(page);
    const map = page.locator('[data-testid="feature-map"][data-layer="conv2"]').nth(13);
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    if (box) await page.mouse.move(box.x + (box.width * 5.5) / 8, box.y + (box.height * 3.5) / 8);
    await shot(page, 'hover', width);
    await page.close();
  },
  async layers(width) {
    const page = await open('?model=lenet&view=layers', width);
    await drawSeven(page);
    await shot(page, 'layers', width, true);
    await page.close();
  },
  async term(width) {
    const page = await open('?model=lenet&view=layers', width);
    await drawSeven(page);
    await page.locator('[data-testid="arch-layer"][data-layer="conv2"] [data-testid="term"]').click();
    await page.getByTestId('term-popover').waitFor();
    await shot(page, 'term', width);
    await page.close();
  },
  async glossary(width) {
    const page = await open('?model=mlp&view=glossary', width);
    await shot(page, 'glossary', width);
    await page.close();
  },
  async kernels(width) {
    const page = await open('?model=lenet&view=kernels', width);
    await drawSeven(page);
    await shot(page, 'kernels-lenet', width);
    await page.close();
    const mlp = await open('?model=mlp&view=kernels', width);
    await drawSeven(mlp);
    await shot(mlp, 'kernels-mlp', width);
    await mlp.close();
  },
  async step(width) {
    const page = await open('?model=mlp&view=step', width);
    await drawSeven(page);
    if (await page.getByTestId('step-start').count()) await page.getByTestId('step-start').click();
    await page.getByTestId('step-all').click();
    await page.getByTestId('step-weights').scrollIntoViewIfNeeded();
    await shot(page, 'step-mlp', width);
    await page.close();
  },
  async network(width) {
    for (const m of ['tiny', 'lenet', 'mlp']) {
      const page = await open(`?model=${m}&view=network`, width);
      await drawSeven(page);
      await page.getByTestId('network-svg').scrollIntoViewIfNeeded();
      await shot(page, `network-${m}`, width);
      await page.close();
    }
  },
};

try {
  for (const [name, scene] of Object.entries(scenes)) {
    if (only && only !== name) continue;
    for (const width of [1366, 390]) await scene(width);
  }
} finally {
  await browser.close();
  await server.close();
}
