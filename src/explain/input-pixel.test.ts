import { describe, expect, it } from 'vitest';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { inputPixel } from './input-pixel.js';
import { ShapeError } from '../engine/errors.js';
import { predict } from '../nn/predict.js';

function digit(): Float32Array {
  const px = new Float32Array(784);
  for (let y = 6; y < 22; y++) px[y * 28 + 10 + Math.floor(y / 4)] = 0.9; // a slanted stroke
  return px;
}

describe('inputPixel', () => {
  it('lenet (normalises, no deskew): row 6 col 11 is ink 0.9 → (0.9 − 0.1307) / 0.3081, the trace\'s number', () => {
    const model = new Sequential(ZOO['lenet'].spec, 1);
    const trace = predict(model, digit()).trace;
    const p = inputPixel(model, trace, 0, 6, 11);
    expect(p.raw).toBeCloseTo(0.9, 6);
    expect(p.deskewed).toBeNull();
    expect(p.normalize).toEqual({ mean: 0.1307, std: 0.3081 });
    expect(p.value).toBeCloseTo((0.9 - 0.1307) / 0.3081, 5);
    expect(p.value).toBe(trace.normalized.data[6 * 28 + 11]);
    expect(inputPixel(model, trace, 0, 0, 0).value).toBeCloseTo(-0.1307 / 0.3081, 5);
  });

  it('mlp (deskews first): the value is the deskewed pixel normalised, not the raw one', () => {
    const model = new Sequential(ZOO['mlp'].spec, 1);
    const trace = predict(model, digit()).trace;
    for (const [y, x] of [[6, 11], [14, 13], [20, 15]] as const) {
      const p = inputPixel(model, trace, 0, y, x);
      expect(p.deskewed).not.toBeNull();
      expect(p.value).toBeCloseTo(((p.deskewed ?? NaN) - 0.1307) / 0.3081, 5);
    }
  });

  it('refuses a pixel outside the input, naming it and the input size', () => {
    const model = new Sequential(ZOO['tiny'].spec, 1);
    const trace = predict(model, digit()).trace;
    expect(() => inputPixel(model, trace, 0, 28, 3)).toThrow(ShapeError);
    expect(() => inputPixel(model, trace, 0, 28, 3)).toThrow('inputPixel: pixel (c 0, y 28, x 3) is outside the 1×28×28 input');
    expect(() => inputPixel(model, trace, 1, 0, 0)).toThrow(/outside the 1×28×28 input/);
  });
});
