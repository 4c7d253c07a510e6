/**
 * The little linear algebra the Map view needs around src/explain's PCA and UMAP: a digit's position
 * on a PCA map (its activation minus the mean, on the two axes), a seeded very sparse random
 * projection that brings a wide layer to a width UMAP can take (Li, Hastie & Church 2006: about √F
 * nonzero ±1 per output, distances kept roughly, at a cost of N·√F·D), and where a new digit goes on
 * a UMAP map, which has no formula for new points: the mean position of its nearest digits in the
 * space UMAP ran on (its own position when it is one of them). Pure, no DOM.
 */
import { Rng } from '../../../src/engine/rng.js';

/** [x, y] of one activation a[F] on a PCA map: (a − mean) · components[0|1]. */
export function projectOnAxes(a: ArrayLike<number>, mean: ArrayLike<number>, components: ArrayLike<number>, F: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let f = 0; f < F; f++) {
    const v = a[f] - mean[f];
    x += v * components[f];
    y += v * components[F + f];
  }
  return [x, y];
}

export interface SparseProjection {
  F: number;
  D: number;
  /** taps per output */
  s: number;
  /** [D×s] input index of each tap */
  index: Int32Array;
  /** [D×s] ±scale */
  weight: Float32Array;
}

/** A seeded F → D projection with ⌈√F⌉ taps of ±√(F/(s·D)) per output, so E‖y‖² = ‖x‖². */
export function sparseProjection(F: number, D: number, seed: number): SparseProjection {
  const s = Math.ceil(Math.sqrt(F));
  const rng = new Rng(seed);
  const index = new Int32Array(D * s);
  const weight = new Float32Array(D * s);
  const w = Math.sqrt(F / (s * D));
  for (let i = 0; i < D * s; i++) {
    index[i] = rng.int(F);
    weight[i] = rng.next() < 0.5 ? -w : w;
  }
  return { F, D, s, index, weight };
}

/** out[outAt … outAt+D) = P · x[xAt … xAt+F) */
export function projectSparse(out: Float32Array, outAt: number, p: SparseProjection, x: ArrayLike<number>, xAt = 0): void {
  const { D, s, index, weight } = p;
  for (let j = 0; j < D; j++) {
    let sum = 0;
    for (let t = j * s, end = t + s; t < end; t++) sum += weight[t] * x[xAt + index[t]];
    out[outAt + j] = sum;
  }
}

/** The k rows of space[N×D] nearest to q[D] (Euclidean), nearest first, with their squared distances. */
export function nearestRows(space: Float32Array, N: number, D: number, q: ArrayLike<number>, k: number): { index: Int32Array; d2: Float64Array } {
  const K = Math.min(k, N);
  const index = new Int32Array(K).fill(-1);
  const d2 = new Float64Array(K).fill(Infinity);
  for (let n = 0; n < N; n++) {
    let d = 0;
    const o = n * D;
    for (let f = 0; f < D; f++) {
      const v = space[o + f] - q[f];
      d += v * v;
    }
    if (d >= d2[K - 1]) continue;
    // insertion into the sorted list; equal distances keep the earlier row first
    let i = K - 1;
    while (i > 0 && d2[i - 1] > d) {
      d2[i] = d2[i - 1];
      index[i] = index[i - 1];
      i--;
    }
    d2[i] = d;
    index[i] = n;
  }
  return { index, d2 };
}

export interface Placement {
  x: number;
  y: number;
  nearest: Int32Array;
  /** the digit is one of the map's (distance 0 to its nearest): placed exactly on it */
  exact: boolean;
}

/** Where q[D] goes on a map points[N×2] made from space[N×D]: see the header. */
export function placeByNeighbours(space: Float32Array, points: Float32Array, N: number, D: number, q: ArrayLike<number>, k: number): Placement {
  const { index, d2 } = nearestRows(space, N, D, q, k);
  let norm = 0;
  for (let f = 0; f < D; f++) norm += q[f] * q[f];
  if (index.length > 0 && d2[0] <= 1e-10 * (norm + 1e-12)) {
    return { x: points[index[0] * 2], y: points[index[0] * 2 + 1], nearest: index, exact: true };
  }
  let x = 0;
  let y = 0;
  for (const i of index) {
    x += points[i * 2];
    y += points[i * 2 + 1];
  }
  return { x: x / index.length, y: y / index.length, nearest: index, exact: false };
}
