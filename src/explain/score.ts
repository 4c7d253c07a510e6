/**
 * What an explanation differentiates: a class's logit, a layer's unit or a whole feature map, and
 * the gradient of that score with respect to the raw input, for a batch at once. Every method in
 * src/explain is a seed and a walk over one trace (model.forward, model.backward); this file is the
 * one place that builds those seeds. It does not decide how a map is shown.
 */
import { Tensor } from '../engine/tensor.js';
import { SpecError, ShapeError, formatShape } from '../engine/errors.js';
import type { ForwardResult, Sequential } from '../nn/model.js';
import type { BackwardRule } from '../nn/layer.js';
import { argmax } from '../nn/predict.js';

/**
 * The layer whose output is the class scores (logits): the last layer, or the one before it when
 * the model ends in a softmax or sigmoid (their outputs saturate, so their gradients vanish exactly
 * where a network is sure; explanations differentiate the logit, as Captum's tutorials do).
 */
export function logitLayer(model: Sequential): number {
  const last = model.layers.length - 1;
  const kind = model.layers[last].kind;
  return (kind === 'softmax' || kind === 'sigmoid') && last > 0 ? last - 1 : last;
}

export function classCount(model: Sequential): number {
  return model.layers[logitLayer(model)].outShape.reduce((a, b) => a * b, 1);
}

/** logits[N,K] of a trace (a view into the trace, not a copy). */
export function logitsOf(model: Sequential, trace: ForwardResult): Tensor {
  return trace.steps[logitLayer(model)].cache.y;
}

/** One target class per sample: a single number for all, or one each. Checked against the model. */
export function targetsFor(model: Sequential, n: number, target: number | ArrayLike<number>): Int32Array {
  const K = classCount(model);
  const t = typeof target === 'number' ? new Int32Array(n).fill(target) : Int32Array.from(target);
  if (t.length !== n) throw new ShapeError(`explain: ${t.length} targets for ${n} images`);
  for (let i = 0; i < n; i++) {
    const v = typeof target === 'number' ? target : target[i];
    if (!Number.isInteger(v) || v < 0 || v >= K) throw new SpecError(`explain: target class ${v} is not one of the model's classes 0..${K - 1}`);
  }
  return t;
}

/** The class with the highest logit of each sample. */
export function predictedClasses(model: Sequential, trace: ForwardResult): Int32Array {
  const logits = logitsOf(model, trace);
  const K = logits.size / logits.n;
  return Int32Array.from({ length: logits.n }, (_, n) => argmax(logits.data.subarray(n * K, (n + 1) * K)));
}

/** Checks x is a batch of the model's input shape and holds finite numbers. */
export function checkInput(model: Sequential, x: Tensor, where: string): void {
  const want = model.inputShape;
  if (x.shape.length !== want.length + 1 || want.some((d, i) => d !== x.shape[i + 1])) {
    throw new ShapeError(`${where}: expected input [N,${want.join(',')}], got ${formatShape(x.shape)}`);
  }
  const bad = x.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ShapeError(`${where}: input value ${bad} is ${x.data[bad]}; expected finite pixels`);
}

/** What to differentiate: a class's logit, one unit of a layer, or the sum of one feature map. */
export type Objective =
  | { kind: 'class'; target: number | ArrayLike<number> }
  | { kind: 'unit'; layer: number | string; index: number }
  | { kind: 'channel'; layer: number | string; channel: number };

export interface ScoreGradient {
  trace: ForwardResult;
  /** dScore/dInput [N,...input] with respect to the raw input */
  grad: Tensor;
  /** the score of each sample */
  scores: Float32Array;
}

export function layerIndex(model: Sequential, layer: number | string): number {
  if (typeof layer === 'string') return model.layers.indexOf(model.layer(layer));
  if (!Number.isInteger(layer) || layer < 0 || layer >= model.layers.length) {
    throw new SpecError(`explain: layer ${layer} is not in 0..${model.layers.length - 1}`);
  }
  return layer;
}

/** The seed at the objective's layer: one-hot at the class or unit; ones over a feature map. */
export function objectiveSeed(model: Sequential, trace: ForwardResult, objective: Objective): { from: number; seed: Tensor; scores: Float32Array } {
  if (objective.kind === 'class') {
    const from = logitLayer(model);
    const y = trace.steps[from].cache.y;
    const K = y.size / y.n;
    const targets = targetsFor(model, y.n, objective.target);
    const seed = new Tensor(y.shape);
    const scores = new Float32Array(y.n);
    for (let n = 0; n < y.n; n++) {
      seed.data[n * K + targets[n]] = 1;
      scores[n] = y.data[n * K + targets[n]];
    }
    return { from, seed, scores };
  }
  const from = layerIndex(model, objective.layer);
  const layer = model.layers[from];
  const y = trace.steps[from].cache.y;
  const per = y.size / y.n;
  const seed = new Tensor(y.shape);
  const scores = new Float32Array(y.n);
  if (objective.kind === 'unit') {
    if (!Number.isInteger(objective.index) || objective.index < 0 || objective.index >= per) {
      throw new SpecError(`explain: unit ${objective.index} is not in 0..${per - 1} of ${layer.name} (${formatShape(layer.outShape)})`);
    }
    for (let n = 0; n < y.n; n++) {
      seed.data[n * per + objective.index] = 1;
      scores[n] = y.data[n * per + objective.index];
    }
    return { from, seed, scores };
  }
  if (layer.outShape.length !== 3) {
    throw new SpecError(`explain: ${layer.name} has no feature maps (its output is ${formatShape(layer.outShape)}); pick a unit instead of a channel`);
  }
  const [C, H, W] = layer.outShape as [number, number, number];
  const c = objective.channel;
  if (!Number.isInteger(c) || c < 0 || c >= C) throw new SpecError(`explain: channel ${c} is not in 0..${C - 1} of ${layer.name}`);
  // The score is the map's mean, so its size does not scale the gradient.
  for (let n = 0; n < y.n; n++) {
    const o = n * per + c * H * W;
    let s = 0;
    for (let i = 0; i < H * W; i++) {
      seed.data[o + i] = 1 / (H * W);
      s += y.data[o + i];
    }
    scores[n] = s / (H * W);
  }
  return { from, seed, scores };
}

/** The gradient of the objective with respect to the raw input, for a batch, under `rule`. */
export function scoreGradient(model: Sequential, x: Tensor, objective: Objective, rule: BackwardRule = 'gradient'): ScoreGradient {
  const trace = model.forward(x);
  const { from, seed, scores } = objectiveSeed(model, trace, objective);
  const back = model.backward(trace, seed, { from, paramGrads: false, rule });
  return { trace, grad: back.input, scores };
}
