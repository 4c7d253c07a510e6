/**
 * A layer's activations for many images, batched: the raw material of the hidden-space views
 * (maps, class distances, CKA) and of the "not a digit" score. `last-hidden` names the
 * representation just before the class scores — the output of the last hidden dense layer (after
 * its activation), or the flattened features when there is no hidden dense layer — so the same
 * word picks comparable layers across models.
 */
import { Tensor } from '../engine/tensor.js';
import { SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { layerIndex, logitLayer } from './score.js';

export interface Activations {
  /** the layer the activations come from */
  layer: string;
  layerIndex: number;
  /** [N×F], one row per image */
  data: Float32Array;
  N: number;
  /** features per image */
  F: number;
}

const ACTIVATION_KINDS = new Set(['relu', 'leakyrelu', 'sigmoid', 'tanh', 'dropout', 'batchnorm']);

/** The index of the layer `last-hidden` names (see the header). */
export function lastHiddenLayer(model: Sequential): number {
  const top = logitLayer(model);
  let dense = -1;
  for (let i = 0; i < top; i++) if (model.layers[i].kind === 'dense') dense = i;
  if (dense < 0) {
    // No hidden dense layer (the tiny CNN): the features the classifier reads.
    if (top === 0) throw new SpecError('last-hidden: the model has no hidden layer');
    return top - 1;
  }
  let i = dense;
  while (i + 1 < top && ACTIVATION_KINDS.has(model.layers[i + 1].kind)) i++;
  return i;
}

/** A layer by name or index, or 'last-hidden' / 'logits'. */
export function resolveLayer(model: Sequential, layer: string | number): number {
  if (layer === 'last-hidden') return lastHiddenLayer(model);
  if (layer === 'logits') return logitLayer(model);
  return layerIndex(model, layer);
}

/** The activations of `layer` for every image of `images` [N,...input], `batch` at a time. */
export function collectActivations(model: Sequential, images: Tensor, layer: string | number, opts: { batch?: number } = {}): Activations {
  const li = resolveLayer(model, layer);
  const F = model.layers[li].outShape.reduce((a, b) => a * b, 1);
  const N = images.n;
  const D = images.size / Math.max(1, N);
  const data = new Float32Array(N * F);
  const batch = opts.batch ?? 500;
  for (let s = 0; s < N; s += batch) {
    const b = Math.min(batch, N - s);
    const x = new Tensor([b, ...model.inputShape], images.data.subarray(s * D, (s + b) * D));
    data.set(model.forward(x).steps[li].cache.y.data.subarray(0, b * F), s * F);
  }
  return { layer: model.layers[li].name, layerIndex: li, data, N, F };
}

/** Images from bytes (idx data, 0..255) as a raw-pixel batch [n,1,28,28] in 0..1. */
export function imagesFromBytes(bytes: Uint8Array, n: number, rows = 28, cols = 28): Tensor {
  const size = rows * cols;
  if (bytes.length < n * size) throw new SpecError(`images: ${n} images of ${rows}×${cols} need ${n * size} bytes, got ${bytes.length}`);
  return new Tensor([n, 1, rows, cols], Float32Array.from(bytes.subarray(0, n * size), (v) => v / 255));
}
