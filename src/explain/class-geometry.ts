/**
 * How far apart the classes lie in a hidden space, and whether two networks see the same geometry.
 * Distances are between class centroids, so the matrix is symmetric with a zero diagonal:
 * Euclidean on activations scaled so their mean squared norm is 1 (one scale per layer, which
 * makes layers and networks of different widths and ranges comparable), and cosine (1 − cos).
 * Linear CKA (Kornblith et al. 2019) compares two representations of the same images directly.
 */
import { SpecError } from '../engine/errors.js';
import { spearman } from './sanity.js';

export interface ClassGeometry {
  classes: number;
  /** [K×F] centroids of the scaled activations */
  centroids: Float64Array;
  /** [K×K] Euclidean distances between centroids (scaled activations) */
  euclidean: Float64Array;
  /** [K×K] cosine distances 1 − cos between centroids */
  cosine: Float64Array;
  /** [K] RMS distance of a class's samples to its centroid (scaled), for scale */
  spread: Float64Array;
  /** the factor applied to the activations */
  scale: number;
  /** samples per class */
  counts: Int32Array;
}

export function classGeometry(data: Float32Array, N: number, F: number, labels: ArrayLike<number>, classes = 10): ClassGeometry {
  if (data.length !== N * F) throw new SpecError(`class geometry: expected ${N}×${F} values, got ${data.length}`);
  if (labels.length !== N) throw new SpecError(`class geometry: ${labels.length} labels for ${N} samples`);
  let sq = 0;
  for (let i = 0; i < N * F; i++) sq += data[i] * data[i];
  const scale = sq > 0 ? 1 / Math.sqrt(sq / N) : 1;
  const K = classes;
  const centroids = new Float64Array(K * F);
  const counts = new Int32Array(K);
  for (let n = 0; n < N; n++) {
    const c = labels[n];
    if (!Number.isInteger(c) || c < 0 || c >= K) throw new SpecError(`class geometry: label ${c} of sample ${n} is not in 0..${K - 1}`);
    counts[c]++;
    for (let f = 0; f < F; f++) centroids[c * F + f] += data[n * F + f] * scale;
  }
  for (let c = 0; c < K; c++) {
    if (counts[c] === 0) throw new SpecError(`class geometry: no sample of class ${c}`);
    for (let f = 0; f < F; f++) centroids[c * F + f] /= counts[c];
  }
  const spread = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    const c = labels[n];
    let d = 0;
    for (let f = 0; f < F; f++) d += (data[n * F + f] * scale - centroids[c * F + f]) ** 2;
    spread[c] += d;
  }
  for (let c = 0; c < K; c++) spread[c] = Math.sqrt(spread[c] / counts[c]);
  const euclidean = new Float64Array(K * K);
  const cosine = new Float64Array(K * K);
  const norms = Array.from({ length: K }, (_, c) => Math.sqrt(centroids.subarray(c * F, (c + 1) * F).reduce((s, v) => s + v * v, 0)));
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      let d = 0;
      let dot = 0;
      for (let f = 0; f < F; f++) {
        const a = centroids[i * F + f];
        const b = centroids[j * F + f];
        d += (a - b) ** 2;
        dot += a * b;
      }
      euclidean[i * K + j] = euclidean[j * K + i] = Math.sqrt(d);
      cosine[i * K + j] = cosine[j * K + i] = norms[i] > 0 && norms[j] > 0 ? 1 - dot / (norms[i] * norms[j]) : 1;
    }
  }
  return { classes: K, centroids, euclidean, cosine, spread, scale, counts };
}

export interface ClassPair {
  a: number;
  b: number;
  distance: number;
}

/** Every pair of classes, nearest first. */
export function rankedPairs(matrix: Float64Array, K: number): ClassPair[] {
  const pairs: ClassPair[] = [];
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) pairs.push({ a, b, distance: matrix[a * K + b] });
  return pairs.sort((p, q) => p.distance - q.distance);
}

/** Spearman rank correlation of the upper triangles of two K×K distance matrices. */
export function distanceMatrixCorrelation(m1: Float64Array, m2: Float64Array, K: number): number {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      a.push(m1[i * K + j]);
      b.push(m2[i * K + j]);
    }
  }
  return spearman(a, b);
}

/**
 * Linear CKA of two representations of the same N samples, X[N×Fx] and Y[N×Fy]:
 * ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) on centred columns. 1 for the same representation up to an
 * orthogonal transform and isotropic scaling; 0 for unrelated ones.
 */
export function linearCka(X: Float32Array, Fx: number, Y: Float32Array, Fy: number, N: number): number {
  if (X.length !== N * Fx || Y.length !== N * Fy) throw new SpecError(`CKA: expected ${N}×${Fx} and ${N}×${Fy} values, got ${X.length} and ${Y.length}`);
  const cx = centred(X, N, Fx);
  const cy = centred(Y, N, Fy);
  const xy = crossFrobenius(cx, Fx, cy, Fy, N);
  const xx = Math.sqrt(crossFrobenius(cx, Fx, cx, Fx, N));
  const yy = Math.sqrt(crossFrobenius(cy, Fy, cy, Fy, N));
  return xx > 0 && yy > 0 ? xy / (xx * yy) : 0;
}

function centred(X: Float32Array, N: number, F: number): Float64Array {
  const out = new Float64Array(N * F);
  const mean = new Float64Array(F);
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) mean[f] += X[n * F + f];
  for (let f = 0; f < F; f++) mean[f] /= N;
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) out[n * F + f] = X[n * F + f] - mean[f];
  return out;
}

/** ‖AᵀB‖²_F for A[N×Fa], B[N×Fb]. */
function crossFrobenius(A: Float64Array, Fa: number, B: Float64Array, Fb: number, N: number): number {
  const M = new Float64Array(Fa * Fb);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Fa; i++) {
      const a = A[n * Fa + i];
      if (a === 0) continue;
      const row = i * Fb;
      for (let j = 0; j < Fb; j++) M[row + j] += a * B[n * Fb + j];
    }
  }
  let s = 0;
  for (const v of M) s += v * v;
  return s;
}
