/**
 * Where a unit looks in its input. One formula says which input pixel a window tap reads —
 * `convTapPosition`, written once for convolutions and pooling alike — and receptive fields walk
 * it back through the layers, read from the layers' own dimensions (never from a table of known
 * models). Pure: no DOM, no Node. The engine's kernels keep their own inlined loops (they sit
 * below this layer and run hot); the tests here pin the two together.
 */
import type { Sequential } from '../nn/model.js';
import type { Layer } from '../nn/layer.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pool.js';

/** How a sliding window lies over its input: a conv layer's dims satisfy it as they are. */
export interface WindowDims {
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
}

/** Inclusive pixel ranges in an image. */
export interface Rect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * The input coordinates that tap (ky, kx) of the window at output (y, x) reads:
 * iy = y·strideH − padTop + ky·dilationH (and the same across). They may lie in the padding
 * (below 0 or past the input's edge).
 */
export function convTapPosition(d: WindowDims, y: number, x: number, ky: number, kx: number): { iy: number; ix: number } {
  return { iy: y * d.strideH - d.padTop + ky * d.dilationH, ix: x * d.strideW - d.padLeft + kx * d.dilationW };
}

/** A pooling window as a WindowDims: size×size, no padding, no dilation. */
export function poolWindow(d: { size: number; stride: number }): WindowDims {
  return { kH: d.size, kW: d.size, strideH: d.stride, strideW: d.stride, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 };
}

/** The window of a conv or pooling layer; null for any other layer. */
export function windowDims(layer: Layer): WindowDims | null {
  if (layer instanceof Conv2d) return layer.dims;
  if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) return poolWindow(layer.dims);
  return null;
}

/**
 * The input pixels that can influence output (y, x) of layer `layer` (any channel): conv and
 * pooling widen the window to the span of their first and last taps, elementwise layers keep it,
 * and anything after a flatten or dense layer sees the whole image. Clipped to the image (padding
 * lies outside it). The model must take images [C,H,W].
 */
export function receptiveField(model: Sequential, layer: number, y: number, x: number): Rect {
  const [, H, W] = model.inputShape as [number, number, number];
  let r: Rect = { y0: y, y1: y, x0: x, x1: x };
  for (let i = layer; i >= 0; i--) {
    const l = model.layers[i];
    const d = windowDims(l);
    if (d) {
      const first = convTapPosition(d, r.y0, r.x0, 0, 0);
      const last = convTapPosition(d, r.y1, r.x1, d.kH - 1, d.kW - 1);
      r = { y0: first.iy, y1: last.iy, x0: first.ix, x1: last.ix };
    } else if (l.inShape.length !== 3 || l.outShape.length !== 3) {
      return { y0: 0, y1: H - 1, x0: 0, x1: W - 1 };
    }
  }
  return { y0: Math.max(0, r.y0), y1: Math.min(H - 1, r.y1), x0: Math.max(0, r.x0), x1: Math.min(W - 1, r.x1) };
}
