/**
 * How long the zoo's cnn takes in the page (the training worker, default kernels and threads, the
 * Train view's default recipe from train-settings.ts) from start() to the first whole-test-set
 * accuracy of at least --target: data loading, kernel start-up and the test passes themselves
 * included. Also the longest gap between the page's animation frames over the run. Not a test;
 * prints one JSON line per test pass and a summary.
 *
 *   CONVSCOPE_DATA=DIR node --experimental-wasm-relaxed-simd --import tsx test/e2e/measure-train-time.ts [--model cnn] [--target 0.98] [--test-every 200]
 */
import { parseArgs } from 'node:util';
import { findDataset } from '../../src/data/node-source.js';
import type { TrainSettings } from '../../web/src/lib/train-protocol.js';
import { trainDefaults } from '../../web/src/lib/train-settings.js';
import { launchChromium } from './browser.js';
import { serveTrainHarness } from './train-harness/harness.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn' },
    target: { type: 'string', default: '0.98' },
    'test-every': { type: 'string', default: '200' },
  },
});
const target = Number(values.target);
const dir = (await findDataset({ dataset: 'mnist', download: false })).dir;
const server = await serveTrainHarness(dir);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.__trainHarness !== undefined);
  page.on('console', (m) => console.log(m.text()));
  const settings: TrainSettings = {
    model: { kind: 'zoo', name: values.model },
    data: { kind: 'served', dataset: 'mnist' },
    ...trainDefaults(values.model),
    cadence: { progressEvery: 10, weightsEvery: 10, testEvery: Number(values['test-every']), testSubset: 10000 },
  };
  const result = await page.evaluate(
    async ({ s, target }) => {
      const h = window.__trainHarness;
      const client = new h.TrainClient();
      const gapsFrom = h.gaps.length;
      const t0 = performance.now();
      let engine = '';
      let reached: number | null = null;
      let last = 0;
      await new Promise<void>((resolve) => {
        client.onEvent((e) => {
          if (e.type === 'engine') engine = e.label;
          if (e.type === 'test' && e.examples === 10000) {
            const seconds = (performance.now() - t0) / 1000;
            last = e.accuracy;
            console.log(JSON.stringify({ step: e.step, epoch: e.epoch, scope: e.scope, accuracy: e.accuracy, seconds: +seconds.toFixed(1) }));
            if (reached === null && e.accuracy >= target) reached = seconds;
          }
          if (e.type === 'error') console.log(`error: ${e.message}`);
          if (e.type === 'state' && (e.state === 'finished' || e.state === 'failed')) resolve();
        });
        client.start(s);
      });
      client.dispose();
      const gaps = h.gaps.slice(gapsFrom).sort((a, b) => a - b);
      const longestFrameGapMs = gaps[gaps.length - 1] ?? null;
      const p99FrameGapMs = gaps[Math.floor(gaps.length * 0.99)] ?? null;
      return { engine, reachedSeconds: reached, finalAccuracy: last, totalSeconds: (performance.now() - t0) / 1000, frames: gaps.length, longestFrameGapMs, p99FrameGapMs };
    },
    { s: settings, target },
  );
  console.log(JSON.stringify({ model: values.model, target, recipe: trainDefaults(values.model), ...result }));
} finally {
  await browser.close();
  await server.close();
}
