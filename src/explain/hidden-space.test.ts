/**
 * The hidden-space tools on cases with known answers: PCA of points on a tilted line plus a small
 * orthogonal spread; UMAP's determinism from its seed; class distances (symmetric, zero diagonal,
 * by hand for three centroids); linear CKA of a representation with itself, after an orthogonal
 * transform and scaling (1), and against unrelated noise (near 0); activations and 'last-hidden'.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { pca, umap } from './projection.js';
import { classGeometry, distanceMatrixCorrelation, linearCka, rankedPairs } from './class-geometry.js';
import { collectActivations, lastHiddenLayer } from './activations.js';
import { auroc, invertSpd, thresholdFor } from './ood.js';

describe('pca', () => {
  it('finds the axes of points spread 3:1 along (1,1)/√2 and (1,−1)/√2, with their variances', () => {
    // x = 3a·u + b·v + (5, −2), a and b over {−1, 1} (all four combinations): var along u = 9·4/3, along v = 4/3
    const u = [Math.SQRT1_2, Math.SQRT1_2];
    const v = [Math.SQRT1_2, -Math.SQRT1_2];
    const pts: number[] = [];
    for (const a of [-1, 1]) for (const b of [-1, 1]) pts.push(3 * a * u[0] + b * v[0] + 5, 3 * a * u[1] + b * v[1] - 2);
    const r = pca(Float32Array.from(pts), 4, 2, 2);
    expect(Array.from(r.mean)).toEqual([expect.closeTo(5, 6), expect.closeTo(-2, 6)]);
    expect(Math.abs(r.components[0] * u[0] + r.components[1] * u[1])).toBeCloseTo(1, 6);
    expect(Math.abs(r.components[2] * v[0] + r.components[3] * v[1])).toBeCloseTo(1, 6);
    expect(r.variance[0]).toBeCloseTo(12, 5);
    expect(r.variance[1]).toBeCloseTo(4 / 3, 5);
    expect(r.explained[0] + r.explained[1]).toBeCloseTo(1, 6);
    // each point's first coordinate is ±3 along the main axis
    for (let n = 0; n < 4; n++) expect(Math.abs(r.points[n * 2])).toBeCloseTo(3, 5);
  });
  it('refuses k larger than the data and a wrong length', () => {
    expect(() => pca(new Float32Array(6), 3, 2, 3)).toThrow(/k must be in 1..2, got 3/);
    expect(() => pca(new Float32Array(5), 3, 2, 1)).toThrow(/expected 3×2 = 6 values, got 5/);
  });
});

describe('umap', () => {
  const rng = new Rng(3);
  const N = 60;
  const F = 5;
  const data = Float32Array.from({ length: N * F }, (_, i) => rng.normal() + (Math.floor(i / F) % 3) * 4);
  it('the same seed gives the same map; another seed another', () => {
    const a = umap(data, N, F, { seed: 7, epochs: 50 });
    const b = umap(data, N, F, { seed: 7, epochs: 50 });
    const c = umap(data, N, F, { seed: 8, epochs: 50 });
    expect(a.length).toBe(N * 2);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});

describe('class geometry', () => {
  it('centroid distances by hand: symmetric, zero diagonal, nearest pair first', () => {
    // class 0 at (1,0), class 1 at (0,1), class 2 at (−1,0): every sample has norm 1, so the scale is 1
    const data = Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1, -1, 0]);
    const g = classGeometry(data, 5, 2, [0, 0, 1, 1, 2], 3);
    expect(g.scale).toBeCloseTo(1, 12);
    const e = Array.from(g.euclidean);
    expect(e).toEqual([0, expect.closeTo(Math.SQRT2, 9), expect.closeTo(2, 9), expect.closeTo(Math.SQRT2, 9), 0, expect.closeTo(Math.SQRT2, 9), expect.closeTo(2, 9), expect.closeTo(Math.SQRT2, 9), 0]);
    expect(Array.from(g.cosine)).toEqual([0, expect.closeTo(1, 9), expect.closeTo(2, 9), expect.closeTo(1, 9), 0, expect.closeTo(1, 9), expect.closeTo(2, 9), expect.closeTo(1, 9), 0]);
    const pairs = rankedPairs(g.euclidean, 3);
    expect(pairs[pairs.length - 1]).toEqual({ a: 0, b: 2, distance: expect.closeTo(2, 9) });
    expect(distanceMatrixCorrelation(g.euclidean, g.cosine, 3)).toBeCloseTo(1, 9);
  });
  it('refuses a class without samples and a label out of range', () => {
    expect(() => classGeometry(new Float32Array(4), 2, 2, [0, 0], 2)).toThrow(/no sample of class 1/);
    expect(() => classGeometry(new Float32Array(4), 2, 2, [0, 5], 2)).toThrow(/label 5 of sample 1 is not in 0..1/);
  });
});

describe('linear CKA', () => {
  const rng = new Rng(11);
  const N = 200;
  const X = Float32Array.from({ length: N * 6 }, () => rng.normal());
  it('is 1 for a representation with itself, and after an orthogonal transform and a scaling', () => {
    expect(linearCka(X, 6, X, 6, N)).toBeCloseTo(1, 9);
    // rotate features 0,1 by 30° and scale everything by 2.5
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const Y = new Float32Array(N * 6);
    for (let n = 0; n < N; n++) {
      for (let f = 2; f < 6; f++) Y[n * 6 + f] = 2.5 * X[n * 6 + f];
      Y[n * 6] = 2.5 * (c * X[n * 6] - s * X[n * 6 + 1]);
      Y[n * 6 + 1] = 2.5 * (s * X[n * 6] + c * X[n * 6 + 1]);
    }
    expect(linearCka(X, 6, Y, 6, N)).toBeCloseTo(1, 5);
  });
  it('is near 0 against independent noise, and not invariant to a non-isotropic scaling', () => {
    const Z = Float32Array.from({ length: N * 4 }, () => rng.normal());
    expect(linearCka(X, 6, Z, 4, N)).toBeLessThan(0.15);
    const W = Float32Array.from(X, (v, i) => (i % 6 === 0 ? 10 * v : v));
    expect(linearCka(X, 6, W, 6, N)).toBeLessThan(0.9);
  });
});

describe('activations', () => {
  it("'last-hidden' is the last hidden dense layer after its activation, or the flattened features", () => {
    const name = (m: string): string => {
      const model = new Sequential(ZOO[m].spec, 1);
      return model.layers[lastHiddenLayer(model)].name;
    };
    expect(name('lenet')).toBe('relu1');
    expect(name('mlp')).toBe('sigmoid2');
    expect(name('cnn')).toBe('relu3');
    expect(name('tiny')).toBe('flatten1');
  });
  it('collects a layer for a batch in pieces, the same as one forward pass', () => {
    const model = new Sequential(ZOO['tiny'].spec, 1);
    const x = new Tensor([7, 1, 28, 28], Float32Array.from({ length: 7 * 784 }, (_, i) => (i % 13) / 13));
    const a = collectActivations(model, x, 'last-hidden', { batch: 3 });
    expect([a.N, a.F, a.layer]).toEqual([7, 100, 'flatten1']);
    expect(Array.from(a.data)).toEqual(Array.from(model.forward(x).steps[6].cache.y.data));
    expect(() => collectActivations(model, x, 'dense9')).toThrow(/no layer named 'dense9'/);
  });
});

describe('ood helpers', () => {
  it('AUROC: 1 for separated scores, 0.5 for identical ones, ties count half', () => {
    expect(auroc([0, 1, 2], [3, 4])).toBe(1);
    expect(auroc([3, 4], [0, 1, 2])).toBe(0);
    expect(auroc([1, 1], [1, 1])).toBe(0.5);
    expect(auroc([0, 2], [1, 3])).toBe(0.75);
  });
  it('the threshold accepts the given fraction', () => {
    const s = Float32Array.from({ length: 100 }, (_, i) => i);
    expect(thresholdFor(s, 0.95)).toBe(94);
    expect(s.filter((v) => v <= thresholdFor(s, 0.95)).length).toBe(95);
  });
  it('inverts a symmetric positive-definite matrix', () => {
    const A = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const inv = invertSpd(A, 3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect([0, 1, 2].reduce((s, k) => s + A[i * 3 + k] * inv[k * 3 + j], 0)).toBeCloseTo(i === j ? 1 : 0, 10);
    expect(() => invertSpd(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});
