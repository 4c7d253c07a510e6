import { describe, expect, it } from 'vitest';
import { SpecError } from '../engine/errors.js';
import { numberPage, numberPages } from './number-pages.js';
import { syntheticDigits } from './synthetic-digits.js';

/** A stand-in for the MNIST test split: 200 generated digits as 0..255 bytes. */
function fakeSplit() {
  const s = syntheticDigits({ count: 200, seed: 9 });
  return { images: Uint8Array.from(s.images, (v) => Math.round(v * 255)), labels: s.labels, n: 200 };
}

describe('numberPage', () => {
  it('synthetic, seed 1: text of 2..8 digits (no leading zero), one box per digit inside the page, RGBA bytes', () => {
    for (let i = 0; i < 12; i++) {
      const p = numberPage({ seed: 1, source: 'synthetic' }, i);
      expect(p.text).toMatch(/^[1-9]\d{1,7}$/);
      expect(p.boxes).toHaveLength(p.text.length);
      expect(p.touches).toHaveLength(p.text.length - 1);
      expect(p.gaps).toHaveLength(p.text.length - 1);
      expect(p.image.data.length).toBe(p.image.width * p.image.height * 4);
      for (const [x, y, w, h] of p.boxes) {
        expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= p.image.width && y + h <= p.image.height).toBe(true);
      }
      expect(Math.abs(p.angle)).toBeLessThanOrEqual(5);
      expect(p.mnistIndex.every((m) => m === -1)).toBe(true);
    }
  });

  it('is deterministic and page i depends only on the seed and i (a shorter set is a prefix of a longer one)', () => {
    const a = [...numberPages({ count: 3, seed: 5, source: 'synthetic' })];
    const b = [...numberPages({ count: 5, seed: 5, source: 'synthetic' })];
    for (let i = 0; i < 3; i++) {
      expect(b[i].text).toBe(a[i].text);
      expect(Buffer.from(b[i].image.data).equals(Buffer.from(a[i].image.data))).toBe(true);
    }
    expect(numberPage({ seed: 6, source: 'synthetic' }, 0).image.data).not.toEqual(a[0].image.data);
  });

  it('separated pages keep every neighbour apart (gaps > 0); touching pages have at least one pair touching (gap < 0)', () => {
    for (let i = 0; i < 10; i++) {
      const s = numberPage({ seed: 2, source: 'synthetic' }, i);
      expect(s.touches.every((t) => !t)).toBe(true);
      expect(s.gaps.every((g) => g > 0)).toBe(true);
      const t = numberPage({ seed: 2, source: 'synthetic', touching: true }, i);
      expect(t.touches.some((x) => x)).toBe(true);
      t.touches.forEach((x, k) => expect(x ? t.gaps[k] < 0 : t.gaps[k] > 0).toBe(true));
    }
  });

  it('photo: false is a clean scan of the same number: no rotation, no JPEG, flat paper', () => {
    const photo = numberPage({ seed: 3, source: 'synthetic' }, 4);
    const scan = numberPage({ seed: 3, source: 'synthetic', photo: false }, 4);
    expect(scan.text).toBe(photo.text);
    expect(scan.angle).toBe(0);
    expect(scan.jpegQuality).toBeNull();
    // the paper is one level: the four corners agree
    const { width: W, height: H, data } = scan.image;
    const corners = [0, W - 1, (H - 1) * W, H * W - 1].map((i) => data[i * 4]);
    expect(new Set(corners).size).toBe(1);
  });

  it("source 'mnist' takes its digits from the split it is given, recording their indices; without one it says what it needs", () => {
    const split = fakeSplit();
    const p = numberPage({ seed: 1, source: 'mnist', mnistTest: split }, 0);
    expect(p.mnistIndex).toHaveLength(p.text.length);
    p.mnistIndex.forEach((m, k) => expect(split.labels[m]).toBe(Number(p.text[k])));
    expect(() => numberPage({ seed: 1, source: 'mnist' }, 0)).toThrow(SpecError);
    expect(() => numberPage({ seed: 1, source: 'mnist' }, 0)).toThrow(/needs mnistTest, the MNIST test split/);
  });

  it('checks its options', () => {
    expect(() => numberPage({ seed: 1, source: 'synthetic', minDigits: 3, maxDigits: 2 }, 0)).toThrow(/1 ≤ minDigits ≤ maxDigits ≤ 20, got 3..2/);
    expect(() => numberPage({ seed: 1, source: 'synthetic' }, -1)).toThrow(/index must be an integer ≥ 0, got -1/);
    expect(numberPage({ seed: 1, source: 'synthetic', minDigits: 4, maxDigits: 4 }, 0).text).toHaveLength(4);
  });
});
