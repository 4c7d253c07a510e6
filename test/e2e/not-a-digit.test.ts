/**
 * "Not a digit" in the explorer end to end: the real server on a models directory made in the setup
 * (ood-fixture.ts: the shipped LeNet with a calibration fitted here, and the same weights with none),
 * the built app, Debian's Chromium drawing on the pad with mouse events. A drawn 7 reads as a digit;
 * a scribble and a square are called "probably not a digit", with the score, the threshold and what
 * the score measures, the ten probabilities still shown (greyed, "if it were a digit"); a model file
 * without a calibration says it has none.
 * A failing test leaves a screenshot in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { OodCalibration } from '../../src/nn/ood.js';
import { REPO_ROOT, mnistDir } from '../helpers.js';
import { selectNodeKernels } from '../../src/engine/kernels/wasm/node-kernels.js';
import type { FastKernels } from '../../src/engine/kernels/wasm/index.js';
import { referenceKernels, setKernels } from '../../src/engine/kernels/index.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames, type Stroke } from './browser.js';
import { calibratedModelsDir } from './ood-fixture.js';

const RESULTS = join(REPO_ROOT, 'test-results');
/** Things that are not digits, in pad coordinates (0..1). */
const SHAPES: Readonly<Record<'scribble' | 'square', readonly Stroke[]>> = {
  scribble: [[[0.15, 0.3], [0.85, 0.36], [0.2, 0.48], [0.85, 0.55], [0.18, 0.66], [0.82, 0.74]]],
  square: [[[0.22, 0.22], [0.78, 0.22], [0.78, 0.78], [0.22, 0.78], [0.22, 0.24]]],
};

let server: RunningServer;
let browser: Browser;
let kernels: FastKernels | undefined;
let fixture: { dir: string; calibration: OodCalibration };

beforeAll(async () => {
  ensureWebBuild();
  kernels = await selectNodeKernels('auto');
  fixture = calibratedModelsDir(mnistDir());
  server = await startServer({ port: 0, modelsDir: fixture.dir, log: () => {} });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await kernels?.dispose();
  setKernels(referenceKernels);
  if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
});

async function open(name: string, query: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFailed(async () => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `e2e-not-a-digit-${name}.png`), fullPage: true }).catch(() => {});
    if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 15_000 });
  return page;
}

async function draw(page: Page, strokes: readonly Stroke[]): Promise<void> {
  await page.getByTestId('clear').click();
  const before = await samplesSoFar(page);
  await drawStrokes(page, strokes);
  await waitForFrames(page, before);
}

async function probabilities(page: Page): Promise<number[]> {
  return page.getByTestId('prob').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
}

describe('not a digit', () => {
  it('reads a drawn 7 as a digit and calls a scribble and a square "probably not a digit", still showing the ten probabilities', async () => {
    const page = await open('calibrated', '?model=lenet&view=layers');
    const threshold = fixture.calibration.threshold;

    await draw(page, DIGIT_STROKES['7']);
    expect(await page.getByTestId('prediction').textContent()).toBe('7');
    expect(await page.getByTestId('not-a-digit').count()).toBe(0);
    const ok = page.getByTestId('ood-score');
    expect(Number(await ok.getAttribute('data-score'))).toBeLessThanOrEqual(threshold);
    expect(Number(await ok.getAttribute('data-threshold'))).toBeCloseTo(threshold, 5);
    expect(await ok.textContent()).toMatch(/^Looks like a digit: its score -?\d+\.\d+ is within the threshold \d+\.\d+ that 95% of held-out MNIST test digits stay under\.$/);
    expect(await page.locator('[aria-label="prediction"]').getAttribute('data-doubtful')).toBe('false');

    for (const shape of ['scribble', 'square'] as const) {
      await draw(page, SHAPES[shape]);
      const warn = page.getByTestId('not-a-digit');
      await expect.poll(() => warn.count(), { message: shape }).toBe(1);
      const score = Number(await warn.getAttribute('data-score'));
      expect(score, shape).toBeGreaterThan(threshold);
      const text = (await warn.textContent()) ?? '';
      expect(text).toContain('Probably not a digit: its score');
      expect(text).toContain(`is above the threshold ${threshold.toFixed(2)} that 95% of held-out MNIST test digits stay under.`);
      expect(text).toContain('Mahalanobis distance');
      // the network still answers: ten probabilities summing to 1, greyed under "if it were a digit"
      const probs = await probabilities(page);
      expect(probs).toHaveLength(10);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(await page.getByTestId('prediction').textContent()).toMatch(/^[0-9]$/);
      const panel = page.locator('[aria-label="prediction"]');
      expect(await panel.getAttribute('data-doubtful')).toBe('true');
      expect(await panel.locator('.label').textContent()).toBe('if it were a digit');
    }
    await page.close();
  }, 60_000);

  it('says a model file without a calibration has none, and warns of nothing', async () => {
    const page = await open('plain', '?model=lenet-plain&view=layers', { width: 390, height: 844 });
    await draw(page, SHAPES.scribble);
    expect(await page.getByTestId('ood-none').textContent()).toContain('No "not a digit" calibration in this model file');
    expect(await page.getByTestId('not-a-digit').count()).toBe(0);
    expect(await page.getByTestId('ood-score').count()).toBe(0);
    await page.getByTestId('clear').click();
    await expect.poll(() => page.getByTestId('ood-none').count()).toBe(0);
    await page.close();
  }, 60_000);
});
