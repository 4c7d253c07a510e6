/**
 * The training worker in headless Chromium (the harness page, train-harness/): MNIST fetched from
 * the server's /api/data routes and inflated in the worker, a seeded run on the reference ('ts')
 * kernels started paused, stepped, resumed to its end, and snapshotted; the snapshot's parameters
 * are bit-identical to a Node run of train() with the same seed, data and kernels (and so are they
 * on the WebAssembly kernels, one thread each). Also: fine-tuning a model file on drawn digits mixed
 * with MNIST, a rewind
 * (the same settings again) gives the same bits, stop and snapshot behave, bad settings and a
 * missing data set come back as errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadDataset } from '../../src/data/node-source.js';
import { splitSource } from '../../src/data/split-source.js';
import { DEFAULT_AUGMENT } from '../../src/data/augment.js';
import { decodeModelFile } from '../../src/io/model-file.js';
import { Sequential } from '../../src/nn/model.js';
import { ZOO } from '../../src/models/zoo.js';
import { referenceKernels, setKernels } from '../../src/engine/kernels/index.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm/index.js';
import { train, type Recipe } from '../../src/train/trainer.js';
import type { RunningServer } from '../../src/server/server.js';
import type { TrainClientEvent } from '../../web/src/lib/train-client.js';
import type { TrainSettings } from '../../web/src/lib/train-protocol.js';
import { mnistDir, REPO_ROOT, tempDir } from '../helpers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './browser.js';
import { serveTrainHarness } from './train-harness/harness.js';

let server: RunningServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // only the MNIST directory: no Fashion-MNIST from the system folders or the cache
  const cache = tempDir();
  server = await serveTrainHarness(mnistDir(), { env: {}, systemDirs: { mnist: [], fashion: [] }, cacheDir: (d) => join(cache, d) });
  browser = await launchChromium();
  page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.__trainHarness !== undefined);
  expect(errors).toEqual([]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const LIMIT = 320;
const settings: TrainSettings = {
  model: { kind: 'zoo', name: 'tiny' },
  data: { kind: 'served', dataset: 'mnist', limit: LIMIT },
  optimizer: { kind: 'adam' },
  lr: 0.01,
  schedule: { kind: 'cosine' },
  batchSize: 32,
  epochs: 2,
  augment: true,
  seed: 11,
  kernels: 'ts',
  cadence: { progressEvery: 2, testEvery: 4, testSubset: 100, weightsEvery: 5 },
};

interface PageRun {
  events: TrainClientEvent[];
  /** the snapshot's bytes, as numbers (page.evaluate returns JSON) */
  bytes: number[];
  step: number;
}

/** Runs `settings` in the page: started paused, `steps` single batches, then resumed to the end. */
function runInPage(s: TrainSettings, steps: number): Promise<PageRun> {
  return page.evaluate(
    async ({ s, steps }) => {
      const { TrainClient } = window.__trainHarness;
      const client = new TrainClient();
      const events: TrainClientEvent[] = [];
      const states: string[] = [];
      let wake: (() => void) | null = null;
      client.onEvent((e) => {
        // typed arrays do not survive page.evaluate: keep their length only
        events.push(e.type === 'weights' ? { ...e, layers: e.layers.map((l) => ({ ...l, weight: new Float32Array(0), bias: null, length: l.weight.length })) } : e);
        if (e.type === 'state') states.push(e.state);
        wake?.();
      });
      const until = async (ok: () => boolean): Promise<void> => {
        while (!ok()) await new Promise<void>((r) => (wake = r));
      };
      client.start({ ...s, startPaused: true });
      await until(() => states.includes('paused') || states.includes('failed'));
      for (let i = 0; i < steps; i++) {
        const n = states.length;
        client.step();
        await until(() => states.length > n && states[states.length - 1] === 'paused');
      }
      client.resume();
      await until(() => ['finished', 'failed', 'stopped'].includes(states[states.length - 1]!));
      const snap = await client.snapshot();
      client.dispose();
      return { events, bytes: Array.from(snap.bytes), step: snap.step };
    },
    { s, steps },
  ) as Promise<PageRun>;
}

async function nodeParams(kernels: 'ts' | 'wasm' = 'ts'): Promise<Float32Array[]> {
  const wasm = kernels === 'wasm' ? await createWasmKernels({ threads: 1 }) : null;
  if (wasm) expect(wasm.name, wasm.fallback ?? '').toBe('wasm');
  setKernels(wasm ?? referenceKernels);
  try {
    return await nodeRun();
  } finally {
    setKernels(referenceKernels);
    await wasm?.dispose();
  }
}

async function nodeRun(): Promise<Float32Array[]> {
  const data = await loadDataset({ dataset: 'mnist', dataDir: mnistDir() });
  const recipe: Recipe = {
    epochs: settings.epochs, batchSize: settings.batchSize, optimizer: settings.optimizer, lr: settings.lr, schedule: settings.schedule,
    loss: 'xent', seed: settings.seed, augment: true, limit: LIMIT,
  };
  const model = new Sequential(ZOO['tiny']!.spec, settings.seed);
  await train(model, splitSource(data.train, { augment: DEFAULT_AUGMENT }), recipe);
  return model.params.map((p) => p.value.data);
}

describe('the training worker in Chromium', () => {
  it('runs a seeded run (paused, stepped, resumed) to the same bits as train() in Node, reference kernels', async () => {
    const run = await runInPage(settings, 3);
    const failed = run.events.find((e) => e.type === 'error');
    expect(failed, JSON.stringify(failed)).toBeUndefined();
    expect(run.events.find((e) => e.type === 'engine')).toMatchObject({ label: 'TypeScript reference' });
    expect(run.events.find((e) => e.type === 'data')).toMatchObject({ train: LIMIT, test: 10000, name: 'mnist' });
    const states = run.events.flatMap((e) => (e.type === 'state' ? [`${e.state}@${e.position.step}`] : []));
    expect(states).toEqual(['running@0', 'paused@0', 'paused@1', 'paused@2', 'paused@3', 'running@3', 'finished@20']);
    expect(run.step).toBe(20);
    const got = decodeModelFile(Uint8Array.from(run.bytes), 'page snapshot');
    expect(got.metadata).toMatchObject({ name: 'tiny', seed: 11, dataset: { name: 'mnist' } });
    expect(got.metadata.testAccuracyByEpoch).toHaveLength(2);
    const want = await nodeParams();
    expect(got.model.params.map((p) => p.value.data)).toEqual(want);
    // the events the Train view plots
    const progress = run.events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(10);
    const tests = run.events.filter((e) => e.type === 'test');
    expect(tests.filter((t) => t.type === 'test' && t.scope === 'epoch').map((t) => t.type === 'test' && t.examples)).toEqual([10000, 10000]);
    expect(tests.some((t) => t.type === 'test' && t.scope === 'subset' && t.examples === 100 && t.confusion.flat().reduce((a, b) => a + b, 0) === 100)).toBe(true);
    expect(run.events.filter((e) => e.type === 'weights').length).toBeGreaterThanOrEqual(5);
  }, 240_000);

  it('gives the same bits as Node on the WebAssembly kernels too (one thread each)', async () => {
    const run = await runInPage({ ...settings, kernels: 'auto', threads: 1 }, 1);
    expect(run.events.find((e) => e.type === 'engine')).toMatchObject({ label: 'WebAssembly SIMD, 1 thread' });
    const got = decodeModelFile(Uint8Array.from(run.bytes)).model.params.map((p) => p.value.data);
    expect(got).toEqual(await nodeParams('wasm'));
  }, 240_000);

  it('rewinds: the same settings again give the same bits', async () => {
    const a = await runInPage({ ...settings, epochs: 1 }, 0);
    const b = await runInPage({ ...settings, epochs: 1 }, 2);
    expect(a.bytes.length).toBeGreaterThan(1000);
    const pa = decodeModelFile(Uint8Array.from(a.bytes)).model.params.map((p) => p.value.data);
    const pb = decodeModelFile(Uint8Array.from(b.bytes)).model.params.map((p) => p.value.data);
    expect(pb).toEqual(pa);
  }, 240_000);

  it('reports bad settings and a data set the server does not have, and refuses a snapshot before any run', async () => {
    const r = await page.evaluate(async () => {
      const { TrainClient } = window.__trainHarness;
      const client = new TrainClient();
      const errors: string[] = [];
      const next = () => new Promise<string>((resolve) => { const off = client.onEvent((e) => { if (e.type === 'error') { off(); resolve(e.message); } }); });
      const early = await client.snapshot().then(() => 'no error', (e: Error) => e.message);
      const base = { optimizer: { kind: 'adam' as const }, lr: 0.01, schedule: { kind: 'constant' as const }, batchSize: 32, epochs: 1, augment: false, seed: 1, kernels: 'ts' as const };
      let p = next();
      client.start({ ...base, model: { kind: 'zoo', name: 'resnet' }, data: { kind: 'served', dataset: 'mnist' } });
      errors.push(await p);
      p = next();
      client.start({ ...base, model: { kind: 'zoo', name: 'tiny' }, data: { kind: 'served', dataset: 'fashion' } });
      errors.push(await p);
      p = next();
      client.start({ ...base, batchSize: 0, model: { kind: 'zoo', name: 'tiny' }, data: { kind: 'served', dataset: 'mnist', limit: 64 } });
      errors.push(await p);
      p = next();
      client.start({ ...base, model: { kind: 'zoo', name: 'tiny' }, data: { kind: 'drawn', digits: { images: new Uint8Array(784), labels: Uint8Array.of(12) } } });
      errors.push(await p);
      client.dispose();
      return { early, errors };
    });
    expect(r.early).toMatch(/no model to snapshot yet: start a run first/);
    expect(r.errors[0]).toMatch(/unknown zoo model 'resnet'; the zoo has mlp, tiny, lenet, cnn/);
    expect(r.errors[1]).toMatch(/Fashion-MNIST is not available on this server.*To add it/s);
    expect(r.errors[2]).toMatch(/batchSize.*positive integer, got 0/);
    expect(r.errors[3]).toMatch(/digit 0 is labelled 12, but the model has classes 0..9 only/);
  }, 120_000);

  it('fine-tunes a model file on drawn digits mixed with MNIST, repeating the drawn ones, and tests on held-out drawn digits', async () => {
    const file = Array.from(readFileSync(join(REPO_ROOT, 'models', 'tiny.safetensors')));
    const r = await page.evaluate(async (fileBytes) => {
      const { TrainClient } = window.__trainHarness;
      const client = new TrainClient();
      const events: { type: string; [k: string]: unknown }[] = [];
      let finished: () => void = () => {};
      const done = new Promise<void>((res) => (finished = res));
      client.onEvent((e) => {
        if (e.type !== 'weights') events.push(e as never);
        if (e.type === 'state' && (e.state === 'finished' || e.state === 'failed')) finished();
      });
      // 20 "drawn" digits: a vertical bar labelled 1, a horizontal one labelled 7 (a stand-in for a 7 with a bar)
      const digits = (n: number) => {
        const images = new Uint8Array(n * 784);
        const labels = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          labels[i] = i % 2 ? 7 : 1;
          for (let k = 6; k < 22; k++) images[i * 784 + (i % 2 ? 14 * 28 + k : k * 28 + 14)] = 255;
        }
        return { images, labels };
      };
      client.start({
        model: { kind: 'file', bytes: Uint8Array.from(fileBytes), name: 'tiny-finetuned' },
        data: { kind: 'drawn', digits: digits(20), mix: { dataset: 'mnist', images: 640 }, test: digits(6) },
        optimizer: { kind: 'adam' }, lr: 0.003, schedule: { kind: 'constant' }, batchSize: 32, epochs: 1, augment: true, seed: 2,
        cadence: { progressEvery: 5, weightsEvery: 0 },
      });
      await done;
      const snap = await client.snapshot();
      client.dispose();
      return { events, bytes: Array.from(snap.bytes) };
    }, file);
    expect(r.events.find((e) => e.type === 'error')).toBeUndefined();
    // 640 MNIST images and the 20 drawn ones repeated ceil(640 / 9 / 20) = 4 times
    expect(r.events.find((e) => e.type === 'data')).toMatchObject({ name: 'drawn+mnist', train: 640 + 80, test: 6 });
    const tests = r.events.filter((e) => e.type === 'test');
    expect(tests.map((t) => t['examples'])).toEqual([6]);
    const got = decodeModelFile(Uint8Array.from(r.bytes));
    expect(got.metadata).toMatchObject({ name: 'tiny-finetuned', dataset: { name: 'drawn+mnist' } });
    // it started from the file's weights, not from scratch: the first progress loss is that of a trained model
    const first = r.events.find((e) => e.type === 'progress');
    expect(first?.['loss']).toBeLessThan(1.5);
  }, 120_000);

  it('stops between batches, and the snapshot after the stop is the model at that step', async () => {
    const r = await page.evaluate(async (s) => {
      const { TrainClient } = window.__trainHarness;
      const client = new TrainClient();
      const states: string[] = [];
      let wake: (() => void) | null = null;
      client.onEvent((e) => {
        if (e.type === 'state') states.push(`${e.state}@${e.position.step}`);
        wake?.();
      });
      const until = async (ok: () => boolean) => { while (!ok()) await new Promise<void>((res) => (wake = res)); };
      client.start({ ...s, startPaused: true });
      await until(() => states.some((x) => x.startsWith('paused')));
      client.step();
      await until(() => states.includes('paused@1'));
      client.stop();
      await until(() => states.some((x) => x.startsWith('stopped')));
      const snap = await client.snapshot();
      client.dispose();
      return { states, step: snap.step };
    }, settings);
    expect(r.states).toEqual(['running@0', 'paused@0', 'paused@1', 'stopped@1']);
    expect(r.step).toBe(1);
  }, 120_000);
});
