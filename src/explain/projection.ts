/**
 * Maps of a hidden space in two dimensions. PCA: the top principal axes by subspace iteration on
 * the centred data (no F×F covariance is formed, so 800-wide layers stay cheap), deterministic.
 * UMAP (McInnes et al. 2018) through umap-js, seeded from our Rng so the same seed gives the same
 * map. Rows are samples: data[N×F].
 */
import { UMAP } from 'umap-js';
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';

export interface PcaResult {
  /** [k×F] unit principal axes, by decreasing variance */
  components: Float64Array;
  /** [k] variance along each axis */
  variance: Float64Array;
  /** the fraction of the total variance each axis explains */
  explained: Float64Array;
  /** [F] the mean that was subtracted */
  mean: Float64Array;
  /** [N×k] the samples' coordinates */
  points: Float32Array;
  k: number;
}

function checkData(data: Float32Array, N: number, F: number, where: string): void {
  if (!Number.isInteger(N) || !Number.isInteger(F) || N < 1 || F < 1 || data.length !== N * F) {
    throw new SpecError(`${where}: expected ${N}×${F} = ${N * F} values, got ${data.length}`);
  }
}

/** Principal component analysis; k ≤ min(N, F). */
export function pca(data: Float32Array, N: number, F: number, k = 2, opts: { iterations?: number } = {}): PcaResult {
  checkData(data, N, F, 'pca');
  if (!Number.isInteger(k) || k < 1 || k > Math.min(N, F)) throw new SpecError(`pca: k must be in 1..${Math.min(N, F)}, got ${k}`);
  const mean = new Float64Array(F);
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) mean[f] += data[n * F + f];
  for (let f = 0; f < F; f++) mean[f] /= N;
  const X = new Float64Array(N * F);
  let total = 0;
  for (let i = 0; i < N * F; i++) {
    const v = data[i] - mean[i % F];
    X[i] = v;
    total += v * v;
  }
  total /= Math.max(1, N - 1);
  // Subspace iteration with a few extra vectors: V ← orth(Xᵀ X V).
  const m = Math.min(F, k + 4);
  const rng = new Rng(12345);
  let V = Float64Array.from({ length: m * F }, () => rng.normal());
  orthonormalize(V, m, F);
  const iterations = opts.iterations ?? 100;
  const XV = new Float64Array(N * m);
  for (let it = 0; it < iterations; it++) {
    multiplyXV(XV, X, V, N, F, m);
    const next = new Float64Array(m * F);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < m; j++) {
        const s = XV[n * m + j];
        if (s === 0) continue;
        for (let f = 0; f < F; f++) next[j * F + f] += s * X[n * F + f];
      }
    }
    orthonormalize(next, m, F);
    V = next;
  }
  // Rayleigh–Ritz: sort the subspace's vectors by variance (they are near-eigenvectors).
  multiplyXV(XV, X, V, N, F, m);
  const vars = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let n = 0; n < N; n++) s += XV[n * m + j] ** 2;
    return { j, v: s / Math.max(1, N - 1) };
  }).sort((a, b) => b.v - a.v);
  const components = new Float64Array(k * F);
  const variance = new Float64Array(k);
  const explained = new Float64Array(k);
  const points = new Float32Array(N * k);
  for (let c = 0; c < k; c++) {
    const { j, v } = vars[c];
    // A fixed sign (largest |component| positive) makes the map the same on every run.
    let big = 0;
    for (let f = 0; f < F; f++) if (Math.abs(V[j * F + f]) > Math.abs(V[j * F + big])) big = f;
    const sign = V[j * F + big] < 0 ? -1 : 1;
    for (let f = 0; f < F; f++) components[c * F + f] = sign * V[j * F + f];
    variance[c] = v;
    explained[c] = total > 0 ? v / total : 0;
    for (let n = 0; n < N; n++) points[n * k + c] = sign * XV[n * m + j];
  }
  return { components, variance, explained, mean, points, k };
}

function multiplyXV(out: Float64Array, X: Float64Array, V: Float64Array, N: number, F: number, m: number): void {
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let f = 0; f < F; f++) s += X[n * F + f] * V[j * F + f];
      out[n * m + j] = s;
    }
  }
}

/** Modified Gram–Schmidt on the m rows of V[m×F]; a row that vanishes is replaced by a unit vector. */
function orthonormalize(V: Float64Array, m: number, F: number): void {
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let f = 0; f < F; f++) d += V[j * F + f] * V[i * F + f];
      for (let f = 0; f < F; f++) V[j * F + f] -= d * V[i * F + f];
    }
    let norm = 0;
    for (let f = 0; f < F; f++) norm += V[j * F + f] ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) {
      V.fill(0, j * F, (j + 1) * F);
      V[j * F + (j % F)] = 1;
      continue;
    }
    for (let f = 0; f < F; f++) V[j * F + f] /= norm;
  }
}

export interface UmapOptions {
  seed?: number;
  /** default 15 */
  neighbors?: number;
  /** default 0.1 */
  minDist?: number;
  /** default: umap-js's choice for the data size */
  epochs?: number;
}

/** A seeded 2-D UMAP embedding [N×2]. */
export function umap(data: Float32Array, N: number, F: number, opts: UmapOptions = {}): Float32Array {
  checkData(data, N, F, 'umap');
  const neighbors = opts.neighbors ?? 15;
  if (N <= neighbors) throw new SpecError(`umap: needs more than ${neighbors} points (the neighbours), got ${N}`);
  const rng = new Rng(opts.seed ?? 0);
  const u = new UMAP({
    nComponents: 2,
    nNeighbors: neighbors,
    minDist: opts.minDist ?? 0.1,
    random: () => rng.next(),
    ...(opts.epochs !== undefined ? { nEpochs: opts.epochs } : {}),
  });
  const rows = Array.from({ length: N }, (_, n) => Array.from(data.subarray(n * F, (n + 1) * F)));
  const out = u.fit(rows);
  return Float32Array.from(out.flat());
}
