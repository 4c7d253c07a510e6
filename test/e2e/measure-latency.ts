/**
 * Measures, in Chromium, the time from a pointer event on the drawing pad to updated prediction and
 * views, per model and view, from the app's own log (web/src/lib/latency.ts: t0 = the pointermove
 * event's timeStamp; the frame that handles it preprocesses, runs the network and redraws every
 * view synchronously, and stops the clock after Svelte has flushed the DOM and canvases).
 * Not a test: run it with `npx tsx test/e2e/measure-latency.ts [view,view…]`; it prints a table and JSON.
 */
import { startServer } from '../../src/server/server.js';
import { ZOO_NAMES } from '../../src/models/zoo.js';
import type { ModelsResponse } from '../../src/server/api-types.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

/** the views measured: layers, step and network, or those named in the first argument (`invariance,compare`) */
const VIEWS: readonly string[] = process.argv[2] ? process.argv[2].split(',') : ['layers', 'step', 'network'];
const ROUNDS = 4;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();
const models = ((await (await fetch(`${server.url}api/models`)).json()) as ModelsResponse).models;
const rows: Record<string, string | number>[] = [];
try {
  for (const name of ZOO_NAMES) {
    const info = models.find((m) => m.name === name);
    for (const view of VIEWS) {
      if (view === 'network' && name !== 'mlp') continue;
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const unit = view === 'step' ? '&unit=' + (name === 'mlp' ? 'dense1:3' : 'conv1:100') : '';
      await page.goto(`${server.url}?model=${name}&view=${view}${unit}`);
      await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 120_000 });
      const engine = await page.evaluate(() => window.__convscope?.engine ?? '?');
      for (let r = 0; r < ROUNDS; r++) {
        await page.getByTestId('clear').click();
        const before = await samplesSoFar(page);
        await drawStrokes(page, DIGIT_STROKES[r % 2 ? '0' : '7']);
        await waitForFrames(page, before);
      }
      // the first round warms up the JIT; keep the rest
      const all = await page.evaluate(() => window.__convscope?.samples ?? []);
      const s = all.slice(Math.floor(all.length / ROUNDS));
      rows.push({
        model: name,
        trained: info?.trained ? 'yes' : 'no',
        view,
        engine,
        frames: s.length,
        'compute p50 ms': +quantile(s.map((x) => x.computeMs), 0.5).toFixed(1),
        'compute p90 ms': +quantile(s.map((x) => x.computeMs), 0.9).toFixed(1),
        'event→views p50 ms': +quantile(s.map((x) => x.totalMs), 0.5).toFixed(1),
        'event→views p90 ms': +quantile(s.map((x) => x.totalMs), 0.9).toFixed(1),
      });
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
console.table(rows);
console.log(JSON.stringify(rows));
