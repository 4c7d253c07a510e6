/**
 * The Explain view end to end: the real server, the built app and Debian's Chromium, on the
 * shipped LeNet. An empty pad shows no maps; a drawn 7 gets every attribution method's map drawn
 * with real content; switching the target class changes the maps; integrated gradients' gap is
 * under 1%; the Grad-CAM layer picker offers the library's layers and redraws; a large ε flips
 * the prediction (FGSM and PGD) and the adversarial image can become the input; the fooling
 * generator reaches 99.99%; nothing overflows a phone's width. A failing test leaves a screenshot
 * in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { ModelsResponse } from '../../src/server/api-types.js';
import { readModelFile } from '../../src/io/node-model-file.js';
import { ATTRIBUTION_METHODS, defaultGradcamLayer, gradcamLayers } from '../../src/explain/index.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const RESULTS = join(REPO_ROOT, 'test-results');
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  ensureWebBuild();
  server = await startServer({ port: 0, log: () => {} });
  browser = await launchChromium();
  const models = (await (await fetch(`${server.url}api/models`)).json()) as ModelsResponse;
  // the prediction and fooling checks below are about a trained network
  expect(models.models.find((m) => m.name === 'lenet')?.trained, 'models/lenet.safetensors is shipped and trained').toBe(true);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page at ?model=lenet&view=explain, ready; page errors fail the test, a failure keeps a screenshot. */
async function open(name: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFailed(async () => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `e2e-explain-${name}.png`), fullPage: true }).catch(() => {});
    if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  await page.goto(`${server.url}?model=lenet&view=explain`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 15_000 });
  (page as Page & { errors?: string[] }).errors = errors;
  return page;
}

const pageErrors = (page: Page): string[] => (page as Page & { errors?: string[] }).errors ?? [];

async function draw7(page: Page): Promise<void> {
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
  expect(await page.getByTestId('prediction').textContent()).toBe('7');
}

/** Until every map is drawn for the current input and target (no card says "computing…"). */
async function mapsSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('canvas[data-testid^="explain-map-"]').length === n &&
      document.querySelectorAll('[data-testid^="explain-busy-"]').length === 0 &&
      document.querySelector('[data-testid="explain-ig-gap"]')?.getAttribute('data-value') !== '',
    ATTRIBUTION_METHODS.length,
    { timeout: 20_000 },
  );
}

/** Each map canvas's pixels: how many are not white, how many distinct colours, and a fingerprint. */
function mapPixels(page: Page): Promise<Record<string, { coloured: number; colours: number; print: string }>> {
  return page.evaluate(() => {
    const out: Record<string, { coloured: number; colours: number; print: string }> = {};
    for (const c of document.querySelectorAll<HTMLCanvasElement>('canvas[data-testid^="explain-map-"]')) {
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      const colours = new Set<number>();
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) {
        const rgb = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        colours.add(rgb);
        if (rgb !== 0xffffff) coloured++;
      }
      out[(c.dataset['testid'] ?? '').replace('explain-map-', '')] = { coloured, colours: colours.size, print: c.toDataURL() };
    }
    return out;
  });
}

describe('explain view: attributions', () => {
  it('shows no maps on an empty pad, then every method on a drawn 7; the target, the Grad-CAM layer and the large view work; IG gap < 1%', async () => {
    const page = await open('attributions');
    expect(await page.getByTestId('tab-explain').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('view-explain').waitFor();
    // empty pad (the page opens with an example digit: clear it): a short message, no maps stretched over nothing
    await page.getByTestId('clear').click();
    await page.getByTestId('explain-empty').waitFor();
    expect(await page.locator('canvas[data-testid^="explain-map-"]').count()).toBe(0);

    await draw7(page);
    await mapsSettled(page);
    const first = await mapPixels(page);
    expect(Object.keys(first).sort()).toEqual([...ATTRIBUTION_METHODS].sort());
    for (const m of ATTRIBUTION_METHODS) {
      // a 28×28 map: real content is many coloured pixels in many shades, not a blank or flat canvas
      expect(first[m].coloured, `${m}: coloured pixels`).toBeGreaterThan(40);
      expect(first[m].colours, `${m}: distinct colours`).toBeGreaterThan(10);
    }

    // integrated gradients' completeness: the text gives the gap, under 1% for the predicted class
    const gapText = (await page.getByTestId('explain-ig-gap').textContent()) ?? '';
    const gap = /gap (\d+(?:\.\d+)?)%/.exec(gapText);
    expect(gap, gapText).not.toBeNull();
    expect(Number(gap?.[1])).toBeLessThan(1);
    expect(gapText).toMatch(/attributions sum to -?\d+\.?\d*; logit\(x\) − logit\(black\) = -?\d+\.?\d*/);
    expect(Number(await page.getByTestId('explain-ig-gap').getAttribute('data-value'))).toBeLessThan(0.01);

    // "why not 1?": every map changes, the page's at once, the worker's when they arrive
    await page.getByTestId('explain-target-1').click();
    expect(await page.getByTestId('explain-target-1').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(async () => (await mapPixels(page))['gradient-x-input'].print !== first['gradient-x-input'].print).toBe(true);
    await mapsSettled(page);
    const why1 = await mapPixels(page);
    for (const m of ATTRIBUTION_METHODS) {
      expect(why1[m].print, `${m} changed with the target`).not.toBe(first[m].print);
    }
    await page.getByTestId('explain-target-predicted').click();
    await mapsSettled(page);

    // Grad-CAM: the library's layers, its default selected; another layer redraws the map
    const { model } = await readModelFile(join(REPO_ROOT, 'models', 'lenet.safetensors'));
    const picker = page.getByTestId('explain-gradcam-layer');
    expect(await picker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(gradcamLayers(model));
    expect(await picker.inputValue()).toBe(defaultGradcamLayer(model));
    const before = (await mapPixels(page))['gradcam'].print;
    await picker.selectOption('conv1');
    await expect.poll(async () => (await mapPixels(page))['gradcam'].print !== before).toBe(true);
    expect(await picker.inputValue()).toBe('conv1');

    // one map large, and back
    await page.getByTestId('explain-map-saliency').click();
    expect(await page.getByTestId('explain-large').getAttribute('data-method')).toBe('saliency');
    await page.getByTestId('explain-large-close').click();
    expect(await page.getByTestId('explain-large').count()).toBe(0);

    // occlusion's sweep replays window by window
    await page.getByTestId('explain-occlusion-replay').click();
    await page.locator('[data-testid="explain-card"][data-method="occlusion"] .mark').waitFor({ timeout: 5_000 });
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 90_000);
});

describe('explain view: adversarial and fooling images', () => {
  it('a large ε flips the prediction (FGSM and PGD), the adversarial image becomes the input, and the fooling image reaches ≥ 99.99%', async () => {
    const page = await open('adversarial');
    await draw7(page);
    const fresh = (): Promise<void> =>
      page.waitForFunction(() => document.querySelector('[data-testid="adv-prediction"]')?.getAttribute('data-fresh') === 'true', null, { timeout: 20_000 }).then(() => {});
    await fresh();
    // ε = 0: nothing may change, so nothing flips
    await page.getByTestId('adv-eps').fill('0');
    await fresh();
    expect(await page.getByTestId('adv-prediction').textContent()).toBe('7');
    expect(await page.getByTestId('adv-prediction').getAttribute('data-flipped')).toBe('false');

    await page.getByTestId('adv-target-3').click();
    for (const method of ['fgsm', 'pgd'] as const) {
      await page.getByTestId(`adv-method-${method}`).click();
      await page.getByTestId('adv-eps').fill('0.5');
      await fresh();
      const shown = await page.getByTestId('adv-prediction').textContent();
      expect(shown, `${method} at ε = 0.5`).not.toBe('7');
      expect(await page.getByTestId('adv-prediction').getAttribute('data-flipped')).toBe('true');
      // PGD reaches the class it aims for
      if (method === 'pgd') expect(shown).toBe('3');
    }
    const flippedTo = await page.getByTestId('adv-prediction').textContent();
    await page.getByTestId('adv-use').click();
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe(flippedTo);

    await page.getByTestId('fool-class').selectOption('9');
    await page.getByTestId('fool-generate').click();
    const conf = page.getByTestId('fool-confidence');
    await conf.waitFor({ timeout: 60_000 });
    expect(await conf.getAttribute('data-class')).toBe('9');
    expect(Number(await conf.getAttribute('data-value'))).toBeGreaterThanOrEqual(0.9999);
    expect(await conf.textContent()).toMatch(/^(> )?99\.99\d*% a 9$/);
    await page.getByTestId('fool-use').click();
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe('9');
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('explain view on a phone', () => {
  it('fits 390 px: no sideways scrolling, every map on screen width', async () => {
    const page = await open('phone', { width: 390, height: 844 });
    await draw7(page);
    await mapsSettled(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const rights = await page.locator('canvas[data-testid^="explain-map-"]').evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().right));
    expect(Math.max(...rights)).toBeLessThanOrEqual(390);
    await page.close();
  }, 60_000);
});
