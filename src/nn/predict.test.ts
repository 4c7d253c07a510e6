/**
 * predict: one sample or a batch, shapes from the model, the same probabilities as the trace's
 * output, and one argmax for every row; a prediction that is not a number is a NumericError naming
 * where it stopped being finite; classLabels holds a classifier to one output per label.
 */
import { describe, expect, it } from 'vitest';
import { Sequential, toProbabilities } from './model.js';
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { ZOO } from '../models/zoo.js';
import { argmax, classLabels, predict } from './predict.js';
import { NumericError, SpecError } from '../engine/errors.js';

function batch(N: number, shape: readonly number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const x = new Tensor([N, ...shape]);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.next() < 0.3 ? rng.next() : 0;
  return x;
}

describe('predict', () => {
  const lenet = new Sequential(ZOO['lenet'].spec, 3);

  it('takes a batch Tensor [N=3,1,28,28]: probabilities [3,10] from the trace, a digit per row', () => {
    const x = batch(3, lenet.inputShape, 1);
    const p = predict(lenet, x);
    expect(p.probabilities.shape).toEqual([3, 10]);
    expect(p.probabilities.data).toEqual(toProbabilities(p.trace.output, 'dense').data);
    expect(p.trace.input).toBe(x);
    for (let n = 0; n < 3; n++) {
      const row = Array.from(p.probabilities.data.subarray(n * 10, (n + 1) * 10));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.digits[n]).toBe(row.indexOf(Math.max(...row)));
    }
    expect(p.digit).toBe(p.digits[0]);
  });

  it('takes a bare Float32Array as one sample and agrees with the batch', () => {
    const x = batch(2, lenet.inputShape, 2);
    const one = predict(lenet, x.data.slice(784, 1568));
    const both = predict(lenet, x);
    expect(one.probabilities.shape).toEqual([1, 10]);
    expect(one.digit).toBe(both.digits[1]);
    expect(Array.from(one.probabilities.data)).toEqual(Array.from(both.probabilities.data.subarray(10, 20)).map((v) => expect.closeTo(v, 6)));
  });

  it('reads the shape from the model (a [1,8,6] input, sigmoid outputs scaled to sum to one)', () => {
    const m = new Sequential({ input: [1, 8, 6], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 4 }, { kind: 'sigmoid' }] }, 1);
    const p = predict(m, new Float32Array(48).fill(0.5));
    expect(p.probabilities.shape).toEqual([1, 4]);
    expect(p.probabilities.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('refuses a sample of the wrong size, naming the shape it expected', () => {
    expect(() => predict(lenet, new Float32Array(100))).toThrow('predict: one sample [1,28,28] is 784 values, got 100; pass a Tensor [N,1,28,28] for a batch');
    expect(() => predict(lenet, new Tensor([1, 28, 28, 1]))).toThrow('model: expected input [N,1,28,28], got [1,28,28,1] (layout is NCHW)');
  });
});

describe('argmax', () => {
  it('returns the first of equal maxima, and -1 for an empty row', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax(new Float32Array([3, 5, 5, 1]))).toBe(1);
    expect(argmax([-2, -1, -3])).toBe(1);
    expect(argmax([])).toBe(-1);
  });
});

describe('predict on numbers that overflow', () => {
  /** flatten, dense1 (4 units), relu, dense2 (3 units), with dense1's weights all `w`. */
  function overflowing(w: number): Sequential {
    const m = new Sequential({ input: [1, 2, 3], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 4 }, { kind: 'relu' }, { kind: 'dense', units: 3 }] }, 1);
    m.params[0].value.data.fill(w);
    return m;
  }

  it('finite weights of 3e38: a NumericError naming dense1, never "0 (NaN%)"', () => {
    const m = overflowing(3e38);
    const x = new Float32Array(6).fill(1);
    expect(() => predict(m, x)).toThrow(NumericError);
    expect(() => predict(m, x)).toThrowErrorMatchingInlineSnapshot(
      `[NumericError: predict: the prediction is not a number: values first stop being finite in the output of dense1 (layers[1], dense), Infinity at value 0 of [4], from finite values before it; the model's weights or the values reaching that layer overflow float32 (largest 3.4e38)]`,
    );
  });

  it('names the sample of a batch, and a non-finite input as the input', () => {
    const m = overflowing(3e38);
    const x = new Tensor([3, 1, 2, 3]);
    x.data.fill(1, 12); // samples 0 and 1 are zeros (finite), sample 2 overflows
    expect(() => predict(m, x)).toThrow(/^predict: sample 2: the prediction is not a number: values first stop being finite in the output of dense1/);
    const nan = new Float32Array(6);
    nan[4] = NaN;
    expect(() => predict(overflowing(0.5), nan)).toThrow('predict: the input holds NaN at value 4; inputs must be finite numbers');
  });

  it('large but finite outputs are still a prediction', () => {
    const p = predict(overflowing(1e30), new Float32Array(6).fill(1));
    expect(p.probabilities.data.every(Number.isFinite)).toBe(true);
  });
});

describe('classLabels', () => {
  it("a model's own labels, or the ten digits for 10 outputs", () => {
    expect(classLabels(new Sequential({ input: [2], layers: [{ kind: 'dense', units: 3 }], labels: ['a', 'b', 'c'] }))).toEqual(['a', 'b', 'c']);
    expect(classLabels(new Sequential({ input: [2], layers: [{ kind: 'dense', units: 10 }] }))).toHaveLength(10);
  });

  it('784 outputs and no labels: a SpecError, never the digit "232"', () => {
    const m = new Sequential({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...Array.from({ length: 999 }, () => ({ kind: 'relu' as const }))] });
    expect(() => classLabels(m, 'relus.safetensors')).toThrow(SpecError);
    expect(() => classLabels(m, 'relus.safetensors')).toThrow(
      "relus.safetensors gives 784 values per sample [784] but has 10 labels (its spec names none, so the digits 0–9); a classifier's last layer has one output per label",
    );
  });
});
