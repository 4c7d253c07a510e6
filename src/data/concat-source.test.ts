import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { concatSources } from './concat-source.js';
import { digitsSplit } from './digits-split.js';
import { splitSource } from './split-source.js';

/** n images whose every pixel is (first + i) and whose label is i mod 10 */
function split(n: number, first: number) {
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) images.fill(first + i, i * 784, (i + 1) * 784);
  return digitsSplit(images, Uint8Array.from({ length: n }, (_, i) => i % 10), 10);
}

describe('concatSources', () => {
  it('puts repeated parts first and maps every index to its part (3 drawn ×4, then 5 others)', () => {
    const s = concatSources([{ source: splitSource(split(3, 100)), repeat: 4 }, { source: splitSource(split(5, 10)) }]);
    expect(s.size).toBe(17);
    expect(Array.from({ length: 17 }, (_, i) => s.label(i))).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 4]);
    const x = new Float32Array(3 * 784);
    const y = new Int32Array(3);
    s.fill(x, y, [16, 4, 12], 0, 3, null);
    expect(Array.from(y)).toEqual([4, 1, 0]);
    expect(x[0]).toBeCloseTo(14 / 255, 6);
    expect(x[784]).toBeCloseTo(101 / 255, 6);
    expect(x[2 * 784 + 5]).toBeCloseTo(10 / 255, 6); // index 12: the first of the second part
  });

  it('draws the same distortions as one source would, from the rng it is given', () => {
    const one = splitSource(split(4, 50));
    const both = concatSources([{ source: one }]);
    const a = new Float32Array(4 * 784);
    const b = new Float32Array(4 * 784);
    one.fill(a, new Int32Array(4), [3, 1, 0, 2], 0, 4, new Rng(5));
    both.fill(b, new Int32Array(4), [3, 1, 0, 2], 0, 4, new Rng(5));
    expect(b).toEqual(a);
  });

  it('refuses no parts, a bad repeat and parts of different shapes', () => {
    expect(() => concatSources([])).toThrow('concatSources: no sources given');
    expect(() => concatSources([{ source: splitSource(split(2, 0)), repeat: 0 }])).toThrow('part 0 repeat must be a positive integer, got 0');
    const odd = { ...splitSource(split(2, 0)), shape: [1, 14, 14] };
    expect(() => concatSources([{ source: splitSource(split(2, 0)) }, { source: odd }])).toThrow('part 1 holds examples [1,14,14], part 0 [1,28,28]');
  });
});

describe('digitsSplit', () => {
  it('refuses no digits, pixels that do not match the labels and labels past the classes', () => {
    expect(() => digitsSplit(new Uint8Array(0), new Uint8Array(0), 10)).toThrow('drawn digits: there are no digits');
    expect(() => digitsSplit(new Uint8Array(700), new Uint8Array(1), 10)).toThrow('1 labels need 1×28×28 = 784 pixels, got 700');
    expect(() => digitsSplit(new Uint8Array(784 * 2), Uint8Array.of(3, 10), 10)).toThrow('digit 1 is labelled 10, but the model has classes 0..9 only');
  });
});
