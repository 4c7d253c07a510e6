/**
 * Units in words: each layer kind of LeNet, the mlp (deskewed input) and a softmax head names the
 * right layer, kernel or channel, position, count of products and the trace's own value.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../nn/model.js';
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { ZOO } from '../models/zoo.js';
import { describeUnit, logitLayer, shortNumber } from './unit-words.js';
import { unitIndex } from './unit.js';

function digit(seed: number): Tensor {
  const rng = new Rng(seed);
  const x = new Tensor([1, 1, 28, 28]);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.next() < 0.3 ? rng.next() : 0;
  return x;
}

describe('describeUnit (lenet: conv 5×5×1 and 5×5×20, max pooling 2×2, flatten, dense, relu)', () => {
  const lenet = new Sequential(ZOO['lenet'].spec, 3);
  const trace = lenet.forward(digit(1));
  const value = (layer: number, i: number): string => shortNumber(trace.steps[layer].cache.y.data[i]);

  it('conv2, kernel 13, at row 3 col 5: 5×5×20 = 500 products + bias and the engine value', () => {
    const i = unitIndex([50, 8, 8], 13, 3, 5);
    expect(describeUnit(lenet, trace, 2, i)).toBe(`conv2, kernel 13, at row 3 col 5: the sum of 5×5×20 = 500 products + bias = ${value(2, i)}`);
    expect(describeUnit(lenet, trace, 0, 0)).toBe(`conv1, kernel 0, at row 0 col 0: the sum of 5×5×1 = 25 products + bias = ${value(0, 0)}`);
  });

  it('pool1, channel 4, at row 2 col 7: the window of conv1 it takes the largest of (rows 4–5, cols 14–15)', () => {
    const i = unitIndex([20, 12, 12], 4, 2, 7);
    expect(describeUnit(lenet, trace, 1, i)).toBe(`pool1, channel 4, at row 2 col 7: the largest of the 2×2 window of conv1 at rows 4–5, cols 14–15 = ${value(1, i)}`);
  });

  it('flatten1 value 17 is pool2 channel 1 row 0 col 1; dense1 sums 800 products; dense2 is the logit of its class', () => {
    expect(describeUnit(lenet, trace, 4, 17)).toBe(`flatten1, value 17: pool2's channel 1 at row 0 col 1, moved into one row = ${value(4, 17)}`);
    expect(describeUnit(lenet, trace, 5, 3)).toBe(`dense1, unit 3: the sum of 800 products (input × weight) + bias = ${value(5, 3)}`);
    expect(describeUnit(lenet, trace, 6, 3)).toBe(`relu1, unit 3: max(0, x) of dense1's ${value(5, 3)} = ${value(6, 3)}`);
    expect(logitLayer(lenet)).toBe(7);
    expect(describeUnit(lenet, trace, 7, 7)).toBe(`dense2, unit 7 (class 7): the logit (score before softmax): the sum of 500 products (input × weight) + bias = ${value(7, 7)}`);
  });

  it('the input pixel: its raw value and the normalisation that made it', () => {
    const i = 5 * 28 + 9;
    const raw = shortNumber(trace.input.data[i]);
    expect(describeUnit(lenet, trace, -1, i)).toBe(`input, at row 5 col 9: the pixel ${raw}, normalised: (${raw} − 0.1307) / 0.3081 = ${shortNumber(trace.normalized.data[i])}`);
  });

  it('refuses a unit outside the layer, naming the layer and its size', () => {
    expect(() => describeUnit(lenet, trace, 7, 10)).toThrow("describeUnit: unit 10 is outside dense2's 10 values");
    expect(() => describeUnit(lenet, trace, 8, 0)).toThrow('describeUnit: layer 8 is outside 0…7 (or −1 for the input)');
    expect(() => describeUnit(lenet, trace, 0, -1)).toThrow("outside conv1's 11520 values");
  });
});

describe('describeUnit (mlp: deskewed input, sigmoid; a softmax head)', () => {
  it('the mlp input says the pixel was deskewed; sigmoid names its formula', () => {
    const mlp = new Sequential(ZOO['mlp'].spec, 1);
    const trace = mlp.forward(digit(2));
    expect(describeUnit(mlp, trace, -1, 400)).toMatch(/^input, at row 14 col 8: the deskewed pixel [-\d.e]+, normalised: \([-\d.e]+ − 0\.1307\) \/ 0\.3081 = [-\d.e]+$/);
    expect(describeUnit(mlp, trace, 2, 0)).toMatch(/^sigmoid1, unit 0: 1 \/ \(1 \+ e\^\(−x\)\) of dense1's /);
  });

  it('a softmax layer gives the probability; the logits are the layer before it', () => {
    const m = new Sequential({ input: [4], layers: [{ kind: 'dense', units: 3 }, { kind: 'softmax' }], labels: ['a', 'b', 'c'] }, 1);
    const x = new Tensor([1, 4], new Float32Array([0.1, -0.4, 0.8, 0.3]));
    const trace = m.forward(x);
    expect(logitLayer(m)).toBe(0);
    expect(describeUnit(m, trace, 0, 1)).toMatch(/^dense1, unit 1 \(class b\): the logit \(score before softmax\): the sum of 4 products/);
    const p = shortNumber(trace.steps[1].cache.y.data[2]);
    expect(describeUnit(m, trace, 1, 2)).toBe(`softmax1, unit 2 (class c): the probability e^z / Σ e^z of dense1's logit ${shortNumber(trace.steps[0].cache.y.data[2])} = ${p}`);
  });
});
