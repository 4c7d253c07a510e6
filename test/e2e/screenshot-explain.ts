/**
 * Makes docs/explain-view.png, the picture of the explorer's Explain view: a "7" drawn on the pad
 * with the shipped LeNet, every attribution map for it once the worker's have arrived, the top
 * of the adversarial part below. Not a test: `npx tsx test/e2e/screenshot-explain.ts [out.png] [width]`
 * (width 1280 by default; 390 shows the phone layout, taken full page).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const out = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs', 'explain-view.png'));
const width = Number(process.argv[3] ?? 1280);
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 1180 } });
  await page.goto(`${server.url}?model=lenet&view=explain`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
  // every map drawn for this input: no card says "computing…"
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="explain-busy-"]').length === 0 && document.querySelector('[data-testid="explain-ig-gap"]')?.getAttribute('data-value') !== '', null, { timeout: 30_000 });
  await page.waitForTimeout(300);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: width < 600 });
  console.log(`${out}: ${width} px wide, ${statSync(out).size} bytes`);
} finally {
  await browser.close();
  await server.close();
}
