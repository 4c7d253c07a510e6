/**
 * How one unit of one layer got its value, recomputed from the very numbers the engine used: the
 * layer's input from the trace (cache.x), its weights, and compared with the engine's output
 * (cache.y). Convolution: the input patch, the kernel, their elementwise products, the sum, the
 * bias; dense: every weighted input; pooling: the window and its winner; then the activation that
 * follows, and for the last layer the softmax probability. Pure (no DOM, no Node): the explorer's
step-through draws it, and the CLI and library can print the same numbers.
 *
 * Sums are taken in float64 over the exact products of float32 numbers; the engine accumulates in
 * float32, so the two may differ in the last digits, and the view shows both side by side.
 */
import type { ForwardResult, Sequential } from '../nn/model.js';
import type { Layer } from '../nn/layer.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { Dense } from '../nn/layers/dense.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { LeakyRelu } from '../nn/layers/activations.js';
import { convTapPosition, poolWindow } from './receptive-field.js';

/** A unit: a layer index and a flat index into that layer's per-sample output. */
export interface UnitRef {
  layer: number;
  index: number;
}

/** Position of a flat index in a per-sample shape: [C,H,W] → c, y, x; [F] → c = i. */
export function unitPosition(shape: readonly number[], index: number): { c: number; y: number; x: number } {
  if (shape.length === 3) {
    const [, H, W] = shape as [number, number, number];
    return { c: Math.floor(index / (H * W)), y: Math.floor((index % (H * W)) / W), x: index % W };
  }
  return { c: index, y: 0, x: 0 };
}

export function unitIndex(shape: readonly number[], c: number, y: number, x: number): number {
  if (shape.length === 3) return (c * shape[1] + y) * shape[2] + x;
  return c;
}

export type ActivationKind = 'relu' | 'leakyrelu' | 'sigmoid' | 'tanh';

export interface ActivationStep {
  layerName: string;
  kind: ActivationKind;
  /** the engine's pre-activation (the activation layer's cache.x) */
  input: number;
  /** the activation recomputed from `input` */
  recomputed: number;
  /** the engine's output (cache.y) */
  engine: number;
  formula: string;
}

export interface SoftmaxStep {
  /** every logit of the output layer */
  logits: Float32Array;
  max: number;
  /** exp(logit − max) of every class */
  exps: Float64Array;
  sumExp: number;
  /** the probability of this unit's class */
  probability: number;
  cls: number;
}

interface Common {
  layer: number;
  layerName: string;
  index: number;
  position: { c: number; y: number; x: number };
  /** the engine's value of this unit (cache.y) */
  engine: number;
  activation: ActivationStep | null;
  softmax: SoftmaxStep | null;
}

export interface ConvExplanation extends Common {
  kind: 'conv2d';
  C: number;
  kH: number;
  kW: number;
  /** input coordinates of each tap (may lie in the padding) */
  rows: Int32Array;
  cols: Int32Array;
  /** [C*kH*kW] the input values under the kernel (0 in the padding) */
  patch: Float32Array;
  /** [C*kH*kW] 1 where the tap is inside the image, 0 in the padding */
  inside: Uint8Array;
  /** [C*kH*kW] the kernel: weight[o, :, :, :] */
  kernel: Float32Array;
  /** [C*kH*kW] patch ⊙ kernel */
  products: Float64Array;
  /** Σ of products per input channel */
  channelSums: Float64Array;
  sum: number;
  bias: number;
  /** sum + bias, recomputed */
  value: number;
}

export interface DenseExplanation extends Common {
  kind: 'dense';
  inputs: Float32Array;
  weights: Float32Array;
  products: Float64Array;
  /** input indices by |product|, largest first */
  order: Int32Array;
  /** the per-sample shape the inputs had before any flatten (for drawing contributions as maps) */
  inputShape: readonly number[];
  positive: number;
  negative: number;
  sum: number;
  bias: number;
  value: number;
}

export interface PoolExplanation extends Common {
  kind: 'maxpool2d' | 'avgpool2d';
  size: number;
  /** input coordinates of the window's top-left corner */
  y0: number;
  x0: number;
  /** [size*size] the window's values */
  window: Float32Array;
  /** index in the window of the recomputed maximum (max pooling) */
  winner: number;
  /** index in the window of the engine's recorded argmax, or -1 when the engine recorded none */
  engineWinner: number;
  value: number;
}

export interface ElementwiseExplanation extends Common {
  kind: 'elementwise';
  layerKind: string;
  input: number;
  value: number;
  formula: string;
  /** for flatten: where this unit came from in the previous layer */
  from: { c: number; y: number; x: number } | null;
}

export type Explanation = ConvExplanation | DenseExplanation | PoolExplanation | ElementwiseExplanation;

const ACTIVATIONS: readonly string[] = ['relu', 'leakyrelu', 'sigmoid', 'tanh'];

function activate(layer: Layer, v: number): { value: number; formula: string } {
  switch (layer.kind) {
    case 'relu':
      return { value: v > 0 ? v : 0, formula: 'max(0, x)' };
    case 'leakyrelu': {
      const a = layer instanceof LeakyRelu ? layer.alpha : 0.01;
      return { value: v > 0 ? v : a * v, formula: `x > 0 ? x : ${a}·x` };
    }
    case 'sigmoid':
      return { value: 1 / (1 + Math.exp(-v)), formula: '1 / (1 + e^(−x))' };
    case 'tanh':
      return { value: Math.tanh(v), formula: 'tanh(x)' };
    default:
      return { value: v, formula: 'x' };
  }
}

function activationStep(model: Sequential, trace: ForwardResult, layer: number, index: number): ActivationStep | null {
  const next = model.layers[layer + 1];
  if (!next || !ACTIVATIONS.includes(next.kind)) return null;
  const cache = trace.steps[layer + 1].cache;
  const input = cache.x.data[index];
  const a = activate(next, input);
  return { layerName: next.name, kind: next.kind as ActivationKind, input, recomputed: a.value, engine: cache.y.data[index], formula: a.formula };
}

/** The softmax step when `layer` (or the activation after it) is the model's output. */
function softmaxStep(model: Sequential, trace: ForwardResult, layer: number, index: number): SoftmaxStep | null {
  const last = model.layers.length - 1;
  const l = model.layers[layer];
  if (layer !== last || l.outShape.length !== 1 || l.kind === 'softmax' || l.kind === 'sigmoid') return null;
  const logits = trace.output.data;
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const exps = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sumExp = exps.reduce((a, b) => a + b, 0);
  return { logits, max, exps, sumExp, probability: exps[index] / sumExp, cls: index };
}

/**
 * Explains unit `ref` of a forward trace (batch of one). Clicking an activation layer's unit
 * explains the conv or dense unit that fed it, with the activation as its last step.
 */
export function explainUnit(model: Sequential, trace: ForwardResult, ref: UnitRef): Explanation {
  let { layer } = ref;
  const { index } = ref;
  if (layer < 0 || layer >= model.layers.length) throw new RangeError(`explainUnit: layer ${layer} is not in 0..${model.layers.length - 1}`);
  const size = model.layers[layer].outShape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`explainUnit: unit ${index} is not in 0..${size - 1} of ${model.layers[layer].name}`);
  if (ACTIVATIONS.includes(model.layers[layer].kind) && layer > 0) {
    const prev = model.layers[layer - 1];
    if (prev instanceof Conv2d || prev instanceof Dense) layer -= 1;
  }
  const l = model.layers[layer];
  const cache = trace.steps[layer].cache;
  const common: Common = {
    layer,
    layerName: l.name,
    index,
    position: unitPosition(l.outShape, index),
    engine: cache.y.data[index],
    activation: activationStep(model, trace, layer, index),
    softmax: null,
  };
  const lastWithActivation = common.activation ? layer + 1 : layer;
  common.softmax = softmaxStep(model, trace, lastWithActivation, index);

  if (l instanceof Conv2d) {
    const d = l.dims;
    const { c: o, y, x } = common.position;
    const K = d.C * d.kH * d.kW;
    const rows = new Int32Array(K);
    const cols = new Int32Array(K);
    const patch = new Float32Array(K);
    const inside = new Uint8Array(K);
    const kernel = l.weight.value.data.subarray(o * K, (o + 1) * K);
    const products = new Float64Array(K);
    const channelSums = new Float64Array(d.C);
    const xs = cache.x.data;
    let sum = 0;
    for (let c = 0, t = 0; c < d.C; c++) {
      let cs = 0;
      for (let ky = 0; ky < d.kH; ky++) {
        for (let kx = 0; kx < d.kW; kx++, t++) {
          const { iy, ix } = convTapPosition(d, y, x, ky, kx);
          rows[t] = iy;
          cols[t] = ix;
          const ok = iy >= 0 && iy < d.H && ix >= 0 && ix < d.W;
          inside[t] = ok ? 1 : 0;
          patch[t] = ok ? xs[(c * d.H + iy) * d.W + ix] : 0;
          products[t] = patch[t] * kernel[t];
          cs += products[t];
        }
      }
      channelSums[c] = cs;
      sum += cs;
    }
    const bias = l.bias.value.data[o];
    return { ...common, kind: 'conv2d', C: d.C, kH: d.kH, kW: d.kW, rows, cols, patch, inside, kernel, products, channelSums, sum, bias, value: sum + bias };
  }

  if (l instanceof Dense) {
    const inF = l.inShape[0];
    const inputs = cache.x.data.subarray(0, inF);
    const weights = l.weight.value.data.subarray(index * inF, (index + 1) * inF);
    const products = new Float64Array(inF);
    let sum = 0;
    let positive = 0;
    let negative = 0;
    for (let i = 0; i < inF; i++) {
      const p = inputs[i] * weights[i];
      products[i] = p;
      sum += p;
      if (p > 0) positive += p;
      else negative += p;
    }
    const order = Int32Array.from({ length: inF }, (_, i) => i).sort((a, b) => Math.abs(products[b]) - Math.abs(products[a]));
    const prev = layer > 0 ? model.layers[layer - 1] : null;
    const inputShape = prev && prev.kind === 'flatten' ? prev.inShape : layer === 0 ? model.inputShape : l.inShape;
    const bias = l.bias ? l.bias.value.data[index] : 0;
    return { ...common, kind: 'dense', inputs, weights, products, order, inputShape, positive, negative, sum, bias, value: sum + bias };
  }

  if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
    const d = l.dims;
    const pool = poolWindow(d);
    const { c, y, x } = common.position;
    const { iy: y0, ix: x0 } = convTapPosition(pool, y, x, 0, 0);
    const window = new Float32Array(d.size * d.size);
    let winner = 0;
    let sum = 0;
    for (let ky = 0; ky < d.size; ky++) {
      for (let kx = 0; kx < d.size; kx++) {
        const { iy, ix } = convTapPosition(pool, y, x, ky, kx);
        const v = cache.x.data[(c * d.H + iy) * d.W + ix];
        const t = ky * d.size + kx;
        window[t] = v;
        sum += v;
        if (v > window[winner]) winner = t;
      }
    }
    let engineWinner = -1;
    const argmax = cache.internals?.['argmax'];
    if (argmax instanceof Int32Array) {
      const at = argmax[index];
      const ay = Math.floor((at % (d.H * d.W)) / d.W);
      const ax = at % d.W;
      engineWinner = (ay - y0) * d.size + (ax - x0);
    }
    const value = l instanceof MaxPool2d ? window[winner] : sum / (d.size * d.size);
    return { ...common, kind: l.kind, size: d.size, y0, x0, window, winner, engineWinner, value };
  }

  const input = cache.x.data[index];
  const a = activate(l, input);
  const from = l.kind === 'flatten' ? unitPosition(l.inShape, index) : null;
  const formula = l.kind === 'flatten' ? 'the same number, re-indexed' : l.kind === 'dropout' ? 'x (dropout is off when not training)' : a.formula;
  return { ...common, kind: 'elementwise', layerKind: l.kind, input, value: a.value, formula, from };
}

/** The steps a view walks through for an explanation, in order. */
export function stepNames(e: Explanation): string[] {
  const tail = [...(e.activation ? ['activation'] : []), ...(e.softmax ? ['probability'] : [])];
  switch (e.kind) {
    case 'conv2d':
      return ['patch', 'kernel', 'products', 'sum', 'bias', ...tail];
    case 'dense':
      return ['inputs', 'weights', 'products', 'sum', 'bias', ...tail];
    case 'maxpool2d':
      return ['window', 'winner', ...tail];
    case 'avgpool2d':
      return ['window', 'mean', ...tail];
    case 'elementwise':
      return ['input', 'output', ...tail];
  }
}

/** The unit's final value as the engine has it: after the activation when there is one. */
export function finalEngineValue(e: Explanation): number {
  return e.activation ? e.activation.engine : e.engine;
}
