import { describe, expect, it } from 'vitest';
import { SpecError } from '../engine/errors.js';
import { DIGIT_STYLES, syntheticDigits } from './synthetic-digits.js';

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** Index of the first byte where a and b differ, -1 when they are the same bytes (deep equality on ~1 MB is slow). */
const firstDifference = (a: Float32Array, b: Float32Array): number => {
  const x = bytes(a), y = bytes(b);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  return x.findIndex((v, i) => v !== y[i]);
};
/** The first pixel that is not a finite number in 0..1, or null. */
const badPixel = (images: Float32Array) => {
  const i = images.findIndex((v) => !(Number.isFinite(v) && v >= 0 && v <= 1));
  return i < 0 ? null : { index: i, value: images[i] };
};

describe('syntheticDigits', () => {
  const set = syntheticDigits({ count: 300, seed: 1 });

  it('count=300: 784 finite pixels in 0..1 per image, one label, writer and style each', () => {
    expect(set.images.length).toBe(300 * 784);
    expect(set.labels.length).toBe(300);
    expect(set.writers.length).toBe(300);
    expect(set.styles.length).toBe(300);
    expect(badPixel(set.images)).toBeNull();
  });

  it('every image has ink, placed as MNIST places it (inside the 20×20 box, centre of mass near the middle)', () => {
    for (let n = 0; n < 300; n++) {
      const img = set.images.subarray(n * 784, (n + 1) * 784);
      let mass = 0, mx = 0, my = 0, peak = 0;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const v = img[y * 28 + x];
          mass += v; mx += v * (x + 0.5); my += v * (y + 0.5); peak = Math.max(peak, v);
        }
      }
      expect(peak, `image ${n} (${set.styles[n]})`).toBeGreaterThan(0.3);
      expect(Math.abs(mx / mass - 14), `image ${n}`).toBeLessThan(1.5);
      expect(Math.abs(my / mass - 14), `image ${n}`).toBeLessThan(1.5);
    }
  });

  it('nothing but the digit is cropped: its ink spans at least 17 of the 20-pixel box (no stray specks widening the crop)', () => {
    for (let n = 0; n < 300; n++) {
      let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          if (set.images[n * 784 + y * 28 + x] > 0.3) {
            x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
          }
        }
      }
      expect(Math.max(x1 - x0, y1 - y0) + 1, `image ${n} (${set.styles[n]})`).toBeGreaterThanOrEqual(17);
    }
  });

  it('labels are balanced: every run of ten holds each digit once', () => {
    for (let i = 0; i < 300; i += 10) expect([...set.labels.subarray(i, i + 10)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('each style belongs to its label, and every style of every digit is drawn (count=300)', () => {
    for (let i = 0; i < 300; i++) expect(DIGIT_STYLES[set.labels[i]]).toContain(set.styles[i]);
    expect(new Set(set.styles)).toEqual(new Set(DIGIT_STYLES.flat()));
    for (const styles of DIGIT_STYLES) expect(styles.length).toBeGreaterThanOrEqual(3);
  });

  it('writers: ids in 0..writers-1, many of them used', () => {
    const small = syntheticDigits({ count: 100, seed: 1, writers: 5 });
    expect(Math.max(...small.writers)).toBeLessThan(5);
    expect(new Set(small.writers).size).toBe(5);
    expect(new Set(set.writers).size).toBeGreaterThan(30);
  });

  it('same seed → the same bytes; a smaller count → a prefix; another seed → other images', () => {
    const again = syntheticDigits({ count: 300, seed: 1 });
    expect(firstDifference(again.images, set.images)).toBe(-1);
    expect(again.labels).toEqual(set.labels);
    expect(again.writers).toEqual(set.writers);
    expect(again.styles).toEqual(set.styles);
    const prefix = syntheticDigits({ count: 40, seed: 1 });
    expect(firstDifference(prefix.images, set.images.subarray(0, 40 * 784))).toBe(-1);
    expect(prefix.labels).toEqual(set.labels.subarray(0, 40));
    const other = syntheticDigits({ count: 40, seed: 2 });
    let same = 0;
    for (let n = 0; n < 40; n++) {
      const a = bytes(other.images.subarray(n * 784, (n + 1) * 784)), b = bytes(set.images.subarray(n * 784, (n + 1) * 784));
      if (a.every((v, i) => v === b[i])) same++;
    }
    expect(same).toBe(0);
  });

  it('size=96 draws on a larger canvas: other pixels, the same labels', () => {
    const big = syntheticDigits({ count: 20, seed: 1, size: 96 });
    expect(big.labels).toEqual(set.labels.subarray(0, 20));
    expect(firstDifference(big.images, set.images.subarray(0, 20 * 784))).not.toBe(-1);
  });

  it('count=0: empty arrays', () => {
    const none = syntheticDigits({ count: 0, seed: 1 });
    expect([none.images.length, none.labels.length, none.writers.length, none.styles.length]).toEqual([0, 0, 0, 0]);
  });

  it('refuses a bad count, size or number of writers, naming the option', () => {
    expect(() => syntheticDigits({ count: -1, seed: 1 })).toThrow(SpecError);
    expect(() => syntheticDigits({ count: 1.5, seed: 1 })).toThrow('syntheticDigits: count must be an integer ≥ 0, got 1.5');
    expect(() => syntheticDigits({ count: 1, seed: 1, size: 8 })).toThrow('syntheticDigits: size must be an integer ≥ 16, got 8');
    expect(() => syntheticDigits({ count: 1, seed: 1, writers: 0 })).toThrow('syntheticDigits: writers must be an integer in 1..65535, got 0');
  });
});
