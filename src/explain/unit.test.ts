/**
 * The step-through's arithmetic agrees with the engine for every kind of unit (conv with and
 * without padding and stride, dense, max pooling, activations, the output's softmax).
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../nn/model.js';
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { ZOO } from '../models/zoo.js';
import type { ModelSpec } from '../nn/spec.js';
import { explainUnit, finalEngineValue, stepNames, unitIndex, unitPosition } from './unit.js';

function digit(seed: number): Tensor {
  const rng = new Rng(seed);
  const x = new Tensor([1, 1, 28, 28]);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.next() < 0.3 ? rng.next() : 0;
  return x;
}

/** float32 accumulation in the engine vs float64 here: equal to float32 rounding of the partial sums */
function expectSameValue(recomputed: number, engine: number): void {
  expect(Math.abs(recomputed - engine)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(engine)));
}

describe('explainUnit', () => {
  const lenet = new Sequential(ZOO['lenet'].spec, 3);
  const trace = lenet.forward(digit(1));

  it('recomputes every 37th unit of conv1 and conv2 (lenet, C=1 and C=20) from patch × kernel + bias', () => {
    for (const layer of [0, 2]) {
      const n = trace.steps[layer].cache.y.size;
      for (let index = 0; index < n; index += 37) {
        const e = explainUnit(lenet, trace, { layer, index });
        if (e.kind !== 'conv2d') throw new Error('expected a conv explanation');
        expect(e.C).toBe(layer === 0 ? 1 : 20);
        expect(e.products.length).toBe(e.C * 25);
        expect(e.channelSums.reduce((a, b) => a + b, 0)).toBeCloseTo(e.sum, 10);
        expectSameValue(e.value, trace.steps[layer].cache.y.data[index]);
        expect(e.engine).toBe(trace.steps[layer].cache.y.data[index]);
      }
    }
  });

  it('takes the patch at the unit position: conv2 unit (c=7, y=3, x=5) reads pool1 rows 3..7, cols 5..9', () => {
    const index = unitIndex([50, 8, 8], 7, 3, 5);
    const e = explainUnit(lenet, trace, { layer: 2, index });
    if (e.kind !== 'conv2d') throw new Error('expected a conv explanation');
    expect(e.position).toEqual({ c: 7, y: 3, x: 5 });
    const pool1 = trace.steps[1].cache.y.data;
    // channel 4, tap (2, 1) → pool1[4, 5, 6]
    const t = 4 * 25 + 2 * 5 + 1;
    expect(e.rows[t]).toBe(5);
    expect(e.cols[t]).toBe(6);
    expect(e.patch[t]).toBe(pool1[(4 * 12 + 5) * 12 + 6]);
    expect(e.kernel[t]).toBe(lenet.layers[2].params[0].value.data[((7 * 20 + 4) * 5 + 2) * 5 + 1]);
  });

  it('marks padding taps and reads zeros there (pad same, stride 2, C=3 input channels)', () => {
    const spec: ModelSpec = {
      input: [1, 28, 28],
      layers: [{ kind: 'conv2d', outC: 3, k: 3, pad: 'same' }, { kind: 'tanh' }, { kind: 'conv2d', outC: 4, k: 3, stride: 2, pad: 1 }, { kind: 'flatten' }, { kind: 'dense', units: 10 }],
    };
    const m = new Sequential(spec, 5);
    const tr = m.forward(digit(2));
    for (const [y, x] of [[0, 0], [13, 13], [0, 7], [6, 0]] as const) {
      const e = explainUnit(m, tr, { layer: 2, index: unitIndex([4, 14, 14], 2, y, x) });
      if (e.kind !== 'conv2d') throw new Error('expected a conv explanation');
      expect(e.C).toBe(3);
      for (let t = 0; t < e.patch.length; t++) {
        const inside = e.rows[t] >= 0 && e.rows[t] < 28 && e.cols[t] >= 0 && e.cols[t] < 28;
        expect(e.inside[t]).toBe(inside ? 1 : 0);
        if (!inside) expect(e.patch[t]).toBe(0);
      }
      if (y === 0 && x === 0) expect(e.inside[0]).toBe(0);
      expectSameValue(e.value, e.engine);
    }
  });

  it('explains an activation unit through the unit that fed it, with the activation as the last step', () => {
    // lenet: dense1 (layer 5) → relu (layer 6)
    for (let index = 0; index < 500; index += 41) {
      const e = explainUnit(lenet, trace, { layer: 6, index });
      if (e.kind !== 'dense') throw new Error('expected a dense explanation');
      expect(e.layerName).toBe('dense1');
      expect(e.activation?.layerName).toBe('relu1');
      expectSameValue(e.value, e.engine);
      expect(e.activation?.recomputed).toBe(Math.max(0, e.engine));
      expect(finalEngineValue(e)).toBe(trace.steps[6].cache.y.data[index]);
      expect(stepNames(e)).toEqual(['inputs', 'weights', 'products', 'sum', 'bias', 'activation']);
    }
  });

  it('orders dense contributions by magnitude and keeps the pre-flatten shape for drawing them', () => {
    const e = explainUnit(lenet, trace, { layer: 5, index: 17 });
    if (e.kind !== 'dense') throw new Error('expected a dense explanation');
    expect(e.inputShape).toEqual([50, 4, 4]);
    for (let k = 1; k < e.order.length; k++) expect(Math.abs(e.products[e.order[k - 1]])).toBeGreaterThanOrEqual(Math.abs(e.products[e.order[k]]));
    expect(e.positive + e.negative).toBeCloseTo(e.sum, 10);
  });

  it('ends the output layer with the softmax probability the prediction shows', () => {
    const probs = lenet.predict(digit(1)).data;
    for (let cls = 0; cls < 10; cls++) {
      const e = explainUnit(lenet, trace, { layer: 7, index: cls });
      expect(e.softmax?.probability).toBeCloseTo(probs[cls], 6);
      expect(stepNames(e).at(-1)).toBe('probability');
    }
  });

  it('finds the same max-pool winner as the engine recorded', () => {
    for (let index = 0; index < 20 * 12 * 12; index += 13) {
      const e = explainUnit(lenet, trace, { layer: 1, index });
      if (e.kind !== 'maxpool2d') throw new Error('expected a pooling explanation');
      expect(e.engineWinner).toBe(e.winner);
      expect(e.value).toBe(e.engine);
    }
  });

  it('follows the mlp sigmoid: hidden unit = σ(w·x + b)', () => {
    const mlp = new Sequential(ZOO['mlp'].spec, 4);
    const tr = mlp.forward(digit(3));
    const e = explainUnit(mlp, tr, { layer: 2, index: 9 });
    if (e.kind !== 'dense') throw new Error('expected a dense explanation');
    expect(e.inputShape).toEqual([1, 28, 28]);
    expect(e.activation?.formula).toBe('1 / (1 + e^(−x))');
    expect(e.activation?.recomputed).toBeCloseTo(tr.steps[2].cache.y.data[9], 6);
  });

  it('refuses units outside the layer, naming the range', () => {
    expect(() => explainUnit(lenet, trace, { layer: 0, index: 11520 })).toThrow('explainUnit: unit 11520 is not in 0..11519 of conv1');
    expect(() => explainUnit(lenet, trace, { layer: 8, index: 0 })).toThrow('explainUnit: layer 8 is not in 0..7');
  });

  it('converts between flat indices and positions', () => {
    expect(unitPosition([20, 24, 24], unitIndex([20, 24, 24], 19, 23, 2))).toEqual({ c: 19, y: 23, x: 2 });
    expect(unitPosition([500], 42)).toEqual({ c: 42, y: 0, x: 0 });
  });
});
