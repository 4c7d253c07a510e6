import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { makeDrawnDigit, type DrawnDigit } from './drawn-digits.js';
import { accuracyOn, splitDigits } from './drawn-digits-split.js';

const blank = (label: number): DrawnDigit => {
  const p = new Float32Array(784);
  p[400] = 1;
  return makeDrawnDigit(p, label);
};

describe('drawn-digits-split', () => {
  it('under ten digits: trains and tests on all of them, and says so', () => {
    const d = Array.from({ length: 9 }, (_, i) => blank(i));
    const s = splitDigits(d);
    expect(s.heldOut).toBe(false);
    expect(s.train).toHaveLength(9);
    expect(s.test).toHaveLength(9);
  });

  it('from ten digits: every fifth held out, none in both', () => {
    const d = Array.from({ length: 23 }, (_, i) => blank(i % 10));
    const s = splitDigits(d);
    expect(s.heldOut).toBe(true);
    expect(s.test.map((x) => d.indexOf(x))).toEqual([4, 9, 14, 19]);
    expect(s.train).toHaveLength(19);
    expect(s.train.some((x) => s.test.includes(x))).toBe(false);
  });

  it('accuracy on drawn digits: a network that reads pixel k as digit k, and a wrong label', () => {
    const model = new Sequential({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] }, 1);
    const [w, b] = model.params.map((p) => p.value.data);
    w.fill(0);
    b.fill(0);
    for (let k = 0; k < 10; k++) w[k * 784 + 100 + k] = 1;
    const digit = (k: number, label: number): DrawnDigit => {
      const p = new Float32Array(784);
      p[100 + k] = 1;
      return makeDrawnDigit(p, label);
    };
    const digits = [digit(0, 0), digit(3, 3), digit(7, 7), digit(7, 1)];
    expect(accuracyOn(model, digits)).toEqual({ accuracy: 0.75, correct: 3, total: 4 });
    expect(accuracyOn(model, [])).toBeNull();
    const small = new Sequential({ input: [1, 14, 14], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] }, 1);
    expect(() => accuracyOn(small, digits)).toThrow('the model takes 196 values per image; drawn digits are 28×28');
  });
});
