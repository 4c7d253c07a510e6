/**
 * From a photo or scan to ink: grey levels in 0..1 (any size, either polarity, uneven light) →
 * an ink map (0 = paper, 1 = ink as strong as the paper is bright) and the mask of pixels that are
 * ink. Steps, each a pass or two over the image so that a 640×480 camera frame takes a few ms:
 *   1. one pass of grey-level histograms per block (about an eighth of the shorter side);
 *   2. polarity: the paper is what most pixels of a block are; ink pulls a one-sided tail away
 *      from the block's median, so the skew of the blocks' tails says darker or lighter ink;
 *   3. background: the paper's level per block (the quartile on the paper's side), the median
 *      over neighbouring blocks (a block full of stroke takes its neighbours' paper), smoothed and
 *      interpolated; the difference from it, divided by the paper's brightness, flattens gradients
 *      and vignettes (light multiplies: a dimly lit stroke has a dimly lit paper beside it);
 *   4. a light [1 2 1] smoothing, then thresholds with hysteresis: the noise level (the spread of
 *      the lower half, which is paper) and the strongest ink set a low and a high threshold; ink
 *      is every connected region above the low one that reaches above the high one, so faint
 *      stroke edges stay attached while isolated noise goes.
 * Pure: no DOM, no Node. It does not find digits (segment.ts) or decode files (node-image.ts).
 */
import { ShapeError, SpecError } from '../engine/errors.js';
import { labelComponents, type Components } from './components.js';
import type { GrayImage } from './preprocess.js';

export interface InkMapOptions {
  /** 'auto' (default) decides from the image. */
  polarity?: 'auto' | 'dark-ink' | 'light-ink';
}

export interface InkMap {
  width: number;
  height: number;
  /** [height, width] ink strength 0..1 after flattening the background: 0 paper */
  ink: Float32Array;
  /** the connected regions of ink (8-connected), labels [height, width] 0 = none */
  components: Components;
  polarity: 'dark-ink' | 'light-ink';
  /** the hysteresis thresholds on `ink` */
  low: number;
  high: number;
  /** the noise level of `ink` on paper (a robust standard deviation) */
  noise: number;
}

/** byte v → v / 255 as float32, what grayUnit makes of a grey byte */
export const BYTE_UNIT: Float32Array = Float32Array.from({ length: 256 }, (_, v) => v * (1 / 255));

/** Whether `image` is one byte a pixel read as 0..255 (a camera frame's Y plane): always in range. */
export function isGreyBytes(image: GrayImage, range?: '0..255' | '0..1'): image is GrayImage & { data: Uint8Array | Uint8ClampedArray } {
  const { data } = image;
  return (range ?? '0..255') === '0..255' && (data instanceof Uint8Array || data instanceof Uint8ClampedArray) && data.length === image.width * image.height;
}

/**
 * A grey image as 0..1 floats. RGBA (4 bytes a pixel) becomes grey by Rec. 601 luma, composited over
 * white. `range` defaults to '0..255' for integer arrays and '0..1' for Float32Array.
 */
export function grayUnit(image: GrayImage, range?: '0..255' | '0..1'): Float32Array {
  const { width: w, height: h, data } = image;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new ShapeError(`readDigits: width and height must be integers ≥ 1, got ${w}×${h}`);
  const n = w * h;
  const r = range ?? (data instanceof Float32Array ? '0..1' : '0..255');
  if (r !== '0..255' && r !== '0..1') throw new SpecError(`readDigits: range must be '0..255' or '0..1', got ${String(r)}`);
  const scale = r === '0..255' ? 1 / 255 : 1;
  const out = new Float32Array(n);
  if (data.length === 4 * n) {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const a = data[j + 3] * scale;
      out[i] = (0.299 * data[j] + 0.587 * data[j + 1] + 0.114 * data[j + 2]) * scale * a + (1 - a);
    }
  } else if (isGreyBytes(image, r)) {
    // a camera frame's Y plane: bytes, in range by their type, so one table look-up a pixel and no check
    for (let i = 0; i < n; i++) out[i] = BYTE_UNIT[data[i]];
    return out;
  } else if (data.length === n) {
    for (let i = 0; i < n; i++) out[i] = data[i] * scale;
  } else {
    throw new ShapeError(`readDigits: a ${w}×${h} image needs ${n} grey values or ${4 * n} RGBA bytes, got ${data.length}`);
  }
  for (let i = 0; i < n; i++) {
    const v = out[i];
    if (!(v >= -1e-6 && v <= 1 + 1e-6)) {
      throw new SpecError(`readDigits: value ${v / scale} at (x=${i % w}, y=${Math.floor(i / w)}) is outside ${r} (the range option)`);
    }
  }
  return out;
}

/** gray[height, width] in 0..1 → the ink map and its connected regions. */
export function inkMap(gray: Float32Array, width: number, height: number, options: InkMapOptions = {}): InkMap {
  const n = width * height;
  const grid = blockHistograms(gray, width, height);
  const wanted = options.polarity ?? 'auto';
  const polarity = wanted === 'auto' ? guessPolarity(grid) : wanted;
  const dark = polarity === 'dark-ink';
  // the paper per block: a quarter of the way from the paper's end of the histogram
  const paper = blockQuantiles(grid, dark ? 0.75 : 0.25);
  const hist = new Histogram(n);
  const ink = flattenedInk(gray, background(paper, grid), width, height, dark, hist);
  // the paper's spread from the lower half, which ink (always above the paper) never reaches
  const median = hist.quantile(0.5);
  const noise = Math.max(1e-3, (median - hist.quantile(0.25)) / 0.6745);
  // the ink level: only the strongest ~0.05% of pixels (at least 30) exceed it
  const level = hist.quantile(1 - Math.max(30, Math.round(n * 0.0005)) / n);
  // hysteresis: low 3σ above the paper or a quarter of the ink level; high 5σ or 40% of it, and
  // never under 0.08 (ink must differ from the paper by 8% of its brightness)
  const low = Math.max(median + 3 * noise, 0.25 * level, 0.04);
  const high = Math.max(median + 5 * noise, 0.4 * level, 0.08, low);
  const components = labelComponents(ink, width, height, low, high);
  return { width, height, ink, components, polarity, low, high, noise };
}

/** Grey-level histograms (256 bins) of blocks about an eighth of the shorter side (8 to 64 pixels). */
interface BlockGrid {
  gw: number;
  gh: number;
  /** [gh, gw, 256] */
  hist: Int32Array;
  /** pixels per block */
  count: Int32Array;
}

function blockHistograms(gray: Float32Array, w: number, h: number): BlockGrid {
  const bs = Math.max(8, Math.min(64, Math.round(Math.min(w, h) / 8)));
  const gw = Math.max(1, Math.round(w / bs)), gh = Math.max(1, Math.round(h / bs));
  const hist = new Int32Array(gw * gh * 256);
  const count = new Int32Array(gw * gh);
  const bx = new Int32Array(w);
  for (let x = 0; x < w; x++) bx[x] = Math.min(gw - 1, Math.floor((x * gw) / w));
  for (let y = 0; y < h; y++) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / h)) * gw;
    for (let x = 0; x < w; x++) {
      const b = row + bx[x];
      const v = gray[y * w + x] * 255 + 0.5;
      hist[b * 256 + (v <= 0 ? 0 : v >= 255 ? 255 : v | 0)]++;
      count[b]++;
    }
  }
  return { gw, gh, hist, count };
}

/** The q-quantile of each block's grey levels, in 0..1. */
function blockQuantiles(grid: BlockGrid, q: number): Float32Array {
  const out = new Float32Array(grid.gw * grid.gh);
  for (let b = 0; b < out.length; b++) {
    const want = q * grid.count[b];
    let k = 0, acc = grid.hist[b * 256];
    while (acc < want && k < 255) acc += grid.hist[b * 256 + ++k];
    out[b] = k / 255;
  }
  return out;
}

/**
 * Dark or light ink: in each block, how much further the 1st percentile lies below the median
 * than the 99th lies above it; ink is the minority far out on one side. Summed as cubes, so that
 * blocks with strokes outvote the faint asymmetries of blocks of bare paper.
 */
function guessPolarity(grid: BlockGrid): 'dark-ink' | 'light-ink' {
  const lo = blockQuantiles(grid, 0.01), mid = blockQuantiles(grid, 0.5), hi = blockQuantiles(grid, 0.99);
  let sum = 0;
  for (let b = 0; b < lo.length; b++) {
    const d = hi[b] - mid[b] - (mid[b] - lo[b]);
    sum += d * d * d;
  }
  return sum > 0 ? 'light-ink' : 'dark-ink';
}

/**
 * The paper's grey level per block: the per-block levels, each replaced by the median of its 3×3
 * neighbourhood (a block that a thick stroke fills takes its neighbours' paper), averaged over 3×3.
 * flattenedInk interpolates it bilinearly between block centres.
 */
function background(paper: Float32Array, grid: BlockGrid): { smooth: Float32Array; gw: number; gh: number } {
  const { gw, gh } = grid;
  return { smooth: neighbourhood(neighbourhood(paper, gw, gh, 'median'), gw, gh, 'mean'), gw, gh };
}

/**
 * out[h, w] = the ink, up from the paper and clipped to 0..1: (ink − paper) / (1 − paper), with
 * ink = 1 − grey for dark ink and the paper interpolated bilinearly from `bg`'s block centres,
 * then a [1 2 1]² smoothing (a third of the pixel noise; strokes of 2 px or more keep their level).
 * `hist` counts the values before clipping (the paper's spread lies below 0). One pass per row
 * for the paper, the flattening and the horizontal smoothing, one for the vertical smoothing, the
 * histogram and the clip: every value is the float32 the separate steps stored.
 */
function flattenedInk(gray: Float32Array, bg: { smooth: Float32Array; gw: number; gh: number }, w: number, h: number, dark: boolean, hist: Histogram): Float32Array {
  const { smooth, gw, gh } = bg;
  // per column: the two block columns and the weight of the right one
  const cx0 = new Int32Array(w), cx1 = new Int32Array(w), tx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const f = Math.max(0, Math.min(gw - 1, ((x + 0.5) * gw) / w - 0.5));
    cx0[x] = Math.floor(f);
    cx1[x] = Math.min(gw - 1, cx0[x] + 1);
    tx[x] = f - cx0[x];
  }
  const row = new Float32Array(gw);
  const flat = new Float32Array(w);
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const f = Math.max(0, Math.min(gh - 1, ((y + 0.5) * gh) / h - 0.5));
    const y0 = Math.floor(f), y1 = Math.min(gh - 1, y0 + 1), ty = f - y0;
    for (let b = 0; b < gw; b++) row[b] = smooth[y0 * gw + b] * (1 - ty) + smooth[y1 * gw + b] * ty;
    const r = y * w;
    if (dark) {
      for (let x = 0; x < w; x++) {
        const b = 1 - Math.fround(row[cx0[x]] * (1 - tx[x]) + row[cx1[x]] * tx[x]);
        flat[x] = (1 - gray[r + x] - b) / Math.max(0.1, 1 - b);
      }
    } else {
      for (let x = 0; x < w; x++) {
        const b = Math.fround(row[cx0[x]] * (1 - tx[x]) + row[cx1[x]] * tx[x]);
        flat[x] = (gray[r + x] - b) / Math.max(0.1, 1 - b);
      }
    }
    for (let x = 0; x < w; x++) tmp[r + x] = (flat[x > 0 ? x - 1 : 0] + 2 * flat[x] + flat[x + 1 < w ? x + 1 : x]) * 0.25;
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w, down = (y + 1 < h ? y + 1 : y) * w, r = y * w;
    for (let x = 0; x < w; x++) {
      const v = Math.fround((tmp[up + x] + 2 * tmp[r + x] + tmp[down + x]) * 0.25);
      hist.add(v);
      out[r + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/** Each cell's 3×3 neighbourhood (clipped at the edges) reduced to its median or its mean. */
function neighbourhood(g: Float32Array, gw: number, gh: number, op: 'median' | 'mean'): Float32Array {
  const out = new Float32Array(g.length);
  const vals: number[] = [];
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      vals.length = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && xx >= 0 && yy < gh && xx < gw) vals.push(g[yy * gw + xx]);
        }
      }
      if (op === 'mean') out[y * gw + x] = vals.reduce((a, b) => a + b, 0) / vals.length;
      else {
        vals.sort((a, b) => a - b);
        const m = vals.length >> 1;
        out[y * gw + x] = vals.length % 2 ? vals[m] : (vals[m - 1] + vals[m]) / 2;
      }
    }
  }
  return out;
}

/** A histogram of values in [-1, 1] (2048 bins, clamped) for quantiles. */
class Histogram {
  private readonly bins = new Int32Array(2048);

  /** `n`: how many values will be added */
  constructor(private readonly n: number) {}

  add(v: number): void {
    const b = (v + 1) * 1024;
    this.bins[b <= 0 ? 0 : b >= 2047 ? 2047 : b | 0]++;
  }

  quantile(q: number): number {
    const want = q * this.n;
    let acc = 0;
    for (let k = 0; k < 2048; k++) {
      acc += this.bins[k];
      if (acc >= want) return (k + 0.5) / 1024 - 1;
    }
    return 1;
  }
}
