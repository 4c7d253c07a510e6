/**
 * Synthetic handwritten digits that are not MNIST: digits written by simulated writers from pen
 * stroke templates, to check how well a model reads handwriting it was not trained on. Each digit
 * has several styles (1 as a bare bar, with a flag, with a base; 7 with and without a crossbar; 4
 * open and closed; …). A writer prefers one style per digit and has a slant, rotation, aspect,
 * proportions (a big top or bottom, a wide top or base), pen thickness, shakiness and a habit of
 * overshooting or leaving gaps; each sample varies around the writer's habits. The strokes are
 * rendered on a size×size canvas (strokes.ts), sometimes binarised, seen at low resolution or
 * blurred, on light or dark paper, then preprocessed exactly as a user's image is
 * (preprocessDigit). Deterministic: the same options give the same bytes, and a smaller count
 * gives a prefix of a larger one. Each sample draws from its own fork of the seed's generator.
 *
 * It is a test set, not training data: nothing here tries to match MNIST's statistics.
 */
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';
import { preprocessDigit } from './preprocess.js';
import {
  arc,
  binarizeImage,
  blurImage,
  curve,
  densify,
  ellipse,
  fitToSquare,
  lowResolution,
  renderStrokes,
  strokeBounds,
  type InkImage,
  type Point,
  type Stroke,
} from './strokes.js';

export interface SyntheticDigitsOptions {
  count: number;
  seed: number;
  /** Side in pixels of the canvas the strokes are drawn on before preprocessing. Default 64. */
  size?: number;
  /** How many simulated writers share the samples. Default 40. */
  writers?: number;
}

export interface SyntheticDigits {
  /** [count, 28, 28] preprocessed as preprocessDigit does: 0..1, ink = 1 */
  images: Float32Array;
  /** [count] the digit each sample shows; balanced: every run of ten holds each digit once */
  labels: Uint8Array;
  /** [count] the simulated writer of each sample, 0..writers-1 */
  writers: Uint16Array;
  /** [count] the stroke template each sample was written from, e.g. '7-crossbar' */
  styles: string[];
}

interface Template {
  name: string;
  strokes: Stroke[];
  /** the thickest pen (brush radius over the glyph's size) that leaves its loops open */
  maxThickness: number;
  /**
   * how far it already leans right, in degrees, counted against the lean limit: a 7's stem; or
   * how much less lean it bears (a 1's flag, laid flat by a strong lean, turns it into a 7)
   */
  lean?: number;
}

const join = (...parts: Stroke[]): Stroke => parts.flatMap((p, i) => (i === 0 ? [...p] : p.slice(1)));

/** Strokes on the unit square, the digit standing in about [0.25, 0.75] × [0.13, 0.87]. */
const TEMPLATES: readonly (readonly Template[])[] = [
  [
    { name: '0-oval', maxThickness: 0.15, strokes: [ellipse(0.5, 0.5, 0.22, 0.35)] },
    { name: '0-round', maxThickness: 0.16, strokes: [arc(0.5, 0.5, 0.28, 0.33, 10, -355)] },
    { name: '0-narrow', maxThickness: 0.11, strokes: [arc(0.5, 0.5, 0.13, 0.36, 15, -350)] },
  ],
  [
    { name: '1-bar', maxThickness: 0.19, strokes: [[[0.5, 0.13], [0.5, 0.87]]] },
    { name: '1-flag', maxThickness: 0.17, lean: 15, strokes: [[[0.42, 0.26], [0.53, 0.13], [0.53, 0.87]]] },
    { name: '1-flag-base', maxThickness: 0.15, strokes: [[[0.41, 0.27], [0.53, 0.13], [0.53, 0.86]], [[0.36, 0.87], [0.7, 0.87]]] },
  ],
  [
    {
      name: '2-plain',
      maxThickness: 0.14,
      strokes: [join(curve([[0.3, 0.3], [0.4, 0.17], [0.55, 0.14], [0.68, 0.22], [0.69, 0.37], [0.58, 0.53], [0.44, 0.68], [0.29, 0.86]]), [[0.29, 0.86], [0.75, 0.86]])],
    },
    {
      name: '2-loop',
      maxThickness: 0.07,
      strokes: [
        join(
          curve([[0.3, 0.3], [0.4, 0.17], [0.55, 0.14], [0.68, 0.22], [0.69, 0.37], [0.6, 0.52], [0.39, 0.79]]),
          arc(0.34, 0.83, 0.06, 0.05, 140, 450),
          curve([[0.4, 0.83], [0.48, 0.87], [0.62, 0.86], [0.76, 0.84]]),
        ),
      ],
    },
    {
      name: '2-angular',
      maxThickness: 0.14,
      strokes: [join(curve([[0.3, 0.27], [0.42, 0.15], [0.58, 0.14], [0.68, 0.24], [0.66, 0.38]]), [[0.66, 0.38], [0.28, 0.86], [0.75, 0.86]])],
    },
  ],
  [
    {
      name: '3-round',
      maxThickness: 0.12,
      strokes: [join(curve([[0.3, 0.2], [0.5, 0.13], [0.67, 0.22], [0.65, 0.38], [0.46, 0.48]]), curve([[0.46, 0.48], [0.67, 0.57], [0.7, 0.74], [0.53, 0.87], [0.3, 0.8]]))],
    },
    { name: '3-flat-top', maxThickness: 0.12, strokes: [join([[0.3, 0.14], [0.68, 0.14], [0.46, 0.42]], curve([[0.46, 0.42], [0.66, 0.51], [0.71, 0.7], [0.56, 0.86], [0.3, 0.82]]))] },
    {
      name: '3-small-top',
      maxThickness: 0.11,
      strokes: [join(curve([[0.35, 0.2], [0.48, 0.13], [0.62, 0.19], [0.6, 0.32], [0.47, 0.41]]), curve([[0.47, 0.41], [0.69, 0.53], [0.72, 0.72], [0.55, 0.87], [0.28, 0.81]]))],
    },
  ],
  [
    { name: '4-closed', maxThickness: 0.09, strokes: [[[0.6, 0.87], [0.6, 0.13], [0.26, 0.62], [0.77, 0.62]]] },
    { name: '4-open', maxThickness: 0.14, strokes: [[[0.34, 0.13], [0.29, 0.6], [0.77, 0.6]], [[0.63, 0.17], [0.63, 0.87]]] },
    { name: '4-open-slanted', maxThickness: 0.13, strokes: [[[0.44, 0.13], [0.26, 0.62], [0.78, 0.62]], [[0.65, 0.27], [0.61, 0.87]]] },
  ],
  [
    { name: '5-one-stroke', maxThickness: 0.12, strokes: [join([[0.7, 0.15], [0.36, 0.15], [0.33, 0.46]], curve([[0.33, 0.46], [0.52, 0.41], [0.68, 0.52], [0.7, 0.7], [0.56, 0.84], [0.3, 0.8]]))] },
    {
      name: '5-two-stroke',
      maxThickness: 0.12,
      strokes: [join([[0.36, 0.15], [0.33, 0.46]], curve([[0.33, 0.46], [0.52, 0.41], [0.68, 0.52], [0.7, 0.7], [0.56, 0.84], [0.3, 0.8]])), [[0.37, 0.15], [0.7, 0.14]]],
    },
    {
      name: '5-round-belly',
      maxThickness: 0.12,
      strokes: [join([[0.38, 0.14], [0.35, 0.44]], curve([[0.35, 0.44], [0.5, 0.39], [0.69, 0.47], [0.73, 0.67], [0.6, 0.84], [0.42, 0.87], [0.28, 0.79]])), [[0.38, 0.14], [0.72, 0.14]]],
    },
  ],
  [
    { name: '6-curved', maxThickness: 0.1, strokes: [curve([[0.64, 0.14], [0.44, 0.29], [0.33, 0.56], [0.36, 0.78], [0.52, 0.87], [0.66, 0.77], [0.66, 0.61], [0.5, 0.53], [0.34, 0.63]])] },
    { name: '6-straight', maxThickness: 0.1, strokes: [join([[0.6, 0.12], [0.35, 0.63]], arc(0.5, 0.69, 0.16, 0.18, 290, -50))] },
    { name: '6-sweep', maxThickness: 0.1, strokes: [curve([[0.7, 0.15], [0.52, 0.18], [0.38, 0.34], [0.32, 0.6], [0.38, 0.8], [0.52, 0.87], [0.65, 0.79], [0.65, 0.64], [0.52, 0.58], [0.37, 0.65]])] },
  ],
  [
    { name: '7-plain', maxThickness: 0.16, lean: 21, strokes: [[[0.23, 0.17], [0.74, 0.17], [0.47, 0.87]]] },
    { name: '7-crossbar', maxThickness: 0.13, lean: 21, strokes: [[[0.23, 0.17], [0.74, 0.17], [0.47, 0.87]], [[0.45, 0.52], [0.74, 0.52]]] },
    { name: '7-hooked', maxThickness: 0.15, lean: 18, strokes: [join([[0.28, 0.27], [0.29, 0.17], [0.72, 0.16]], curve([[0.72, 0.16], [0.6, 0.4], [0.52, 0.63], [0.49, 0.87]]))] },
  ],
  [
    { name: '8-two-loops', maxThickness: 0.09, strokes: [ellipse(0.5, 0.31, 0.15, 0.17), ellipse(0.5, 0.66, 0.19, 0.2)] },
    {
      name: '8-s-stroke',
      maxThickness: 0.09,
      strokes: [curve([[0.64, 0.21], [0.5, 0.13], [0.35, 0.2], [0.37, 0.36], [0.62, 0.58], [0.67, 0.76], [0.5, 0.87], [0.33, 0.76], [0.37, 0.59], [0.62, 0.37], [0.65, 0.22]], 10)],
    },
    { name: '8-figure', maxThickness: 0.09, strokes: [figureEight()] },
  ],
  [
    { name: '9-straight', maxThickness: 0.1, strokes: [ellipse(0.5, 0.31, 0.17, 0.18), [[0.67, 0.3], [0.66, 0.87]]] },
    { name: '9-curved', maxThickness: 0.1, strokes: [ellipse(0.5, 0.33, 0.17, 0.18), curve([[0.67, 0.33], [0.66, 0.6], [0.6, 0.8], [0.48, 0.87]])] },
    { name: '9-one-stroke', maxThickness: 0.1, strokes: [join(arc(0.5, 0.32, 0.17, 0.18, 90, -270), [[0.67, 0.32], [0.66, 0.87]])] },
  ],
];

/** Every style name, by digit. */
export const DIGIT_STYLES: readonly (readonly string[])[] = TEMPLATES.map((ts) => ts.map((t) => t.name));

/** One continuous figure eight, drawn from the top: a smaller upper loop over a larger lower one. */
function figureEight(): Stroke {
  return Array.from({ length: 73 }, (_, i) => {
    const t = (i / 72) * 2 * Math.PI;
    const lower = Math.cos(t) < 0;
    const y = 0.5 - Math.cos(t) * (lower ? 0.38 : 0.34) + 0.02;
    return [0.5 + Math.sin(2 * t) * (lower ? 0.22 : 0.17), y] as const;
  });
}

/** A writer's habits; each sample varies around them. */
interface Writer {
  slant: number;
  rotation: number;
  aspect: number;
  midline: number;
  taper: number;
  thickness: number;
  wobble: number;
  jitter: number;
  overshoot: number;
  style: number[];
  loyalty: number;
}

function makeWriter(rng: Rng): Writer {
  return {
    slant: clamp(0.12 + 0.13 * rng.normal(), -0.25, 0.45),
    rotation: rng.uniform(-8, 8),
    aspect: Math.exp(0.18 * rng.normal()),
    midline: clamp(0.03 * rng.normal(), -0.06, 0.06),
    taper: rng.uniform(-0.2, 0.2),
    // brush radius over the glyph's size: 0.015 is a fine pen, 0.16 a marker
    thickness: Math.exp(rng.uniform(Math.log(0.016), Math.log(0.16))),
    wobble: rng.uniform(0, 0.022),
    jitter: rng.uniform(0, 0.009),
    overshoot: rng.uniform(-0.04, 0.05),
    style: TEMPLATES.map((ts) => rng.int(ts.length)),
    loyalty: rng.uniform(0.6, 0.95),
  };
}

export function syntheticDigits(options: SyntheticDigitsOptions): SyntheticDigits {
  const { count, seed } = options;
  const size = options.size ?? 64;
  const writerCount = options.writers ?? 40;
  if (!Number.isInteger(count) || count < 0) throw new SpecError(`syntheticDigits: count must be an integer ≥ 0, got ${count}`);
  if (!Number.isInteger(size) || size < 16) throw new SpecError(`syntheticDigits: size must be an integer ≥ 16, got ${size}`);
  if (!Number.isInteger(writerCount) || writerCount < 1 || writerCount > 65535) {
    throw new SpecError(`syntheticDigits: writers must be an integer in 1..65535, got ${writerCount}`);
  }
  const root = new Rng(seed);
  const writerRng = root.fork(1);
  const labelRng = root.fork(2);
  const sampleRng = root.fork(3);
  const writers = Array.from({ length: writerCount }, () => makeWriter(writerRng));

  const out: SyntheticDigits = { images: new Float32Array(count * 784), labels: new Uint8Array(count), writers: new Uint16Array(count), styles: [] };
  let order: Uint32Array = new Uint32Array(0);
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) order = labelRng.permutation(10);
    const digit = order[i % 10];
    const rng = sampleRng.fork(i);
    const w = rng.int(writerCount);
    const writer = writers[w];
    const templates = TEMPLATES[digit];
    const template = rng.next() < writer.loyalty ? templates[writer.style[digit]] : templates[rng.int(templates.length)];
    const ink = drawByHand(template.strokes, penFor(writer, rng, template), rng, size);
    out.images.set(onPaper(ink, rng), i * 784);
    out.labels[i] = digit;
    out.writers[i] = w;
    out.styles.push(template.name);
  }
  return out;
}

/** How one sample is written: a writer's habits with this sample's variation. */
export interface Pen {
  /** shear: the top of the glyph moves right by slant × its height */
  slant: number;
  /** degrees, clockwise */
  rotation: number;
  /** width multiplier */
  aspect: number;
  /** how far the glyph's middle moves down (> 0: a big top, small bottom), in glyph heights */
  midline: number;
  /** how much wider the top is than the bottom (< 0: narrower), as a fraction of the width */
  taper: number;
  /** brush radius over the glyph's size: 0.015 is a fine pen, 0.15 a marker */
  thickness: number;
  /** amplitude of a smooth bend of the whole glyph, in glyph sizes */
  wobble: number;
  /** amplitude of per-point shake */
  jitter: number;
  /** how far each stroke end runs on (> 0) or stops short (< 0), on average, and the spread about it */
  overshoot: number;
  overshootSpread: number;
  /** the fraction of the canvas the glyph spans (small glyphs suffer more from low resolution) */
  extent: number;
}

/**
 * This writer's pen for one sample: rotation within ±15°; slant and rotation together lean the
 * glyph at most 30°, less for a template with `lean` (limit 30° − (lean − 5°): a 7's stem, already
 * leaning 21°, reads as a > past 35°); never thicker than the template's loops allow.
 */
function penFor(writer: Writer, rng: Rng, limits: { maxThickness: number; lean?: number } = { maxThickness: 0.19 }): Pen {
  const slant = clamp(writer.slant + 0.07 * rng.normal(), -0.35, 0.55);
  const lean = (Math.atan(slant) * 180) / Math.PI + Math.max(0, (limits.lean ?? 0) - 5);
  return {
    slant,
    rotation: clamp(writer.rotation + rng.uniform(-10, 10), Math.max(-15, -30 - lean), Math.min(15, 30 - lean)),
    aspect: clamp(writer.aspect * Math.exp(0.08 * rng.normal()), 0.7, 1.45),
    midline: clamp(writer.midline + 0.015 * rng.normal(), -0.08, 0.08),
    taper: clamp(writer.taper + 0.06 * rng.normal(), -0.25, 0.25),
    thickness: clamp(writer.thickness * Math.exp(0.15 * rng.normal()), 0.014, limits.maxThickness),
    wobble: writer.wobble * rng.uniform(0.5, 1.5),
    jitter: writer.jitter * rng.uniform(0.5, 1.5),
    overshoot: writer.overshoot,
    overshootSpread: 0.015,
    extent: rng.uniform(0.4, 0.9),
  };
}

/** The pen of a writer met once: for things other than digits written by hand. */
export function randomPen(rng: Rng): Pen {
  return penFor(makeWriter(rng), rng);
}

/**
 * Strokes (and filled polygons) on the unit square as this pen draws them on a size×size canvas:
 * stroke ends run on or stop short, points shake, the glyph bends, is sheared, rotated, stretched,
 * fitted to `pen.extent` of the canvas, rendered, and sometimes degraded (see degrade).
 */
export function drawByHand(strokes: readonly Stroke[], pen: Pen, rng: Rng, size: number, fills: readonly Stroke[] = []): InkImage {
  let lines = strokes.map((s) => densify(s, 0.01));
  lines = lines.map((s) => editEnds(s, pen.overshoot + pen.overshootSpread * rng.normal(), pen.overshoot + pen.overshootSpread * rng.normal()));
  lines = lines.map((s) => shake(s, pen.jitter, rng));
  // the bend is measured against the glyph's narrow side: a bent bar is a ), a narrow 0 bent flat a D
  const b = strokeBounds([...strokes, ...fills]);
  const narrow = clamp(Math.min(b.x1 - b.x0, b.y1 - b.y0) / 0.5, 0.3, 1);
  const all = wobble([...lines, ...fills.map((f) => densify(f, 0.02))], pen.wobble * narrow, rng);
  const rot = (pen.rotation * Math.PI) / 180;
  const cos = Math.cos(rot), sin = Math.sin(rot);
  const moved = all.map((s) =>
    s.map(([x0, y0]) => {
      // proportions first (on the template's square, the glyph spanning about 0.1..0.9), then the affine
      const y = y0 + pen.midline * Math.sin(Math.PI * clamp((y0 - 0.1) / 0.8, 0, 1));
      const x = 0.5 + (x0 - 0.5) * (1 + pen.taper * (0.5 - y0) * 2);
      const u = (x - 0.5) * pen.aspect + pen.slant * (0.5 - y);
      const v = y - 0.5;
      return [0.5 + cos * u - sin * v, 0.5 + sin * u + cos * v] as const;
    }),
  );
  const radius = (pen.thickness * pen.extent) / (1 + 2 * pen.thickness);
  const fitted = fitToSquare(moved, pen.extent, radius).strokes;
  // one stroke in five pressed a little harder or lighter than the others
  const radii = lines.map(() => radius * (rng.next() < 0.2 ? rng.uniform(0.7, 1.3) : 1));
  const img = renderStrokes(fitted.slice(0, lines.length), { size, radius, radii, fills: fitted.slice(lines.length) });
  return degrade(img, rng, pen.extent);
}

/**
 * Binarisation, low resolution and blur, each sometimes, in the order a 1-bit drawing pad, a
 * thumbnail and a camera would apply them: the ways a clean pen line gets spoilt. Binarising the
 * clean line keeps it whole; binarising after low resolution would break a thin stroke into dots,
 * and a digit in pieces is no longer a fair test item. `extent` is the fraction of the canvas the
 * glyph spans, so that the spoiling is measured against the glyph (a low-resolution glyph is 9 to
 * 18 pixels tall). Shared with non-digits.ts, so both sets are spoiled alike.
 */
export function degrade(img: InkImage, rng: Rng, extent: number): InkImage {
  const size = img.width;
  let out = img;
  if (rng.next() < 0.2) {
    let peak = 0;
    for (const v of out.data) peak = Math.max(peak, v);
    out = binarizeImage(out, peak * rng.uniform(0.3, 0.5));
  }
  if (rng.next() < 0.25) out = lowResolution(out, Math.min(size, Math.round(rng.uniform(9, 18) / extent)));
  if (rng.next() < 0.3) out = blurImage(out, rng.uniform(0.5, 0.035 * extent * size));
  return out;
}

/**
 * The ink laid on light paper (dark ink) or dark paper (light ink) with a little sensor noise, and
 * preprocessed as a user's image is. Ink that blurring or low resolution left fainter than half
 * its pen's strength is brought back up to half, as a camera's exposure would (otherwise a thin
 * blurred stroke can fall below preprocessDigit's minimum contrast and vanish), unless
 * `keepLevel` asks for faint ink on purpose. The noise is a few percent of the ink's contrast, below
 * preprocessDigit's threshold, so that it never widens the crop. An image with no ink that
 * preprocessDigit can find comes back as preprocessDigit returns it: all zeros.
 */
export function onPaper(img: InkImage, rng: Rng, keepLevel = false): Float32Array {
  const dark = rng.next() < 0.4;
  const paper = dark ? rng.uniform(0.75, 1) : rng.uniform(0, 0.15);
  const pen = dark ? rng.uniform(0, 0.3) : rng.uniform(0.65, 1);
  let peak = 0;
  for (const v of img.data) peak = Math.max(peak, v);
  const gain = !keepLevel && peak > 0 && peak < 0.5 ? 0.5 / peak : 1;
  const noise = rng.uniform(0, 0.018) * Math.abs(pen - paper) * peak * gain;
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = clamp(paper + (pen - paper) * gain * img.data[i] + noise * rng.normal(), 0, 1);
  return preprocessDigit({ width: img.width, height: img.height, data }, { range: '0..1' }).pixels;
}

/**
 * Each end of the stroke extended along its direction (amount > 0: the pen overshoots) or cut
 * back (amount < 0: a gap where strokes should meet), by `amount` in unit-square lengths. Cuts
 * are kept small against the stroke (a tenth of its length at most; less for a closed loop,
 * which a wide gap would turn into another digit: an 8's open loop reads as a 5 or a 6).
 */
function editEnds(s: Stroke, start: number, end: number): Stroke {
  if (s.length < 3) return s;
  let length = 0;
  for (let i = 0; i + 1 < s.length; i++) length += Math.hypot(s[i + 1][0] - s[i][0], s[i + 1][1] - s[i][1]);
  const [first, last] = [s[0], s[s.length - 1]];
  const loop = Math.hypot(first[0] - last[0], first[1] - last[1]) < 0.02;
  const maxCut = Math.min(loop ? 0.015 : 0.04, length / 10);
  const edit = (p: Point[], amount: number): Point[] => {
    if (amount >= 0) {
      // run on along the direction the stroke ends in
      const [a, b] = [p[0], p[Math.min(2, p.length - 1)]];
      const len = Math.hypot(a[0] - b[0], a[1] - b[1]) || 1;
      const run = Math.min(0.06, amount);
      return [[a[0] + ((a[0] - b[0]) / len) * run, a[1] + ((a[1] - b[1]) / len) * run], ...p];
    }
    // stop short: drop points from the front until the cut's length is gone
    let left = Math.min(maxCut, -amount);
    let k = 0;
    while (k < p.length - 3 && left > 0) {
      left -= Math.hypot(p[k + 1][0] - p[k][0], p[k + 1][1] - p[k][1]);
      k++;
    }
    return p.slice(k);
  };
  return edit(edit(s.slice(), start).reverse(), end).reverse();
}

/** Per-point noise, smoothed over neighbours: an unsteady hand. */
function shake(s: Stroke, amount: number, rng: Rng): Stroke {
  if (amount === 0) return s;
  const noise = s.map(() => [rng.normal() * amount, rng.normal() * amount] as const);
  return s.map(([x, y], i) => {
    const a = noise[Math.max(0, i - 1)], b = noise[i], c = noise[Math.min(s.length - 1, i + 1)];
    return [x + (a[0] + 2 * b[0] + c[0]) / 4, y + (a[1] + 2 * b[1] + c[1]) / 4] as const;
  });
}

/** A smooth random displacement of the whole glyph (two waves per axis): strokes that bend a little. */
function wobble(strokes: Stroke[], amount: number, rng: Rng): Stroke[] {
  const waves = Array.from({ length: 4 }, () => ({ fx: rng.uniform(-1.5, 1.5), fy: rng.uniform(-1.5, 1.5), phase: rng.uniform(0, 2 * Math.PI) }));
  const field = (k: number, x: number, y: number) => {
    const w = waves[k];
    return amount * Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase);
  };
  return strokes.map((s) => s.map(([x, y]) => [x + field(0, x, y) + field(1, x, y) / 2, y + field(2, x, y) + field(3, x, y) / 2] as const));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
