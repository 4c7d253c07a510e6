/**
 * Data augmentation for training images: a random shift, rotation and scaling applied as one
 * affine warp with bilinear sampling, about the image centre, drawn from the given Rng.
 * Pure and allocation-free per image (it runs once per training image). It does not
 * normalise; pixels keep the scale of the source (0..255 for idx data).
 */
import type { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';

export interface AugmentOptions {
  /** Largest shift in pixels along each axis; drawn uniformly from [-maxShift, maxShift]. */
  maxShift: number;
  /** Largest rotation in degrees; drawn uniformly from [-maxRotateDeg, maxRotateDeg]. */
  maxRotateDeg: number;
  /** Scale factor drawn uniformly from [minScale, maxScale]; > 1 enlarges the digit. */
  minScale: number;
  maxScale: number;
}

export const DEFAULT_AUGMENT: Readonly<AugmentOptions> = { maxShift: 2, maxRotateDeg: 12, minScale: 0.9, maxScale: 1.1 };

/**
 * Inverse mapping: output pixel (x, y) samples the input at
 * (a·x + b·y + c, d·x + e·y + f), in pixel-index coordinates.
 */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** Refuses options that cannot describe a transform, naming the field. */
export function checkAugmentOptions(o: AugmentOptions): void {
  for (const k of ['maxShift', 'maxRotateDeg', 'minScale', 'maxScale'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new SpecError(`augment: ${k} must be a finite number ≥ 0, got ${o[k]}`);
  }
  if (o.minScale <= 0 || o.minScale > o.maxScale) {
    throw new SpecError(`augment: expected 0 < minScale ≤ maxScale, got minScale ${o.minScale}, maxScale ${o.maxScale}`);
  }
}

/**
 * The warp that rotates by `rotateDeg` (positive turns clockwise on screen, since y points down),
 * scales by `scale` about the image centre, then shifts by (shiftX, shiftY) pixels.
 */
export function affineFor(rotateDeg: number, scale: number, shiftX: number, shiftY: number, rows: number, cols: number): Affine {
  const t = (rotateDeg * Math.PI) / 180;
  const cos = t === 0 ? 1 : Math.cos(t);
  const sin = t === 0 ? 0 : Math.sin(t);
  const cx = (cols - 1) / 2;
  const cy = (rows - 1) / 2;
  // output = C + s·R(t)·(input − C) + shift, inverted: input = C + R(−t)·(output − C − shift) / s
  const a = cos / scale;
  const b = sin / scale;
  const d = -sin / scale;
  const e = cos / scale;
  const ux = cx + shiftX;
  const uy = cy + shiftY;
  return { a, b, c: cx - a * ux - b * uy, d, e, f: cy - d * ux - e * uy };
}

/** Draws one transform: exactly four draws from rng (rotation, scale, shift x, shift y). */
export function randomAffine(rng: Rng, o: AugmentOptions, rows: number, cols: number): Affine {
  const rot = rng.uniform(-o.maxRotateDeg, o.maxRotateDeg);
  const scale = rng.uniform(o.minScale, o.maxScale);
  const sx = rng.uniform(-o.maxShift, o.maxShift);
  const sy = rng.uniform(-o.maxShift, o.maxShift);
  return affineFor(rot, scale, sx, sy, rows, cols);
}

/**
 * out[outOffset + rows·cols] = src[srcOffset + rows·cols] warped by m; bilinear, zero outside.
 * Trusts its caller for bounds (fillBatch checks them).
 */
export function warpAffine(
  out: Float32Array,
  outOffset: number,
  src: Uint8Array | Float32Array,
  srcOffset: number,
  rows: number,
  cols: number,
  m: Affine,
): void {
  const { a, b, c, d, e, f } = m;
  for (let y = 0; y < rows; y++) {
    const rowX = b * y + c;
    const rowY = e * y + f;
    const o = outOffset + y * cols;
    for (let x = 0; x < cols; x++) {
      const sx = a * x + rowX;
      const sy = d * x + rowY;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 < cols - 1 && y0 < rows - 1) {
        const i = srcOffset + y0 * cols + x0;
        const top = src[i] + (src[i + 1] - src[i]) * fx;
        const bottom = src[i + cols] + (src[i + cols + 1] - src[i + cols]) * fx;
        out[o + x] = top + (bottom - top) * fy;
      } else if (x0 < -1 || y0 < -1 || x0 >= cols || y0 >= rows) {
        out[o + x] = 0;
      } else {
        // On the edge: corners outside the image count as 0.
        const p00 = pixel(src, srcOffset, rows, cols, x0, y0);
        const p01 = pixel(src, srcOffset, rows, cols, x0 + 1, y0);
        const p10 = pixel(src, srcOffset, rows, cols, x0, y0 + 1);
        const p11 = pixel(src, srcOffset, rows, cols, x0 + 1, y0 + 1);
        out[o + x] = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
      }
    }
  }
}

/** One random warp of one image, drawn from rng. */
export function augmentImage(
  out: Float32Array,
  outOffset: number,
  src: Uint8Array | Float32Array,
  srcOffset: number,
  rows: number,
  cols: number,
  rng: Rng,
  options: AugmentOptions,
): void {
  warpAffine(out, outOffset, src, srcOffset, rows, cols, randomAffine(rng, options, rows, cols));
}

function pixel(src: Uint8Array | Float32Array, off: number, rows: number, cols: number, x: number, y: number): number {
  return x >= 0 && y >= 0 && x < cols && y < rows ? src[off + y * cols + x] : 0;
}
