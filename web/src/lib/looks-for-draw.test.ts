/** Kernel rows laid out as the Kernels view draws them, receptive-field crops, captions. */
import { describe, expect, it } from 'vitest';
import { colorInto } from './colormap.js';
import { absMax, crop, kernelRow, kernelRowSize, percent, reading } from './looks-for-draw.js';

function rgbAt(px: { width: number; rgba: Uint8ClampedArray }, x: number, y: number): number[] {
  const o = (y * px.width + x) * 4;
  return Array.from(px.rgba.subarray(o, o + 4));
}

function color(v: number, max: number): number[] {
  const out = new Uint8ClampedArray(4);
  colorInto(out, 0, v, { kind: 'diverging', max });
  return Array.from(out);
}

describe('kernelRow', () => {
  // outC=3, C=2, kH=3 ≠ kW=2: a transposed index or a swapped height/width shows
  const d = { outC: 3, C: 2, kH: 3, kW: 2 };
  const w = Float32Array.from({ length: 3 * 2 * 3 * 2 }, (_, i) => (i % 7) - 3);
  const b = Float32Array.from([0.5, -2, 1]);

  it('is C tiles of kH×kW with 1-pixel gaps and a bias cell: outC=3 C=2 k=3×2', () => {
    expect(kernelRowSize(d)).toEqual({ width: 2 * 3 + 3, height: 5 });
    const max = absMax(w);
    const px = kernelRow(w, b, d, 1, max);
    expect([px.width, px.height]).toEqual([9, 5]);
    for (let c = 0; c < 2; c++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 2; x++) expect(rgbAt(px, 1 + c * 3 + x, 1 + y), `c=${c} y=${y} x=${x}`).toEqual(color(w[((1 * 2 + c) * 3 + y) * 2 + x], max));
      }
    }
    // the bias sits in the last-but-one column, at the tiles' middle row
    expect(rgbAt(px, 7, 2)).toEqual(color(-2, max));
    // gaps and margins keep the background
    for (const [x, y] of [[0, 0], [3, 1], [6, 2], [7, 1], [8, 2], [1, 4]] as const) expect(rgbAt(px, x, y)).toEqual([232, 232, 236, 255]);
  });

  it('wraps the tiles into rows of cols, the bias right of the first row: C=5 cols=2', () => {
    const d5 = { outC: 1, C: 5, kH: 3, kW: 2 };
    const w5 = Float32Array.from({ length: 5 * 3 * 2 }, (_, i) => i - 15);
    const max = absMax(w5);
    expect(kernelRowSize(d5, 2)).toEqual({ width: 2 * 3 + 3, height: 3 * 4 + 1 });
    const px = kernelRow(w5, Float32Array.from([4]), d5, 0, max, 2);
    // tile 3 is row 1, column 1: its top-left weight at (1 + 3, 1 + 4)
    expect(rgbAt(px, 4, 5)).toEqual(color(w5[3 * 6], max));
    // tile 4 starts row 2; its right neighbour is background
    expect(rgbAt(px, 2, 11)).toEqual(color(w5[4 * 6 + 2 * 2 + 1], max));
    expect(rgbAt(px, 5, 11)).toEqual([232, 232, 236, 255]);
    expect(rgbAt(px, 7, 2)).toEqual(color(4, max));
  });

  it('refuses a kernel that is not there', () => {
    expect(() => kernelRow(w, b, d, 3, 1)).toThrow('kernelRow: kernel 3 is not in 0..2');
  });
});

describe('crop', () => {
  const img = Float32Array.from({ length: 28 * 28 }, (_, i) => i);

  it('takes rows y0..y1 and columns x0..x1 inclusive', () => {
    const c = crop(img, 28, 28, { y0: 4, y1: 17, x0: 6, x1: 19 });
    expect([c.height, c.width]).toEqual([14, 14]);
    expect(c.values[0]).toBe(4 * 28 + 6);
    expect(c.values[13 * 14 + 13]).toBe(17 * 28 + 19);
  });

  it('clips a field that reaches past the image (padding)', () => {
    const c = crop(img, 28, 28, { y0: -2, y1: 2, x0: 25, x1: 29 }, 0.5);
    expect([c.height, c.width]).toEqual([3, 3]);
    expect(c.rect).toEqual({ y0: 0, y1: 2, x0: 25, x1: 27 });
    expect(c.values[0]).toBe(25 / 2);
  });
});

describe('captions', () => {
  it('reads an image as its most probable class', () => {
    expect(reading(Float32Array.from([0.1, 0.7, 0.2]))).toEqual({ digit: 1, p: Math.fround(0.7) });
  });

  it.each([
    [1, '100%'],
    [0.9995, '99.9%'],
    [0.997, '99.7%'],
    [0.5, '50%'],
    [0.043, '4.3%'],
    [0.0004, '< 0.1%'],
  ])('writes %f as %s', (p, text) => expect(percent(p)).toBe(text));
});
