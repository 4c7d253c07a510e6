/**
 * Where a unit of a layer looks in the input: receptive fields walked back through convolutions
 * and pooling, read from the layers' own dimensions (never from a table of known models), and the
 * shapes of layers written the way the explorer shows them (H×W×C).
 */
import type { Sequential } from '../../../src/nn/model.js';
import { Conv2d } from '../../../src/nn/layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from '../../../src/nn/layers/pool.js';

/** Inclusive pixel ranges in the input image. */
export interface Rect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * The input pixels that can influence output (y, x) of layer `layer` (any channel): conv and
 * pooling widen the window, elementwise layers keep it, and anything after a flatten or dense
 * layer sees the whole image. Clipped to the image (padding lies outside it).
 */
export function receptiveField(model: Sequential, layer: number, y: number, x: number): Rect {
  const [, H, W] = model.inputShape as [number, number, number];
  let r: Rect = { y0: y, y1: y, x0: x, x1: x };
  for (let i = layer; i >= 0; i--) {
    const l = model.layers[i];
    if (l instanceof Conv2d) {
      const d = l.dims;
      r = {
        y0: r.y0 * d.strideH - d.padTop,
        y1: r.y1 * d.strideH - d.padTop + (d.kH - 1) * d.dilationH,
        x0: r.x0 * d.strideW - d.padLeft,
        x1: r.x1 * d.strideW - d.padLeft + (d.kW - 1) * d.dilationW,
      };
    } else if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
      const d = l.dims;
      r = { y0: r.y0 * d.stride, y1: r.y1 * d.stride + d.size - 1, x0: r.x0 * d.stride, x1: r.x1 * d.stride + d.size - 1 };
    } else if (l.inShape.length !== 3 || l.outShape.length !== 3) {
      return { y0: 0, y1: H - 1, x0: 0, x1: W - 1 };
    }
  }
  return { y0: Math.max(0, r.y0), y1: Math.min(H - 1, r.y1), x0: Math.max(0, r.x0), x1: Math.min(W - 1, r.x1) };
}

/** [C,H,W] → "24×24×20", [F] → "500". */
export function shapeLabel(shape: readonly number[]): string {
  if (shape.length === 3) return `${shape[1]}×${shape[2]}×${shape[0]}`;
  return shape.join('×');
}
