import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import { checkLayerGradients } from './gradient-check.js';
import { Sequential } from './model.js';
import type { LayerSpec } from './spec.js';
import { distillationLoss, meanSquaredError, softmaxCrossEntropy } from './losses.js';

/** A one-layer model gives a built layer with PyTorch-style names and shapes. */
function build(spec: LayerSpec, inShape: number[], seed = 3) {
  return new Sequential({ input: inShape, layers: [spec] }, seed).layers[0];
}

/**
 * Random input. `kinked` layers (ReLU at 0, pooling ties) get a shuffle of well-separated values
 * that avoid zero, so no finite-difference step can cross a kink.
 */
function randomInput(shape: number[], seed: number, kinked = false): Tensor {
  const rng = new Rng(seed);
  const t = new Tensor(shape);
  if (kinked) {
    const order = rng.permutation(t.size);
    for (let i = 0; i < t.size; i++) t.data[i] = (order[i] - t.size / 2 + 0.5) * 0.05;
    return t;
  }
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1);
  return t;
}

// C > 1 and H ≠ W everywhere: with one channel or square maps, NCHW/NHWC mix-ups hide.
const cases: { name: string; spec: LayerSpec; input: number[]; kinked?: boolean; mode?: 'train' | 'eval' }[] = [
  { name: 'dense in=7 out=5', spec: { kind: 'dense', units: 5 }, input: [3, 7] },
  { name: 'conv x=[2,3,7,5] w=[4,3,3,3] s=1 p=valid', spec: { kind: 'conv2d', outC: 4, k: 3 }, input: [2, 3, 7, 5] },
  { name: 'conv x=[2,3,8,6] w=[4,3,3,3] s=2 p=same', spec: { kind: 'conv2d', outC: 4, k: 3, stride: 2, pad: 'same' }, input: [2, 3, 8, 6] },
  { name: 'conv x=[2,2,9,7] w=[3,2,3,2] s=[2,1] p=[1,0,2,1]', spec: { kind: 'conv2d', outC: 3, k: [3, 2], stride: [2, 1], pad: [1, 0, 2, 1] }, input: [2, 2, 9, 7] },
  { name: 'conv x=[1,2,9,8] w=[2,2,3,3] dilation=2 p=2', spec: { kind: 'conv2d', outC: 2, k: 3, dilation: 2, pad: 2 }, input: [1, 2, 9, 8] },
  { name: 'maxpool x=[2,3,6,4] size=2', spec: { kind: 'maxpool2d', size: 2 }, input: [2, 3, 6, 4], kinked: true },
  { name: 'maxpool x=[2,3,7,5] size=3 stride=2', spec: { kind: 'maxpool2d', size: 3, stride: 2 }, input: [2, 3, 7, 5], kinked: true },
  { name: 'avgpool x=[2,3,6,4] size=2', spec: { kind: 'avgpool2d', size: 2 }, input: [2, 3, 6, 4] },
  { name: 'avgpool x=[2,3,7,5] size=3 stride=1', spec: { kind: 'avgpool2d', size: 3, stride: 1 }, input: [2, 3, 7, 5] },
  { name: 'relu x=[2,3,4,5]', spec: { kind: 'relu' }, input: [2, 3, 4, 5], kinked: true },
  { name: 'leakyrelu alpha=0.1 x=[2,3,4,5]', spec: { kind: 'leakyrelu', alpha: 0.1 }, input: [2, 3, 4, 5], kinked: true },
  { name: 'sigmoid x=[2,3,4,5]', spec: { kind: 'sigmoid' }, input: [2, 3, 4, 5] },
  { name: 'tanh x=[2,3,4,5]', spec: { kind: 'tanh' }, input: [2, 3, 4, 5] },
  { name: 'softmax x=[3,7]', spec: { kind: 'softmax' }, input: [3, 7] },
  { name: 'flatten x=[2,3,4,5]', spec: { kind: 'flatten' }, input: [2, 3, 4, 5] },
  { name: 'dropout rate=0.4 x=[2,3,4,5] (train)', spec: { kind: 'dropout', rate: 0.4 }, input: [2, 3, 4, 5] },
  { name: 'batchnorm x=[4,3,5,4] (train)', spec: { kind: 'batchnorm' }, input: [4, 3, 5, 4] },
  { name: 'batchnorm x=[6,5] (train)', spec: { kind: 'batchnorm' }, input: [6, 5] },
  { name: 'batchnorm x=[4,3,5,4] (eval)', spec: { kind: 'batchnorm' }, input: [4, 3, 5, 4], mode: 'eval' },
];

describe('every layer: backward matches finite differences', () => {
  for (const c of cases) {
    it(c.name, () => {
      const layer = build(c.spec, c.input.slice(1));
      const x = randomInput(c.input, 11, c.kinked);
      const result = checkLayerGradients(layer, x, { mode: c.mode ?? 'train' });
      expect(result.worst, result.where).toBeLessThan(1);
    });
  }

  it('the check itself fails on a wrong backward (conv with its dx scaled by 1.1)', () => {
    const layer = build({ kind: 'conv2d', outC: 2, k: 3 }, [2, 5, 4]);
    const original = layer.backward.bind(layer);
    layer.backward = (dy, cache, o) => {
      const dx = original(dy, cache, o) as Tensor;
      for (let i = 0; i < dx.size; i++) dx.data[i] *= 1.1;
      return dx;
    };
    const result = checkLayerGradients(layer, randomInput([2, 2, 5, 4], 5));
    expect(result.worst).toBeGreaterThan(1);
  });
});

describe('losses: gradient matches finite differences', () => {
  const labels = [2, 0, 4];
  for (const [name, fn] of [
    ['softmaxCrossEntropy', softmaxCrossEntropy],
    ['meanSquaredError', meanSquaredError],
    ['distillationLoss T=3 alpha=0.7', (x: Tensor, l: number[]) => distillationLoss(x, randomInput([3, 5], 4), l, 3, 0.7)],
  ] as const) {
    it(`${name} logits=[3,5]`, () => {
      const x = randomInput([3, 5], 9);
      const { dy } = fn(x, labels);
      const h = 1e-2;
      for (let i = 0; i < x.size; i++) {
        const keep = x.data[i];
        x.data[i] = keep + h;
        const up = fn(x, labels).loss;
        x.data[i] = keep - h;
        const down = fn(x, labels).loss;
        x.data[i] = keep;
        expect(dy.data[i]).toBeCloseTo((up - down) / (2 * h), 3);
      }
    });
  }

  it('softmaxCrossEntropy stays finite for huge logits', () => {
    const x = Tensor.from([1, 3], [1000, -1000, 0]);
    expect(softmaxCrossEntropy(x, [1]).loss).toBeCloseTo(2000, 0);
  });

  it('refuses labels out of range and NaN logits', () => {
    expect(() => softmaxCrossEntropy(Tensor.from([1, 3], [0, 0, 0]), [3])).toThrowErrorMatchingInlineSnapshot(
      `[ShapeError: softmaxCrossEntropy: label[0] = 3 is not a class index in 0..2]`,
    );
    expect(() => softmaxCrossEntropy(Tensor.from([1, 3], [NaN, 0, 0]), [1])).toThrow(/NaN or Infinity/);
  });
});

describe('model backward from any layer', () => {
  it('whole-model input gradient matches finite differences (cnn-like, 2 classes)', () => {
    const model = new Sequential(
      {
        input: [2, 8, 6],
        normalize: { mean: 0.1, std: 0.5 },
        layers: [
          { kind: 'conv2d', outC: 3, k: 3, pad: 'same' },
          { kind: 'tanh' },
          { kind: 'avgpool2d', size: 2 },
          { kind: 'flatten' },
          { kind: 'dense', units: 4 },
        ],
      },
      5,
    );
    const x = randomInput([2, 2, 8, 6], 3);
    const labels = [1, 3];
    const lossOf = () => softmaxCrossEntropy(model.forward(x).output, labels).loss;
    const trace = model.forward(x);
    const { dy } = softmaxCrossEntropy(trace.output, labels);
    const back = model.backward(trace, dy, { paramGrads: false });
    const h = 1e-2;
    for (let i = 0; i < x.size; i += 5) {
      const keep = x.data[i];
      x.data[i] = keep + h;
      const up = lossOf();
      x.data[i] = keep - h;
      const down = lossOf();
      x.data[i] = keep;
      expect(back.input.data[i]).toBeCloseTo((up - down) / (2 * h), 3);
    }
    expect(back.gradients.every((g) => g !== undefined)).toBe(true);
    expect(model.params.every((p) => p.grad.data.every((v) => v === 0))).toBe(true);
  });

  it('a seed at a middle layer fills gradients up to that layer only', () => {
    const model = new Sequential({ input: [1, 6, 6], layers: [{ kind: 'conv2d', outC: 2, k: 3 }, { kind: 'relu' }, { kind: 'flatten' }, { kind: 'dense', units: 3 }] });
    const trace = model.forward(randomInput([1, 1, 6, 6], 2));
    const seed = new Tensor([1, 2, 4, 4]);
    seed.data[5] = 1;
    const back = model.backward(trace, seed, { from: 'relu1' });
    expect(back.gradients[1]).toBe(seed);
    expect(back.gradients[2]).toBeUndefined();
    expect(back.gradients[0]?.shape).toEqual([1, 2, 4, 4]);
    expect(() => model.backward(trace, new Tensor([1, 3]), { from: 1 })).toThrow(/must have its output's shape \[1,2,4,4\], got \[1,3\]/);
  });
});

describe('the training backward pass', () => {
  const specs = {
    'mlp (flatten first)': { input: [1, 4, 5], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 6 }, { kind: 'sigmoid' }, { kind: 'dense', units: 3 }] },
    'cnn (conv first)': { input: [2, 5, 5], layers: [{ kind: 'conv2d', outC: 3, k: 3 }, { kind: 'relu' }, { kind: 'flatten' }, { kind: 'dense', units: 3 }] },
  } as const;
  for (const [name, spec] of Object.entries(specs)) {
    it(`${name}: the same parameter gradients as backward(), without running anything below the lowest layer with parameters`, () => {
      const x = randomInput([3, ...spec.input], 4);
      const seed = randomInput([3, 3], 5);
      const a = new Sequential(spec as never, 7), b = new Sequential(spec as never, 7);
      a.backward(a.forward(x), seed);
      const lowest = b.layers.findIndex((l) => l.params.length > 0);
      const calls: { layer: number; inputGrad: boolean }[] = [];
      b.layers.forEach((l, i) => {
        const inner = l.backward.bind(l);
        l.backward = (dy, cache, opts) => {
          calls.push({ layer: i, inputGrad: opts.inputGrad ?? true });
          return inner(dy, cache, opts);
        };
      });
      b.backwardForTraining(b.forward(x), seed);
      expect(calls.map((c) => c.layer)).toEqual(b.layers.map((_, i) => i).filter((i) => i >= lowest).reverse());
      expect(calls.at(-1)).toEqual({ layer: lowest, inputGrad: false });
      a.params.forEach((p, i) => expect(Array.from(b.params[i]!.grad.data), p.name).toEqual(Array.from(p.grad.data)));
    });
  }
});
