/**
 * Makes docs/map-view.png, the picture of the explorer's Map view: the shipped LeNet's last hidden
 * layer (relu1) over the first 2,000 MNIST test digits, a "7" drawn on the pad and its marker on the
 * map, the class distances beside it, a dot under the pointer. Not a test:
 * `npx tsx test/e2e/screenshot-map.ts [out.png] [width] [query]` (width 1280 by default; 390 shows
 * the phone layout, taken full page; query e.g. "&method=umap&maplayer=conv1").
 * Needs MNIST ($CONVSCOPE_DATA or ../shared/mnist); without it the map shows synthetic digits.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../../src/server/server.js';
import { selectNodeKernels } from '../../src/engine/kernels/wasm/node-kernels.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const out = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs', 'map-view.png'));
const width = Number(process.argv[3] ?? 1280);
const extra = process.argv[4] ?? '';
const data = process.env['CONVSCOPE_DATA'] ?? join(REPO_ROOT, '..', 'shared', 'mnist');
ensureWebBuild();
const kernels = await selectNodeKernels('auto');
const server = await startServer({ port: 0, log: () => {}, ...(existsSync(data) ? { dataDir: data } : {}) });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 980 } });
  await page.goto(`${server.url}?model=lenet&view=map${extra}`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
  await page.waitForFunction(() => document.querySelector('[data-testid="map-progress"]')?.getAttribute('data-busy') === 'false' && document.querySelector('[data-testid="map-current"]') !== null, null, {
    timeout: 180_000,
  });
  // a dot under the pointer, to show the card: the first 7 on the map
  const canvas = page.getByTestId('map-canvas');
  const box = await canvas.boundingBox();
  if (box && width >= 600) {
    for (let i = 0; i < 40; i++) {
      await page.mouse.move(box.x + box.width * (0.3 + 0.01 * i), box.y + box.height * 0.45);
      if ((await page.getByTestId('map-hover').count()) > 0) break;
    }
  }
  await page.waitForTimeout(300);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: width < 600 });
  console.log(`${out}: ${width} px wide, ${statSync(out).size} bytes`);
} finally {
  await browser.close();
  await server.close();
  await kernels.dispose();
}
