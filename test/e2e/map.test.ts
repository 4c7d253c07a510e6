/**
 * The Map view end to end: the real server on a free port (with MNIST, and without), the built app,
 * Debian's Chromium driven with mouse events. The map of LeNet's last hidden layer is drawn (dots
 * on the canvas, all ten classes in the legend) in a worker while the page keeps drawing frames;
 * the class distance matrix is symmetric with the closest and farthest pairs named; the marker of
 * the drawn digit moves as the drawing changes; a dot under the pointer shows its digit and a click
 * loads it (the marker then sits on that dot); another layer gives another map; the UMAP map is
 * drawn and places the digit too; without data the map is of synthetic digits and says so, and fits
 * a phone. A failing test leaves a screenshot in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { REPO_ROOT, mnistDir } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames, type Stroke } from './browser.js';

declare global {
  interface Window {
    /** frame gaps recorded from the start (see `open`) */
    __mapFrames?: { gaps: number[]; last: number };
  }
}

const RESULTS = join(REPO_ROOT, 'test-results');
let server: RunningServer;
let dataless: RunningServer;
let browser: Browser;

beforeAll(async () => {
  ensureWebBuild();
  server = await startServer({ port: 0, dataDir: mnistDir(), log: () => {} });
  dataless = await startServer({ port: 0, log: () => {} });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await dataless?.close();
});

async function open(name: string, query: string, base = server.url, viewport = { width: 1280, height: 1000 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFailed(async () => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `e2e-map-${name}.png`), fullPage: true }).catch(() => {});
    if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  await page.addInitScript(() => {
    const f = { gaps: [] as number[], last: performance.now() };
    window.__mapFrames = f;
    const tick = (t: number): void => {
      f.gaps.push(t - f.last);
      f.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.goto(`${base}${query}`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 15_000 });
  expect(errors).toEqual([]);
  return page;
}

/** Waits until the map on screen is complete: nothing computing, the canvas painted. */
async function mapDrawn(page: Page, timeout = 90_000): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="map-progress"]')?.getAttribute('data-busy') === 'false' && document.querySelector('[data-testid="map-canvas"]')?.getAttribute('data-drawn') !== null,
    null,
    { timeout },
  );
}

/** The canvas's pixels as a short fingerprint, and how many are not white. */
async function canvasSummary(page: Page): Promise<{ inked: number; hash: number }> {
  return page.getByTestId('map-canvas').evaluate((el) => {
    const cv = el as HTMLCanvasElement;
    const data = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray(0);
    let inked = 0;
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) {
        inked++;
        hash = (hash * 31 + i + data[i]) | 0;
      }
    }
    return { inked, hash };
  });
}

async function draw(page: Page, strokes: readonly Stroke[], clear = true): Promise<void> {
  if (clear) await page.getByTestId('clear').click();
  const before = await samplesSoFar(page);
  await drawStrokes(page, strokes);
  await waitForFrames(page, before);
}

async function marker(page: Page): Promise<{ x: number; y: number }> {
  const m = page.getByTestId('map-current');
  return { x: Number(await m.getAttribute('data-x')), y: Number(await m.getAttribute('data-y')) };
}

/** A dot's position on the page: a painted pixel near the canvas's middle. */
async function aDot(page: Page): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId('map-canvas').boundingBox();
  if (!box) throw new Error('the map canvas is not visible');
  const at = await page.getByTestId('map-canvas').evaluate((el) => {
    const cv = el as HTMLCanvasElement;
    const data = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray(0);
    const cx = cv.width / 2;
    const cy = cv.height / 2;
    let best: [number, number] | null = null;
    let bestD = Infinity;
    for (let y = 0; y < cv.height; y += 2) {
      for (let x = 0; x < cv.width; x += 2) {
        const o = (y * cv.width + x) * 4;
        if (data[o] === 255 && data[o + 1] === 255 && data[o + 2] === 255) continue;
        const d = (x - cx) ** 2 + (y - cy) ** 2;
        if (d < bestD) {
          bestD = d;
          best = [x / cv.width, y / cv.height];
        }
      }
    }
    return best;
  });
  if (!at) throw new Error('no dot on the map');
  return { x: box.x + at[0] * box.width, y: box.y + at[1] * box.height };
}

describe('the map view', () => {
  it('draws the last hidden layer of lenet with all ten classes in a worker while frames keep coming, and the class distances', async () => {
    const page = await open('pca', '?model=lenet&view=map');
    expect(await page.getByTestId('map-layer').inputValue()).toBe('relu1');
    expect(await page.getByTestId('map-method').inputValue()).toBe('pca');
    await expect.poll(() => page.getByTestId('map-progress').getAttribute('data-busy')).toBe('true');
    await page.evaluate(() => {
      if (window.__mapFrames) window.__mapFrames.gaps = [];
    });
    const t0 = Date.now();
    await mapDrawn(page);
    const seconds = (Date.now() - t0) / 1000;
    const gaps = await page.evaluate(() => window.__mapFrames?.gaps ?? []);
    // the work is in the worker: frames keep coming (a frozen page would show one long gap)
    expect(gaps.length).toBeGreaterThan(5 * seconds);
    expect(Math.max(...gaps)).toBeLessThan(250);
    expect((await canvasSummary(page)).inked).toBeGreaterThan(5000);
    expect(await page.getByTestId('map-canvas').getAttribute('data-drawn')).toBe('2000');
    const legend = await page.getByTestId('map-legend-class').evaluateAll((els) => els.map((e) => e.getAttribute('data-class')));
    expect(legend).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(await page.getByTestId('map-source').getAttribute('data-source')).toBe('mnist');
    expect(await page.getByTestId('map-progress').textContent()).toMatch(/activations \d+\.\d s, PCA \d+\.\d s/);

    // 90 off-diagonal distances, symmetric, the pairs named from them
    const cells = () =>
      page
        .getByTestId('map-distance-matrix')
        .locator('button.cell')
        .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-a')), Number(e.getAttribute('data-b')), Number(e.getAttribute('data-value'))] as const));
    const euclid = await cells();
    expect(euclid).toHaveLength(90);
    const value = new Map(euclid.map(([a, b, v]) => [`${a}-${b}`, v]));
    for (const [a, b, v] of euclid) expect(value.get(`${b}-${a}`)).toBe(v);
    const closest = [...euclid].filter(([a, b]) => a < b).sort((p, q) => p[2] - q[2])[0];
    const pairs = (await page.getByTestId('map-pairs').textContent()) ?? '';
    expect(pairs).toMatch(/closest: \d–\d \d+\.\d\d, \d–\d \d+\.\d\d, \d–\d \d+\.\d\d/);
    expect(pairs).toContain(`closest: ${closest[0]}–${closest[1]} ${closest[2].toFixed(2)}`);
    expect(pairs).toMatch(/farthest: \d–\d \d+\.\d\d/);
    await page.getByTestId('map-metric-cosine').click();
    expect(await page.getByTestId('map-distance-matrix').getAttribute('data-metric')).toBe('cosine');
    expect((await cells()).map((c) => c[2])).not.toEqual(euclid.map((c) => c[2]));
    await page.close();
  }, 120_000);

  it('moves the marker as the drawing changes, shows the digit under the pointer, loads it on a click, and redraws for another layer', async () => {
    const page = await open('marker', '?model=lenet&view=map');
    await mapDrawn(page);
    // the page opens with the example digit on the pad, so its marker is there until Clear
    await page.getByTestId('map-current').waitFor();
    await page.getByTestId('clear').click();
    await page.getByTestId('map-current').waitFor({ state: 'detached' });
    expect(await page.getByTestId('map-current').count()).toBe(0);
    // half a 7, then the rest: the marker follows the drawing
    const seven = DIGIT_STROKES['7'][0];
    await draw(page, [seven.slice(0, 2)]);
    const half = await marker(page);
    await draw(page, [seven.slice(1)], false);
    const whole = await marker(page);
    expect(whole).not.toEqual(half);
    await draw(page, DIGIT_STROKES['1']);
    const one = await marker(page);
    expect(one).not.toEqual(whole);
    expect(Number.isFinite(one.x) && Number.isFinite(one.y)).toBe(true);

    // the dot under the pointer: its digit, label and lenet's answer
    const dot = await aDot(page);
    await page.mouse.move(dot.x, dot.y);
    const card = page.getByTestId('map-hover');
    await card.waitFor();
    expect(await card.textContent()).toMatch(/^\s*a \d\s*MNIST test #\d+\s*lenet says \d/);
    const index = Number(await card.getAttribute('data-index'));
    const preview = await card.locator('canvas').evaluate((el) => {
      const cv = el as HTMLCanvasElement;
      const d = cv.getContext('2d')?.getImageData(0, 0, 28, 28).data ?? new Uint8ClampedArray(0);
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 128) ink++;
      return ink;
    });
    expect(preview).toBeGreaterThan(20);

    // a click loads it; its marker then sits on its dot (same model, same activations, same axes)
    await page.mouse.click(dot.x, dot.y);
    await expect.poll(() => page.locator('figcaption', { hasText: `MNIST test #${index} (label` }).count()).toBe(1);
    const offset = async (): Promise<number> => {
      const box = await page.getByTestId('map-current').boundingBox();
      return box ? Math.hypot(box.x + box.width / 2 - dot.x, box.y + box.height / 2 - dot.y) : Infinity;
    };
    // polled: the marker glides to its place in 60 ms
    await expect.poll(offset).toBeLessThan(16);

    // another layer, another map: the input pixels
    const before = await canvasSummary(page);
    const at = await marker(page);
    await page.getByTestId('map-layer').selectOption('input');
    await expect.poll(() => new URL(page.url()).searchParams.get('maplayer')).toBe('input');
    await expect.poll(async () => (await canvasSummary(page)).hash, { timeout: 60_000 }).not.toBe(before.hash);
    await mapDrawn(page);
    expect((await canvasSummary(page)).inked).toBeGreaterThan(5000);
    expect(await marker(page)).not.toEqual(at);
    await page.close();
  }, 120_000);

  it('draws the UMAP map of a layer and places the drawn digit on it, moving as it changes', async () => {
    const page = await open('umap', '?model=lenet&view=map&maplayer=pool2&method=umap');
    expect(await page.getByTestId('map-layer').inputValue()).toBe('pool2');
    expect(await page.getByTestId('map-method').inputValue()).toBe('umap');
    await draw(page, DIGIT_STROKES['7']);
    await mapDrawn(page, 120_000);
    expect((await canvasSummary(page)).inked).toBeGreaterThan(3000);
    expect(await page.getByTestId('map-progress').textContent()).toMatch(/UMAP \d+\.\d s/);
    await expect.poll(() => page.getByTestId('map-current').count()).toBe(1);
    const seven = await marker(page);
    await draw(page, DIGIT_STROKES['0']);
    await expect.poll(() => marker(page)).not.toEqual(seven);
    // back to PCA for the same layer: kept, nothing recomputed
    await page.getByTestId('map-method').selectOption('pca');
    expect(await page.getByTestId('map-progress').getAttribute('data-busy')).toBe('false');
    await page.close();
  }, 180_000);

  it('maps synthetic digits on a server without data and says so, within a phone\'s width', async () => {
    const page = await open('no-data', '?model=lenet&view=map', dataless.url, { width: 390, height: 844 });
    await mapDrawn(page, 120_000);
    const source = page.getByTestId('map-source');
    expect(await source.getAttribute('data-source')).toBe('generated');
    expect(await source.textContent()).toContain('This server has no MNIST data directory (start it with --data DIR for real test digits)');
    expect(await source.textContent()).toContain('2,000 synthetic digits, not MNIST');
    expect(await page.getByTestId('map-legend-class').count()).toBe(10);
    expect((await canvasSummary(page)).inked).toBeGreaterThan(2000);
    const widest = await page.getByTestId('map-view').evaluate((el) => Math.max(...[...el.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)));
    expect(widest).toBeLessThanOrEqual(390);
    await page.close();
  }, 150_000);
});
