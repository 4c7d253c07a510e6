/**
 * Training throughput in the page (the worker on the WebAssembly SIMD kernels, N threads) against
 * the CLI on this machine (same model, batch size, images and threads), and the longest gap between
 * the page's animation frames while the worker trains. Not a test: it prints a table and writes
 * JSON. Each run trains one epoch on the first --images MNIST training images without
 * augmentation; images per second are wall-clock in both (the page: from the run's first batch to
 * its last, as the page sees the events; the CLI: its epoch's time, progress bar included); the
 * end-of-epoch test pass is left out of both. The two alternate --repeat times and the best of
 * each is kept (other work on a shared machine only ever slows a run down); the frame gap is the
 * worst over all page runs.
 *
 *   CONVSCOPE_DATA=DIR node --experimental-wasm-relaxed-simd --import tsx test/e2e/measure-train-worker.ts [--models cnn,lenet] [--images 6400] [--threads 2] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findDataset } from '../../src/data/node-source.js';
import type { RunLog } from '../../src/train/run-log.js';
import type { TrainSettings } from '../../web/src/lib/train-protocol.js';
import { REPO_ROOT } from '../helpers.js';
import { launchChromium } from './browser.js';
import { serveTrainHarness } from './train-harness/harness.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'cnn,lenet' },
    images: { type: 'string', default: '6400' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    repeat: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const models = values.models.split(',');
const images = Number(values.images);
const threads = Number(values.threads);
const batch = Number(values.batch);
const repeat = Number(values.repeat);

interface PageFigures {
  kernels: string;
  imagesPerSecond: number;
  /** the session's own figure (its clock leaves out time spent reporting and answering messages) */
  sessionImagesPerSecond: number;
  longestFrameGapMs: number;
  frames: number;
  isolated: boolean;
}

const dir = (await findDataset({ dataset: 'mnist', download: false })).dir;
const server = await serveTrainHarness(dir);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(server.url);
await page.waitForFunction(() => window.__trainHarness !== undefined);

async function inPage(model: string): Promise<PageFigures> {
  const settings: TrainSettings = {
    model: { kind: 'zoo', name: model },
    data: { kind: 'served', dataset: 'mnist', limit: images },
    optimizer: { kind: 'adam' },
    lr: 0.002,
    schedule: { kind: 'constant' },
    batchSize: batch,
    epochs: 1,
    augment: false,
    seed: 1,
    kernels: 'auto',
    threads,
    // what the Train view asks for: a point and the first conv's kernels every 10 batches
    cadence: { progressEvery: 10, weightsEvery: 10, testEvery: 0 },
  };
  return page.evaluate(async (s) => {
    const h = window.__trainHarness;
    const client = new h.TrainClient();
    let kernels = '';
    let firstBatchAt = 0;
    let lastBatchAt = 0;
    let epochRate = 0;
    let gapsFrom = 0;
    const done = new Promise<void>((resolve) => {
      client.onEvent((e) => {
        if (e.type === 'engine') kernels = e.label;
        if (e.type === 'state' && e.state === 'running' && firstBatchAt === 0) {
          firstBatchAt = performance.now();
          gapsFrom = h.gaps.length;
        }
        if (e.type === 'progress') lastBatchAt = performance.now();
        if (e.type === 'epoch') epochRate = e.stats.imagesPerSecond;
        if (e.type === 'state' && (e.state === 'finished' || e.state === 'failed')) resolve();
        if (e.type === 'error') console.error(e.message);
      });
    });
    client.start(s);
    await done;
    const gaps = h.gaps.slice(gapsFrom);
    client.dispose();
    const n = Math.min(s.data.kind === 'served' ? (s.data.limit ?? 0) : 0, 60000);
    return {
      kernels,
      imagesPerSecond: n / ((lastBatchAt - firstBatchAt) / 1000),
      sessionImagesPerSecond: epochRate,
      longestFrameGapMs: Math.max(...gaps),
      frames: gaps.length,
      isolated: h.isolated,
    };
  }, settings);
}

function inCli(model: string): { imagesPerSecond: number; kernels: string } {
  const work = mkdtempSync(join(tmpdir(), 'convscope-measure-train-'));
  const log = join(work, 'run.json');
  const entry = join(work, 'cli.mjs');
  writeFileSync(entry, `import { runCli } from ${JSON.stringify(join(REPO_ROOT, 'src', 'cli', 'main.ts'))};\nprocess.exitCode = await runCli(process.argv.slice(2));\n`);
  const args = ['--experimental-wasm-relaxed-simd', '--import', 'tsx', entry, '--kernels', 'wasm', '--threads', String(threads), 'train', '--model', model, '--epochs', '1',
    '--limit', String(images), '--batch', String(batch), '--lr', '0.002', '--data', dir, '--out', join(work, 'm.safetensors'), '--no-calibrate', '--log', log];
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`convscope train failed: ${r.stderr}`);
  const run = JSON.parse(readFileSync(log, 'utf8')) as RunLog;
  return { imagesPerSecond: run.epochs[0]!.imagesPerSecond, kernels: run.kernels };
}

const rows: Record<string, unknown>[] = [];
try {
  for (const model of models) {
    const cli: ReturnType<typeof inCli>[] = [];
    const pages: PageFigures[] = [];
    for (let r = 0; r < repeat; r++) {
      cli.push(inCli(model));
      pages.push(await inPage(model));
    }
    const best = <T,>(xs: T[], f: (x: T) => number): T => xs.reduce((a, b) => (f(b) > f(a) ? b : a));
    const c = best(cli, (x) => x.imagesPerSecond);
    const p = best(pages, (x) => x.imagesPerSecond);
    const row = {
      model,
      batch,
      images,
      threads,
      cliImagesPerSecond: Math.round(c.imagesPerSecond),
      cliAll: cli.map((x) => Math.round(x.imagesPerSecond)),
      cliKernels: c.kernels,
      pageImagesPerSecond: Math.round(p.imagesPerSecond),
      pageAll: pages.map((x) => Math.round(x.imagesPerSecond)),
      pageSessionImagesPerSecond: Math.round(p.sessionImagesPerSecond),
      pageKernels: p.kernels,
      pageOverCli: +(p.imagesPerSecond / c.imagesPerSecond).toFixed(3),
      longestFrameGapMs: +Math.max(...pages.map((x) => x.longestFrameGapMs)).toFixed(1),
      frameGapsMs: pages.map((x) => +x.longestFrameGapMs.toFixed(1)),
      isolated: p.isolated,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await browser.close();
  await server.close();
}
console.table(rows.map(({ cliAll: _c, pageAll: _p, frameGapsMs: _f, ...r }) => r));
if (values.out) writeFileSync(values.out, JSON.stringify({ measuredAt: new Date().toISOString(), load: loadavg(), rows }, null, 2));
