/**
 * Divergence is caught in the step it happens, on the reference kernels and on the SIMD ones with
 * the run placed in their memory: each kind (a NaN loss, a NaN gradient behind a finite loss, an
 * update that overflows the weights, a finite loss that explodes) stops training with the step and
 * layer named; a bad loss or gradient leaves the last good weights. And the end-of-epoch
 * checkpoints: when they come, and that resuming from one gives the uninterrupted run's bits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { referenceKernels, setKernels, type Kernels } from '../engine/kernels/index.js';
import { createWasmKernels, type FastKernels } from '../engine/kernels/wasm/index.js';
import { Sequential } from '../nn/model.js';
import type { ModelSpec } from '../nn/spec.js';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import type { BatchSource } from './batch-source.js';
import { checkpointParts, stateFromCheckpoint } from './checkpoint.js';
import { DivergenceError, watchLoss, type LossWatch } from './divergence.js';
import { train, type Recipe, type TrainState } from './trainer.js';

let wasm: FastKernels;
beforeAll(async () => {
  wasm = await createWasmKernels();
});
afterAll(async () => {
  await wasm.dispose();
});

/** n examples of `per` values from `pixel(i, p)`, labelled by `label(i)`, served in epoch order. */
function source(n: number, shape: number[], pixel: (i: number, p: number) => number, label: (i: number) => number): BatchSource {
  const per = shape.reduce((a, b) => a * b, 1);
  return {
    size: n,
    shape,
    fill(x, y, order, start, count) {
      for (let b = 0; b < count; b++) {
        const i = order[start + b]!;
        for (let p = 0; p < per; p++) x[b * per + p] = pixel(i, p);
        y[b] = label(i);
      }
    },
    label,
  };
}

/** Served in index order whatever the epoch's permutation, so "batch k" is known. */
function ordered(n: number, shape: number[], pixel: (i: number, p: number) => number, label: (i: number) => number): BatchSource {
  const s = source(n, shape, pixel, label);
  return { ...s, fill: (x, y, _order, start, count, a) => s.fill(x, y, Array.from({ length: n }, (_, i) => i), start, count, a) };
}

const images = (n: number, seed: number) => {
  const rng = new Rng(seed);
  const xs = Float32Array.from({ length: n * 30 }, () => rng.uniform(0, 1));
  return { pixel: (i: number, p: number) => xs[i * 30 + p]!, label: (i: number) => i % 3 };
};

const convSpec: ModelSpec = {
  input: [1, 6, 5],
  layers: [{ kind: 'conv2d', outC: 3, k: 3, pad: 'same' }, { kind: 'relu' }, { kind: 'flatten' }, { kind: 'dense', units: 3 }],
};
const recipe: Recipe = { epochs: 2, batchSize: 4, optimizer: { kind: 'sgd', momentum: 0.9 }, lr: 0.01, schedule: { kind: 'constant' }, loss: 'xent', seed: 7, augment: false };

const KERNELS: [string, () => Kernels][] = [
  ['ts', () => referenceKernels],
  ['wasm (run placed in kernel memory)', () => wasm],
];

async function divergence(p: Promise<unknown>): Promise<DivergenceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DivergenceError) return e;
    throw e;
  }
  throw new Error('expected training to stop with a DivergenceError, but it finished');
}

const weights = (m: Sequential) => m.params.map((p) => Array.from(p.value.data));

describe.each(KERNELS)('divergence on %s kernels', (_name, k) => {
  let previous: Kernels;
  beforeAll(() => {
    previous = setKernels(k());
  });
  afterAll(() => {
    setKernels(previous);
  });

  it('a NaN pixel in batch 3 reaching the logits: stopped at step 3 before the update, the input named', async () => {
    const { pixel, label } = images(40, 1);
    const data = ordered(40, [1, 6, 5], (i, p) => (i === 9 && p === 4 ? NaN : pixel(i, p)), label);
    const model = new Sequential({ input: [1, 6, 5], layers: [{ kind: 'conv2d', outC: 3, k: 3 }, { kind: 'flatten' }, { kind: 'dense', units: 3 }] }, 7);
    let before: number[][] = [];
    const e = await divergence(
      train(model, data, recipe, {
        onEvent: (ev) => {
          if (ev.type === 'batch') before = weights(model);
        },
      }),
    );
    expect(e.facts).toMatchObject({ kind: 'loss', step: 3, epoch: 0, batch: 2, layer: 'the input' });
    expect(e.message).toBe("training diverged at step 3 (epoch 1, batch 3): the model's output holds NaN or ±∞, so the loss cannot be computed; the first layer with a non-finite output is the input");
    expect(weights(model)).toEqual(before);
  });

  it('the same NaN pixel behind a relu (which turns NaN into 0): a finite loss, caught in conv1\'s gradient at step 3', async () => {
    const { pixel, label } = images(40, 1);
    const data = ordered(40, [1, 6, 5], (i, p) => (i === 9 && p === 4 ? NaN : pixel(i, p)), label);
    const e = await divergence(train(new Sequential(convSpec, 7), data, recipe));
    expect(e.facts).toMatchObject({ kind: 'gradient', step: 3, param: 'conv1.weight', layer: 'conv1' });
  });

  it('activations that overflow behind a relu: a finite loss, NaN gradients, the layer named and the step not applied', async () => {
    // dense1's huge weights overflow its outputs to +∞; dense2 mixes them into ∞ − ∞ = NaN, which
    // relu turns into 0, so the loss stays finite; dense2's weight gradient is 0·∞ = NaN.
    const spec: ModelSpec = { input: [4], layers: [{ kind: 'dense', units: 2 }, { kind: 'relu' }, { kind: 'dense', units: 2 }, { kind: 'relu' }, { kind: 'dense', units: 3 }] };
    const model = new Sequential(spec, 3);
    model.params[0]!.value.data.fill(3e38);
    model.params[2]!.value.data.set([1, -1, -1, 1]);
    const start = weights(model);
    const data = source(8, [4], () => 1, (i) => i % 3);
    const e = await divergence(train(model, data, recipe));
    expect(e.facts).toMatchObject({ kind: 'gradient', step: 1, param: 'dense2.weight', layer: 'dense2' });
    expect(Number.isFinite(e.facts.loss)).toBe(true);
    expect(e.message).toMatch(/^training diverged at step 1 \(epoch 1, batch 1\): the gradient of dense2\.weight \(layer dense2\) holds non-finite values \(Σg² = NaN\); the step was not applied \(loss [\d.]+\)$/);
    expect(weights(model)).toEqual(start);
  });

  it('an update that overflows the weights (SGD at lr 1e300): stopped at step 1, the first such parameter named', async () => {
    const { pixel, label } = images(40, 2);
    const model = new Sequential(convSpec, 7);
    const e = await divergence(train(model, source(40, [1, 6, 5], pixel, label), { ...recipe, lr: 1e300 }));
    expect(e.facts).toMatchObject({ kind: 'weights', step: 1, param: 'conv1.weight', layer: 'conv1' });
    expect(e.message).toMatch(/^training diverged at step 1 \(epoch 1, batch 1\): the update made conv1\.weight \(layer conv1\) non-finite \(Σw² = (Infinity|NaN)\)/);
  });

  it('a finite loss that explodes: above 10× the first batch for 5 batches in a row, stopped at the fifth', async () => {
    // one input, confidently class 0 at the start; batch 1 is labelled 0 (loss ≈ 5e-5), every later one 1 (≈ 10)
    const spec: ModelSpec = { input: [1], layers: [{ kind: 'dense', units: 2 }] };
    const model = new Sequential(spec, 1);
    model.params[0]!.value.data.set([5, -5]);
    model.params[1]!.value.data.set([0, 0]);
    const data = ordered(40, [1], () => 1, (i) => (i < 4 ? 0 : 1));
    const e = await divergence(train(model, data, { ...recipe, lr: 1e-6 }));
    expect(e.facts).toMatchObject({ kind: 'exploding-loss', step: 6, batches: 5, factor: 10 });
    expect(e.facts.limit).toBeCloseTo(10 * e.facts.startLoss!, 12);
    expect(e.message).toMatch(/^training diverged at step 6 \(epoch 1, batch 6\): the loss has stayed above [\d.e-]+ \(10× the first batch's [\d.e-]+\) for 5 batches, now [\d.]+$/);
    // the rule is an option: off, the same run completes
    const again = new Sequential(spec, 1);
    again.params[0]!.value.data.set([5, -5]);
    again.params[1]!.value.data.set([0, 0]);
    expect((await train(again, data, { ...recipe, lr: 1e-6 }, { lossExplosion: false })).completed).toBe(true);
  });

  it('a healthy run is not flagged, and the checks leave its bits alone', async () => {
    const { pixel, label } = images(40, 3);
    const data = source(40, [1, 6, 5], pixel, label);
    const a = new Sequential(convSpec, 7);
    const b = new Sequential(convSpec, 7);
    expect((await train(a, data, { ...recipe, epochs: 3 })).completed).toBe(true);
    expect((await train(b, data, { ...recipe, epochs: 3 }, { lossExplosion: false })).completed).toBe(true);
    expect(Buffer.from(encodeModelFile(a, {})).equals(Buffer.from(encodeModelFile(b, {})))).toBe(true);
  });
});

describe('watchLoss', () => {
  const rule = { factor: 10, batches: 3 };
  it('takes the first loss as the start, counts consecutive batches above factor × start, and resets below it', () => {
    const w: LossWatch = { startLoss: null, above: 0 };
    expect(watchLoss(w, 2, rule)).toBeNull();
    expect(w).toEqual({ startLoss: 2, above: 0 });
    expect([25, 30, 19, 21, 21].map((l) => watchLoss(w, l, rule))).toEqual([null, null, null, null, null]);
    expect(w.above).toBe(2);
    expect(watchLoss(w, 1e9, rule)).toEqual({ startLoss: 2, factor: 10, limit: 20, batches: 3 });
  });
  it('never fires with the rule off or from a start of 0', () => {
    const off: LossWatch = { startLoss: null, above: 0 };
    const zero: LossWatch = { startLoss: null, above: 0 };
    watchLoss(zero, 0, rule);
    for (let i = 0; i < 10; i++) {
      expect(watchLoss(off, 1e30, false)).toBeNull();
      expect(watchLoss(zero, 1e30, rule)).toBeNull();
    }
  });
  it('refuses nonsense options', async () => {
    const data = source(4, [1], () => 1, () => 0);
    const m = new Sequential({ input: [1], layers: [{ kind: 'dense', units: 2 }] });
    await expect(train(m, data, recipe, { lossExplosion: { factor: 1, batches: 5 } })).rejects.toThrow("train: 'lossExplosion' needs a finite factor > 1");
    await expect(train(m, data, recipe, { checkpointEvery: 0 })).rejects.toThrow("train: 'checkpointEvery' must be a positive integer (epochs), got 0");
  });
});

describe('end-of-epoch checkpoints', () => {
  const { pixel, label } = images(40, 4);
  const data = source(40, [1, 6, 5], pixel, label);
  const long: Recipe = { ...recipe, epochs: 5, optimizer: { kind: 'adam' }, lr: 0.01 };

  it('come after every epoch but the last (or every N), at the next epoch\'s first batch', async () => {
    const seen: [number, number][] = [];
    const every2: number[] = [];
    await train(new Sequential(convSpec, 7), data, long, { onCheckpoint: (s) => void seen.push([s.epoch, s.batch]) });
    await train(new Sequential(convSpec, 7), data, long, { checkpointEvery: 2, onCheckpoint: (s) => void every2.push(s.epoch) });
    expect(seen).toEqual([[1, 0], [2, 0], [3, 0], [4, 0]]);
    expect(every2).toEqual([2, 4]);
  });

  it.each(KERNELS)('resuming from any of them (through the file form) gives the uninterrupted run\'s bits, %s', async (_name, k) => {
    const previous = setKernels(k());
    try {
      const whole = new Sequential(convSpec, 7);
      const states: { state: TrainState; weights: Uint8Array }[] = [];
      await train(whole, data, long, { onCheckpoint: (s) => void states.push({ state: s, weights: encodeModelFile(whole, {}) }) });
      const want = Buffer.from(encodeModelFile(whole, {}));
      for (const { state, weights: w } of states) {
        const { meta, extras } = checkpointParts(state, long);
        const back = stateFromCheckpoint(JSON.parse(JSON.stringify(meta)), extras, 'ckpt');
        const model = new Sequential(convSpec, 99);
        // the checkpoint's weights are the model file's: load them the way --resume does
        const loaded = decodeModelFile(w).model;
        model.params.forEach((p, i) => p.value.data.set(loaded.params[i]!.value.data));
        expect(back.state.lossWatch.startLoss).toBe(states[0]!.state.lossWatch.startLoss);
        const r = await train(model, data, back.recipe, { resume: back.state });
        expect(r.completed).toBe(true);
        expect(Buffer.from(encodeModelFile(model, {})).equals(want), `resumed at epoch ${state.epoch}`).toBe(true);
      }
    } finally {
      setKernels(previous);
    }
  });
});
