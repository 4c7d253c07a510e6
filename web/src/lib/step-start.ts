/**
 * Where the step-through starts, so that it opens on something that means something: the first
 * layer that computes (a convolution or a dense layer, never the flatten in front of the mlp) on
 * its strongest unit, and the output layer on the predicted digit.
 */
import type { ForwardResult, Sequential } from '../../../src/nn/model.js';
import { argmax } from '../../../src/nn/predict.js';
import type { UnitRef } from '../../../src/explain/unit.js';

const FOLLOWERS: readonly string[] = ['relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax', 'dropout'];

/** The first conv or dense layer (0 when there is none). */
export function firstComputingLayer(model: Sequential): number {
  const i = model.layers.findIndex((l) => l.kind === 'conv2d' || l.kind === 'dense');
  return i < 0 ? 0 : i;
}

/** True for the output layer and for the dense layer whose units only an activation separates from it. */
export function isOutputLayer(model: Sequential, layer: number): boolean {
  const last = model.layers.length - 1;
  if (layer === last) return true;
  return layer >= 0 && layer < last && model.layers.slice(layer + 1).every((l) => FOLLOWERS.includes(l.kind));
}

/** The unit of `layer` with the largest value in the trace. */
export function strongestUnit(trace: ForwardResult, layer: number): UnitRef {
  return { layer, index: argmax(trace.steps[layer].cache.y.data) };
}

/**
 * The unit a vector layer opens on: the predicted digit for the output layer, the strongest unit
 * for any other; null for image-shaped layers (they keep the position the learner was looking at).
 */
export function startingUnit(model: Sequential, trace: ForwardResult, layer: number): UnitRef | null {
  const l = model.layers[layer];
  if (!l) throw new RangeError(`startingUnit: layer ${layer} is not in 0..${model.layers.length - 1}`);
  if (l.outShape.length !== 1) return null;
  if (isOutputLayer(model, layer)) return { layer, index: argmax(trace.output.data) };
  return strongestUnit(trace, layer);
}
