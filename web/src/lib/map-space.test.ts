/**
 * The Map view's linear algebra: a point projected on PCA's axes lands where pca() put it; the sparse
 * random projection keeps distances roughly and is the same for the same seed; the nearest rows are
 * those a full sort finds; a digit of the map is placed on its own dot, another at its neighbours' mean.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/rng.js';
import { pca } from '../../../src/explain/projection.js';
import { nearestRows, placeByNeighbours, projectOnAxes, projectSparse, sparseProjection } from './map-space.js';

function randomRows(N: number, F: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: N * F }, () => rng.normal());
}

describe('projectOnAxes', () => {
  it('gives the coordinates pca() gives its own samples (N=60, F=7, k=2)', () => {
    const N = 60;
    const F = 7;
    const x = randomRows(N, F, 1);
    // stretch two directions so the axes are well defined
    for (let n = 0; n < N; n++) {
      x[n * F] *= 5;
      x[n * F + 3] *= 3;
    }
    const p = pca(x, N, F, 2);
    for (let n = 0; n < N; n++) {
      const [a, b] = projectOnAxes(x.subarray(n * F, (n + 1) * F), p.mean, p.components, F);
      expect(a).toBeCloseTo(p.points[n * 2], 4);
      expect(b).toBeCloseTo(p.points[n * 2 + 1], 4);
    }
  });
});

describe('sparseProjection', () => {
  it('keeps pairwise distances within a factor of about 1.3 (F=11,520 → D=256, as LeNet conv1 for UMAP)', () => {
    const F = 11520;
    const D = 256;
    const N = 12;
    const x = randomRows(N, F, 2);
    const p = sparseProjection(F, D, 1);
    expect(p.s).toBe(108);
    const y = new Float32Array(N * D);
    for (let n = 0; n < N; n++) projectSparse(y, n * D, p, x, n * F);
    const dist = (a: Float32Array, W: number, i: number, j: number): number => {
      let s = 0;
      for (let f = 0; f < W; f++) s += (a[i * W + f] - a[j * W + f]) ** 2;
      return Math.sqrt(s);
    };
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        const ratio = dist(y, D, i, j) / dist(x, F, i, j);
        expect(ratio).toBeGreaterThan(0.75);
        expect(ratio).toBeLessThan(1.3);
      }
    }
  });

  it('is the same projection for the same seed, another for another', () => {
    expect(sparseProjection(500, 16, 3)).toEqual(sparseProjection(500, 16, 3));
    expect(sparseProjection(500, 16, 4).index).not.toEqual(sparseProjection(500, 16, 3).index);
  });
});

describe('nearestRows', () => {
  it('finds the k nearest of N=200 rows (D=5) as a full sort does, nearest first', () => {
    const N = 200;
    const D = 5;
    const space = randomRows(N, D, 5);
    const q = randomRows(1, D, 6);
    const want = Array.from({ length: N }, (_, n) => ({ n, d: space.subarray(n * D, (n + 1) * D).reduce((s, v, f) => s + (v - q[f]) ** 2, 0) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 10);
    const got = nearestRows(space, N, D, q, 10);
    expect(Array.from(got.index)).toEqual(want.map((w) => w.n));
    got.d2.forEach((d, i) => expect(d).toBeCloseTo(want[i].d, 4));
  });

  it('returns all rows when there are fewer than k', () => {
    expect(nearestRows(new Float32Array([0, 0, 3, 3]), 2, 2, [2, 2], 10).index).toEqual(new Int32Array([1, 0]));
  });
});

describe('placeByNeighbours', () => {
  const space = new Float32Array([0, 0, 1, 0, 0, 1, 10, 10]);
  const points = new Float32Array([0, 0, 2, 0, 0, 2, 50, 50]);

  it("puts a digit of the map on its own dot", () => {
    const p = placeByNeighbours(space, points, 4, 2, [1, 0], 3);
    expect([p.x, p.y, p.exact]).toEqual([2, 0, true]);
  });

  it('puts a new digit at the mean place of its k nearest (k=3 of 4)', () => {
    const p = placeByNeighbours(space, points, 4, 2, [0.3, 0.3], 3);
    expect(p.exact).toBe(false);
    expect(Array.from(p.nearest).sort()).toEqual([0, 1, 2]);
    expect(p.x).toBeCloseTo(2 / 3, 6);
    expect(p.y).toBeCloseTo(2 / 3, 6);
  });
});
