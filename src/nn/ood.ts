/**
 * "That is not a digit": an out-of-distribution score on every prediction, from the model's own
 * numbers, and the calibration it needs (a method, a threshold, for Mahalanobis the class means
 * and shared precision of a hidden layer). Higher scores mean less like the training digits:
 *   msp          1 − max softmax probability (Hendrycks & Gimpel 2017, the baseline)
 *   energy       −logsumexp(logits) (Liu et al. 2020)
 *   mahalanobis  min over classes of (f − μ_c)ᵀ Σ⁻¹ (f − μ_c) at a hidden layer (Lee et al. 2018)
 *   combined     the mean of the energy and log(1 + Mahalanobis), each standardised by its mean and
 *                spread on held-out digits: energy catches what the classifier has never seen
 *                (Fashion-MNIST, shapes), Mahalanobis accepts unusual but real handwriting
 *                (measured in docs/hidden-space.md; the default)
 * Scoring lives here, beside predict, so every face reports it; fitting and evaluating a
 * calibration (src/explain/ood.ts) does not.
 */
import { SpecError, formatShape } from '../engine/errors.js';
import type { ForwardResult, Sequential } from './model.js';

export const OOD_METHODS = ['msp', 'energy', 'mahalanobis', 'combined'] as const;
export type OodMethod = (typeof OOD_METHODS)[number];

export interface OodCalibration {
  method: OodMethod;
  /** inputs scoring above it are "not a digit" */
  threshold: number;
  /** the fraction of held-out digits the threshold accepts (0.95) */
  acceptRate: number;
  /** mahalanobis: the layer whose activations are scored, its width, the class means [K×F] and precision [F×F] */
  layer?: string;
  means?: Float32Array;
  precision?: Float32Array;
  /** combined: each part's mean and standard deviation on held-out digits */
  standardize?: { energy: [number, number]; mahalanobis: [number, number] };
  /** what was measured when it was fitted: AUROC per out-of-distribution set, and more */
  report?: Record<string, unknown>;
}

export interface OodResult {
  score: number;
  threshold: number;
  method: OodMethod;
}

/** The layer whose output is the class logits: the last, or the one before a final softmax/sigmoid. */
export function logitLayerIndex(model: Sequential): number {
  const last = model.layers.length - 1;
  const kind = model.layers[last].kind;
  return (kind === 'softmax' || kind === 'sigmoid') && last > 0 ? last - 1 : last;
}

/** Checks a calibration fits the model (layer exists, sizes match, numbers finite). */
export function checkCalibration(model: Sequential, cal: OodCalibration, where = 'ood calibration'): void {
  if (!OOD_METHODS.includes(cal.method)) throw new SpecError(`${where}: unknown method '${String(cal.method)}'; expected one of ${OOD_METHODS.join(', ')}`);
  if (!Number.isFinite(cal.threshold)) throw new SpecError(`${where}: threshold must be a finite number, got ${cal.threshold}`);
  if (cal.method === 'combined') {
    const st = cal.standardize;
    const ok = (p: unknown): boolean => Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && p[1] > 0 && Number.isFinite(p[1]);
    if (!st || !ok(st.energy) || !ok(st.mahalanobis)) throw new SpecError(`${where}: combined needs 'standardize' with a [mean, std > 0] pair for energy and mahalanobis`);
  }
  if (cal.method !== 'mahalanobis' && cal.method !== 'combined') return;
  if (cal.layer === undefined || !cal.means || !cal.precision) throw new SpecError(`${where}: ${cal.method} needs a layer, class means and a precision matrix`);
  const layer = model.layers.find((l) => l.name === cal.layer);
  if (!layer) throw new SpecError(`${where}: no layer named '${cal.layer}' in the model`);
  const F = layer.outShape.reduce((a, b) => a * b, 1);
  const K = model.layers[logitLayerIndex(model)].outShape.reduce((a, b) => a * b, 1);
  if (cal.means.length !== K * F) throw new SpecError(`${where}: class means hold ${cal.means.length} values; ${K} classes × ${F} features of ${cal.layer} ${formatShape(layer.outShape)} need ${K * F}`);
  if (cal.precision.length !== F * F) throw new SpecError(`${where}: the precision matrix holds ${cal.precision.length} values; ${F}×${F} needed`);
  for (const [name, a] of [['means', cal.means], ['precision', cal.precision]] as const) {
    const bad = a.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SpecError(`${where}: ${name}[${bad}] is ${a[bad]}; expected finite numbers`);
  }
}

/** The score of every sample of a trace (higher: less like a digit). */
export function oodScores(model: Sequential, trace: ForwardResult, cal: Pick<OodCalibration, 'method' | 'layer' | 'means' | 'precision' | 'standardize'>): Float32Array {
  if (cal.method === 'combined') {
    const st = cal.standardize;
    if (!st) throw new SpecError("ood: 'combined' needs the standardisation fitted by calibrate");
    const e = oodScores(model, trace, { method: 'energy' });
    const m = oodScores(model, trace, { ...cal, method: 'mahalanobis' });
    return e.map((v, i) => ((v - st.energy[0]) / st.energy[1] + (Math.log1p(m[i]) - st.mahalanobis[0]) / st.mahalanobis[1]) / 2);
  }
  const logits = trace.steps[logitLayerIndex(model)].cache.y;
  const N = logits.n;
  const K = logits.size / N;
  const out = new Float32Array(N);
  if (cal.method === 'msp' || cal.method === 'energy') {
    for (let n = 0; n < N; n++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, logits.data[n * K + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(logits.data[n * K + k] - max);
      out[n] = cal.method === 'msp' ? 1 - 1 / s : -(max + Math.log(s));
    }
    return out;
  }
  const li = model.layers.findIndex((l) => l.name === cal.layer);
  if (li < 0 || !cal.means || !cal.precision) throw new SpecError(`ood: the calibration's layer '${String(cal.layer)}' is not in the model`);
  const f = trace.steps[li].cache.y;
  const F = f.size / N;
  const P = cal.precision;
  // d_c = fᵀPf − 2 fᵀ(Pμ_c) + μ_cᵀPμ_c, with Pμ_c and μ_cᵀPμ_c computed once per calibration.
  const { Pm, mPm } = projectedMeans(P, cal.means, K, F);
  for (let n = 0; n < N; n++) {
    const x = f.data.subarray(n * F, (n + 1) * F);
    let xPx = 0;
    for (let i = 0; i < F; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      let s = 0;
      for (let j = 0; j < F; j++) s += P[i * F + j] * x[j];
      xPx += xi * s;
    }
    let best = Infinity;
    for (let c = 0; c < K; c++) {
      let xPm = 0;
      for (let i = 0; i < F; i++) xPm += x[i] * Pm[c * F + i];
      best = Math.min(best, xPx - 2 * xPm + mPm[c]);
    }
    out[n] = Math.max(0, best);
  }
  return out;
}

/**
 * Pμ_c [K×F] and μ_cᵀPμ_c [K], kept per precision array: recomputing them is K·F² multiply-adds
 * (2.5 million for LeNet's relu1), which made every calibrated prediction ~7× slower.
 */
const projected = new WeakMap<Float32Array, { means: Float32Array; Pm: Float64Array; mPm: Float64Array }>();

function projectedMeans(P: Float32Array, M: Float32Array, K: number, F: number): { Pm: Float64Array; mPm: Float64Array } {
  const hit = projected.get(P);
  if (hit && hit.means === M && hit.Pm.length === K * F) return hit;
  const Pm = new Float64Array(K * F);
  const mPm = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < F; i++) {
      let s = 0;
      for (let j = 0; j < F; j++) s += P[i * F + j] * M[c * F + j];
      Pm[c * F + i] = s;
      mPm[c] += M[c * F + i] * s;
    }
  }
  projected.set(P, { means: M, Pm, mPm });
  return { Pm, mPm };
}

/** Each sample's score against the model's calibration, or null when it has none. */
export function oodResults(model: Sequential, trace: ForwardResult): OodResult[] | null {
  const cal = model.ood;
  if (!cal) return null;
  const scores = oodScores(model, trace, cal);
  return Array.from(scores, (score) => ({ score, threshold: cal.threshold, method: cal.method }));
}
