/**
 * The Explain view's "What it looks for" panel end to end: the real server, the built app,
 * Debian's Chromium. Nothing is computed while the panel is far off screen; then the ten class
 * images are drawn (not blank) by the panel's worker while the
 * page keeps drawing frames; a chosen channel's image, kernel and top test digits appear, the
 * digits being those src/explain finds in Node; a channel's number in the Layers view opens the
 * Explain view on that channel without reloading (the drawn digit stays) and Back returns;
 * without data the panel searches synthetic digits and says so. Also, without a browser: the
 * panel's digit loader against the real /api/digits. A failing test leaves a screenshot in
 * test-results/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { ModelsResponse } from '../../src/server/api-types.js';
import { decodeModelFile } from '../../src/io/model-file.js';
import { decodeImages } from '../../src/data/idx.js';
import { Tensor } from '../../src/engine/tensor.js';
import { topExcitingExamples } from '../../src/explain/maximize.js';
import { loadDigitSet, MNIST_DIGITS } from '../../web/src/lib/looks-for-digits.js';
import { TOP_K } from '../../web/src/lib/looks-for-protocol.js';
import { REPO_ROOT, mnistDir } from '../helpers.js';
import { selectNodeKernels } from '../../src/engine/kernels/wasm/node-kernels.js';
import type { FastKernels } from '../../src/engine/kernels/wasm/index.js';
import { referenceKernels, setKernels } from '../../src/engine/kernels/index.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

declare global {
  interface Window {
    /** frame gaps recorded while the panel computes (see `open`) */
    __frames?: { gaps: number[]; last: number };
  }
}

const RESULTS = join(REPO_ROOT, 'test-results');
let server: RunningServer;
let dataless: RunningServer;
let browser: Browser;
let trained: string[] = [];
let kernels: FastKernels | undefined;

beforeAll(async () => {
  ensureWebBuild();
  // the Node-side check (the top digits among 2,000) on the CLI's kernels
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

/** A fresh page at `query`, ready; it records the gap between animation frames from the start. */
async function open(name: string, query: string, base = server.url, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFailed(async () => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `e2e-looks-for-${name}.png`), fullPage: true }).catch(() => {});
    if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  await page.addInitScript(() => {
    const f = { gaps: [] as number[], last: performance.now() };
    window.__frames = f;
    const tick = (t: number): void => {
      f.gaps.push(t - f.last);
      f.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.goto(`${base}${query}`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 15_000 });
  return page;
}

/** The spread of a canvas's grey levels: how many distinct values, and max − min. */
async function contrast(page: Page, testid: string): Promise<{ levels: number; range: number }> {
  return page.getByTestId(testid).evaluate((el) => {
    const cv = el as HTMLCanvasElement;
    const data = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray(0);
    const seen = new Set<number>();
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < data.length; i += 4) {
      seen.add(data[i]);
      lo = Math.min(lo, data[i]);
      hi = Math.max(hi, data[i]);
    }
    return { levels: seen.size, range: hi - lo };
  });
}

const ready = (page: Page, testid: string, timeout = 60_000) =>
  page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-ready') === 'true', testid, { timeout });

describe('what it looks for', () => {
  it('draws the ten class images of lenet in a worker while the page keeps drawing, then a channel\'s image, kernel and top test digits', async () => {
    const model = trained.includes('lenet') ? 'lenet' : 'cnn';
    const page = await open('classes', `?model=${model}&view=layers`);
    // with a digit drawn the Explain view's other parts fill the screen; far below, the panel computes nothing
    const before = await samplesSoFar(page);
    await drawStrokes(page, DIGIT_STROKES['7']);
    await waitForFrames(page, before);
    await page.getByTestId('tab-explain').click();
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('looks-for').evaluate((el) => el.getBoundingClientRect().top > innerHeight + 300)).toBe(true);
    expect(await page.getByTestId('looks-for-progress').textContent()).not.toContain('computing');
    expect(await page.getByTestId('looks-for-class-0').getAttribute('data-ready')).toBe('false');
    await page.getByTestId('looks-for').scrollIntoViewIfNeeded();
    const t0 = Date.now();
    await page.evaluate(() => {
      if (window.__frames) window.__frames.gaps = [];
    });
    for (let d = 0; d < 10; d++) await ready(page, `looks-for-class-${d}`);
    const seconds = (Date.now() - t0) / 1000;
    const gaps = await page.evaluate(() => window.__frames?.gaps ?? []);
    // the ascent runs in the worker: frames keep coming (a frozen page would show one gap per class image)
    expect(gaps.length).toBeGreaterThan(5 * seconds);
    expect(Math.max(...gaps)).toBeLessThan(250);
    for (let d = 0; d < 10; d++) {
      const c = await contrast(page, `looks-for-class-${d}`);
      expect(c.levels, `class ${d}`).toBeGreaterThan(20);
      expect(c.range, `class ${d}`).toBeGreaterThan(100);
    }
    const progress = page.getByTestId('looks-for-progress');
    await expect.poll(() => progress.getAttribute('data-busy'), { timeout: 60_000 }).toBe('false');
    expect(await progress.textContent()).toMatch(/the 10 class images took \d+\.\d s/);
    // every class image reaches a high probability for its class when the model is trained
    if (trained.includes(model)) {
      const caps = await page.locator('.looks-for .class .p').allTextContents();
      expect(caps.map((t) => t.trim())).toHaveLength(10);
      for (const t of caps) expect(t.trim()).toMatch(/^(100|99\.\d)%$/);
    }

    await page.getByTestId('looks-for-layer').selectOption('conv2');
    await page.getByTestId('looks-for-channel').selectOption('13');
    await expect.poll(() => new URL(page.url()).searchParams.get('channel')).toBe('13');
    expect(new URL(page.url()).searchParams.get('layer')).toBe('conv2');
    await ready(page, 'looks-for-channel-image');
    expect(await page.getByTestId('looks-for-channel-image').getAttribute('data-channel')).toBe('13');
    expect((await contrast(page, 'looks-for-channel-image')).range).toBeGreaterThan(100);
    // lenet's conv2 kernel: 20 tiles of 5×5 in one row and the bias
    const kernel = page.getByTestId('looks-for-kernel');
    expect(await kernel.evaluate((el) => [(el as HTMLCanvasElement).width, (el as HTMLCanvasElement).height])).toEqual(model === 'lenet' ? [123, 7] : [51, 7]);

    const examples = page.getByTestId('looks-for-examples');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="looks-for-examples"]');
      return el?.getAttribute('data-channel') === '13' && el.getAttribute('data-count') === '8';
    }, null, { timeout: 60_000 });
    expect(await page.getByTestId('looks-for-source').getAttribute('data-source')).toBe('mnist');
    const shown = await examples.getByTestId('looks-for-example').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-index')), Number(e.getAttribute('data-value'))]));
    // the same digits src/explain finds in Node among the first 2,000 test digits
    const bytes = gunzipSync(readFileSync(join(mnistDir(), 't10k-images-idx3-ubyte.gz')));
    const images = decodeImages(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 't10k-images-idx3-ubyte');
    const x = new Tensor([MNIST_DIGITS, 1, 28, 28], Float32Array.from(images.data.subarray(0, MNIST_DIGITS * 784), (v) => v / 255));
    const net = decodeModelFile(new Uint8Array(readFileSync(join(REPO_ROOT, 'models', `${model}.safetensors`))), model).model;
    const want = topExcitingExamples(net, x, 'conv2', TOP_K)[13];
    expect(shown.map(([i]) => i)).toEqual(want.map((e) => e.image));
    shown.forEach(([, v], k) => expect(v).toBeCloseTo(want[k].value, 4));

    // a top digit becomes the input
    await examples.getByTestId('looks-for-example').first().click();
    await expect.poll(() => page.getByTestId('prediction').textContent()).toMatch(/^[0-9]$/);
    expect(await page.locator('figcaption', { hasText: `MNIST test #${want[0].image}` }).count()).toBe(1);
    await page.close();
  }, 120_000);

  it('opens a channel from its number in the Layers view without reloading, and Back returns', async () => {
    const page = await open('link', '?model=cnn&view=layers');
    await page.getByTestId('clear').click();
    const before = await samplesSoFar(page);
    await drawStrokes(page, DIGIT_STROKES['7']);
    await waitForFrames(page, before);
    const drawn = await page.getByTestId('prediction').textContent();
    const link = page.locator('[data-testid="looks-for-link"][data-layer="conv2"][data-channel="7"]');
    expect(await link.getAttribute('href')).toBe('?model=cnn&view=explain&layer=conv2&channel=7');
    // only convolutions link to what a channel looks for
    expect(await page.locator('[data-testid="looks-for-link"][data-layer="pool1"]').count()).toBe(0);
    await link.click();
    await expect.poll(() => page.getByTestId('tab-explain').getAttribute('aria-selected')).toBe('true');
    const url = new URL(page.url());
    expect([url.searchParams.get('view'), url.searchParams.get('layer'), url.searchParams.get('channel')]).toEqual(['explain', 'conv2', '7']);
    // scrolled to the channel, below the other parts of the Explain view: its heading and controls on screen
    const onScreen = () =>
      page.getByTestId('looks-for-channel').evaluate((el) => {
        const heading = el.closest('section')?.querySelector('h3')?.getBoundingClientRect();
        return heading !== undefined && heading.top >= 0 && el.getBoundingClientRect().bottom <= innerHeight;
      });
    await expect.poll(onScreen).toBe(true);
    expect(await page.getByTestId('looks-for-layer').inputValue()).toBe('conv2');
    expect(await page.getByTestId('looks-for-channel').inputValue()).toBe('7');
    await ready(page, 'looks-for-channel-image');
    expect(await page.getByTestId('looks-for-channel-image').getAttribute('data-channel')).toBe('7');
    // the same page: the digit drawn before is still the input
    expect(await page.getByTestId('prediction').textContent()).toBe(drawn);
    await page.goBack();
    await expect.poll(() => page.getByTestId('tab-layers').getAttribute('aria-selected')).toBe('true');
    expect(new URL(page.url()).searchParams.get('layer')).toBeNull();
    await page.close();
  }, 60_000);

  it('searches synthetic digits on a server without data, and says so (390 px wide)', async () => {
    const page = await open('no-data', '?model=cnn&view=explain&layer=conv1&channel=2', dataless.url, { width: 390, height: 844 });
    await page.getByTestId('looks-for').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('[data-testid="looks-for-examples"]')?.getAttribute('data-count') === '8', null, { timeout: 60_000 });
    const source = page.getByTestId('looks-for-source');
    expect(await source.getAttribute('data-source')).toBe('generated');
    expect(await source.textContent()).toContain('This server has no MNIST data directory (start it with --data DIR for real test digits)');
    expect(await source.textContent()).toContain('1,000 synthetic digits, not MNIST');
    expect(await page.getByTestId('looks-for-channel').inputValue()).toBe('2');
    // nothing sticks out of a phone's width
    const widest = await page.getByTestId('looks-for').evaluate((el) => Math.max(...[...el.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)));
    expect(widest).toBeLessThanOrEqual(390);
    await page.close();
  }, 60_000);

  it('says so when the URL names a channel the model does not have, and shows one it has', async () => {
    const page = await open('bad-channel', '?model=cnn&view=explain&layer=conv2&channel=99');
    await page.getByTestId('looks-for').scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId('looks-for-channel').inputValue()).toBe('0');
    expect(await page.getByTestId('looks-for').textContent()).toContain('conv2 has no channel 99 (it has 16); showing channel 0.');
    await expect.poll(() => new URL(page.url()).searchParams.get('channel')).toBe('0');
    await page.close();
  }, 60_000);
});

describe('the digits the panel searches', () => {
  it('loads the first test digits from the real /api/digits, byte for byte', async () => {
    const progress: number[] = [];
    const set = await loadDigitSet((url) => fetch(new URL(url, server.url)), 250, (d) => progress.push(d));
    const bytes = gunzipSync(readFileSync(join(mnistDir(), 't10k-images-idx3-ubyte.gz')));
    const images = decodeImages(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 't10k-images-idx3-ubyte');
    const labels = gunzipSync(readFileSync(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'))).subarray(8, 8 + 250);
    expect(set.source).toBe('mnist');
    expect(set.n).toBe(250);
    expect(Buffer.from(set.pixels).equals(Buffer.from(images.data.subarray(0, 250 * 784)))).toBe(true);
    expect(Array.from(set.labels)).toEqual(Array.from(labels));
    expect(progress).toEqual([100, 250]);
    const none = await loadDigitSet((url) => fetch(new URL(url, dataless.url)), 250);
    expect(none.source).toBe('generated');
  });
});
