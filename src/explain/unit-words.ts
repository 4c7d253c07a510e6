/**
 * One unit of a trace in words: which layer, which kernel or channel or unit, where, what was
 * computed and the value, e.g. "conv2, kernel 13, at row 3 col 5: the sum of 5×5×20 = 500
 * products + bias = 2.41". The explorer shows it under the pointer; the CLI and the library can
 * print the same line. It reads only the model's shapes and the trace's values; how the value
 * is computed step by step is unit.ts.
 */
import type { ForwardResult, Sequential } from '../nn/model.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { unitPosition } from './unit.js';

/** A number as the explorer shows it: 3 significant digits, no exponent for ordinary sizes. */
export function shortNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** The layer whose outputs are the logits (the scores softmax turns into probabilities). */
export function logitLayer(model: Sequential): number {
  const last = model.layers.length - 1;
  return model.layers[last]?.kind === 'softmax' ? last - 1 : last;
}

const ACTIVATION_WORDS: Readonly<Record<string, string>> = {
  relu: 'max(0, x)',
  leakyrelu: 'leaky ReLU',
  sigmoid: '1 / (1 + e^(−x))',
  tanh: 'tanh(x)',
};

/**
 * The words for unit `index` of layer `layer` (−1: the input the first layer receives).
 * Throws a RangeError naming the layer when the unit is outside it.
 */
export function describeUnit(model: Sequential, trace: ForwardResult, layer: number, index: number): string {
  if (layer < -1 || layer >= model.layers.length) throw new RangeError(`describeUnit: layer ${layer} is outside 0…${model.layers.length - 1} (or −1 for the input)`);
  const shape = layer < 0 ? model.inputShape : model.layers[layer].outShape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`describeUnit: unit ${index} is outside ${layer < 0 ? 'the input' : model.layers[layer].name}'s ${size} values`);
  }
  const labels = model.spec.labels;
  if (layer < 0) {
    const { c, y, x } = unitPosition(shape, index);
    const v = trace.normalized.data[index];
    const raw = (trace.deskewed?.image ?? trace.input).data[index];
    const where = shape.length === 3 ? `${shape[0] > 1 ? `channel ${c}, ` : ''}at row ${y} col ${x}` : `value ${index}`;
    const n = model.spec.normalize;
    const before = trace.deskewed ? 'deskewed pixel' : 'pixel';
    const how = n ? `the ${before} ${shortNumber(raw)}, normalised: (${shortNumber(raw)} − ${n.mean}) / ${n.std}` : `the ${before}`;
    return `input, ${where}: ${how} = ${shortNumber(v)}`;
  }
  const l = model.layers[layer];
  const v = trace.steps[layer].cache.y.data[index];
  const below = layer === 0 ? 'the input' : model.layers[layer - 1].name;
  const x = trace.steps[layer].cache.x.data;
  const isMap = shape.length === 3;
  const { c, y, x: col } = unitPosition(shape, index);
  const at = `at row ${y} col ${col}`;
  const isLogit = layer === logitLayer(model) && l.outShape.length === 1;
  const cls = isLogit || l.kind === 'softmax' ? ` (class ${labels?.[index] ?? index})` : '';

  if (l instanceof Conv2d) {
    const { kH, kW, C } = l.dims;
    return `${l.name}, kernel ${c}, ${at}: the sum of ${kH}×${kW}×${C} = ${(kH * kW * C).toLocaleString('en-US')} products + bias = ${shortNumber(v)}`;
  }
  if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
    const { size, stride } = l.dims;
    const r0 = y * stride;
    const c0 = col * stride;
    const what = l instanceof MaxPool2d ? 'the largest' : 'the mean';
    return `${l.name}, channel ${c}, ${at}: ${what} of the ${size}×${size} window of ${below} at rows ${r0}–${r0 + size - 1}, cols ${c0}–${c0 + size - 1} = ${shortNumber(v)}`;
  }
  if (l.kind === 'flatten') {
    const from = layer === 0 ? model.inputShape : model.layers[layer - 1].outShape;
    if (from.length === 3) {
      const p = unitPosition(from, index);
      return `${l.name}, value ${index}: ${below}'s channel ${p.c} at row ${p.y} col ${p.x}, moved into one row = ${shortNumber(v)}`;
    }
    return `${l.name}, value ${index}: ${below}'s value ${index} = ${shortNumber(v)}`;
  }
  if (l.kind === 'dense') {
    const inF = l.inShape.reduce((a, b) => a * b, 1);
    const what = isLogit ? 'the logit (score before softmax): ' : '';
    return `${l.name}, unit ${index}${cls}: ${what}the sum of ${inF.toLocaleString('en-US')} products (input × weight) + bias = ${shortNumber(v)}`;
  }
  const where = isMap ? `channel ${c}, ${at}` : `unit ${index}${cls}`;
  const xin = x[index];
  if (l.kind in ACTIVATION_WORDS) return `${l.name}, ${where}: ${ACTIVATION_WORDS[l.kind]} of ${below}'s ${shortNumber(xin)} = ${shortNumber(v)}`;
  if (l.kind === 'softmax') return `${l.name}, ${where}: the probability e^z / Σ e^z of ${below}'s logit ${shortNumber(xin)} = ${shortNumber(v)}`;
  if (l.kind === 'batchnorm') return `${l.name}, ${where}: ${below}'s ${shortNumber(xin)} standardised by the channel's running mean and variance, scaled and shifted = ${shortNumber(v)}`;
  if (l.kind === 'dropout') return `${l.name}, ${where}: ${below}'s value, passed through unchanged when predicting = ${shortNumber(v)}`;
  return `${l.name}, ${where}: ${shortNumber(v)}`;
}
