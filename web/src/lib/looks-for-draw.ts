/**
 * Pixels for the "What it looks for" panel, as plain arrays (the component paints them): one
 * kernel laid out as the Kernels view lays out a row (one k×k tile per input channel, 1-pixel
 * gaps, the bias as a last cell, the layer's one symmetric scale; wrapped on narrow screens), and
 * the receptive-field patch of a digit. No canvas here, so the tests read the pixels directly.
 */
import { colorInto, type ColorScale } from './colormap.js';
import type { Rect } from '../../../src/explain/receptive-field.js';
import { argmax } from '../../../src/nn/predict.js';

export interface KernelDims {
  outC: number;
  C: number;
  kH: number;
  kW: number;
}

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row-major */
  rgba: Uint8ClampedArray;
}

const BACKGROUND = [232, 232, 236] as const;

/**
 * Width and height of one kernel: C tiles of kH×kW in rows of `cols` (default all C in one row, as
 * the Kernels view has them) and a bias cell, with 1-pixel gaps and margins.
 */
export function kernelRowSize(d: KernelDims, cols = d.C): { width: number; height: number } {
  const rows = Math.ceil(d.C / cols);
  return { width: cols * (d.kW + 1) + 3, height: rows * (d.kH + 1) + 1 };
}

/**
 * Kernel o of a conv layer, w[outC,C,kH,kW] and b[outC], on a diverging scale (blue negative,
 * white zero, red positive) with `max` the largest |weight| of the whole layer, as the Kernels
 * view draws it, so a tile here looks exactly like its row there. `cols` < C wraps the tiles into
 * rows (a narrow screen); the bias stays right of the first row.
 */
export function kernelRow(w: Float32Array, b: Float32Array, d: KernelDims, o: number, max: number, cols = d.C): Pixels {
  if (!Number.isInteger(o) || o < 0 || o >= d.outC) throw new RangeError(`kernelRow: kernel ${o} is not in 0..${d.outC - 1}`);
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`kernelRow: cols must be a positive integer, got ${cols}`);
  const { width, height } = kernelRowSize(d, cols);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([...BACKGROUND, 255], i * 4);
  const scale: ColorScale = { kind: 'diverging', max: max > 0 ? max : 1 };
  for (let c = 0; c < d.C; c++) {
    const ox = 1 + (c % cols) * (d.kW + 1);
    const oy = 1 + Math.floor(c / cols) * (d.kH + 1);
    for (let y = 0; y < d.kH; y++) {
      for (let x = 0; x < d.kW; x++) {
        colorInto(rgba, ((oy + y) * width + ox + x) * 4, w[((o * d.C + c) * d.kH + y) * d.kW + x], scale);
      }
    }
  }
  colorInto(rgba, ((1 + Math.floor(d.kH / 2)) * width + width - 2) * 4, b[o], scale);
  return { width, height, rgba };
}

/** The largest |value|: the symmetric scale of a layer's weights and biases. */
export function absMax(...arrays: ArrayLike<number>[]): number {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The rows y0..y1 and columns x0..x1 (inclusive) of an H×W image, clipped to it; values scaled by `scale`. */
export function crop(image: ArrayLike<number>, H: number, W: number, r: Rect, scale = 1): { values: Float32Array; height: number; width: number; rect: Rect } {
  const y0 = Math.max(0, r.y0);
  const x0 = Math.max(0, r.x0);
  const y1 = Math.min(H - 1, r.y1);
  const x1 = Math.min(W - 1, r.x1);
  const height = Math.max(0, y1 - y0 + 1);
  const width = Math.max(0, x1 - x0 + 1);
  const values = new Float32Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) values[y * width + x] = image[(y0 + y) * W + x0 + x] * scale;
  return { values, height, width, rect: { y0, y1, x0, x1 } };
}

/** The class an image reads as and its probability. */
export function reading(probabilities: Float32Array): { digit: number; p: number } {
  const digit = argmax(probabilities);
  return { digit, p: probabilities[digit] ?? 0 };
}

/** A probability for a caption: "99.9%", "< 0.1%", "100%" only when it is 1. */
export function percent(p: number): string {
  if (p >= 1) return '100%';
  if (p >= 0.999) return '99.9%';
  if (p < 0.001) return '< 0.1%';
  return `${(100 * p).toFixed(p < 0.1 ? 1 : p < 0.995 ? 0 : 1)}%`;
}
