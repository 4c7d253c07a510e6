/**
 * Times the Train view in headless Chromium: the zoo's cnn with the view's defaults (Adam, lr
 * 0.003, one-cycle, batch 64, 2 epochs, seed 1) on MNIST, from pressing start to each test
 * accuracy the page shows (the first 1,000 test images every 100 batches, the whole test set
 * after each epoch), and the gaps between animation frames meanwhile. Not a test:
 * `npx tsx test/e2e/measure-train-view.ts [model] [runs]` (cnn and 1 by default); prints a table and
 * the JSON. Needs MNIST ($CONVSCOPE_DATA or ../shared/mnist).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../helpers.js';
import { ensureWebBuild, launchChromium } from './browser.js';

declare global {
  interface Window {
    __measure?: { t0: number; shown: { ms: number; text: string; scope: string; step: number }[]; gaps: number[]; last: number; state: string; longTasks: { at: number; ms: number }[]; longGaps: { at: number; ms: number }[] };
  }
}

const model = process.argv[2] ?? 'cnn';
const runs = Number(process.argv[3] ?? 1);
const data = process.env['CONVSCOPE_DATA'] ?? join(REPO_ROOT, '..', 'shared', 'mnist');
if (!existsSync(data)) throw new Error(`no MNIST at ${data}: set CONVSCOPE_DATA to a directory with the idx files`);
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {}, dataDir: data });
const browser = await launchChromium();
const results = [];
try {
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage({ viewport: { width: 1366, height: 1000 } });
    await page.goto(`${server.url}?model=${model}&view=train`);
    await page.waitForFunction(() => window.__convscope?.ready === true);
    await page.getByTestId('train-model').selectOption(model);
    // the start button waits for the server's answer about data sets
    await page.waitForFunction(() => (document.querySelector('[data-testid="train-start"]') as HTMLButtonElement | null)?.disabled === false, null, { timeout: 15_000 });
    const load = loadavg()[0];
    // a string, not a function: tsx's name-keeping helpers do not exist in the page
    await page.evaluate(`{
      const m = { t0: performance.now(), shown: [], gaps: [], last: performance.now(), state: '', longTasks: [], longGaps: [] };
      window.__measure = m;
      // main-thread tasks over 50 ms (the page's own work), as against gaps from a busy machine
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) m.longTasks.push({ at: Math.round(e.startTime - m.t0), ms: Math.round(e.duration) });
      }).observe({ type: 'longtask', buffered: false });
      let lastText = '';
      const tick = (t) => {
        m.gaps.push(t - m.last);
        if (t - m.last > 50) m.longGaps.push({ at: Math.round(m.last - m.t0), ms: Math.round(t - m.last) });
        m.last = t;
        const el = document.querySelector('[data-testid="train-test-accuracy"]');
        const text = el?.textContent?.trim() ?? '';
        if (text !== lastText && text.endsWith('%')) {
          lastText = text;
          m.shown.push({ ms: performance.now() - m.t0, text, scope: el?.getAttribute('data-scope') ?? '', step: Number(el?.getAttribute('data-step')) });
        }
        m.state = document.querySelector('[data-testid="train-status"]')?.getAttribute('data-state') ?? '';
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      (document.querySelector('[data-testid="train-start"]')).click();
    }`);
    await page.waitForFunction(() => window.__measure?.state === 'finished' || window.__measure?.state === 'failed', null, { timeout: 600_000 });
    await page.waitForTimeout(500);
    const m = await page.evaluate(() => window.__measure!);
    const first98 = m.shown.find((s) => Number(s.text.slice(0, -1)) >= 98);
    const first98full = m.shown.find((s) => s.scope === 'epoch' && Number(s.text.slice(0, -1)) >= 98);
    const sorted = [...m.gaps].sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const ips = await page.getByTestId('train-images-per-second').innerText();
    const result = {
      model,
      run: r + 1,
      loadBefore: Number(load.toFixed(2)),
      finalText: m.shown[m.shown.length - 1]?.text ?? null,
      totalSeconds: Number((m.last - m.t0) / 1000).toFixed(1),
      first98: first98 ? { seconds: Number((first98.ms / 1000).toFixed(1)), text: first98.text, scope: first98.scope, step: first98.step } : null,
      first98fullTestSet: first98full ? { seconds: Number((first98full.ms / 1000).toFixed(1)), text: first98full.text, step: first98full.step } : null,
      frameGapMs: { p50: Number(q(0.5).toFixed(1)), p99: Number(q(0.99).toFixed(1)), max: Number(sorted[sorted.length - 1].toFixed(1)), frames: sorted.length },
      lastImagesPerSecond: ips,
      longTasks: m.longTasks,
      longGaps: m.longGaps,
      shown: m.shown,
    };
    results.push(result);
    console.log(
      `${model} run ${r + 1}: first ≥ 98% ${first98 ? `${first98.text} at ${(first98.ms / 1000).toFixed(1)} s (${first98.scope}, batch ${first98.step})` : 'never'}; ` +
        `whole test set ≥ 98% ${first98full ? `${first98full.text} at ${(first98full.ms / 1000).toFixed(1)} s` : 'never'}; final ${result.finalText}; ` +
        `frame gaps p50 ${result.frameGapMs.p50} / p99 ${result.frameGapMs.p99} / max ${result.frameGapMs.max} ms; ${ips}; load average before ${result.loadBefore}`,
    );
    await page.close();
  }
  console.log(JSON.stringify(results.map(({ shown: _s, ...rest }) => rest), null, 1));
} finally {
  await browser.close();
  await server.close();
}
