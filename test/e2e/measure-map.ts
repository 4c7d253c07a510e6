/**
 * Measures the Map view in Chromium on LeNet's last hidden layer (relu1, 500 wide): how long the
 * worker takes to build the map of 2,000, 5,000 and 10,000 MNIST test digits (the forward passes
 * for the activations, PCA, UMAP; fetching the digits apart), as the worker reports it and as the
 * page sees it (from choosing the map to its dots on the canvas); LeNet's widest layer (conv1,
 * 11,520) for comparison; and the frames while a digit is drawn with the map open (the page's
 * frame log, window.__convscope, and the gaps between animation frames), with 2,000 and 10,000
 * dots, on a PCA and a UMAP map. Not a test: `npx tsx test/e2e/measure-map.ts`; prints a table and
 * JSON. Needs MNIST ($CONVSCOPE_DATA or ../shared/mnist).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/server.js';
import { selectNodeKernels } from '../../src/engine/kernels/wasm/node-kernels.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

declare global {
  interface Window {
    __mapFrames?: { gaps: number[]; last: number };
  }
}

const data = process.env['CONVSCOPE_DATA'] ?? join(REPO_ROOT, '..', 'shared', 'mnist');
if (!existsSync(data)) throw new Error(`measure-map: no MNIST at ${data}; set CONVSCOPE_DATA`);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

async function drawn(page: Page, timeout = 300_000): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="map-progress"]')?.getAttribute('data-busy') === 'false' && document.querySelector('[data-testid="map-canvas"]') !== null,
    null,
    { timeout, polling: 50 },
  );
}

async function workerMs(page: Page): Promise<Record<string, number>> {
  const keys = ['data-activations-ms', 'data-pca-ms', 'data-umap-ms', 'data-umap-total-ms'];
  const [activations, pca, umap, umapTotal] = await page.getByTestId('map-progress').evaluate((el, ks) => ks.map((k) => Number(el.getAttribute(k) ?? NaN)), keys);
  return { activations, pca, umap, umapTotal };
}

/** Chooses a map setting and times it until the map is on screen. */
async function choose(page: Page, testid: string, value: string): Promise<number> {
  const t0 = Date.now();
  await page.getByTestId(testid).selectOption(value);
  // the change reaches the worker before "busy" can read false again
  await page.waitForFunction(() => document.querySelector('[data-testid="map-progress"]')?.getAttribute('data-busy') === 'true', null, { timeout: 5_000 }).catch(() => {});
  await drawn(page);
  return Date.now() - t0;
}

/** Draws a few digits stroke by stroke with the map open; the page's frames and the gaps between animation frames. */
async function drawFrames(page: Page): Promise<{ compute: number[]; total: number[]; gaps: number[] }> {
  await page.evaluate(() => {
    if (window.__convscope) window.__convscope.samples = [];
    if (window.__mapFrames) window.__mapFrames.gaps = [];
  });
  for (let r = 0; r < 4; r++) {
    await page.getByTestId('clear').click();
    const before = await samplesSoFar(page);
    await drawStrokes(page, DIGIT_STROKES[r % 2 ? '0' : '7']);
    await waitForFrames(page, before);
  }
  const samples = (await page.evaluate(() => window.__convscope?.samples ?? [])).filter((s) => s.view === 'map');
  const gaps = await page.evaluate(() => window.__mapFrames?.gaps ?? []);
  return { compute: samples.map((s) => s.computeMs), total: samples.map((s) => s.totalMs), gaps };
}

ensureWebBuild();
const kernels = await selectNodeKernels('auto');
const server = await startServer({ port: 0, dataDir: data, log: () => {} });
const browser = await launchChromium();
const build: Record<string, string | number>[] = [];
const frames: Record<string, string | number>[] = [];
const s = (ms: number): number => +(ms / 1000).toFixed(2);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // as a string: tsx would wrap a named function in a helper the page does not have
  await page.addInitScript(`(() => {
    const f = { gaps: [], last: performance.now() };
    window.__mapFrames = f;
    function tick(t) { f.gaps.push(t - f.last); f.last = t; requestAnimationFrame(tick); }
    requestAnimationFrame(tick);
  })()`);
  const t0 = Date.now();
  await page.goto(`${server.url}?model=lenet&view=map&maplayer=relu1&method=pca&digits=2000`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  await drawn(page);
  const engine = await page.evaluate(() => window.__convscope?.engine ?? '?');
  const first = Date.now() - t0;

  for (const count of [2000, 5000, 10000]) {
    let pcaWall = first;
    if (count !== 2000) pcaWall = await choose(page, 'map-count', String(count));
    const pca = await workerMs(page);
    build.push({ digits: count, layer: 'relu1 (500)', method: 'PCA', 'activations s': s(pca.activations), 'PCA s': s(pca.pca), 'worker total s': s(pca.activations + pca.pca), 'choice → on screen s': s(pcaWall) });
    const f = await drawFrames(page);
    frames.push({ dots: count, map: 'PCA', 'frame compute p50/p90 ms': `${quantile(f.compute, 0.5).toFixed(1)} / ${quantile(f.compute, 0.9).toFixed(1)}`, 'event → shown p50 ms': +quantile(f.total, 0.5).toFixed(1), 'rAF gap p50/p90/max ms': `${quantile(f.gaps, 0.5).toFixed(1)} / ${quantile(f.gaps, 0.9).toFixed(1)} / ${Math.max(...f.gaps).toFixed(1)}` });
    if (count === 10000) break;
    const umapWall = await choose(page, 'map-method', 'umap');
    const u = await workerMs(page);
    build.push({ digits: count, layer: 'relu1 (500)', method: 'UMAP', 'activations s': s(u.umapTotal - u.umap), 'UMAP s': s(u.umap), 'worker total s': s(u.umapTotal), 'choice → on screen s': s(umapWall) });
    const g = await drawFrames(page);
    frames.push({ dots: count, map: 'UMAP', 'frame compute p50/p90 ms': `${quantile(g.compute, 0.5).toFixed(1)} / ${quantile(g.compute, 0.9).toFixed(1)}`, 'event → shown p50 ms': +quantile(g.total, 0.5).toFixed(1), 'rAF gap p50/p90/max ms': `${quantile(g.gaps, 0.5).toFixed(1)} / ${quantile(g.gaps, 0.9).toFixed(1)} / ${Math.max(...g.gaps).toFixed(1)}` });
    await page.getByTestId('map-method').selectOption('pca');
    await drawn(page);
  }
  // the widest layer: PCA fitted on its first 347 digits, every digit projected
  await page.getByTestId('map-count').selectOption('2000');
  await drawn(page);
  const convWall = await choose(page, 'map-layer', 'conv1');
  const c = await workerMs(page);
  build.push({ digits: 2000, layer: 'conv1 (11,520)', method: 'PCA (fit on 347)', 'activations s': s(c.activations), 'PCA s': s(c.pca), 'worker total s': s(c.activations + c.pca), 'choice → on screen s': s(convWall) });

  console.log(`LeNet, headless Chromium, page engine ${engine}, map worker on one thread`);
  console.table(build);
  console.table(frames);
  console.log(JSON.stringify({ engine, build, frames }, null, 2));
} finally {
  await browser.close();
  await server.close();
  await kernels.dispose();
}
