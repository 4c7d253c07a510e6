import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { Sequential } from '../nn/model.js';
import type { ModelSpec } from '../nn/spec.js';
import { encodeModelFile } from '../io/model-file.js';
import type { BatchSource } from './batch-source.js';
import { epochOrder, train, type Recipe } from './trainer.js';
import fc from 'fast-check';
import { learningRateAt } from './schedules.js';
import { createOptimizer } from './optimizers.js';
import { evaluate } from './metrics.js';

/** 2 classes of 6×5 two-channel images: class 1 has a bright bar. Learnable in a few steps. */
function synthetic(n: number, seed: number): BatchSource {
  const rng = new Rng(seed);
  const per = 2 * 6 * 5;
  const xs = new Float32Array(n * per);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = rng.int(2);
    for (let p = 0; p < per; p++) xs[i * per + p] = rng.uniform(0, 0.3) + (ys[i] && p % 5 === 2 ? 0.6 : 0);
  }
  return {
    size: n,
    shape: [2, 6, 5],
    fill(x, y, order, start, count, augment) {
      for (let b = 0; b < count; b++) {
        const i = order[start + b];
        for (let p = 0; p < per; p++) x[b * per + p] = xs[i * per + p] + (augment ? augment.uniform(-0.01, 0.01) : 0);
        y[b] = ys[i];
      }
    },
    label: (i) => ys[i],
  };
}

const spec: ModelSpec = {
  input: [2, 6, 5],
  layers: [
    { kind: 'conv2d', outC: 3, k: 3, pad: 'same' },
    { kind: 'batchnorm' },
    { kind: 'relu' },
    { kind: 'maxpool2d', size: 2 },
    { kind: 'flatten' },
    { kind: 'dropout', rate: 0.2 },
    { kind: 'dense', units: 2 },
  ],
};
const recipe: Recipe = {
  epochs: 3, batchSize: 8, optimizer: { kind: 'adamw', weightDecay: 0.01 }, lr: 0.01,
  schedule: { kind: 'cosine' }, loss: 'xent', seed: 42, augment: true,
};

async function run(opts: { stopAt?: number } = {}) {
  const model = new Sequential(spec, recipe.seed);
  const controller = new AbortController();
  const result = await train(model, synthetic(60, 1), recipe, {
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'batch' && e.step === opts.stopAt) controller.abort();
    },
  });
  return { model, result };
}

describe('train', () => {
  it('learns a separable synthetic task (accuracy rises from chance)', async () => {
    const { model, result } = await run();
    expect(result.completed).toBe(true);
    expect(result.history).toHaveLength(3);
    expect(evaluate(model, synthetic(60, 1)).accuracy).toBeGreaterThan(0.8);
  });

  it('two runs with the same seed give bit-identical model files', async () => {
    const a = await run();
    const b = await run();
    expect(Buffer.from(encodeModelFile(a.model, {})).equals(Buffer.from(encodeModelFile(b.model, {})))).toBe(true);
  });

  it('a different seed gives different weights', async () => {
    const a = new Sequential(spec, 1);
    const b = new Sequential(spec, 2);
    expect(a.params[0].value.data).not.toEqual(b.params[0].value.data);
  });

  it('stopping mid-epoch and resuming gives the same weights as an uninterrupted run', async () => {
    const whole = await run();
    const stopped = await run({ stopAt: 11 }); // mid second epoch (8 batches an epoch)
    expect(stopped.result.completed).toBe(false);
    expect(stopped.result.state.epoch).toBe(1);
    expect(stopped.result.state.batch).toBe(3);
    const resumed = await train(stopped.model, synthetic(60, 1), recipe, { resume: stopped.result.state });
    expect(resumed.completed).toBe(true);
    expect(Buffer.from(encodeModelFile(stopped.model, {})).equals(Buffer.from(encodeModelFile(whole.model, {})))).toBe(true);
  });

  it('refuses a bad recipe with the field named', async () => {
    await expect(train(new Sequential(spec), synthetic(8, 1), { ...recipe, batchSize: 0 })).rejects.toThrow("recipe: 'batchSize' must be a positive integer, got 0");
    await expect(train(new Sequential(spec), synthetic(8, 1), { ...recipe, lr: NaN })).rejects.toThrow(/'lr' must be a positive number/);
  });
});

describe('epochOrder', () => {
  it('is a permutation of 0..n-1 fixed by (seed, epoch) alone, so a resumed run sees the same order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(1000), (n, seed, epoch) => {
        const p = epochOrder(n, seed, epoch);
        expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(epochOrder(n, seed, epoch)).toEqual(p);
      }),
      { numRuns: 50 },
    );
    const a = epochOrder(1000, 1, 0);
    expect(epochOrder(1000, 1, 1)).not.toEqual(a);
    expect(epochOrder(1000, 2, 0)).not.toEqual(a);
  });
});

describe('schedules', () => {
  it('cosine goes from lr to 0; onecycle rises then falls; step decays', () => {
    expect(learningRateAt({ kind: 'cosine' }, 1, 0, 10, 100)).toBeCloseTo(1);
    expect(learningRateAt({ kind: 'cosine' }, 1, 50, 10, 100)).toBeCloseTo(0.5);
    expect(learningRateAt({ kind: 'cosine' }, 1, 100, 10, 100)).toBeCloseTo(0);
    const oc = Array.from({ length: 100 }, (_, s) => learningRateAt({ kind: 'onecycle' }, 1, s, 10, 100));
    expect(oc[0]).toBeCloseTo(0.04);
    expect(Math.max(...oc)).toBeCloseTo(1, 2);
    expect(oc[99]).toBeLessThan(1e-4);
    expect(learningRateAt({ kind: 'step', everyEpochs: 2, gamma: 0.1 }, 1, 45, 10, 100)).toBeCloseTo(0.01);
  });
});

describe('optimizers (one step against hand-computed PyTorch rules)', () => {
  const param = () => {
    const m = new Sequential({ input: [2], layers: [{ kind: 'dense', units: 1 }] }, 0);
    const [w, b] = m.params;
    w.value.data.set([1, -2]);
    w.grad.data.set([0.5, 0.25]);
    b.value.data.set([0]);
    b.grad.data.set([1]);
    return m.params;
  };
  it('sgd with momentum and weight decay (weights only)', () => {
    const p = param();
    const opt = createOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 0.1 });
    opt.step(p, 0.1);
    opt.step(p, 0.1);
    // step 1: g = [0.6, 0.05], v = g, w = [0.94, -2.005]; step 2: g = [0.594, 0.0495], v = 0.9v + g
    expect(p[0].value.data[0]).toBeCloseTo(0.94 - 0.1 * (0.9 * 0.6 + 0.594), 6);
    expect(p[1].value.data[0]).toBeCloseTo(-0.1 - 0.1 * 1.9, 6);
  });
  it('adam first step moves each weight by lr·sign(g)', () => {
    const p = param();
    createOptimizer({ kind: 'adam' }).step(p, 0.01);
    expect(p[0].value.data[0]).toBeCloseTo(0.99, 6);
    expect(p[0].value.data[1]).toBeCloseTo(-2.01, 6);
  });
  it('adamw decays decoupled from the gradient', () => {
    const p = param();
    createOptimizer({ kind: 'adamw', weightDecay: 0.5 }).step(p, 0.01);
    expect(p[0].value.data[0]).toBeCloseTo(1 * (1 - 0.005) - 0.01, 6);
  });
  it('refuses nonsense', () => {
    expect(() => createOptimizer({ kind: 'sgd', nesterov: true })).toThrow(/Nesterov needs momentum > 0/);
    expect(() => createOptimizer({ kind: 'adam', beta1: -1 })).toThrow(/'beta1' must be a non-negative number/);
  });
});
