/**
 * Fitting and judging the "not a digit" score (scoring itself is src/nn/ood.ts): class means and a
 * shared covariance of a hidden layer's activations on training digits (Lee et al. 2018), its
 * inverse by Cholesky with shrinkage toward the diagonal (hidden ReLU layers have dead units, so the
 * raw covariance is singular); the threshold that accepts a chosen fraction of held-out digits; and
 * AUROC and rejection rates against sets that are not digits.
 */
import { Tensor } from '../engine/tensor.js';
import { SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { OOD_METHODS, oodScores, type OodCalibration, type OodMethod } from '../nn/ood.js';
import { collectActivations, resolveLayer } from './activations.js';
import { classCount } from './score.js';

export interface MahalanobisFit {
  layer: string;
  means: Float32Array;
  precision: Float32Array;
}

/** Class means [K×F] and the shrunk shared precision [F×F] of `layer` on labelled images. */
export function fitMahalanobis(model: Sequential, images: Tensor, labels: ArrayLike<number>, layer: string | number = 'last-hidden', opts: { shrinkage?: number } = {}): MahalanobisFit {
  const act = collectActivations(model, images, layer);
  const { N, F, data } = act;
  const K = classCount(model);
  if (labels.length !== N) throw new SpecError(`ood fit: ${labels.length} labels for ${N} images`);
  const means = new Float64Array(K * F);
  const counts = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    const c = labels[n];
    counts[c]++;
    for (let f = 0; f < F; f++) means[c * F + f] += data[n * F + f];
  }
  for (let c = 0; c < K; c++) {
    if (counts[c] === 0) throw new SpecError(`ood fit: no training image of class ${c}`);
    for (let f = 0; f < F; f++) means[c * F + f] /= counts[c];
  }
  const cov = new Float64Array(F * F);
  const d = new Float64Array(F);
  for (let n = 0; n < N; n++) {
    const c = labels[n];
    for (let f = 0; f < F; f++) d[f] = data[n * F + f] - means[c * F + f];
    for (let i = 0; i < F; i++) {
      const di = d[i];
      if (di === 0) continue;
      for (let j = i; j < F; j++) cov[i * F + j] += di * d[j];
    }
  }
  let trace = 0;
  for (let i = 0; i < F; i++) {
    for (let j = i; j < F; j++) cov[j * F + i] = cov[i * F + j] /= N;
    trace += cov[i * F + i];
  }
  // Shrink toward a multiple of the identity (Ledoit–Wolf style target): Σ' = (1 − λ)Σ + λ·tr(Σ)/F·I.
  const lambda = opts.shrinkage ?? 0.01;
  const floor = trace > 0 ? trace / F : 1;
  for (let i = 0; i < F * F; i++) cov[i] *= 1 - lambda;
  for (let i = 0; i < F; i++) cov[i * F + i] += lambda * floor;
  return { layer: act.layer, means: Float32Array.from(means), precision: Float32Array.from(invertSpd(cov, F)) };
}

/** The inverse of a symmetric positive-definite matrix, by Cholesky. */
export function invertSpd(A: Float64Array, F: number): Float64Array {
  const L = new Float64Array(F * F);
  for (let i = 0; i < F; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * F + j];
      for (let k = 0; k < j; k++) s -= L[i * F + k] * L[j * F + k];
      if (i === j) {
        if (!(s > 0)) throw new SpecError(`ood fit: the covariance is not positive definite (pivot ${i} is ${s}); raise the shrinkage`);
        L[i * F + i] = Math.sqrt(s);
      } else L[i * F + j] = s / L[j * F + j];
    }
  }
  // L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀ L⁻¹.
  const Li = new Float64Array(F * F);
  for (let c = 0; c < F; c++) {
    for (let i = c; i < F; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * F + k] * Li[k * F + c];
      Li[i * F + c] = s / L[i * F + i];
    }
  }
  const inv = new Float64Array(F * F);
  for (let i = 0; i < F; i++) {
    for (let j = i; j < F; j++) {
      let s = 0;
      for (let k = j; k < F; k++) s += Li[k * F + i] * Li[k * F + j];
      inv[i * F + j] = inv[j * F + i] = s;
    }
  }
  return inv;
}

/** Scores of a batch of images against a calibration (or just a method), `batch` at a time. */
export function scoreImages(model: Sequential, images: Tensor, cal: Pick<OodCalibration, 'method' | 'layer' | 'means' | 'precision' | 'standardize'>, opts: { batch?: number } = {}): Float32Array {
  const N = images.n;
  const D = images.size / Math.max(1, N);
  const out = new Float32Array(N);
  const batch = opts.batch ?? 500;
  for (let s = 0; s < N; s += batch) {
    const b = Math.min(batch, N - s);
    const x = new Tensor([b, ...model.inputShape], images.data.subarray(s * D, (s + b) * D));
    out.set(oodScores(model, model.forward(x), cal), s);
  }
  return out;
}

/** The score at which `accept` of these (in-distribution) scores are at or below it. */
export function thresholdFor(scores: Float32Array, accept: number): number {
  if (!(accept > 0 && accept <= 1)) throw new SpecError(`ood: the accept rate must be in (0, 1], got ${accept}`);
  if (scores.length === 0) throw new SpecError('ood: no held-out scores to set a threshold from');
  const sorted = Float32Array.from(scores).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(accept * sorted.length) - 1)];
}

/** Area under the ROC curve for telling `outScores` (positives: higher) from `inScores`; ties count half. */
export function auroc(inScores: ArrayLike<number>, outScores: ArrayLike<number>): number {
  const all = [...Array.from(inScores, (s) => ({ s, out: false })), ...Array.from(outScores, (s) => ({ s, out: true }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].s === all[i].s) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (all[t].out) rankSum += rank;
    i = j + 1;
  }
  const nOut = outScores.length;
  const nIn = inScores.length;
  if (nOut === 0 || nIn === 0) throw new SpecError('auroc: needs scores of both kinds');
  return (rankSum - (nOut * (nOut + 1)) / 2) / (nOut * nIn);
}

export interface CalibrateOptions {
  method?: OodMethod;
  /** mahalanobis: the layer; default 'last-hidden' */
  layer?: string | number;
  /** default 0.95 */
  accept?: number;
  shrinkage?: number;
}

/** A calibration: fitted on (trainImages, trainLabels), thresholded on held-out digits. */
export function calibrateOod(model: Sequential, train: { images: Tensor; labels: ArrayLike<number> }, heldOut: Tensor, opts: CalibrateOptions = {}): OodCalibration {
  const method = opts.method ?? 'combined';
  if (!OOD_METHODS.includes(method)) throw new SpecError(`calibrate: unknown method '${String(method)}'; expected one of ${OOD_METHODS.join(', ')}`);
  const accept = opts.accept ?? 0.95;
  const cal: OodCalibration = { method, threshold: 0, acceptRate: accept };
  if (method === 'mahalanobis' || method === 'combined') {
    resolveLayer(model, opts.layer ?? 'last-hidden');
    const fit = fitMahalanobis(model, train.images, train.labels, opts.layer ?? 'last-hidden', opts.shrinkage !== undefined ? { shrinkage: opts.shrinkage } : {});
    cal.layer = fit.layer;
    cal.means = fit.means;
    cal.precision = fit.precision;
  }
  if (method === 'combined') {
    const e = scoreImages(model, heldOut, { method: 'energy' });
    const m = scoreImages(model, heldOut, { ...cal, method: 'mahalanobis' }).map(Math.log1p);
    cal.standardize = { energy: meanStd(e), mahalanobis: meanStd(m) };
  }
  cal.threshold = thresholdFor(scoreImages(model, heldOut, cal), accept);
  return cal;
}

function meanStd(a: Float32Array): [number, number] {
  const mean = a.reduce((p, q) => p + q, 0) / a.length;
  const sd = Math.sqrt(a.reduce((p, q) => p + (q - mean) ** 2, 0) / a.length);
  return [mean, sd > 0 ? sd : 1];
}

export interface OodEvaluation {
  auroc: number;
  /** the fraction of the out-of-distribution images the threshold rejects */
  rejected: number;
  /** the fraction of the in-distribution images it accepts */
  accepted: number;
}

export function evaluateOod(model: Sequential, cal: OodCalibration, inImages: Tensor, outImages: Tensor): OodEvaluation {
  const a = scoreImages(model, inImages, cal);
  const b = scoreImages(model, outImages, cal);
  return {
    auroc: auroc(a, b),
    rejected: b.filter((s) => s > cal.threshold).length / b.length,
    accepted: a.filter((s) => s <= cal.threshold).length / a.length,
  };
}
