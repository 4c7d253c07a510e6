/**
 * Sanity checks for attribution methods, because a map that looks right can be wrong.
 * - Model randomisation (Adebayo et al. 2018): re-initialise the weights layer by layer from the
 *   top (cascading) and compare each map with the trained model's by Spearman rank correlation, of
 *   the values and of their absolute values. A method whose map barely changes explains the input,
 *   not the model.
 * - Deletion (after Samek et al. 2017; Hooker et al. 2019 without retraining): set pixels to the
 *   background in attribution order and watch the class probability; a faithful map makes it fall
 *   faster than a random order does.
 * Integrated gradients' completeness gap is reported by integratedGradients itself.
 */
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';
import { Sequential } from '../nn/model.js';
import { initWeights } from '../nn/init.js';
import type { Layer } from '../nn/layer.js';
import { classProbabilities } from './adversarial.js';
import { targetsFor } from './score.js';

/** Ranks with ties averaged (1-based). */
function ranks(v: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[idx[t]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; 0 when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new SpecError(`correlation: ${a.length} values against ${b.length}`);
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Spearman rank correlation (ties averaged). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

/** A copy of the model with the same weights and buffers. */
export function cloneModel(model: Sequential): Sequential {
  const copy = new Sequential(model.spec);
  model.params.forEach((p, i) => copy.params[i].value.data.set(p.value.data));
  model.buffers.forEach((b, i) => copy.buffers[i].value.data.set(b.value.data));
  return copy;
}

/** Re-initialises a layer's weights with its own initialiser (biases to zero), as at the start of training. */
export function randomizeLayer(layer: Layer, rng: Rng): void {
  for (const p of layer.params) {
    const shape = p.value.shape;
    if (shape.length < 2) {
      p.value.data.fill(p.name.endsWith('weight') || p.name.endsWith('gamma') ? 1 : 0);
      continue;
    }
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const fanOut = shape[0] * (shape.length === 4 ? shape[2] * shape[3] : 1);
    const spec = layer.spec as { init?: Parameters<typeof initWeights>[1] };
    initWeights(p.value.data, spec.init ?? 'uniform', fanIn, fanOut, rng);
  }
}

export type MapFunction = (model: Sequential, x: Tensor) => Tensor;

export interface RandomizationStep {
  /** the layers randomised so far, top first ('' for the trained model) */
  layer: string;
  /** mean over images of the Spearman correlation with the trained model's map */
  spearman: number;
  /** the same, on absolute values */
  spearmanAbs: number;
}

/**
 * Cascading randomisation: for each layer with parameters, from the top down, randomise it (and
 * keep the ones above randomised) and compare the maps of x with the trained model's.
 */
export function modelRandomizationTest(model: Sequential, x: Tensor, mapOf: MapFunction, opts: { seed?: number } = {}): RandomizationStep[] {
  const rng = new Rng(opts.seed ?? 1);
  const original = mapOf(model, x);
  const N = x.n;
  const D = original.size / N;
  const compare = (m: Tensor): { spearman: number; spearmanAbs: number } => {
    let s = 0;
    let sa = 0;
    for (let n = 0; n < N; n++) {
      const a = original.data.subarray(n * D, (n + 1) * D);
      const b = m.data.subarray(n * D, (n + 1) * D);
      s += spearman(a, b);
      sa += spearman(a.map(Math.abs), b.map(Math.abs));
    }
    return { spearman: s / N, spearmanAbs: sa / N };
  };
  const copy = cloneModel(model);
  const steps: RandomizationStep[] = [];
  for (let i = copy.layers.length - 1; i >= 0; i--) {
    const layer = copy.layers[i];
    if (layer.params.length === 0) continue;
    randomizeLayer(layer, rng);
    steps.push({ layer: layer.name, ...compare(mapOf(copy, x)) });
  }
  return steps;
}

export interface DeletionCurve {
  /** fraction of pixels deleted at each point (0 … 1) */
  fractions: Float32Array;
  /** the target's mean probability at each point */
  probabilities: Float32Array;
  /** the mean of the probabilities over the curve (area under it): lower is a more faithful order */
  area: number;
}

/**
 * Deletes pixels (sets them to `fill`, the background) in decreasing order of attribution, in
 * `points` equal steps, and records the target class's probability (mean over the images).
 */
export function deletionCurve(model: Sequential, x: Tensor, attributions: Tensor, target: number | ArrayLike<number>, opts: { points?: number; fill?: number } = {}): DeletionCurve {
  if (attributions.size !== x.size) throw new SpecError(`deletion curve: ${attributions.size} attributions for ${x.size} pixels`);
  const points = opts.points ?? 20;
  const fill = opts.fill ?? 0;
  const N = x.n;
  const D = x.size / N;
  const targets = targetsFor(model, N, target);
  const orders = Array.from({ length: N }, (_, n) => {
    const a = attributions.data.subarray(n * D, (n + 1) * D);
    return Int32Array.from({ length: D }, (_, i) => i).sort((p, q) => a[q] - a[p]);
  });
  const fractions = new Float32Array(points + 1);
  const probabilities = new Float32Array(points + 1);
  const batch = new Tensor([N * (points + 1), ...model.inputShape]);
  for (let s = 0; s <= points; s++) {
    fractions[s] = s / points;
    const count = Math.round((s / points) * D);
    for (let n = 0; n < N; n++) {
      const o = (s * N + n) * D;
      batch.data.set(x.data.subarray(n * D, (n + 1) * D), o);
      for (let j = 0; j < count; j++) batch.data[o + orders[n][j]] = fill;
    }
  }
  const p = classProbabilities(model, batch);
  const K = p.size / p.n;
  for (let s = 0; s <= points; s++) {
    let sum = 0;
    for (let n = 0; n < N; n++) sum += p.data[(s * N + n) * K + targets[n]];
    probabilities[s] = sum / N;
  }
  const area = probabilities.reduce((a, b) => a + b, 0) / probabilities.length;
  return { fractions, probabilities, area };
}

/** A random attribution (the deletion curve's reference order). */
export function randomAttribution(x: Tensor, seed = 0): Tensor {
  const rng = new Rng(seed);
  return new Tensor(x.shape, Float32Array.from({ length: x.size }, () => rng.next()));
}
