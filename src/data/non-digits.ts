/**
 * Images that are not digits, to check whether a "not a digit" detector rejects them: letters that
 * look like no digit, geometric shapes, scribbles, dots and nearly blank pages, in equal numbers.
 * They are drawn with the same pen, paper and spoiling as the synthetic digits
 * (synthetic-digits.ts) and preprocessed the same way (preprocessDigit), so that the only thing
 * that differs from a digit is what is drawn. Deterministic from the seed; a smaller count gives a
 * prefix of a larger one.
 *
 * Left out on purpose, because a person could read them as digits: the letters O, I, l, S, Z, B,
 * G, q, g, b (0, 1, 1, 5, 2, 8, 6, 9, 9, 6) and a plain outlined circle or a thick ring (a 0);
 * rings here are concentric circles. Zigzags have at least five segments (fewer make a Z, a 2).
 *
 * Where preprocessDigit finds no ink (a blank page, specks fainter than its minimum contrast), the
 * image is what preprocessDigit returns for it: the empty 28×28 image, all zeros. Such items are
 * kept, not redrawn: an empty input is a non-digit a detector must reject too.
 */
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';
import { arc, curve, ellipse, renderStrokes, strokeBounds, type Point, type Stroke } from './strokes.js';
import { degrade, drawByHand, onPaper, randomPen, type Pen } from './synthetic-digits.js';

export const NON_DIGIT_KINDS = ['letter', 'shape', 'scribble', 'dot', 'blank-ish'] as const;
export type NonDigitKind = (typeof NON_DIGIT_KINDS)[number];

export interface NonDigitOptions {
  count: number;
  seed: number;
  /** Side in pixels of the canvas drawn on before preprocessing. Default 64. */
  size?: number;
}

export interface NonDigits {
  /** [count, 28, 28] preprocessed as preprocessDigit does: 0..1, ink = 1 (all zeros where it found no ink) */
  images: Float32Array;
  /** [count] what each image is; every run of five holds each kind once */
  kinds: NonDigitKind[];
  /** [count] the particular thing drawn, e.g. 'letter-K', 'shape-star-filled', 'blank-ish-border' */
  variants: string[];
}

/** Pen strokes and filled polygons, drawn with a ruler (no shake or bend) or by hand. */
interface Drawing {
  strokes: Stroke[];
  fills?: Stroke[];
  ruled?: boolean;
  /** the thickest pen (brush radius over the drawing's size) that keeps its lines apart; default 0.1 */
  maxThickness?: number;
}

const LETTERS: Readonly<Record<string, Stroke[]>> = {
  A: [[[0.25, 0.85], [0.5, 0.15], [0.75, 0.85]], [[0.35, 0.6], [0.65, 0.6]]],
  E: [[[0.7, 0.15], [0.3, 0.15], [0.3, 0.85], [0.7, 0.85]], [[0.3, 0.5], [0.62, 0.5]]],
  F: [[[0.7, 0.15], [0.3, 0.15], [0.3, 0.85]], [[0.3, 0.48], [0.62, 0.48]]],
  H: [[[0.28, 0.15], [0.28, 0.85]], [[0.72, 0.15], [0.72, 0.85]], [[0.28, 0.5], [0.72, 0.5]]],
  K: [[[0.3, 0.15], [0.3, 0.85]], [[0.7, 0.15], [0.3, 0.58]], [[0.43, 0.45], [0.72, 0.85]]],
  M: [[[0.2, 0.85], [0.24, 0.15], [0.5, 0.62], [0.76, 0.15], [0.8, 0.85]]],
  N: [[[0.28, 0.85], [0.28, 0.15], [0.72, 0.85], [0.72, 0.15]]],
  R: [[[0.3, 0.85], [0.3, 0.15], ...curve([[0.3, 0.15], [0.55, 0.15], [0.68, 0.25], [0.66, 0.4], [0.5, 0.5], [0.3, 0.5]]).slice(1)], [[0.45, 0.5], [0.72, 0.85]]],
  T: [[[0.22, 0.15], [0.78, 0.15]], [[0.5, 0.15], [0.5, 0.85]]],
  W: [[[0.16, 0.15], [0.32, 0.85], [0.5, 0.38], [0.68, 0.85], [0.84, 0.15]]],
  X: [[[0.27, 0.15], [0.73, 0.85]], [[0.73, 0.15], [0.27, 0.85]]],
  Y: [[[0.25, 0.15], [0.5, 0.5], [0.75, 0.15]], [[0.5, 0.5], [0.5, 0.85]]],
  a: [arc(0.46, 0.65, 0.15, 0.19, 60, -300), curve([[0.62, 0.45], [0.62, 0.75], [0.65, 0.84], [0.72, 0.82]])],
  e: [curve([[0.32, 0.63], [0.66, 0.62], [0.64, 0.48], [0.5, 0.42], [0.35, 0.5], [0.32, 0.68], [0.42, 0.83], [0.6, 0.84], [0.69, 0.76]])],
  h: [[[0.32, 0.15], [0.32, 0.85]], curve([[0.32, 0.62], [0.44, 0.48], [0.6, 0.47], [0.67, 0.58], [0.67, 0.85]])],
  k: [[[0.32, 0.15], [0.32, 0.85]], [[0.66, 0.42], [0.32, 0.68]], [[0.43, 0.61], [0.68, 0.85]]],
  m: [[[0.2, 0.45], [0.2, 0.85]], curve([[0.2, 0.56], [0.29, 0.45], [0.4, 0.46], [0.44, 0.56], [0.44, 0.85]]), curve([[0.44, 0.56], [0.53, 0.45], [0.64, 0.46], [0.68, 0.56], [0.68, 0.85]])],
  n: [[[0.3, 0.45], [0.3, 0.85]], curve([[0.3, 0.57], [0.42, 0.45], [0.58, 0.45], [0.66, 0.57], [0.66, 0.85]])],
  w: [[[0.2, 0.45], [0.34, 0.85], [0.5, 0.55], [0.66, 0.85], [0.8, 0.45]]],
  x: [[[0.25, 0.45], [0.75, 0.85]], [[0.75, 0.45], [0.25, 0.85]]],
};
const LETTER_NAMES = Object.keys(LETTERS);

const square: Stroke = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
const triangle: Stroke = [[0.5, 0.2], [0.8, 0.72], [0.2, 0.72]];
const star: Stroke = Array.from({ length: 10 }, (_, i) => {
  const r = i % 2 ? 0.13 : 0.32;
  const t = (i * Math.PI) / 5;
  return [0.5 + r * Math.sin(t), 0.52 - r * Math.cos(t)] as const;
});
const closed = (p: Stroke): Stroke => [...p, p[0]];

const SHAPES: Readonly<Record<string, Drawing>> = {
  'square-filled': { strokes: [], fills: [square], ruled: true },
  // thin: a thick outline with the round pen's corners is a 0
  'square-outline': { strokes: [closed(square)], ruled: true, maxThickness: 0.05 },
  'disc': { strokes: [], fills: [ellipse(0.5, 0.5, 0.3, 0.3, 49)], ruled: true },
  'ring': { strokes: [ellipse(0.5, 0.5, 0.32, 0.32, 49), ellipse(0.5, 0.5, 0.14, 0.14, 33)] },
  'triangle-filled': { strokes: [], fills: [triangle], ruled: true },
  'triangle-outline': { strokes: [closed(triangle)], ruled: true, maxThickness: 0.07 },
  'star-filled': { strokes: [], fills: [star], ruled: true },
  'star-outline': { strokes: [closed(star)] },
  'plus': { strokes: [[[0.5, 0.2], [0.5, 0.8]], [[0.2, 0.5], [0.8, 0.5]]] },
  'cross': { strokes: [[[0.25, 0.25], [0.75, 0.75]], [[0.75, 0.25], [0.25, 0.75]]], ruled: true },
  'hash': { strokes: [[[0.4, 0.18], [0.36, 0.82]], [[0.64, 0.18], [0.6, 0.82]], [[0.2, 0.38], [0.8, 0.38]], [[0.2, 0.62], [0.8, 0.62]]] },
  'grid': {
    strokes: [closed(square), [[0.4167, 0.25], [0.4167, 0.75]], [[0.5833, 0.25], [0.5833, 0.75]], [[0.25, 0.4167], [0.75, 0.4167]], [[0.25, 0.5833], [0.75, 0.5833]]],
    ruled: true,
    maxThickness: 0.07,
  },
};
const SHAPE_NAMES = Object.keys(SHAPES);

const SCRIBBLES: Readonly<Record<string, (rng: Rng) => Drawing>> = {
  'random-walk': (rng) => {
    // tangled: a path of at least five times its extent (a short walk can pass for a 7, a J or a 2)
    for (;;) {
      const pts: Point[] = [[rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)]];
      let heading = rng.uniform(0, 2 * Math.PI);
      for (let i = 0, n = 10 + rng.int(7); i < n; i++) {
        heading += rng.uniform(-2.4, 2.4);
        const [x, y] = pts[pts.length - 1];
        const step = rng.uniform(0.15, 0.3);
        pts.push([reflect(x + step * Math.cos(heading)), reflect(y + step * Math.sin(heading))]);
      }
      const path = curve(pts);
      const b = strokeBounds([path]);
      if (pathLength(path) >= 5 * Math.max(b.x1 - b.x0, b.y1 - b.y0)) return { strokes: [path], maxThickness: 0.06 };
    }
  },
  'zigzag': (rng) => {
    const n = 6 + rng.int(5);
    const h = rng.uniform(0.15, 0.4);
    return { strokes: [Array.from({ length: n }, (_, i) => [0.15 + (0.7 * i) / (n - 1), 0.5 + (i % 2 ? h : -h) / 2] as const)], maxThickness: 0.05 };
  },
  'spiral': (rng) => {
    const turns = rng.uniform(2.5, 4);
    const n = Math.ceil(turns * 36);
    const dir = rng.next() < 0.5 ? 1 : -1;
    return { strokes: [Array.from({ length: n + 1 }, (_, i) => {
      const t = (i / n) * turns * 2 * Math.PI;
      const r = 0.02 + (0.33 * i) / n;
      return [0.5 + r * Math.cos(dir * t), 0.5 + r * Math.sin(dir * t)] as const;
    })], maxThickness: 0.1 / turns };
  },
  'hatching': (rng) => {
    const n = 4 + rng.int(5);
    const lines: Stroke[] = [];
    for (let i = 0; i < n; i++) {
      const x = 0.2 + (0.6 * i) / (n - 1);
      lines.push([[x, 0.2 + rng.uniform(0, 0.08)], [x, 0.8 - rng.uniform(0, 0.08)]]);
    }
    if (rng.next() < 0.4) for (let i = 0; i < n; i++) lines.push([[0.2, 0.2 + (0.6 * i) / (n - 1)], [0.8, 0.2 + (0.6 * i) / (n - 1)]]);
    return { strokes: lines, maxThickness: 0.25 / (n - 1) };
  },
  'coil': (rng) => {
    const loops = 4 + rng.int(4);
    const n = loops * 24;
    return { strokes: [Array.from({ length: n + 1 }, (_, i) => {
      const t = (i / n) * loops * 2 * Math.PI;
      return [0.15 + (0.7 * i) / n + 0.07 * Math.sin(t), 0.5 - 0.14 * Math.cos(t)] as const;
    })], maxThickness: 0.12 / loops };
  },
};
const SCRIBBLE_NAMES = Object.keys(SCRIBBLES);

export function nonDigitImages(options: NonDigitOptions): NonDigits {
  const { count, seed } = options;
  const size = options.size ?? 64;
  if (!Number.isInteger(count) || count < 0) throw new SpecError(`nonDigitImages: count must be an integer ≥ 0, got ${count}`);
  if (!Number.isInteger(size) || size < 16) throw new SpecError(`nonDigitImages: size must be an integer ≥ 16, got ${size}`);
  const root = new Rng(seed);
  const kindRng = root.fork(1);
  const sampleRng = root.fork(2);
  const out: NonDigits = { images: new Float32Array(count * 784), kinds: [], variants: [] };
  let order: Uint32Array = new Uint32Array(0);
  for (let i = 0; i < count; i++) {
    if (i % NON_DIGIT_KINDS.length === 0) order = kindRng.permutation(NON_DIGIT_KINDS.length);
    const kind = NON_DIGIT_KINDS[order[i % NON_DIGIT_KINDS.length]];
    const rng = sampleRng.fork(i);
    const { variant, pixels } = drawNonDigit(kind, rng, size);
    out.images.set(pixels, i * 784);
    out.kinds.push(kind);
    out.variants.push(`${kind}-${variant}`);
  }
  return out;
}

function drawNonDigit(kind: NonDigitKind, rng: Rng, size: number): { variant: string; pixels: Float32Array } {
  switch (kind) {
    case 'letter': {
      const name = LETTER_NAMES[rng.int(LETTER_NAMES.length)];
      return { variant: name, pixels: onPaper(drawByHand(LETTERS[name], randomPen(rng), rng, size), rng) };
    }
    case 'shape': {
      const name = SHAPE_NAMES[rng.int(SHAPE_NAMES.length)];
      return { variant: name, pixels: drawn(SHAPES[name], rng, size) };
    }
    case 'scribble': {
      const name = SCRIBBLE_NAMES[rng.int(SCRIBBLE_NAMES.length)];
      return { variant: name, pixels: drawn(SCRIBBLES[name](rng), rng, size) };
    }
    case 'dot':
      return dots(rng, size);
    case 'blank-ish':
      return blankish(rng, size);
  }
}

/** A drawing at any angle, by hand or (ruled) with a steady hand, at any thickness. */
function drawn(d: Drawing, rng: Rng, size: number): Float32Array {
  const base = randomPen(rng);
  const pen: Pen = {
    ...base,
    rotation: rng.uniform(-180, 180),
    aspect: rng.uniform(0.85, 1.15),
    slant: d.ruled ? 0 : base.slant * 0.5,
    jitter: d.ruled ? 0 : base.jitter,
    wobble: d.ruled ? 0 : base.wobble,
    overshoot: 0,
    overshootSpread: d.ruled ? 0 : 0.01,
    thickness: Math.exp(rng.uniform(Math.log(0.015), Math.log(Math.max(0.02, d.maxThickness ?? 0.1)))),
  };
  return onPaper(drawByHand(d.strokes, pen, rng, size, d.fills ?? []), rng);
}

/** One dot or blob, or a few dots scattered on the page. */
function dots(rng: Rng, size: number): { variant: string; pixels: Float32Array } {
  const variant = ['dot', 'blob', 'few-dots'][rng.int(3)];
  const strokes: Stroke[] = [];
  const fills: Stroke[] = [];
  const radius = rng.uniform(0.02, 0.08);
  if (variant === 'dot') strokes.push([[rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)]]);
  if (variant === 'blob') {
    const cx = rng.uniform(0.4, 0.6), cy = rng.uniform(0.4, 0.6), r = rng.uniform(0.05, 0.2);
    const bumps = Array.from({ length: 3 }, () => ({ k: 2 + rng.int(4), a: rng.uniform(0, 0.25), p: rng.uniform(0, 2 * Math.PI) }));
    fills.push(Array.from({ length: 36 }, (_, i) => {
      const t = (i / 36) * 2 * Math.PI;
      const rr = r * (1 + bumps.reduce((acc, b) => acc + b.a * Math.sin(b.k * t + b.p), 0));
      return [cx + rr * Math.cos(t), cy + rr * Math.sin(t)] as const;
    }));
  }
  if (variant === 'few-dots') for (let i = 0, n = 2 + rng.int(5); i < n; i++) strokes.push([[rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)]]);
  const img = renderStrokes(strokes, { size, radius, fills });
  return { variant, pixels: onPaper(degrade(img, rng, 0.7), rng) };
}

/**
 * Pages with (almost) nothing on them: faint specks, a blank page, a lone horizontal line, a
 * border inset from the edge (at the very edge it would be taken for the paper's colour).
 */
function blankish(rng: Rng, size: number): { variant: string; pixels: Float32Array } {
  // a blank page is one image whatever the seed: drawn less often than the others
  const variant = ['specks', 'specks', 'specks', 'line', 'line', 'border', 'border', 'blank'][rng.int(8)];
  const strokes: Stroke[] = [];
  let radius = rng.uniform(0.005, 0.025);
  let level = 1;
  if (variant === 'specks') {
    for (let i = 0, n = 2 + rng.int(9); i < n; i++) strokes.push([[rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95)]]);
    radius = rng.uniform(0.01, 0.025);
    level = rng.uniform(0.05, 0.6);
  }
  if (variant === 'line') {
    const y = rng.uniform(0.2, 0.8), half = rng.uniform(0.2, 0.45), tilt = rng.uniform(-0.04, 0.04);
    strokes.push([[0.5 - half, y - tilt], [0.5 + half, y + tilt]]);
  }
  if (variant === 'border') {
    const m = rng.uniform(0.04, 0.12);
    strokes.push(closed([[m, m], [1 - m, m], [1 - m, 1 - m], [m, 1 - m]]));
  }
  const img = renderStrokes(strokes, { size, radius });
  for (let i = 0; i < img.data.length; i++) img.data[i] *= level;
  return { variant, pixels: onPaper(img, rng, true) };
}

function pathLength(s: Stroke): number {
  let length = 0;
  for (let i = 0; i + 1 < s.length; i++) length += Math.hypot(s[i + 1][0] - s[i][0], s[i + 1][1] - s[i][1]);
  return length;
}

/** Folds a coordinate back into [0.15, 0.85]. */
function reflect(v: number): number {
  if (v < 0.15) return 0.3 - v;
  if (v > 0.85) return 1.7 - v;
  return v;
}
