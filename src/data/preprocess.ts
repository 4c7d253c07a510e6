/**
 * MNIST-style preprocessing of a grayscale image of any size (a photo, a scan, a drawing pad):
 * find the ink (either polarity), crop to it, fit it into a 20×20 box with area averaging, and
 * place it in 28×28 with its centre of mass at the centre, as the original MNIST images were made.
 * Pure (runs in the browser too). It does not decode image files (node-image.ts does) and does not
 * normalise for a network (that is the model's input statistics, not the image's). An image that
 * already is an MNIST digit can skip all of it: pixelsAsIs only checks and scales it.
 *
 * Coordinates: pixel i covers [i, i+1), so the 28×28 field's centre is (14, 14).
 */
import { ShapeError, SpecError } from '../engine/errors.js';

export interface GrayImage {
  width: number;
  height: number;
  /** [height, width] row-major. */
  data: Float32Array | Uint8Array | Uint8ClampedArray;
}

/** A gray image with 0..255 bytes, as decoders and rgbaToGray produce. */
export interface GrayImage8 extends GrayImage {
  data: Uint8Array;
}

export interface PreprocessOptions {
  /** The scale of `data`: 0..255 or 0..1. Required: guessing it from the values fails on faint images. */
  range: '0..255' | '0..1';
  /** 'auto' decides from the border: a light border means dark ink. Default 'auto'. */
  polarity?: 'auto' | 'dark-ink' | 'light-ink';
  /** Ink below this level (0..1, after removing the background and stretching contrast) is background. Default 0.1. */
  threshold?: number;
  /** Ink must differ from the background by at least this much (0..1) or the image counts as empty. Default 0.15. */
  minContrast?: number;
}

export interface Preprocessed {
  /** [1,28,28] in 0..1, ink = 1. All zeros when `empty`. */
  pixels: Float32Array;
  empty: boolean;
  /** True when the input was dark ink on a light background. */
  inverted: boolean;
  /** Background brightness of the input, 0..1 (median of its border). */
  background: number;
  /** The ink's bounding box in input pixels. */
  bbox: { x: number; y: number; width: number; height: number } | null;
  /** Size of the ink after fitting into the 20×20 box. */
  fitted: { width: number; height: number };
  /** Where the fitted ink's top-left corner went in the 28×28 field. */
  offset: { x: number; y: number };
  /** True when centring would have pushed ink out of the field, so the shift was limited. */
  clamped: boolean;
}

const FIELD = 28;
const BOX = 20;

export function preprocessDigit(img: GrayImage, options: PreprocessOptions): Preprocessed {
  const { width: w, height: h } = img;
  const ink = toUnit(img, options);
  const threshold = options.threshold ?? 0.1;
  const minContrast = options.minContrast ?? 0.15;
  for (const [k, v] of [['threshold', threshold], ['minContrast', minContrast]] as const) {
    if (!(v >= 0 && v <= 1)) throw new SpecError(`preprocessDigit: ${k} must be in 0..1, got ${v}`);
  }

  const background = borderMedian(ink, w, h);
  const polarity = options.polarity ?? 'auto';
  const inverted = polarity === 'dark-ink' || (polarity === 'auto' && background > 0.5);
  const result: Preprocessed = {
    pixels: new Float32Array(FIELD * FIELD),
    empty: true,
    inverted,
    background,
    bbox: null,
    fitted: { width: 0, height: 0 },
    offset: { x: 0, y: 0 },
    clamped: false,
  };

  // ink = 1 at the strongest stroke, 0 at the background level
  const bg = inverted ? 1 - background : background;
  let peak = -Infinity;
  for (let i = 0; i < ink.length; i++) {
    if (inverted) ink[i] = 1 - ink[i];
    if (ink[i] > peak) peak = ink[i];
  }
  const contrast = peak - bg;
  if (!(contrast >= minContrast) || contrast === 0) return result;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = Math.min(1, (ink[i] - bg) / contrast);
      if (v < threshold) {
        ink[i] = 0;
      } else {
        ink[i] = v;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const s = BOX / Math.max(bw, bh);
  const fw = Math.max(1, Math.min(BOX, Math.round(bw * s)));
  const fh = Math.max(1, Math.min(BOX, Math.round(bh * s)));
  const fitted = areaResample(ink, w, x0, y0, bw, bh, fw, fh);

  // centre of mass of the fitted ink, in its own pixel-edge coordinates
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const v = fitted[y * fw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const wantX = Math.round(FIELD / 2 - mx / mass);
  const wantY = Math.round(FIELD / 2 - my / mass);
  const ox = Math.min(FIELD - fw, Math.max(0, wantX));
  const oy = Math.min(FIELD - fh, Math.max(0, wantY));
  for (let y = 0; y < fh; y++) result.pixels.set(fitted.subarray(y * fw, (y + 1) * fw), (oy + y) * FIELD + ox);

  result.empty = false;
  result.bbox = { x: x0, y: y0, width: bw, height: bh };
  result.fitted = { width: fw, height: fh };
  result.offset = { x: ox, y: oy };
  result.clamped = ox !== wantX || oy !== wantY;
  return result;
}

/** RGBA (e.g. canvas ImageData or a decoded PNG) → gray 0..255, composited over white, Rec. 601 luma. */
export function rgbaToGray(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): GrayImage8 {
  if (rgba.length !== width * height * 4) {
    throw new ShapeError(`rgbaToGray: ${width}×${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  }
  const data = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 4) {
    const a = rgba[j + 3] / 255;
    const luma = 0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2];
    data[i] = Math.round(luma * a + 255 * (1 - a));
  }
  return { width, height, data };
}

/**
 * An image that already is a network input, used as it is: no crop, no centring, no inversion,
 * only scaled to 0..1. It must be `width`×`height` (the model's input) in MNIST polarity
 * (0 = background, the range's top = ink); a light border, dark ink on paper, is refused rather
 * than shown to a network that never saw one. `name` starts the error messages (a file, a flag).
 */
export function pixelsAsIs(img: GrayImage, options: { range: PreprocessOptions['range']; width: number; height: number; name?: string }): Float32Array {
  const name = options.name ?? 'pixelsAsIs';
  const { width: W, height: H } = options;
  if (img.width !== W || img.height !== H) throw new ShapeError(`${name} needs a ${W}×${H} image, got ${img.width}×${img.height}`);
  const pixels = toUnit(img, options, name);
  const border = borderMedian(pixels, W, H);
  if (border > 0.5) {
    const top = options.range === '0..255' ? 255 : 1;
    throw new SpecError(
      `${name} needs MNIST polarity (0 = background, ${top} = ink), but the image's border is light (median ${Math.round(border * top)}): ` +
        'dark ink on a light background? Invert the image',
    );
  }
  return pixels;
}

/** Checks the image and returns a fresh Float32Array copy scaled to 0..1. `who` starts the error messages. */
function toUnit(img: GrayImage, options: { range: PreprocessOptions['range'] }, who = 'preprocessDigit'): Float32Array {
  const { width: w, height: h, data } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw new ShapeError(`${who}: width and height must be integers ≥ 1, got ${w}×${h}`);
  }
  if (data.length !== w * h) throw new ShapeError(`${who}: a ${w}×${h} image needs ${w * h} values, got ${data.length}`);
  if (options.range !== '0..255' && options.range !== '0..1') {
    throw new SpecError(`${who}: range must be '0..255' or '0..1', got ${String(options.range)}`);
  }
  const max = options.range === '0..255' ? 255 : 1;
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= max)) {
      throw new SpecError(
        `${who}: value ${v} at (x=${i % w}, y=${Math.floor(i / w)}) is outside ${options.range} (the range option)`,
      );
    }
    out[i] = v / max;
  }
  return out;
}

function borderMedian(v: Float32Array, w: number, h: number): number {
  const border: number[] = [];
  for (let x = 0; x < w; x++) {
    border.push(v[x]);
    if (h > 1) border.push(v[(h - 1) * w + x]);
  }
  for (let y = 1; y < h - 1; y++) {
    border.push(v[y * w]);
    if (w > 1) border.push(v[y * w + w - 1]);
  }
  border.sort((a, b) => a - b);
  const m = border.length >> 1;
  return border.length % 2 ? border[m] : (border[m - 1] + border[m]) / 2;
}

/**
 * out[fh, fw] = the crop [y0, y0+bh) × [x0, x0+bw) of src (row stride w), resampled by area
 * averaging: each output pixel is the mean of the source area it covers (anti-aliased, exact
 * for whole-pixel ratios). Separable: rows first, then columns.
 */
function areaResample(src: Float32Array, w: number, x0: number, y0: number, bw: number, bh: number, fw: number, fh: number): Float32Array {
  const ax = axisWeights(bw, fw);
  const ay = axisWeights(bh, fh);
  const rows = new Float32Array(bh * fw);
  for (let y = 0; y < bh; y++) {
    const s = (y0 + y) * w + x0;
    for (let i = 0; i < fw; i++) {
      let acc = 0;
      for (let k = ax.start[i]; k < ax.start[i + 1]; k++) acc += ax.weight[k] * src[s + ax.index[k]];
      rows[y * fw + i] = acc;
    }
  }
  const out = new Float32Array(fh * fw);
  for (let j = 0; j < fh; j++) {
    for (let k = ay.start[j]; k < ay.start[j + 1]; k++) {
      const wgt = ay.weight[k];
      const r = ay.index[k] * fw;
      for (let i = 0; i < fw; i++) out[j * fw + i] += wgt * rows[r + i];
    }
  }
  return out;
}

/** For each output cell i, the source cells it overlaps and the fraction of i's area each covers. */
function axisWeights(srcLen: number, dstLen: number): { start: Int32Array; index: Int32Array; weight: Float64Array } {
  const r = srcLen / dstLen;
  const start = new Int32Array(dstLen + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < dstLen; i++) {
    const lo = i * r;
    const hi = (i + 1) * r;
    for (let j = Math.floor(lo); j < Math.min(srcLen, Math.ceil(hi)); j++) {
      const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
      if (overlap > 0) {
        index.push(j);
        weight.push(overlap / r);
      }
    }
    start[i + 1] = index.length;
  }
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}
