/**
 * The explorer end to end: the real server on a free port, the built app, Debian's Chromium driven
 * with mouse events. Draws digits stroke by stroke and checks the prediction (exactly, when a
 * trained model is shipped), counts every layer's maps against the engine's shapes, checks the
 * kernels, the receptive field under the pointer, the step-through's sum against the engine's
 * value, the network view, the gallery with and without data, and settings in the URL.
 * A failing test leaves a screenshot in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Sequential } from '../../src/nn/model.js';
import { ZOO, ZOO_NAMES } from '../../src/models/zoo.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { ModelsResponse } from '../../src/server/api-types.js';
import { REPO_ROOT, mnistDir } from '../helpers.js';
import { selectNodeKernels } from '../../src/engine/kernels/wasm/node-kernels.js';
import type { FastKernels } from '../../src/engine/kernels/wasm/index.js';
import { referenceKernels, setKernels } from '../../src/engine/kernels/index.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const RESULTS = join(REPO_ROOT, 'test-results');
let server: RunningServer;
let dataless: RunningServer;
let browser: Browser;
let trained: string[] = [];
let kernels: FastKernels | undefined;

beforeAll(async () => {
  ensureWebBuild();
  // The server runs on the kernels `convscope serve` would pick (the gallery scans thousands of digits).
  kernels = await selectNodeKernels('auto');
  server = await startServer({ port: 0, dataDir: mnistDir(), log: () => {} });
  dataless = await startServer({ port: 0, log: () => {} });
  browser = await launchChromium();
  const models = (await (await fetch(`${server.url}api/models`)).json()) as ModelsResponse;
  trained = models.models.filter((m) => m.trained).map((m) => m.name);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await dataless?.close();
  await kernels?.dispose();
  setKernels(referenceKernels);
});

/** A fresh page at `query`, ready (model loaded, first trace drawn); a screenshot is kept if the test fails. */
async function open(name: string, query: string, base = server.url, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFailed(async () => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `e2e-${name}.png`), fullPage: true }).catch(() => {});
    if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  await page.goto(`${base}${query}`);
  // ready: a model is loaded and the kernels are chosen (switching them later redraws the views)
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 15_000 });
  return page;
}

async function draw(page: Page, digit: keyof typeof DIGIT_STROKES): Promise<string> {
  await page.getByTestId('clear').click();
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES[digit]);
  await waitForFrames(page, before);
  return (await page.getByTestId('prediction').textContent()) ?? '';
}

describe('drawing', () => {
  it('predicts digits drawn stroke by stroke (exactly with a trained model) on the SIMD kernels, and clear empties the prediction', async () => {
    const model = trained.includes('lenet') ? 'lenet' : (trained[0] ?? 'lenet');
    const page = await open('drawing', `?model=${model}&view=layers`);
    const isTrained = trained.includes(model);
    await expect.poll(() => page.getByTestId('model-status').getAttribute('data-trained')).toBe(String(isTrained));
    // the served page is cross-origin isolated, so the page runs the CLI's SIMD kernels with a worker
    await expect.poll(() => page.getByTestId('engine').textContent(), { timeout: 15_000 }).toBe('engine: WebAssembly SIMD, 2 threads');
    for (const digit of ['1', '7', '0'] as const) {
      const shown = await draw(page, digit);
      if (isTrained) expect(shown, `${model} read the drawn ${digit} as ${shown}`).toBe(digit);
      else expect(shown).toMatch(/^[0-9]$/);
      const probs = await page.getByTestId('prob').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
      expect(probs).toHaveLength(10);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(probs.indexOf(Math.max(...probs))).toBe(Number(shown));
    }
    await page.getByTestId('clear').click();
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe('');
    const samples = await page.evaluate(() => window.__convscope?.samples ?? []);
    expect(samples.length).toBeGreaterThan(5);
    // generous: this catches a pathological regression, not a slow machine
    expect(Math.min(...samples.map((s) => s.totalMs))).toBeLessThan(1000);
    await page.close();
  }, 60_000);
});

describe('views', () => {
  it('shows every layer of every zoo model with the engine\'s shapes: lenet conv1 20 maps 24×24, conv2 50 maps 8×8', async () => {
    const page = await open('layers', '?model=lenet&view=layers');
    for (const name of ZOO_NAMES) {
      await page.getByTestId('model-picker').selectOption(name);
      const model = new Sequential(ZOO[name].spec, 0);
      // the new model loads asynchronously: wait until the architecture strip shows it (layer
      // names repeat across models, so waiting for one layer's grid could still see the old one)
      const arch = () => page.getByTestId('arch-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-shape')));
      await expect
        .poll(arch, { timeout: 15_000 })
        .toEqual(['28×28×1', ...model.layers.map((l) => (l.outShape.length === 3 ? `${l.outShape[1]}×${l.outShape[2]}×${l.outShape[0]}` : String(l.outShape[0])))]);
      const last = model.layers[model.layers.length - 1].name;
      await page.locator(`[data-testid="unit-grid"][data-layer="${last}"]`).waitFor();
      for (const l of model.layers) {
        if (l.outShape.length === 3) {
          const maps = page.locator(`[data-testid="feature-map"][data-layer="${l.name}"]`);
          expect(await maps.count(), `${name} ${l.name}`).toBe(l.outShape[0]);
          const shapes = new Set(await maps.evaluateAll((els) => els.map((e) => e.getAttribute('data-shape'))));
          expect([...shapes]).toEqual([`${l.outShape[1]}x${l.outShape[2]}`]);
        } else {
          expect(await page.locator(`[data-testid="unit-grid"][data-layer="${l.name}"]`).getAttribute('data-units')).toBe(String(l.outShape[0]));
        }
      }
    }
    await page.getByTestId('model-picker').selectOption('lenet');
    // polled: the cnn shown before has layers of the same names
    const counts = () =>
      page.evaluate(() =>
        ['conv1', 'pool1', 'conv2', 'pool2'].map((l) => {
          const els = [...document.querySelectorAll(`[data-testid="feature-map"][data-layer="${l}"]`)];
          return `${l}:${els.length}@${els[0]?.getAttribute('data-shape')}`;
        }),
      );
    await expect.poll(counts, { timeout: 15_000 }).toEqual(['conv1:20@24x24', 'pool1:20@12x12', 'conv2:50@8x8', 'pool2:50@4x4']);
    await page.close();
  }, 60_000);

  it('outlines the receptive field of the feature-map pixel under the pointer (lenet conv2 (2,3) → rows 4..17, cols 6..19)', async () => {
    const page = await open('receptive-field', '?model=lenet&view=layers');
    const map = page.locator('[data-testid="feature-map"][data-layer="conv2"]').first();
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    if (!box) throw new Error('conv2 map not visible');
    await page.mouse.move(box.x + (3.5 / 8) * box.width, box.y + (2.5 / 8) * box.height);
    await expect.poll(() => page.getByTestId('receptive-field').getAttribute('data-rect')).toBe('4,6,17,19');
    const conv1 = page.locator('[data-testid="feature-map"][data-layer="conv1"]').nth(4);
    await conv1.scrollIntoViewIfNeeded();
    const c1 = await conv1.boundingBox();
    if (!c1) throw new Error('conv1 map not visible');
    await page.mouse.move(c1.x + (10.5 / 24) * c1.width, c1.y + (0.5 / 24) * c1.height);
    await expect.poll(() => page.getByTestId('receptive-field').getAttribute('data-rect')).toBe('0,10,4,14');
    await page.close();
  }, 60_000);

  it('draws each conv layer\'s kernels as outC rows of C_in tiles of k×k', async () => {
    const page = await open('kernels', '?model=lenet&view=kernels');
    const kernels = await page.getByTestId('kernels').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-layer'), e.getAttribute('data-outc'), e.getAttribute('data-inc'), e.getAttribute('data-k'), (e as HTMLCanvasElement).width, (e as HTMLCanvasElement).height].join(' ')),
    );
    // canvas: C_in·(k+1)+3 wide (tiles, gaps, bias cell), outC·(k+1)+1 high
    expect(kernels).toEqual(['conv1 20 1 5x5 9 121', 'conv2 50 20 5x5 123 301']);
    await page.close();
  }, 60_000);

  it('steps through a conv unit to the sum, which equals the engine\'s value, with arrow keys', async () => {
    const page = await open('step-conv', '?model=lenet&view=layers');
    await draw(page, '7');
    const map = page.locator('[data-testid="feature-map"][data-layer="conv1"]').nth(3);
    const box = await map.boundingBox();
    if (!box) throw new Error('conv1 map not visible');
    await map.click({ position: { x: (12.5 / 24) * box.width, y: (6.5 / 24) * box.height } });
    await page.getByTestId('step-through').waitFor();
    await page.getByTestId('step-through').focus();
    const current = () => page.locator('.steps [aria-current="step"]').textContent();
    expect(await current()).toBe('1. patch');
    await page.keyboard.press('ArrowRight');
    expect(await current()).toBe('2. kernel');
    await page.keyboard.press('End');
    expect(await current()).toBe('5. bias');
    await page.keyboard.press('ArrowLeft');
    expect(await current()).toBe('4. sum');
    await page.keyboard.press('ArrowRight');
    expect(new URL(page.url()).searchParams.get('unit')).toBe(`conv1:${3 * 576 + 6 * 24 + 12}`);
    const sum = Number(await page.getByTestId('step-sum').getAttribute('data-value'));
    const engine = Number(await page.getByTestId('step-engine-value').getAttribute('data-value'));
    expect(Number.isFinite(sum) && Number.isFinite(engine)).toBe(true);
    expect(Math.abs(sum - engine)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(engine)));
    expect(await page.getByTestId('step-products').locator('.cell').count()).toBe(25);

    // conv2 sums over 20 input channels; ↓ moves through them
    await page.getByTestId('step-layer').selectOption({ label: 'conv2 (convolution, 8×8×50)' });
    await page.getByTestId('step-through').focus();
    await page.keyboard.press('End');
    const ch = Number(await page.getByTestId('step-channel').textContent());
    await page.keyboard.press('ArrowDown');
    expect(Number(await page.getByTestId('step-channel').textContent())).toBe((ch + 1) % 20);
    const s2 = Number(await page.getByTestId('step-sum').getAttribute('data-value'));
    const e2 = Number(await page.getByTestId('step-engine-value').getAttribute('data-value'));
    expect(Math.abs(s2 - e2)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e2)));

    // a max-pool unit: the recomputed winner is the engine's argmax
    await page.getByTestId('step-layer').selectOption({ label: 'pool1 (max pooling, 12×12×20)' });
    await page.getByTestId('step-all').click();
    expect(await page.getByTestId('step-argmax').textContent()).toBe('the engine picked the same cell when it ran the network');
    expect(await page.getByTestId('step-sum').getAttribute('data-value')).toBe(await page.getByTestId('step-engine-value').getAttribute('data-value'));
    await page.close();
  }, 60_000);

  it('draws the mlp as neurons and weights, first-layer weights as 28×28 images, and steps through a neuron', async () => {
    const page = await open('network', '?model=mlp&view=network');
    await draw(page, '1');
    expect(await page.getByTestId('neuron').count()).toBe(16 + 16 + 10);
    expect(await page.getByTestId('neuron-weights').count()).toBe(16);
    await page.locator('[data-testid="neuron"][data-layer="sigmoid1"]').nth(5).click();
    await page.getByTestId('step-all').click();
    const sum = Number(await page.getByTestId('step-sum').getAttribute('data-value'));
    const engine = Number(await page.getByTestId('step-engine-value').getAttribute('data-value'));
    expect(Math.abs(sum - engine)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(engine)));
    const act = Number(await page.getByTestId('step-activation').getAttribute('data-value'));
    const actEngine = Number(await page.getByTestId('step-activation-engine').getAttribute('data-value'));
    expect(act).toBeCloseTo(1 / (1 + Math.exp(-engine)), 6);
    expect(act).toBeCloseTo(actEngine, 6);
    await page.close();
  }, 60_000);

  it('keeps model and view in the URL across a reload', async () => {
    const page = await open('url', '?model=lenet&view=layers');
    await page.getByTestId('model-picker').selectOption('cnn');
    await page.getByTestId('tab-kernels').click();
    await expect.poll(() => new URL(page.url()).search).toBe('?model=cnn&view=kernels');
    await page.reload();
    await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
    expect(await page.getByTestId('model-picker').inputValue()).toBe('cnn');
    expect(await page.getByTestId('tab-kernels').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByTestId('kernels').count()).toBe(2);
    await page.close();
  }, 60_000);
});

describe('gallery', () => {
  it('loads a test digit into the input and lists misclassified ones', async () => {
    const page = await open('gallery', '?model=lenet&view=gallery');
    const first = page.getByTestId('gallery-digit').first();
    await first.waitFor();
    expect(await page.getByTestId('gallery-digit').count()).toBe(32);
    expect(await first.getAttribute('data-label')).toBe('7');
    await first.click();
    await expect.poll(() => page.getByTestId('prediction').textContent()).toMatch(/^[0-9]$/);
    if (trained.includes('lenet')) expect(await page.getByTestId('prediction').textContent()).toBe('7');
    expect(await page.locator('figcaption', { hasText: 'MNIST test #0 (label 7' }).count()).toBe(1);
    await page.getByTestId('gallery-misclassified').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="gallery"] .status')?.textContent?.includes('–'), null, { timeout: 20_000 });
    const wrong = await page.getByTestId('gallery-digit').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(wrong.length).toBeGreaterThan(0);
    for (const label of wrong) {
      const m = /label (\d), predicted (\d)/.exec(label);
      expect(m, label).not.toBeNull();
      expect(m?.[1]).not.toBe(m?.[2]);
    }
    await page.close();
  }, 60_000);

  it('says how to add data when the server has none, and drawing still works', async () => {
    const page = await open('gallery-no-data', '?model=lenet&view=gallery', dataless.url, { width: 390, height: 844 });
    const err = page.getByTestId('gallery-error');
    await err.waitFor();
    expect(await err.getAttribute('data-code')).toBe('no-data');
    expect(await err.textContent()).toContain('--data DIR');
    expect(await err.textContent()).toContain('CONVSCOPE_DATA');
    expect(await draw(page, '1')).toMatch(/^[0-9]$/);
    await page.close();
  }, 60_000);
});
