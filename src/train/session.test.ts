/**
 * The controllable session: pause, step, stop and snapshot land between batches and leave the run
 * exactly the uninterrupted one (same seed → the same bits, on the reference and on the wasm
 * kernels with their shared memory); the events carry what the Train view plots.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { setKernels, referenceKernels } from '../engine/kernels/index.js';
import { createWasmKernels } from '../engine/kernels/wasm/index.js';
import { Sequential } from '../nn/model.js';
import type { ModelSpec } from '../nn/spec.js';
import { decodeModelFile } from '../io/model-file.js';
import type { BatchSource } from './batch-source.js';
import type { Recipe } from './trainer.js';
import { TrainingSession, type SessionSetup } from './session.js';
import type { SessionEvent } from './session-protocol.js';

/** 3 classes of 8×8 images, told apart by which third of the image is bright. */
function source(n: number, seed: number): BatchSource {
  const rng = new Rng(seed);
  const per = 64;
  const xs = new Float32Array(n * per);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = rng.int(3);
    for (let p = 0; p < per; p++) xs[i * per + p] = rng.uniform(0, 0.4) + (Math.floor((p % 8) / 3) === ys[i] ? 0.5 : 0);
  }
  return {
    size: n,
    shape: [1, 8, 8],
    fill(x, y, order, start, count, augment) {
      for (let b = 0; b < count; b++) {
        const i = order[start + b]!;
        for (let p = 0; p < per; p++) x[b * per + p] = xs[i * per + p]! + (augment ? augment.uniform(-0.02, 0.02) : 0);
        y[b] = ys[i]!;
      }
    },
    label: (i) => ys[i]!,
  };
}

const spec: ModelSpec = {
  input: [1, 8, 8],
  labels: ['a', 'b', 'c'],
  layers: [
    { kind: 'conv2d', outC: 4, k: 3, pad: 'same' },
    { kind: 'relu' },
    { kind: 'maxpool2d', size: 2 },
    { kind: 'conv2d', outC: 5, k: 3 },
    { kind: 'relu' },
    { kind: 'flatten' },
    { kind: 'dropout', rate: 0.1 },
    { kind: 'dense', units: 3 },
  ],
};

const recipe: Recipe = {
  epochs: 2, batchSize: 8, optimizer: { kind: 'adam' }, lr: 0.01, schedule: { kind: 'cosine' }, loss: 'xent', seed: 7, augment: true,
};
/** 80 examples / 8 = 10 batches an epoch, 20 in all */
const TOTAL = 20;

function makeSession(over: Partial<SessionSetup> = {}): { session: TrainingSession; events: SessionEvent[] } {
  const r = over.recipe ?? recipe;
  const session = new TrainingSession({
    model: new Sequential(spec, r.seed),
    train: source(80, 1),
    test: source(30, 2),
    recipe: r,
    name: 'toy',
    cadence: { progressEvery: 3, testEvery: 5, testSubset: 12, weightsEvery: 4 },
    ...over,
  });
  const events: SessionEvent[] = [];
  session.onEvent((e) => events.push(e));
  return { session, events };
}

const paramsOf = (s: TrainingSession): Float32Array[] => s.model.params.map((p) => p.value.data.slice());
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

async function untilState(s: TrainingSession, state: string, events: SessionEvent[], from = 0): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (events.slice(from).some((e) => e.type === 'state' && e.state === state)) return;
    await tick();
  }
  throw new Error(`the session never became ${state}; it is ${s.state}`);
}

describe('TrainingSession', () => {
  it('pauses before the first batch, steps one batch at a time and resumes to the end', async () => {
    const { session, events } = makeSession();
    const done = session.start({ paused: true });
    await untilState(session, 'paused', events);
    expect(session.position.step).toBe(0);
    await tick();
    await tick();
    expect(session.position.step).toBe(0); // nothing runs while paused
    for (let k = 1; k <= 3; k++) {
      const before = events.length;
      session.step();
      await untilState(session, 'paused', events, before);
      expect(session.position.step).toBe(k);
    }
    expect(session.position).toMatchObject({ epoch: 0, batch: 3, totalSteps: TOTAL, stepsPerEpoch: 10 });
    session.resume();
    await done;
    expect(session.state).toBe('finished');
    expect(session.position).toMatchObject({ step: TOTAL, epoch: 2, batch: 0 });
  });

  it('gives the same bits as an uninterrupted run however it was paused, stepped and snapshotted', async () => {
    const plain = makeSession();
    await plain.session.start();
    const want = paramsOf(plain.session);

    const { session, events } = makeSession();
    const done = session.start({ paused: true });
    await untilState(session, 'paused', events);
    session.step();
    await tick();
    session.snapshot();
    session.resume();
    session.pause();
    await untilState(session, 'paused', events, events.length);
    session.snapshot();
    session.step();
    session.step();
    await tick();
    session.resume();
    await done;
    expect(paramsOf(session)).toEqual(want);
  });

  it('stops between batches, keeps the model and snapshots it as a model file that decodes to the same weights', async () => {
    const { session, events } = makeSession();
    const done = session.start({ paused: true });
    await untilState(session, 'paused', events);
    for (let k = 0; k < 4; k++) {
      const before = events.length;
      session.step();
      await untilState(session, 'paused', events, before);
    }
    const mid = session.snapshot();
    await session.stop();
    await done;
    expect(session.state).toBe('stopped');
    expect(session.position.step).toBe(4);
    const loaded = decodeModelFile(mid, 'snapshot');
    expect(loaded.model.params.map((p) => p.value.data)).toEqual(paramsOf(session));
    expect(loaded.metadata).toMatchObject({ name: 'toy', seed: 7, recipe });
    // further commands after the end are ignored, the state stays
    session.resume();
    session.step();
    expect(session.state).toBe('stopped');
  });

  it('reports progress every N batches, subset tests with a confusion matrix, conv weights and epochs', async () => {
    const { session, events } = makeSession();
    await session.start();
    const progress = events.filter((e) => e.type === 'progress');
    // every 3 batches, and the rest of each epoch at its end: 3,6,9,10 | 13,16,19,20
    expect(progress.map((e) => e.step)).toEqual([3, 6, 9, 10, 13, 16, 19, 20]);
    for (const p of progress) {
      expect(p.loss).toBeGreaterThan(0);
      expect(p.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.accuracy).toBeLessThanOrEqual(1);
      expect(p.imagesPerSecond).toBeGreaterThan(0);
      expect(p.lr).toBeGreaterThan(0);
    }
    expect(progress[progress.length - 1]!.seconds).toBeGreaterThanOrEqual(progress[0]!.seconds);
    expect(progress.map((e) => e.epoch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    const tests = events.filter((e) => e.type === 'test');
    expect(tests.map((e) => `${e.scope}@${e.step}`)).toEqual(['subset@5', 'subset@10', 'epoch@10', 'subset@15', 'subset@20', 'epoch@20']);
    for (const t of tests) {
      expect(t.examples).toBe(t.scope === 'subset' ? 12 : 30);
      expect(t.confusion.length).toBe(3);
      expect(t.confusion.flat().reduce((a, b) => a + b, 0)).toBe(t.examples);
      const correct = t.confusion.reduce((s, row, i) => s + row[i]!, 0);
      expect(t.accuracy).toBeCloseTo(correct / t.examples, 12);
    }
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => e.stats.epoch)).toEqual([0, 1]);
    expect(epochs[1]!.stats.testAccuracy).toBe(tests[5]!.type === 'test' && tests[5]!.accuracy);
    // weights: at the start (the random initialisation), every 4 batches and at the end; the first conv only
    const weights = events.filter((e) => e.type === 'weights');
    expect(weights.map((e) => e.step)).toEqual([0, 4, 8, 12, 16, 20, 20]);
    expect(weights[0]!.layers.map((l) => [l.layer, l.index, l.shape])).toEqual([['conv1', 0, [4, 1, 3, 3]]]);
    expect(weights[0]!.layers[0]!.weight).not.toEqual(weights[1]!.layers[0]!.weight); // it learns
    const states = events.filter((e) => e.type === 'state').map((e) => e.state);
    expect(states).toEqual(['running', 'finished']);
  });

  it('sends every conv layer when asked, and a snapshot records the test accuracy per epoch', async () => {
    const { session, events } = makeSession({ cadence: { weightsEvery: 10, allConvWeights: true, progressEvery: 0 } });
    await session.start();
    const w = events.find((e) => e.type === 'weights');
    expect(w?.type === 'weights' && w.layers.map((l) => l.shape)).toEqual([[4, 1, 3, 3], [5, 4, 3, 3]]);
    expect(events.some((e) => e.type === 'progress')).toBe(false);
    const meta = decodeModelFile(session.snapshot()).metadata;
    expect(meta.testAccuracyByEpoch).toHaveLength(2);
    expect(meta.testAccuracy).toBe(meta.testAccuracyByEpoch![1]);
  });

  it('keeps paused time out of the training clock', async () => {
    let clock = 0;
    const { session, events } = makeSession({ now: () => clock, cadence: { progressEvery: 1 } });
    const done = session.start({ paused: true });
    await untilState(session, 'paused', events);
    clock += 60_000; // a minute paused
    session.resume();
    await done;
    const p = events.filter((e) => e.type === 'progress');
    expect(p.length).toBe(TOTAL);
    expect(p[p.length - 1]!.type === 'progress' && p[p.length - 1]!.seconds).toBe(0);
  });

  it('refuses bad cadences, a second start, and reports bad recipes and divergence as errors', async () => {
    expect(() => makeSession({ cadence: { progressEvery: -1 } })).toThrow(/progressEvery.*whole number ≥ 0.*-1/);
    expect(() => makeSession({ cadence: { testEvery: 5, testSubset: 0 } })).toThrow(/testSubset.*at least 1/);
    const ok = makeSession();
    const run = ok.session.start();
    expect(() => ok.session.start()).toThrow(/already started/);
    await run;

    const bad = makeSession({ recipe: { ...recipe, batchSize: 0 } });
    await bad.session.start();
    expect(bad.session.state).toBe('failed');
    expect(bad.events.find((e) => e.type === 'error')).toMatchObject({ kind: 'settings', message: expect.stringMatching(/batchSize.*positive integer/) });

    const wild = makeSession({ recipe: { ...recipe, optimizer: { kind: 'sgd' }, lr: 1e30, augment: false } });
    await wild.session.start();
    expect(wild.session.state).toBe('failed');
    expect(wild.events.find((e) => e.type === 'error')).toMatchObject({ kind: 'divergence' });
  });
});

describe('TrainingSession on the wasm kernels', () => {
  afterAll(() => void setKernels(referenceKernels));

  it('same seed → bit-identical parameters, paused and stepped or not', async () => {
    const k = await createWasmKernels({ threads: 1 });
    setKernels(k);
    try {
      const plain = makeSession();
      await plain.session.start();
      const want = paramsOf(plain.session);
      const { session, events } = makeSession();
      const done = session.start({ paused: true });
      await untilState(session, 'paused', events);
      session.step();
      await tick();
      session.snapshot();
      session.resume();
      await done;
      expect(paramsOf(session)).toEqual(want);
    } finally {
      setKernels(referenceKernels);
      await k.dispose();
    }
  });
});
