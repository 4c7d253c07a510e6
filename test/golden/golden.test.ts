/**
 * Golden values: convscope's layers, losses and a whole LeNet against PyTorch's numbers in
 * fixtures.json (made by make-fixtures.py). Each case builds the layer through the public API,
 * copies PyTorch's weights in, and compares the forward output and the input and parameter
 * gradients for a random upstream gradient. It does not run PyTorch and does not check speed.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { Sequential } from '../../src/nn/model.js';
import type { Layer } from '../../src/nn/layer.js';
import { meanSquaredError, softmaxCrossEntropy } from '../../src/nn/losses.js';
import {
  RTOL,
  agreement,
  loadFixture,
  sameShape,
  uniformFloat32,
  uniformFloat64,
  type Dumped,
  type LayerCase,
  type Summary,
} from './fixture.js';

const fx = loadFixture();

function tensor(d: Dumped): Tensor {
  return Tensor.from(d.shape, d.data);
}

function expectAgrees(got: Tensor, want: Dumped, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const a = agreement(got.data, want.data, label);
  expect(a.worst, a.where).toBeLessThanOrEqual(1);
}

/** The param's name after the layer's: conv1.weight → weight, bn1.running_var → running_var. */
function suffix(name: string): string {
  return name.slice(name.indexOf('.') + 1);
}

/** Copies fixture tensors into a layer's params or buffers, insisting the names and shapes match one to one. */
function load(into: readonly { name: string; value: Tensor }[], from: Record<string, Dumped>, what: string): void {
  expect(into.map((p) => suffix(p.name)).sort(), `${what} names`).toEqual(Object.keys(from).sort());
  for (const p of into) {
    const d = from[suffix(p.name)];
    expect(p.value.shape, `${p.name} shape`).toEqual(d.shape);
    p.value.data.set(d.data);
  }
}

/** Builds the case's layer through Sequential (so the spec goes through the same door as a user's). */
function buildLayer(c: LayerCase): Layer {
  const layer = new Sequential({ input: c.x.shape.slice(1), layers: [c.spec] }, 1).layers[0];
  load(layer.params, c.params, `${c.name}: params`);
  if (c.buffersBefore) load(layer.buffers, c.buffersBefore, `${c.name}: buffers`);
  return layer;
}

function run(c: LayerCase): { layer: Layer; y: Tensor; dx: Tensor } {
  const layer = buildLayer(c);
  const cache = layer.forward(tensor(c.x), { mode: c.mode });
  for (const p of layer.params) p.grad.data.fill(0);
  const dx = layer.backward(tensor(c.dy), cache, { paramGrads: true });
  return { layer, y: cache.y, dx };
}

describe(`layers agree with PyTorch ${fx.torch}`, () => {
  for (const c of fx.layers) {
    it(`${c.name}: forward`, () => {
      expectAgrees(run(c).y, c.y, 'y');
    });

    it(`${c.name}: backward dx${Object.keys(c.grads).map((k) => `, d${k}`).join('')}`, () => {
      const { layer, dx } = run(c);
      expectAgrees(dx, c.dx, 'dx');
      for (const p of layer.params) expectAgrees(p.grad, c.grads[suffix(p.name)], `d${p.name}`);
    });

    const after = c.buffersAfter;
    if (after) {
      it(`${c.name}: running mean and (unbiased) variance after one step`, () => {
        const { layer } = run(c);
        for (const b of layer.buffers) expectAgrees(b.value, after[suffix(b.name)], b.name);
      });
    }
  }
});

describe('losses agree with PyTorch', () => {
  for (const c of fx.losses) {
    it(`${c.name}: loss and dLoss/doutput`, () => {
      const fn = c.kind === 'xent' ? softmaxCrossEntropy : meanSquaredError;
      const { loss, dy } = fn(tensor(c.output), c.labels);
      expect(Math.abs(loss - c.loss), `loss: got ${loss}, expected ${c.loss}`).toBeLessThanOrEqual(RTOL * Math.abs(c.loss));
      expectAgrees(dy, c.dy, 'dy');
    });
  }
});

/**
 * How far a float64 summary of `got` is from PyTorch's, as a multiple of its tolerance: sums within
 * RTOL of Σ|g| (the scale of their rounding), the projection within RTOL of Σ|g·r|, sampled entries
 * elementwise.
 */
function summaryAgreement(got: Tensor, want: Summary, label: string): { worst: number; where: string } {
  if (!sameShape(got.shape, want.shape)) return { worst: Infinity, where: `${label}: shape [${got.shape.join(',')}], expected [${want.shape.join(',')}]` };
  const r = uniformFloat64(want.projectionSeed, got.size, -1, 1);
  let sum = 0;
  let sumAbs = 0;
  let projection = 0;
  let projectionAbs = 0;
  for (let i = 0; i < got.size; i++) {
    const g = got.data[i];
    sum += g;
    sumAbs += Math.abs(g);
    projection += g * r[i];
    projectionAbs += Math.abs(g * r[i]);
  }
  const checks: [string, number, number, number][] = [
    ['sum', sum, want.sum, RTOL * want.sumAbs],
    ['sum of |g|', sumAbs, want.sumAbs, RTOL * want.sumAbs],
    ['projection', projection, want.projection, RTOL * projectionAbs],
  ];
  let worst = 0;
  let where = `${label}: exact`;
  for (const [what, g, w, tol] of checks) {
    const ratio = Math.abs(g - w) / tol;
    if (ratio > worst) [worst, where] = [ratio, `${label} ${what}: got ${g}, expected ${w}`];
  }
  const samples = agreement(want.indices.map((i) => got.data[i]), want.values, `${label} (sampled)`);
  return samples.worst > worst ? samples : { worst, where };
}

/** LeNet with PyTorch's weights (both drawn from mulberry32), its logits, loss and every gradient. */
function runLeNet(transposeImages = false) {
  const c = fx.lenet;
  const model = new Sequential(c.spec, 0);
  const byName = new Map(model.params.map((p) => [p.name, p]));
  for (const p of c.params) {
    const mine = byName.get(p.name);
    if (!mine) throw new Error(`LeNet has no param '${p.name}'; it has ${[...byName.keys()].join(', ')}`);
    mine.value.data.set(uniformFloat32(p.seed, mine.value.size, -p.bound, p.bound));
  }
  const images = new Tensor([c.labels.length, 1, 28, 28], uniformFloat32(c.inputSeed, c.labels.length * 28 * 28, 0, 1));
  if (transposeImages) {
    const t = images.clone();
    for (let n = 0; n < images.n; n++) for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) images.data[n * 784 + i * 28 + j] = t.data[n * 784 + j * 28 + i];
  }
  const trace = model.forward(images, { mode: 'train' });
  const { loss, dy } = softmaxCrossEntropy(trace.output, c.labels);
  model.zeroGrads();
  const back = model.backward(trace, dy);
  return { model, logits: trace.output, loss, dx: back.input };
}

describe(`whole network agrees with PyTorch: ${fx.lenet.name}`, () => {
  const c = fx.lenet;
  const lenet = runLeNet();

  it('weights drawn on both sides are the same (float64 checksums)', () => {
    for (const p of c.params) {
      const mine = lenet.model.params.find((q) => q.name === p.name);
      expect(mine?.value.shape, `${p.name} shape`).toEqual(p.shape);
      let sum = 0;
      for (const v of mine?.value.data ?? []) sum += v;
      // the same float32 values summed in float64 in another order: only last-bit differences
      expect(Math.abs(sum - p.checksum), `${p.name}: weight sum ${sum}, PyTorch's ${p.checksum}`).toBeLessThan(1e-9);
    }
  });

  it('logits and cross-entropy loss', () => {
    expectAgrees(lenet.logits, c.logits, 'logits');
    expect(Math.abs(lenet.loss - c.loss), `loss: got ${lenet.loss}, expected ${c.loss}`).toBeLessThanOrEqual(RTOL * c.loss);
  });

  it(`every weight gradient of the cross-entropy (${c.params.map((p) => p.name).join(', ')})`, () => {
    expect(lenet.model.params.map((p) => p.name).sort()).toEqual(Object.keys(c.grads).sort());
    for (const p of lenet.model.params) {
      const want = c.grads[p.name];
      if ('data' in want) {
        expectAgrees(p.grad, want, `d${p.name}`);
      } else {
        const a = summaryAgreement(p.grad, want, `d${p.name}`);
        expect(a.worst, a.where).toBeLessThanOrEqual(1);
      }
    }
  });

  it('gradient with respect to the input images', () => {
    const a = summaryAgreement(lenet.dx, c.dx, 'dx');
    expect(a.worst, a.where).toBeLessThanOrEqual(1);
  });
});

describe('the comparison can fail', () => {
  it('a 1e-4 relative error in one weight-gradient entry is caught (conv s=2 p=1)', () => {
    const c = fx.layers.find((l) => l.name.startsWith('conv x=[2,3,7,6] w=[4,3,3,3] s=2 p=1'));
    if (!c) throw new Error('fixture lost the conv s=2 p=1 case');
    const { layer } = run(c);
    const dW = layer.params[0].grad;
    dW.data[17] *= 1 + 1e-4;
    expect(agreement(dW.data, c.grads['weight'].data, 'dW').worst).toBeGreaterThan(1);
  });

  it('a convolution with its kernel flipped (true convolution, not cross-correlation) is caught', () => {
    const c = fx.layers.find((l) => l.name.startsWith('conv x=[2,3,7,6] w=[4,3,3,3] s=1 p=0'));
    if (!c) throw new Error('fixture lost the conv s=1 p=0 case');
    const layer = buildLayer(c);
    const w = layer.params[0].value;
    const k2 = w.shape[2] * w.shape[3];
    for (let i = 0; i < w.size; i += k2) w.data.subarray(i, i + k2).reverse();
    const y = layer.forward(tensor(c.x), { mode: 'train' }).y;
    expect(agreement(y.data, c.y.data, 'y').worst).toBeGreaterThan(1);
  });

  it('a sum that differs by 1e-4 of Σ|g| is caught in a LeNet gradient summary', () => {
    const p = runLeNet().model.params.find((q) => q.name === 'dense1.weight');
    const want = fx.lenet.grads['dense1.weight'];
    if (!p || 'data' in want) throw new Error('fixture lost the dense1.weight summary');
    p.grad.data[0] += 1e-4 * want.sumAbs;
    expect(summaryAgreement(p.grad, want, 'ddense1.weight').worst).toBeGreaterThan(1);
  });

  it('LeNet fed its images transposed (an H/W mix-up) is caught in the logits', () => {
    const { logits } = runLeNet(true);
    expect(agreement(logits.data, fx.lenet.logits.data, 'logits').worst).toBeGreaterThan(1);
  });
});
