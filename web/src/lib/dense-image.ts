/**
 * Which dense layer reads the input image directly (the mlp's first: flatten, then dense on all
 * 784 pixels), so its weights can be drawn as images. Only a flatten may stand between: after a
 * convolution the weights no longer line up with pixels.
 */
import type { Sequential } from '../../../src/nn/model.js';
import { Dense } from '../../../src/nn/layers/dense.js';

const ACTIVATIONS = new Set(['relu', 'leakyrelu', 'sigmoid', 'tanh']);

export interface ImageDense {
  /** the dense layer */
  layer: Dense;
  /** its index */
  index: number;
  /** the layer whose value a unit shows: its activation when one follows, else itself */
  shown: number;
  /** the input image's side */
  side: number;
}

export function imageDense(model: Sequential): ImageDense | null {
  const [C, H, W] = model.inputShape;
  if (model.inputShape.length !== 3 || C !== 1 || H !== W || H === undefined) return null;
  for (let i = 0; i < model.layers.length; i++) {
    const l = model.layers[i];
    if (l instanceof Dense) {
      const next = model.layers[i + 1];
      return { layer: l, index: i, shown: next && ACTIVATIONS.has(next.kind) ? i + 1 : i, side: H };
    }
    if (l.kind !== 'flatten') return null;
  }
  return null;
}
