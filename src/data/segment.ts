/**
 * Reading whole numbers: a photo or scan of any size → the digits on it, left to right, line by
 * line (readDigits). ink-lines.ts finds the lines, levels them and cuts them into atoms (regions
 * of ink, and pieces of regions that may hold touching digits); here every plausible run of
 * consecutive atoms becomes a candidate digit, all candidates of the image go through the same
 * MNIST-style preprocessing as a single digit (preprocessDigit, after a sharpening that undoes
 * some of a camera's blur) and through `predict` as one batch, and per line a dynamic programme
 * picks the grouping into digits with the best total score. A candidate's score is linear in what
 * tells a whole digit from a piece or a pair: the model's confidence, its "not a digit" score
 * (when the model file has a calibration), its height and width against the line's, how far its
 * top and bottom stray from the line's, how much ink the cuts at its edges go through; the
 * weights were fitted on generated pages (scripts/read-figures.ts --fit). A small region (a
 * speck, a dot) may be left out at no cost; joined to a digit it must earn its place, which is how
 * a 5's loose flag is kept and a speck beside it is not. Pure: it runs on camera frames too.
 */
import { Tensor } from '../engine/tensor.js';
import { ShapeError, SpecError, formatShape } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { predict } from '../nn/predict.js';
import { ZOO } from '../models/zoo.js';
import { preprocessDigit, type GrayImage } from './preprocess.js';
import { BYTE_UNIT, grayUnit, isGreyBytes } from './binarize.js';
import { atomsBox, cropAtoms, inkLines, type Box, type Line, type Segmentation } from './ink-lines.js';

export interface ReadDigit {
  digit: number;
  /** [x, y, width, height] in the image's pixels */
  box: Box;
  /** the model's class probabilities (10 for the digit models) */
  probabilities: number[];
  /** the model's "not a digit" verdict; only when its file carries a calibration */
  notDigit?: boolean;
  /** [1,28,28] what the model read (0..1, ink = 1); only with the `inputs` option */
  input?: Float32Array;
}

export interface ReadLine {
  text: string;
  box: Box;
  /** degrees, clockwise: how much the line leaned (it was levelled before reading) */
  angle: number;
  digits: ReadDigit[];
}

export interface ReadResult {
  /** the digits read, line by line, lines joined by '\n'; '' when there are none */
  text: string;
  /** every digit, in reading order */
  digits: ReadDigit[];
  /** the lines, top to bottom */
  lines?: ReadLine[];
}

export interface ReadOptions {
  /** The scale of a grey image's values; default '0..255' for integer arrays, '0..1' for Float32Array. */
  range?: '0..255' | '0..1';
  /** 'auto' (default) decides from the image. */
  polarity?: 'auto' | 'dark-ink' | 'light-ink';
  /** How candidate digits are scored; default scoreWeightsFor(model). */
  weights?: Readonly<ScoreWeights>;
  /**
   * Larger images are read shrunk by a whole factor until they have at most this many pixels
   * (boxes still come in the image's own pixels). Default 2,500,000. A camera view whose digits are
   * large (40 pixels tall or more) can pass 100,000 to read a 640×480 frame at half size; smaller
   * digits lose too much.
   */
  maxPixels?: number;
  /**
   * Keep each digit's network input on it (`input`): the camera view runs the digit it shows
   * through the model again with its whole trace, and must show what was read, not a new crop.
   */
  inputs?: boolean;
}

/** Candidate digits are runs of at most this many atoms. */
const MAX_ATOMS = 10;
/** The score of leaving out an atom that is not small: far below any reading. */
const UNREAD = -50;
/** Images larger than this are read at a reduced size (area averaging by a whole factor). */
const MAX_PIXELS = 2_500_000;
/**
 * How a candidate digit is scored: a linear function of its features, the log-odds that it is a
 * whole digit (fitted by logistic regression on candidates of generated number pages, whose true
 * boxes say which are: scripts/read-figures.ts --fit), plus a bonus per digit tuned for whole
 * numbers read right.
 */
export interface ScoreWeights {
  bias: number;
  /** × log p(best class) */
  logp: number;
  /** × log p(best) − log p(second best), at most 10 */
  margin: number;
  /** × the not-a-digit score minus its threshold, clipped to ±3 (0 without a calibration) */
  ood: number;
  /** × |height − 0.95|, height over the line's digit height */
  tall: number;
  /** × max(0, 0.7 − height) */
  short: number;
  /** × max(0, width − 1), width over the line's digit height */
  wide: number;
  /** × the stroke widths of ink cut through at its left and right edges */
  cut: number;
  /** × the squared z-score (at most 9) of its aspect ratio among MNIST training digits of the class read */
  aspect: number;
  /** × how far its top and bottom are from the line's, over the digit height */
  offset: number;
  /** per digit read */
  bonus: number;
}

/**
 * The weights fitted for each shipped architecture (scripts/read-figures.ts --fit --models NAME):
 * a model's confidence and its not-a-digit score mean different things for different networks
 * (cnn read with lenet's weights reads 14 points fewer separated MNIST pages right).
 */
export const SCORE_WEIGHTS: Readonly<Record<'lenet' | 'cnn', Readonly<ScoreWeights>>> = {
  lenet: { bias: 4.892, logp: 0.338, margin: -0.025, ood: -3.58, tall: -9.063, short: 0.389, wide: -25.117, cut: -0.882, aspect: -0.02, offset: -4.645, bonus: 1 },
  cnn: { bias: 4.043, logp: 0.775, margin: 0.061, ood: -5.934, tall: -12.146, short: 1.376, wide: -13.78, cut: -0.753, aspect: -0.135, offset: -6.764, bonus: -1.5 },
};

/** The weights for a model: its architecture's when it is one of the shipped ones (same layers), else lenet's. */
export function scoreWeightsFor(model: Sequential): Readonly<ScoreWeights> {
  const layers = JSON.stringify(model.spec.layers);
  for (const name of ['lenet', 'cnn'] as const) if (JSON.stringify(ZOO[name].spec.layers) === layers) return SCORE_WEIGHTS[name];
  return SCORE_WEIGHTS.lenet;
}

/** What a candidate's score is made of. */
export interface CandidateFeatures {
  /** log of the best class's probability */
  logp: number;
  /** log p(best) − log p(second best), at most 10 */
  margin: number;
  /** height and width over the line's digit height */
  height: number;
  width: number;
  /** stroke widths of ink the cuts at its edges go through; 0 at a region's own edge */
  cutLeft: number;
  cutRight: number;
  /** the not-a-digit score minus its threshold (> 0: not a digit), or null without a calibration */
  ood: number | null;
  /** (log(width / height) − its mean for the class read) / its standard deviation, among MNIST training digits */
  aspectZ: number;
  /** |top − the line's top| + |bottom − the line's bottom|, over the digit height */
  offset: number;
}

/** Mean and standard deviation of log(width / height) of the ink of each class among MNIST's training digits (pixels > 64). */
const ASPECT: readonly (readonly [number, number])[] = [
  [-0.106, 0.196], [-0.931, 0.459], [-0.071, 0.218], [-0.235, 0.212], [-0.241, 0.212],
  [-0.074, 0.258], [-0.326, 0.217], [-0.264, 0.215], [-0.282, 0.221], [-0.395, 0.205],
];

/**
 * `image`: a GrayImage (one value a pixel) or an RGBA image (4 bytes a pixel, as canvas ImageData
 * and decoded PNGs are), of any size. The model must take [1,28,28] (the digit models do).
 */
export function readDigits(model: Sequential, image: GrayImage, options: ReadOptions = {}): ReadResult {
  const s = model.inputShape;
  if (!(s.length === 3 && s[0] === 1 && s[1] === 28 && s[2] === 28)) {
    throw new ShapeError(`readDigits: preprocessed digits are [1,28,28]; the model takes ${formatShape(s)}`);
  }
  const maxPixels = options.maxPixels ?? MAX_PIXELS;
  if (!(maxPixels >= 1)) throw new SpecError(`readDigits: maxPixels must be a number ≥ 1, got ${maxPixels}`);
  let { width, height } = image;
  const factor = width * height > maxPixels ? Math.ceil(Math.sqrt((width * height) / maxPixels)) : 1;
  let gray: Float32Array;
  if (factor > 1 && Number.isInteger(width) && Number.isInteger(height) && isGreyBytes(image, options.range)) {
    // a camera frame read small: shrunk straight from its bytes, never copied whole as floats
    ({ gray, width, height } = shrinkGray(image.data, width, height, factor, BYTE_UNIT));
  } else {
    gray = grayUnit(image, options.range);
    if (factor > 1) ({ gray, width, height } = shrinkGray(gray, width, height, factor));
  }
  const seg = inkLines(gray, width, height, options.polarity ? { polarity: options.polarity } : {});
  const lines = readSegmentation(model, seg, options.weights ?? scoreWeightsFor(model), options.inputs === true).map((l) => (factor === 1 ? l : scaleLine(l, factor, image.width, image.height)));
  const digits = lines.flatMap((l) => l.digits);
  return { text: lines.map((l) => l.text).join('\n'), digits, lines };
}

/** A run of atoms [i, j) of a line, read as one digit. */
export interface CandidateRead {
  i: number;
  j: number;
  digit: number;
  probabilities: number[];
  notDigit: boolean;
  /** [1,28,28] the preprocessed crop the model read */
  input: Float32Array;
  features: CandidateFeatures;
  /** its part of the line's score (see the file's header) */
  score: number;
}

/** One line's candidates and the ones chosen, for drawing how a line was read. */
export interface LineReading {
  line: Line;
  candidates: CandidateRead[];
  chosen: CandidateRead[];
}

/** Every line's candidates through the model in one batch, then the best grouping per line. */
export function readLines(model: Sequential, seg: Segmentation, weights: Readonly<ScoreWeights> = scoreWeightsFor(model)): LineReading[] {
  const where: { line: number; i: number; j: number }[] = [];
  const pixels: Float32Array[] = [];
  seg.lines.forEach((line, l) => {
    for (const [i, j] of candidateRuns(line)) {
      const crop = sharpenCrop(cropAtoms(line, i, j));
      if (!crop) continue;
      const pre = preprocessDigit(crop, { range: '0..1', polarity: 'light-ink' });
      if (pre.empty) continue;
      where.push({ line: l, i, j });
      pixels.push(pre.pixels);
    }
  });
  const readings: LineReading[] = seg.lines.map((line) => ({ line, candidates: [], chosen: [] }));
  if (pixels.length === 0) return readings;
  const batch = new Float32Array(pixels.length * 784);
  pixels.forEach((p, k) => batch.set(p, k * 784));
  const result = predict(model, new Tensor([pixels.length, 1, 28, 28], batch));
  const K = result.probabilities.size / pixels.length;
  where.forEach((w, row) => {
    const line = seg.lines[w.line];
    const probabilities = Array.from(result.probabilities.data.subarray(row * K, (row + 1) * K));
    const digit = result.digits[row];
    const ood = result.ood ? result.ood[row].score - result.ood[row].threshold : null;
    const features = candidateFeatures(line, w.i, w.j, probabilities, digit, ood);
    readings[w.line].candidates.push({ i: w.i, j: w.j, digit, probabilities, notDigit: result.notDigit[row], input: pixels[row], features, score: score(features, weights) });
  });
  for (const r of readings) r.chosen = bestPath(r.line, r.candidates);
  return readings;
}

/** The line's reading again under other weights (for tuning them). */
export function rescore(reading: LineReading, weights: Readonly<ScoreWeights>): LineReading {
  const candidates = reading.candidates.map((c) => ({ ...c, score: score(c.features, weights) }));
  return { line: reading.line, candidates, chosen: bestPath(reading.line, candidates) };
}

/** The lines' readings as digits with boxes in image pixels (and, with `inputs`, what the model read); lines with no digit are left out. */
export function readSegmentation(model: Sequential, seg: Segmentation, weights: Readonly<ScoreWeights> = scoreWeightsFor(model), inputs = false): ReadLine[] {
  const hasOod = model.ood !== null;
  const out: ReadLine[] = [];
  for (const { line, chosen } of readLines(model, seg, weights)) {
    if (chosen.length === 0) continue;
    const digits: ReadDigit[] = chosen.map((r) => ({
      digit: r.digit,
      box: atomsBox(line, r.i, r.j),
      probabilities: r.probabilities,
      ...(hasOod ? { notDigit: r.notDigit } : {}),
      ...(inputs ? { input: r.input } : {}),
    }));
    out.push({ text: digits.map((d) => String(d.digit)).join(''), box: unionBox(digits.map((d) => d.box)), angle: line.angle, digits });
  }
  return out;
}

/** Runs [i, j) of consecutive atoms that could be one digit: each atom alone, and short runs that fit a digit's width with no wide gap inside. */
function candidateRuns(line: Line): [number, number][] {
  const { atoms, digitHeight: dh } = line;
  const runs: [number, number][] = [];
  for (let i = 0; i < atoms.length; i++) {
    runs.push([i, i + 1]);
    let x0 = atoms[i].x0, x1 = atoms[i].x1;
    for (let j = i + 2; j <= Math.min(atoms.length, i + MAX_ATOMS); j++) {
      const a = atoms[j - 1];
      const gap = a.x0 - x1 - 1;
      if (a.region !== atoms[j - 2].region && gap > 0.25 * dh) break;
      x0 = Math.min(x0, a.x0);
      x1 = Math.max(x1, a.x1);
      if (x1 - x0 + 1 > 1.5 * dh) break;
      runs.push([i, j]);
    }
  }
  return runs;
}

/** The best-scoring way to read the line's atoms as digits (dynamic programming over atom positions). */
function bestPath(line: Line, reads: CandidateRead[]): CandidateRead[] {
  const { atoms, digitHeight: dh } = line;
  const n = atoms.length;
  const best = new Float64Array(n + 1).fill(-Infinity);
  const back: (CandidateRead | null | undefined)[] = new Array(n + 1);
  best[0] = 0;
  const endingAt: CandidateRead[][] = Array.from({ length: n + 1 }, () => []);
  for (const r of reads) endingAt[r.j].push(r);
  for (let j = 1; j <= n; j++) {
    // leave out a small whole region: a speck or a dot
    const a = atoms[j - 1];
    const whole = (j === 1 || atoms[j - 2].region !== a.region) && (j === n || atoms[j].region !== a.region);
    // any other atom only when nothing reads it (so a line is never lost for one unreadable atom)
    const skip = whole && a.y1 - a.y0 + 1 < 0.5 * dh ? 0 : UNREAD;
    if (best[j - 1] > -Infinity) {
      best[j] = best[j - 1] + skip;
      back[j] = null;
    }
    for (const r of endingAt[j]) {
      if (best[r.i] === -Infinity) continue;
      const total = best[r.i] + r.score;
      if (total > best[j]) {
        best[j] = total;
        back[j] = r;
      }
    }
  }
  if (best[n] === -Infinity) return [];
  const path: CandidateRead[] = [];
  for (let j = n; j > 0; ) {
    const r = back[j];
    if (r) {
      path.push(r);
      j = r.i;
    } else j--;
  }
  return path.reverse();
}

function candidateFeatures(line: Line, i: number, j: number, probabilities: number[], digit: number, ood: number | null): CandidateFeatures {
  const { atoms, digitHeight: dh } = line;
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let k = i; k < j; k++) {
    const a = atoms[k];
    x0 = Math.min(x0, a.x0); x1 = Math.max(x1, a.x1); y0 = Math.min(y0, a.y0); y1 = Math.max(y1, a.y1);
  }
  let second = 0;
  probabilities.forEach((p, k) => {
    if (k !== digit && p > second) second = p;
  });
  const logp = Math.log(Math.max(1e-9, probabilities[digit]));
  const [mean, sd] = ASPECT[digit] ?? [0, 1];
  return {
    logp,
    margin: Math.min(10, logp - Math.log(Math.max(1e-9, second))),
    height: (y1 - y0 + 1) / dh,
    width: (x1 - x0 + 1) / dh,
    // a cut at an edge: the neighbouring atom is the rest of the same region
    cutLeft: i > 0 && atoms[i - 1].region === atoms[i].region ? atoms[i].cutLeft : 0,
    cutRight: j < atoms.length && atoms[j].region === atoms[j - 1].region ? atoms[j].cutLeft : 0,
    ood,
    aspectZ: (Math.log((x1 - x0 + 1) / (y1 - y0 + 1)) - mean) / sd,
    offset: (Math.abs(y0 - line.top) + Math.abs(y1 - line.bottom)) / dh,
  };
}

/** The features a score weighs, in the order of ScoreWeights after bias (and before bonus). */
export function featureVector(f: CandidateFeatures): number[] {
  return [
    f.logp, f.margin, f.ood === null ? 0 : Math.max(-3, Math.min(3, f.ood)), Math.abs(f.height - 0.95), Math.max(0, 0.7 - f.height),
    Math.max(0, f.width - 1), f.cutLeft + f.cutRight, Math.min(9, f.aspectZ * f.aspectZ), f.offset,
  ];
}

function score(f: CandidateFeatures, wt: Readonly<ScoreWeights>): number {
  const v = featureVector(f);
  return wt.bias + wt.bonus + wt.logp * v[0] + wt.margin * v[1] + wt.ood * v[2] + wt.tall * v[3] + wt.short * v[4] + wt.wide * v[5] + wt.cut * v[6] + wt.aspect * v[7] + wt.offset * v[8];
}

/**
 * A candidate's ink made to look like an MNIST digit despite the camera: relative to its own
 * strongest stroke (a faint page reads like a dark one), sharpened by unsharp masking (twice the
 * difference from a blur of 3% of its height: a blurred 8 or 0 gets its loops back), and cut at
 * 35% of its peak (the blur's halo thickens strokes). Measured on the separated generated pages
 * with their true boxes, this reads 99.0% of the digits with lenet, against 97.9% for the plain ink
 * and 98.7% for the cut alone. Null when the crop has no ink.
 */
function sharpenCrop(crop: GrayImage & { data: Float32Array }): (GrayImage & { data: Float32Array }) | null {
  const { width: w, height: h, data } = crop;
  let peak = 0;
  for (const v of data) peak = Math.max(peak, v);
  if (peak <= 0) return null;
  const blurred = boxBlur3(data, w, h, Math.max(1, Math.round(0.03 * h)));
  let top = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] <= 0) continue;
    data[i] = Math.max(0, data[i] + SHARPEN * (data[i] - blurred[i]));
    if (data[i] > top) top = data[i];
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i] / top;
    data[i] = v < CUT_BELOW ? 0 : v;
  }
  return crop;
}

/**
 * out[h, w] = three box blurs of radius r each way (a near-Gaussian), each output the mean of the
 * window's pixels inside the image: strokes.ts blurImage's result, by running sums.
 */
function boxBlur3(src: Float32Array, w: number, h: number, r: number): Float32Array {
  let a = Float32Array.from(src);
  let b = new Float32Array(src.length);
  for (let pass = 0; pass < 3; pass++) {
    boxLines(b, a, w, h, 1, w, r);
    boxLines(a, b, h, w, w, 1, r);
  }
  return a;
}

/** out = box blur of src along one axis: `len` samples `step` apart, in `lines` lines `stride` apart. */
function boxLines(out: Float32Array, src: Float32Array, len: number, lines: number, step: number, stride: number, r: number): void {
  for (let l = 0; l < lines; l++) {
    const base = l * stride;
    let acc = 0;
    for (let j = 0; j <= Math.min(len - 1, r); j++) acc += src[base + j * step];
    for (let i = 0; i < len; i++) {
      const lo = i - r, hi = i + r;
      out[base + i * step] = acc / (Math.min(len - 1, hi) - Math.max(0, lo) + 1);
      if (hi + 1 < len) acc += src[base + (hi + 1) * step];
      if (lo >= 0) acc -= src[base + lo * step];
    }
  }
}

const SHARPEN = 2;
const CUT_BELOW = 0.35;

function unionBox(boxes: Box[]): Box {
  const x0 = Math.min(...boxes.map((b) => b[0])), y0 = Math.min(...boxes.map((b) => b[1]));
  const x1 = Math.max(...boxes.map((b) => b[0] + b[2])), y1 = Math.max(...boxes.map((b) => b[1] + b[3]));
  return [x0, y0, x1 - x0, y1 - y0];
}

/** Boxes of a line read at 1/f of the size, back in the image's pixels (clipped to it). */
function scaleLine(l: ReadLine, f: number, width: number, height: number): ReadLine {
  const up = (b: Box): Box => {
    const x = b[0] * f, y = b[1] * f;
    return [x, y, Math.min(width - x, b[2] * f), Math.min(height - y, b[3] * f)];
  };
  return { ...l, box: up(l.box), digits: l.digits.map((d) => ({ ...d, box: up(d.box) })) };
}

/**
 * gray[h, w] shrunk by a whole factor, each output pixel the mean of the f×f block it covers
 * (partial blocks at the edges); with `table`, `gray` holds bytes and table[byte] is the value.
 */
export function shrinkGray(gray: Float32Array, w: number, h: number, f: number): { gray: Float32Array; width: number; height: number };
export function shrinkGray(gray: Uint8Array | Uint8ClampedArray, w: number, h: number, f: number, table: Float32Array): { gray: Float32Array; width: number; height: number };
export function shrinkGray(gray: Float32Array | Uint8Array | Uint8ClampedArray, w: number, h: number, f: number, table?: Float32Array): { gray: Float32Array; width: number; height: number } {
  const W = Math.ceil(w / f), H = Math.ceil(h / f);
  const out = new Float32Array(W * H);
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = Math.floor(x / f);
  // sums in raster order, as a block's pixels come row by row (float32 sums, so the order is kept)
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / f) * W, src = y * w;
    if (table) for (let x = 0; x < w; x++) out[row + col[x]] += table[gray[src + x]];
    else for (let x = 0; x < w; x++) out[row + col[x]] += gray[src + x];
  }
  const lastW = w - (W - 1) * f, lastH = h - (H - 1) * f;
  for (let Y = 0; Y < H; Y++) {
    const bh = Y === H - 1 ? lastH : f;
    for (let X = 0; X < W; X++) out[Y * W + X] /= bh * (X === W - 1 ? lastW : f);
  }
  return { gray: out, width: W, height: H };
}
