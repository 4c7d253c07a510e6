/**
 * Makes docs/train-view.png, the picture of the explorer's Train view mid-run: the cnn training
 * on MNIST from its defaults, a 7 on the pad read by the model in training, the curves, the
 * first conv layer's kernels and the confusion matrix. Not a test:
 * `npx tsx test/e2e/screenshot-train.ts [out.png] [width] [batches]` (width 1366 by default; 390
 * shows the phone layout, taken full page; the picture is taken once the run has done `batches`
 * batches, 300 by default). Needs MNIST ($CONVSCOPE_DATA or ../shared/mnist).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const out = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs', 'train-view.png'));
const width = Number(process.argv[3] ?? 1366);
const batches = Number(process.argv[4] ?? 300);
const data = process.env['CONVSCOPE_DATA'] ?? join(REPO_ROOT, '..', 'shared', 'mnist');
if (!existsSync(data)) throw new Error(`no MNIST at ${data}: set CONVSCOPE_DATA to a directory with the idx files`);
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {}, dataDir: data });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 1000 } });
  await page.goto(`${server.url}?model=cnn&view=train`);
  await page.waitForFunction(() => window.__convscope?.ready === true);
  await page.getByTestId('train-model').selectOption('cnn');
  // the start button waits for the server's answer about data sets
  await page.waitForFunction(() => (document.querySelector('[data-testid="train-start"]') as HTMLButtonElement | null)?.disabled === false, null, { timeout: 15_000 });
  await page.getByTestId('train-start').click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="train-kernels-conv1"]')?.getAttribute('data-step') ?? 0) >= n, batches, { timeout: 300_000 });
  await page.getByTestId('train-pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-status"]')?.getAttribute('data-state') === 'paused', null, { timeout: 30_000 });
  // the buttons pressed may have scrolled the page; the pad must be on screen to draw on
  await page.evaluate(() => window.scrollTo(0, 0));
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
  await page.waitForTimeout(500);
  if (width >= 600) {
    // the network editor is above; the picture is of the run: controls, curves, kernels
    await page.evaluate(() => {
      const el = document.querySelector('[role="tablist"]');
      if (el) window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8);
    });
    await page.waitForTimeout(300);
  }
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: width < 600 });
  console.log(`${out}: ${width} px wide, ${statSync(out).size} bytes`);
} finally {
  await browser.close();
  await server.close();
}
