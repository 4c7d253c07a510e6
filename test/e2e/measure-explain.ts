/**
 * Measures the Explain view in Chromium on LeNet: how long each attribution method takes where it
 * runs (the page's frame for saliency, gradient × input, Grad-CAM, guided backprop and deconvnet;
 * the worker for integrated gradients, SmoothGrad and occlusion), the whole frame while drawing,
 * the attacks and the fooling search, from the page's own logs (window.__convscope for frames,
 * window.__convscopeMethods for methods, web/src/lib/analysis-client.ts). The worker's methods
 * are timed twice: while a digit is being drawn (sharing the two cores with the page) and alone
 * (the target switched with the pad still). Not a test: `npx tsx test/e2e/measure-explain.ts`;
 * it prints a table and JSON.
 */
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/server.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

declare global {
  interface Window {
    /** the page's method timings (web/src/lib/analysis-client.ts) */
    __convscopeMethods?: Record<string, number[]>;
  }
}

const ROUNDS = 4;
const SWITCHES = 12;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

const methodLog = (page: Page): Promise<Record<string, number[]>> => page.evaluate(() => structuredClone(window.__convscopeMethods ?? {}));

/** Waits until no part of the view says it is computing or searching (other panels' workers share the cores). */
async function settle(page: Page, timeout = 60_000): Promise<void> {
  await page
    .waitForFunction(() => !/computing|searching|refining|more steps coming/.test(document.querySelector('[data-testid="view-explain"]')?.textContent ?? ''), null, { timeout, polling: 250 })
    .catch(() => console.warn('the view still says computing; measuring anyway'));
}

ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();
const rows: Record<string, string | number>[] = [];
const row = (method: string, where: string, xs: number[], extra: Record<string, string | number> = {}): void => {
  rows.push({ method, where, n: xs.length, 'p50 ms': +quantile(xs, 0.5).toFixed(1), 'p90 ms': +quantile(xs, 0.9).toFixed(1), ...extra });
};
/** The worker's methods; integrated gradients one row per step count (it doubles them until its gap is under 1%). */
const workerRows = (log: Record<string, number[]>, where: string): void => {
  const shown = (m: string): Record<string, number> => ({ 'input→shown p50 ms': +quantile(log[`${m} (input → shown)`] ?? [], 0.5).toFixed(1) });
  const ig = Object.keys(log)
    .map((k) => /^integrated-gradients, (\d+) steps \(worker\)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  ig.forEach((m, i) => row(`integrated-gradients, ${m[1]} steps`, where, log[m[0]] ?? [], i === 0 ? shown('integrated-gradients') : {}));
  for (const m of ['smoothgrad', 'occlusion']) row(m, where, log[`${m} (worker)`] ?? [], shown(m));
};

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}?model=lenet&view=explain`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  const engine = await page.evaluate(() => window.__convscope?.engine ?? '?');

  // warm-up: one digit, then wait for every panel (including "What it looks for") to finish
  await drawStrokes(page, DIGIT_STROKES['7']);
  await settle(page);
  await page.evaluate(() => {
    window.__convscopeMethods = {};
    if (window.__convscope) window.__convscope.samples = [];
  });

  // while drawing: every frame runs the page's methods; the worker's keep up as they can
  for (let r = 0; r < ROUNDS; r++) {
    await page.getByTestId('clear').click();
    const before = await samplesSoFar(page);
    await drawStrokes(page, DIGIT_STROKES[r % 2 ? '0' : '7']);
    await waitForFrames(page, before);
  }
  const frames = (await page.evaluate(() => window.__convscope?.samples ?? [])).filter((s) => s.view === 'explain');
  const drawing = await methodLog(page);
  row('whole frame (prediction + 5 page methods + drawing)', 'page', frames.map((s) => s.computeMs), { 'event→shown p50 ms': +quantile(frames.map((s) => s.totalMs), 0.5).toFixed(1) });
  for (const m of ['saliency', 'gradient-x-input', 'gradcam', 'guided-backprop', 'deconvnet']) row(m, 'page, every frame', drawing[`${m} (page)`] ?? []);
  workerRows(drawing, 'worker, while drawing');

  // alone: the pad still, the target switched (each switch recomputes every map)
  await settle(page);
  await page.evaluate(() => (window.__convscopeMethods = {}));
  for (let i = 0; i < SWITCHES; i++) {
    await page.getByTestId(i % 2 ? 'explain-target-predicted' : `explain-target-${i % 10}`).click();
    await settle(page, 10_000);
  }
  const alone = await methodLog(page);
  for (const m of ['saliency', 'gradient-x-input', 'gradcam', 'guided-backprop', 'deconvnet']) row(m, 'page, pad still', alone[`${m} (page)`] ?? []);
  workerRows(alone, 'worker, pad still');

  // attacks: ε moved across the slider with each method
  for (const method of ['fgsm', 'pgd'] as const) {
    await page.getByTestId(`adv-method-${method}`).click();
    await page.evaluate(() => (window.__convscopeMethods = {}));
    for (const eps of ['0.05', '0.1', '0.15', '0.2', '0.25', '0.3', '0.35', '0.4']) {
      await page.getByTestId('adv-eps').fill(eps);
      await page.waitForFunction(() => document.querySelector('[data-testid="adv-prediction"]')?.getAttribute('data-fresh') === 'true', null, { timeout: 10_000 });
    }
    const log = await methodLog(page);
    row(`attack ${method.toUpperCase()}`, 'worker', log[`${method} (worker)`] ?? [], { 'input→shown p50 ms': +quantile(log[`${method} (input → shown)`] ?? [], 0.5).toFixed(1) });
  }

  // fooling images, one per class
  await page.evaluate(() => (window.__convscopeMethods = {}));
  for (let d = 0; d < 10; d++) {
    await page.getByTestId('fool-class').selectOption(String(d));
    await page.getByTestId('fool-generate').click();
    await page.waitForFunction((c) => document.querySelector('[data-testid="fool-confidence"]')?.getAttribute('data-class') === String(c) && !document.querySelector('[data-testid="fool-generate"]')?.hasAttribute('disabled'), d, { timeout: 60_000 });
  }
  const fool = await methodLog(page);
  row('fooling image (10 classes)', 'worker', fool['fooling image (worker)'] ?? []);
  console.log(`lenet, engine: ${engine}`);
} finally {
  await browser.close();
  await server.close();
}
console.table(rows);
console.log(JSON.stringify(rows));
