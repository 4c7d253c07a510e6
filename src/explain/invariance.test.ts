/**
 * The invariance transforms do what their names say on a known image (a 3×3 square, a bar), refuse
 * what they cannot do, and a curve's probabilities are the model's own for each transformed digit.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../nn/model.js';
import { predict } from '../nn/predict.js';
import { ZOO } from '../models/zoo.js';
import { AXES, IDENTITY, axisValues, invarianceCurve, transformDigit } from './invariance.js';

/** a 28×28 image with ink 1 at the given (y, x) pixels */
function image(points: readonly (readonly [number, number])[]): Float32Array {
  const px = new Float32Array(784);
  for (const [y, x] of points) px[y * 28 + x] = 1;
  return px;
}
const square = image([12, 13, 14].flatMap((y) => [12, 13, 14].map((x) => [y, x] as const)));
const ink = (px: Float32Array) => px.reduce((a, b) => a + b, 0);
const at = (px: Float32Array, y: number, x: number) => px[y * 28 + x];

describe('transformDigit', () => {
  it('the identity returns the same pixels (as a copy)', () => {
    const out = transformDigit(square, IDENTITY);
    expect(Array.from(out)).toEqual(Array.from(square));
    expect(out).not.toBe(square);
  });

  it('shift x=+3, y=−2 moves the square 3 right and 2 up', () => {
    const out = transformDigit(square, { ...IDENTITY, shiftX: 3, shiftY: -2 });
    expect(at(out, 10, 15)).toBeCloseTo(1, 6);
    expect(at(out, 12, 17)).toBeCloseTo(1, 6);
    expect(at(out, 12, 12)).toBeCloseTo(0, 6);
    expect(ink(out)).toBeCloseTo(9, 5);
  });

  it('rotate 90° turns a horizontal bar through the centre vertical', () => {
    const bar = image([9, 10, 11, 12, 13, 14, 15, 16, 17, 18].map((x) => [13, x] as const));
    const out = transformDigit(bar, { ...IDENTITY, rotate: 90 });
    // the bar ran along row 13 (0.5 above the centre 13.5); turned, it runs down a column
    let column = 0;
    for (let y = 9; y <= 18; y++) column += at(out, y, 13) + at(out, y, 14);
    expect(column).toBeGreaterThan(8);
    expect(at(out, 13, 9) + at(out, 13, 18)).toBeLessThan(0.05);
  });

  it('scale 1.5 spreads the square over more pixels, 0.5 over fewer', () => {
    const big = transformDigit(square, { ...IDENTITY, scale: 1.5 });
    const small = transformDigit(square, { ...IDENTITY, scale: 0.5 });
    expect(big.filter((v) => v > 0.5).length).toBeGreaterThan(9);
    expect(small.filter((v) => v > 0.5).length).toBeLessThan(9);
  });

  it('thicken +1 grows the 3×3 square to 5×5, −1 shrinks it to its centre, +0.5 lies between', () => {
    const grown = transformDigit(square, { ...IDENTITY, thicken: 1 });
    expect(ink(grown)).toBe(25);
    expect(at(grown, 11, 11)).toBe(1);
    const thin = transformDigit(square, { ...IDENTITY, thicken: -1 });
    expect(ink(thin)).toBe(1);
    expect(at(thin, 13, 13)).toBe(1);
    expect(ink(transformDigit(square, { ...IDENTITY, thicken: 0.5 }))).toBeCloseTo(17, 5);
  });

  it('refuses a wrong size or a value outside its slider, naming it', () => {
    expect(() => transformDigit(new Float32Array(100), IDENTITY)).toThrow('transformDigit: expected 28×28 = 784 pixels, got 100');
    expect(() => transformDigit(square, { ...IDENTITY, rotate: 400 })).toThrow('transformDigit: rotate must be a number in -90..90, got 400');
    expect(() => transformDigit(square, { ...IDENTITY, scale: Number.NaN })).toThrow('scale must be a number in 0.4..1.6, got NaN');
  });
});

describe('invarianceCurve', () => {
  it("each point is the model's probability of the class for that transformed digit (tiny, shift x over 17 points)", () => {
    const tiny = new Sequential(ZOO['tiny'].spec, 5);
    const range = AXES.find((a) => a.axis === 'shiftX');
    if (!range) throw new Error('no shiftX axis');
    const curve = invarianceCurve(tiny, square, IDENTITY, range, 3);
    expect(curve.values).toEqual(axisValues(range, 17));
    expect(curve.values[0]).toBe(-8);
    expect(curve.values[16]).toBe(8);
    for (const i of [0, 8, 13]) {
      const one = predict(tiny, transformDigit(square, { ...IDENTITY, shiftX: curve.values[i] })).probabilities.data[3];
      expect(curve.probs[i]).toBeCloseTo(one, 6);
    }
    expect(() => invarianceCurve(tiny, square, IDENTITY, range, 10)).toThrow('invarianceCurve: class 10 is not in 0..9');
  });
});
