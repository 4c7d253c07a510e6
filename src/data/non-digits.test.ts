import { describe, expect, it } from 'vitest';
import { SpecError } from '../engine/errors.js';
import { NON_DIGIT_KINDS, nonDigitImages } from './non-digits.js';

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
const inkOf = (images: Float32Array, n: number) => images.subarray(n * 784, (n + 1) * 784).reduce((a, b) => a + b, 0);

describe('nonDigitImages', () => {
  const set = nonDigitImages({ count: 500, seed: 1 });

  it('count=500: 784 finite pixels in 0..1 per image, a kind and a variant each', () => {
    expect(set.images.length).toBe(500 * 784);
    expect(set.kinds.length).toBe(500);
    expect(set.variants.length).toBe(500);
    expect(badPixel(set.images)).toBeNull();
  });

  it('kinds are mixed evenly: every run of five holds each kind once', () => {
    for (let i = 0; i < 500; i += 5) expect([...set.kinds.slice(i, i + 5)].sort()).toEqual([...NON_DIGIT_KINDS].sort());
    for (let i = 0; i < 500; i++) expect(set.variants[i].startsWith(`${set.kinds[i]}-`)).toBe(true);
  });

  it('letters: many of them, none that reads as a digit (O I l S Z B G q g b)', () => {
    const letters = new Set(set.variants.filter((v) => v.startsWith('letter-')).map((v) => v.slice(7)));
    expect(letters.size).toBeGreaterThanOrEqual(15);
    for (const c of 'OIlSZBGqgb') expect(letters.has(c), c).toBe(false);
  });

  it('shapes, scribbles, dots and blank pages come in several variants each', () => {
    const of = (kind: string) => new Set(set.variants.filter((v) => v.startsWith(`${kind}-`)));
    expect(of('shape').size).toBeGreaterThanOrEqual(10);
    expect(of('scribble')).toEqual(new Set(['random-walk', 'zigzag', 'spiral', 'hatching', 'coil'].map((v) => `scribble-${v}`)));
    expect(of('dot')).toEqual(new Set(['dot', 'blob', 'few-dots'].map((v) => `dot-${v}`)));
    expect(of('blank-ish')).toEqual(new Set(['specks', 'blank', 'line', 'border'].map((v) => `blank-ish-${v}`)));
  });

  it('only blank-ish pages may come back empty (all zeros, as preprocessDigit returns a page without ink); a blank page always does', () => {
    let empty = 0;
    for (let n = 0; n < 500; n++) {
      const ink = inkOf(set.images, n);
      if (set.kinds[n] !== 'blank-ish') expect(ink, `image ${n} (${set.variants[n]})`).toBeGreaterThan(1);
      if (set.variants[n] === 'blank-ish-blank') expect(ink).toBe(0);
      if (ink === 0) empty++;
    }
    expect(empty).toBeGreaterThan(0);
    expect(empty).toBeLessThan(50);
  });

  it('same seed → the same bytes; a smaller count → a prefix; another seed → other images', () => {
    const again = nonDigitImages({ count: 500, seed: 1 });
    expect(firstDifference(again.images, set.images)).toBe(-1);
    expect(again.kinds).toEqual(set.kinds);
    expect(again.variants).toEqual(set.variants);
    const prefix = nonDigitImages({ count: 30, seed: 1 });
    expect(firstDifference(prefix.images, set.images.subarray(0, 30 * 784))).toBe(-1);
    expect(prefix.variants).toEqual(set.variants.slice(0, 30));
    const other = nonDigitImages({ count: 100, seed: 2 });
    let differs = 0;
    for (let n = 0; n < 100; n++) if (inkOf(other.images, n) !== inkOf(set.images, n)) differs++;
    expect(differs).toBeGreaterThan(90);
  });

  it('refuses a bad count or size, naming the option', () => {
    expect(() => nonDigitImages({ count: -1, seed: 1 })).toThrow(SpecError);
    expect(() => nonDigitImages({ count: 2.5, seed: 1 })).toThrow('nonDigitImages: count must be an integer ≥ 0, got 2.5');
    expect(() => nonDigitImages({ count: 1, seed: 1, size: 4 })).toThrow('nonDigitImages: size must be an integer ≥ 16, got 4');
  });
});
