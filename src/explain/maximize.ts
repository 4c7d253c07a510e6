/**
 * What a unit looks for. Activation maximisation: gradient ascent on the input image toward a
 * class's logit, a feature map's mean or one unit, from seeded noise or a given start (e.g. the
 * mean digit), with the standard regularisers — L2 decay (Yosinski et al. 2015), blur every few
 * steps, jitter (Lucid), total variation (tf-keras-vis) — and the image kept in 0..1. And the
 * dataset examples: the test digits (and, for a feature map, the receptive-field patches) that
 * excite a channel or unit most.
 */
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { SpecError, formatShape } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { checkInput, layerIndex, objectiveSeed, type Objective } from './score.js';
import { classProbabilities } from './adversarial.js';
import { gaussianBlur, roll, totalVariation } from './image-ops.js';
import { receptiveField, type Rect } from './receptive-field.js';

export interface MaximizeOptions {
  /** 'noise' (seeded, default), or a start image with the model's input size (e.g. the mean digit) */
  start?: 'noise' | Float32Array;
  /** default 256 */
  steps?: number;
  /** the largest pixel change of one step (the gradient is scaled to it); default 0.05 */
  stepSize?: number;
  /** L2 decay: x ← x·(1 − decay) each step, pulling toward the background; default 0.001 */
  decay?: number;
  /** blur σ (pixels) applied every `blurEvery` steps; default 0.5, every 4 steps; 0 turns it off */
  blurSigma?: number;
  blurEvery?: number;
  /** random shift of up to this many pixels before each gradient; default 1 */
  jitter?: number;
  /** total-variation weight (relative to the normalised gradient); default 0.02 */
  tv?: number;
  seed?: number;
}

export interface MaximizeResult {
  /** [...input] in 0..1 */
  image: Float32Array;
  /** the objective at the final image */
  score: number;
  /** the objective every step */
  history: Float32Array;
  /** class probabilities at the final image */
  probabilities: Float32Array;
}

function objectiveOne(model: Sequential, img: Float32Array, objective: Objective): { score: number; grad: Float32Array } {
  const trace = model.forward(new Tensor([1, ...model.inputShape], img));
  const { from, seed, scores } = objectiveSeed(model, trace, objective);
  const grad = model.backward(trace, seed, { from, paramGrads: false }).input.data;
  return { score: scores[0], grad };
}

/** Gradient ascent on the input for one objective. Same seed and options, same image. */
export function maximizeActivation(model: Sequential, objective: Objective, opts: MaximizeOptions = {}): MaximizeResult {
  if (model.inputShape.length !== 3) throw new SpecError(`activation maximisation: needs image input [C,H,W], the model takes ${formatShape(model.inputShape)}`);
  const [C, H, W] = model.inputShape as [number, number, number];
  const D = C * H * W;
  const steps = opts.steps ?? 256;
  const stepSize = opts.stepSize ?? 0.05;
  const decay = opts.decay ?? 0.001;
  const blurSigma = opts.blurSigma ?? 0.5;
  const blurEvery = opts.blurEvery ?? 4;
  const jitter = opts.jitter ?? 1;
  const tv = opts.tv ?? 0.02;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100_000) throw new SpecError(`activation maximisation: steps must be an integer in 1..100000, got ${steps}`);
  for (const [name, v] of [['stepSize', stepSize], ['decay', decay], ['blurSigma', blurSigma], ['tv', tv]] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw new SpecError(`activation maximisation: ${name} must be a finite number ≥ 0, got ${v}`);
  }
  if (!Number.isInteger(jitter) || jitter < 0) throw new SpecError(`activation maximisation: jitter must be an integer ≥ 0, got ${jitter}`);
  const rng = new Rng(opts.seed ?? 0);
  let x: Float32Array;
  if (opts.start instanceof Float32Array) {
    if (opts.start.length !== D) throw new SpecError(`activation maximisation: the start image has ${opts.start.length} values, the model takes ${D}`);
    x = opts.start.slice();
  } else {
    // Faint noise: a start that is neither a digit nor saturated.
    x = Float32Array.from({ length: D }, () => 0.1 * rng.next());
  }
  // Validates the objective once (a bad layer, unit or class is reported before any work).
  objectiveOne(model, x, objective);
  const history = new Float32Array(steps);
  for (let s = 0; s < steps; s++) {
    const dy = jitter > 0 ? rng.int(2 * jitter + 1) - jitter : 0;
    const dx = jitter > 0 ? rng.int(2 * jitter + 1) - jitter : 0;
    const shifted = dy || dx ? roll(x, C, H, W, dy, dx) : x;
    const r = objectiveOne(model, shifted, objective);
    history[s] = r.score;
    const g = dy || dx ? roll(r.grad, C, H, W, -dy, -dx) : r.grad;
    let gmax = 0;
    for (const v of g) gmax = Math.max(gmax, Math.abs(v));
    const scale = gmax > 0 ? 1 / gmax : 0;
    const tvGrad = new Float32Array(D);
    if (tv > 0) totalVariation(x, C, H, W, tvGrad, 1);
    for (let i = 0; i < D; i++) {
      const v = (x[i] + stepSize * (g[i] * scale - tv * tvGrad[i])) * (1 - decay);
      x[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    if (blurSigma > 0 && blurEvery > 0 && (s + 1) % blurEvery === 0 && s + 1 < steps) x = gaussianBlur(x, C, H, W, blurSigma);
  }
  const final = objectiveOne(model, x, objective);
  const probabilities = classProbabilities(model, new Tensor([1, C, H, W], x)).data;
  return { image: x, score: final.score, history, probabilities };
}

export interface ExcitingExample {
  /** index into the images given */
  image: number;
  /** the activation: the unit's value, or the feature map's maximum */
  value: number;
  /** for a feature map: where the maximum is, and the input pixels its receptive field covers */
  at?: { y: number; x: number; field: Rect };
}

/**
 * The k images (of `images`, [N,...input]) that excite each channel of a conv-like layer (by its
 * map's maximum) or each unit of a flat layer most, strongest first. Batched forward passes.
 */
export function topExcitingExamples(model: Sequential, images: Tensor, layer: number | string, k: number, opts: { batch?: number } = {}): ExcitingExample[][] {
  checkInput(model, images, 'dataset examples');
  const li = layerIndex(model, layer);
  const l = model.layers[li];
  if (!Number.isInteger(k) || k < 1) throw new SpecError(`dataset examples: k must be a positive integer, got ${k}`);
  const spatial = l.outShape.length === 3;
  const [C, h, w] = spatial ? (l.outShape as [number, number, number]) : [l.outShape.reduce((a, b) => a * b, 1), 1, 1];
  const best: ExcitingExample[][] = Array.from({ length: C }, () => []);
  const batch = opts.batch ?? 256;
  const D = images.size / images.n;
  for (let s = 0; s < images.n; s += batch) {
    const b = Math.min(batch, images.n - s);
    const y = model.forward(new Tensor([b, ...model.inputShape], images.data.subarray(s * D, (s + b) * D))).steps[li].cache.y.data;
    for (let j = 0; j < b; j++) {
      for (let c = 0; c < C; c++) {
        const o = (j * C + c) * h * w;
        let at = 0;
        for (let i = 1; i < h * w; i++) if (y[o + i] > y[o + at]) at = i;
        const value = y[o + at];
        const list = best[c];
        if (list.length === k && value <= list[k - 1].value) continue;
        const ex: ExcitingExample = spatial
          ? { image: s + j, value, at: { y: Math.floor(at / w), x: at % w, field: receptiveField(model, li, Math.floor(at / w), at % w) } }
          : { image: s + j, value };
        let pos = list.length;
        while (pos > 0 && list[pos - 1].value < value) pos--;
        list.splice(pos, 0, ex);
        if (list.length > k) list.pop();
      }
    }
  }
  return best;
}
