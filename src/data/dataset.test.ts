import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../engine/rng.js';
import { fillBatch, IMAGE_SIZE, makeSplit, MNIST_NORMALIZE, type Split } from './dataset.js';
import { DEFAULT_AUGMENT } from './augment.js';
import { decodeImages, decodeLabels, encodeIdx } from './idx.js';

function toySplit(n: number): Split {
  const px = new Uint8Array(n * IMAGE_SIZE);
  for (let i = 0; i < n; i++) px.fill(i * 10, i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE); // image i is all i*10
  px[IMAGE_SIZE + 5] = 255;
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  return makeSplit(
    decodeImages(encodeIdx([n, 28, 28], px), 'imgs'),
    decodeLabels(encodeIdx([n], labels), 'labs'),
    'imgs',
    'labs',
  );
}

describe('makeSplit', () => {
  it('pairs images and labels', () => {
    const s = toySplit(4);
    expect([s.n, s.rows, s.cols, s.images.length, s.labels.length]).toEqual([4, 28, 28, 4 * 784, 4]);
  });
  it('refuses images that are not 28×28 and mismatched counts', () => {
    const img = decodeImages(encodeIdx([2, 32, 32], new Uint8Array(2 * 1024)), 'a');
    const lab = decodeLabels(encodeIdx([3], new Uint8Array(3)), 'b');
    expect(() => makeSplit(img, lab, 'a', 'b')).toThrow('a: expected images [n,28,28], got [2,32,32]');
    const img28 = decodeImages(encodeIdx([2, 28, 28], new Uint8Array(2 * 784)), 'a');
    expect(() => makeSplit(img28, lab, 'a', 'b')).toThrow('a holds 2 images but b holds 3 labels; expected the same count');
  });
});

describe('fillBatch', () => {
  it('normalises (pixel/255 − mean)/std and copies labels in index order', () => {
    const s = toySplit(5);
    const x = new Float32Array(2 * IMAGE_SIZE);
    const y = new Int32Array(2);
    fillBatch(x, y, s, [4, 1, 3], 1, 2, MNIST_NORMALIZE);
    const norm = (v: number): number => Math.fround((v / 255 - 0.1307) / 0.3081);
    expect(x[0]).toBeCloseTo(norm(10), 6); // image 1
    expect(x[5]).toBeCloseTo(norm(255), 6);
    expect(x[IMAGE_SIZE]).toBeCloseTo(norm(30), 6); // image 3
    expect(Array.from(y)).toEqual([1, 3]);
  });

  it('leaves rows past count untouched (short last batch)', () => {
    const s = toySplit(3);
    const x = new Float32Array(3 * IMAGE_SIZE).fill(7);
    const y = new Int32Array(3).fill(-1);
    fillBatch(x, y, s, [0, 1, 2], 0, 1, { mean: 0, std: 1 });
    expect(x[IMAGE_SIZE]).toBe(7);
    expect(Array.from(y)).toEqual([0, -1, -1]);
  });

  it('resumed mid-epoch gives the same bytes as an uninterrupted epoch', () => {
    const s = toySplit(10);
    const perm = new Rng(99).permutation(s.n);
    const B = 4;
    const full = new Float32Array(10 * IMAGE_SIZE);
    const rng = new Rng(5);
    const states: ReturnType<Rng['getState']>[] = [];
    for (let start = 0; start < s.n; start += B) {
      states.push(rng.getState());
      const c = Math.min(B, s.n - start);
      fillBatch(full.subarray(start * IMAGE_SIZE), new Int32Array(B), s, perm, start, c, MNIST_NORMALIZE, { rng, options: DEFAULT_AUGMENT });
    }
    // resume at the second batch with the saved augmentation state and a recomputed permutation
    const resumed = new Rng(0);
    resumed.setState(states[1]);
    const x = new Float32Array(B * IMAGE_SIZE);
    fillBatch(x, new Int32Array(B), s, new Rng(99).permutation(s.n), B, B, MNIST_NORMALIZE, { rng: resumed, options: DEFAULT_AUGMENT });
    expect(x).toEqual(full.subarray(B * IMAGE_SIZE, 2 * B * IMAGE_SIZE));
  });

  it('with identity augmentation equals the plain path', () => {
    const s = toySplit(3);
    const a = new Float32Array(3 * IMAGE_SIZE);
    const b = new Float32Array(3 * IMAGE_SIZE);
    fillBatch(a, new Int32Array(3), s, [2, 0, 1], 0, 3, MNIST_NORMALIZE);
    const none = { maxShift: 0, maxRotateDeg: 0, minScale: 1, maxScale: 1 };
    fillBatch(b, new Int32Array(3), s, [2, 0, 1], 0, 3, MNIST_NORMALIZE, { rng: new Rng(1), options: none });
    expect(b).toEqual(a);
  });

  it('refuses bad ranges, small buffers, bad indices and a bad std, saying what was wrong', () => {
    const s = toySplit(3);
    const x = new Float32Array(2 * IMAGE_SIZE);
    const y = new Int32Array(2);
    expect(() => fillBatch(x, y, s, [0, 1], 1, 2, MNIST_NORMALIZE)).toThrow(
      'fillBatch: examples [1, 3) are outside the 2 indices',
    );
    expect(() => fillBatch(x, y, s, [0, 1, 2], 0, 3, MNIST_NORMALIZE)).toThrow(
      'fillBatch: x holds 1568 values, expected at least 3×1×28×28 = 2352',
    );
    expect(() => fillBatch(x, new Int32Array(1), s, [0, 1], 0, 2, MNIST_NORMALIZE)).toThrow(
      'fillBatch: y holds 1 labels, expected at least 2',
    );
    expect(() => fillBatch(x, y, s, [0, 3], 0, 2, MNIST_NORMALIZE)).toThrow(
      "fillBatch: indices[1] = 3 is outside the split's 3 examples",
    );
    expect(() => fillBatch(x, y, s, [0, 1], 0, 2, { mean: 0, std: 0 })).toThrow(
      'fillBatch: normalize needs a finite mean and std > 0, got mean 0, std 0',
    );
  });
});
