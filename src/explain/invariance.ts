/**
 * "What if the digit were drawn elsewhere, turned, larger or bolder?": the drawn 28×28 digit
 * shifted, rotated, scaled (one affine warp about the centre, the training augmentation's own,
 * data/augment.ts) and thickened or thinned (grey-level dilation or erosion), and how the
 * probability of one class changes as each transformation sweeps its range with the others held.
 * Pure: the explorer's sliders call it on every move, and the CLI or library can print the curves.
 */
import { Tensor } from '../engine/tensor.js';
import type { Sequential } from '../nn/model.js';
import { predict } from '../nn/predict.js';
import { affineFor, warpAffine } from '../data/augment.js';

export interface DigitTransform {
  /** pixels right (+) or left (−) */
  shiftX: number;
  /** pixels down (+) or up (−) */
  shiftY: number;
  /** degrees, clockwise on screen */
  rotate: number;
  /** size factor about the centre; 1 leaves the size */
  scale: number;
  /** pixels of stroke added on each side (+) or taken away (−) */
  thicken: number;
}

export type TransformAxis = keyof DigitTransform;

export const IDENTITY: Readonly<DigitTransform> = { shiftX: 0, shiftY: 0, rotate: 0, scale: 1, thicken: 0 };

export interface AxisRange {
  axis: TransformAxis;
  label: string;
  min: number;
  max: number;
  step: number;
  unit: string;
}

/** Each slider's range: about as far as a digit can go and still fit in 28×28. */
export const AXES: readonly AxisRange[] = [
  { axis: 'shiftX', label: 'shift right', min: -8, max: 8, step: 1, unit: 'px' },
  { axis: 'shiftY', label: 'shift down', min: -8, max: 8, step: 1, unit: 'px' },
  { axis: 'rotate', label: 'rotate', min: -90, max: 90, step: 5, unit: '°' },
  { axis: 'scale', label: 'scale', min: 0.4, max: 1.6, step: 0.05, unit: '×' },
  { axis: 'thicken', label: 'thicken', min: -1, max: 2, step: 0.25, unit: 'px' },
];

/** Refuses a transform the warp cannot make, naming the field and its range. */
export function checkTransform(t: DigitTransform): void {
  for (const r of AXES) {
    const v = t[r.axis];
    if (!Number.isFinite(v) || v < r.min || v > r.max) {
      throw new RangeError(`transformDigit: ${r.axis} must be a number in ${r.min}..${r.max}, got ${v}`);
    }
  }
}

/** One pass of a 3×3 grey-level max (dilate) or min (erode) filter; outside the image is 0. */
function morph(src: Float32Array, rows: number, cols: number, dilate: boolean): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      let v = src[y * cols + x];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          const n = yy >= 0 && yy < rows && xx >= 0 && xx < cols ? src[yy * cols + xx] : 0;
          v = dilate ? Math.max(v, n) : Math.min(v, n);
        }
      }
      out[y * cols + x] = v;
    }
  }
  return out;
}

/** Thickens by `r` pixels (thins below 0): whole passes of the filter, the fraction blended in. */
function thicken(src: Float32Array, rows: number, cols: number, r: number): Float32Array {
  const passes = Math.floor(Math.abs(r));
  const frac = Math.abs(r) - passes;
  let img = src;
  for (let i = 0; i < passes; i++) img = morph(img, rows, cols, r > 0);
  if (frac === 0) return img === src ? Float32Array.from(src) : img;
  const next = morph(img, rows, cols, r > 0);
  const out = new Float32Array(img.length);
  for (let i = 0; i < out.length; i++) out[i] = img[i] + (next[i] - img[i]) * frac;
  return out;
}

/** pixels[rows·cols] (0..1) thickened, then shifted, rotated and scaled about the centre. */
export function transformDigit(pixels: Float32Array, t: DigitTransform, rows = 28, cols = 28): Float32Array {
  if (pixels.length !== rows * cols) throw new RangeError(`transformDigit: expected ${rows}×${cols} = ${rows * cols} pixels, got ${pixels.length}`);
  checkTransform(t);
  const thick = thicken(pixels, rows, cols, t.thicken);
  if (t.shiftX === 0 && t.shiftY === 0 && t.rotate === 0 && t.scale === 1) return thick;
  const out = new Float32Array(rows * cols);
  warpAffine(out, 0, thick, 0, rows, cols, affineFor(t.rotate, t.scale, t.shiftX, t.shiftY, rows, cols));
  return out;
}

/** The values a curve samples along one axis: `points` evenly spaced over its range, ends included. */
export function axisValues(range: AxisRange, points: number): number[] {
  return Array.from({ length: points }, (_, i) => range.min + ((range.max - range.min) * i) / (points - 1));
}

export interface InvarianceCurve {
  axis: TransformAxis;
  values: number[];
  /** P(cls) of the digit transformed by `t` with this axis set to each value */
  probs: Float32Array;
}

/** How P(cls) changes along one axis, the other transformations held at t: one batched forward pass. */
export function invarianceCurve(model: Sequential, pixels: Float32Array, t: DigitTransform, range: AxisRange, cls: number, points = 17): InvarianceCurve {
  const values = axisValues(range, points);
  const n = pixels.length;
  const batch = new Tensor([points, ...model.inputShape]);
  if (batch.size !== points * n) throw new RangeError(`invarianceCurve: the model takes ${model.inputShape.join('×')} inputs, got ${n} pixels`);
  values.forEach((v, i) => batch.data.set(transformDigit(pixels, { ...t, [range.axis]: v }), i * n));
  const p = predict(model, batch).probabilities;
  const K = p.shape[1];
  if (!Number.isInteger(cls) || cls < 0 || cls >= K) throw new RangeError(`invarianceCurve: class ${cls} is not in 0..${K - 1}`);
  return { axis: range.axis, values, probs: Float32Array.from({ length: points }, (_, i) => p.data[i * K + cls]) };
}
