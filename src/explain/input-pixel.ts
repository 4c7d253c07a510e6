/**
 * What one pixel of the network's input is: the drawing's value there (0 = paper, 1 = ink), the
 * value after deskewing when the model deskews, and the number the first layer receives after the
 * spec's normalisation, (v − mean) / std. Read from the trace, so it is the engine's own number.
 * Pure (no DOM, no Node). It does not explain layers (unit.ts does).
 */
import type { ForwardResult, Sequential } from '../nn/model.js';
import { ShapeError } from '../engine/errors.js';

export interface InputPixel {
  c: number;
  y: number;
  x: number;
  /** the drawing's value, 0..1 */
  raw: number;
  /** the value after deskewing, when the model deskews its input */
  deskewed: number | null;
  /** MNIST's training-set mean and std the model standardises with, or null when it does not */
  normalize: { mean: number; std: number } | null;
  /** what the first layer receives (the engine's trace.normalized) */
  value: number;
}

/** Input pixel (c, y, x) of sample 0 of `trace`. */
export function inputPixel(model: Sequential, trace: ForwardResult, c: number, y: number, x: number): InputPixel {
  const shape = model.inputShape;
  if (shape.length !== 3) throw new ShapeError(`inputPixel: the model's input is [${shape.join(',')}], not an image [C,H,W]`);
  const [C, H, W] = shape as [number, number, number];
  if (![c, y, x].every(Number.isInteger) || c < 0 || c >= C || y < 0 || y >= H || x < 0 || x >= W) {
    throw new ShapeError(`inputPixel: pixel (c ${c}, y ${y}, x ${x}) is outside the ${C}×${H}×${W} input`);
  }
  const i = (c * H + y) * W + x;
  return {
    c,
    y,
    x,
    raw: trace.input.data[i],
    deskewed: trace.deskewed ? trace.deskewed.image.data[i] : null,
    normalize: model.spec.normalize ?? null,
    value: trace.normalized.data[i],
  };
}
