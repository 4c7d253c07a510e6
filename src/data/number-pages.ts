/**
 * Photo-like pages of handwritten numbers, a test set for reading whole numbers (read-digits.ts):
 * 2 to 8 digits, taken from the MNIST *test* split (the caller passes that split; nothing here
 * loads data) or written by one simulated writer per page (synthetic-digits.ts), set side by side
 * with varying gaps — on "touching" pages some neighbours touch or overlap — then laid on paper
 * as a camera sees it: scaled, rotated up to ±5°, lit unevenly (a gradient and a vignette), with
 * paper texture, sensor noise, blur, a few specks, dark ink on light paper or light on dark, in
 * grey or in colour. Each page records its true text, each digit's box in page pixels and which
 * neighbours touch. JPEG compression is only chosen here (`jpegQuality`): the codec needs Node's
 * Buffer, so node-number-pages.ts applies it.
 *
 * Deterministic: page i depends only on the options' seed and i (its own fork of the generator),
 * so a smaller count gives a prefix of a larger one. It is a test set, not training data.
 */
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';
import type { Split } from './dataset.js';
import { syntheticDigits } from './synthetic-digits.js';
import { blurImage } from './strokes.js';

export type NumberSource = 'mnist' | 'synthetic';

/** An RGBA image: [height, width, 4] row-major, alpha 255. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

export interface NumberPageOptions {
  seed: number;
  source: NumberSource;
  /** The MNIST test split, for source 'mnist'. Never pass the training split: these pages test. */
  mnistTest?: Pick<Split, 'images' | 'labels' | 'n'>;
  /** Every page has at least one pair of neighbours whose ink touches or overlaps. Default false. */
  touching?: boolean;
  /** Digits per number, inclusive. Default 2..8. */
  minDigits?: number;
  maxDigits?: number;
  /**
   * false: a clean scan instead of a photo: no rotation, blur, uneven light, texture, noise,
   * specks or JPEG (the same numbers, glyphs, gaps, scale and colours). Default true.
   */
  photo?: boolean;
}

export interface NumberPage {
  index: number;
  /** The number written, e.g. '2026'. */
  text: string;
  image: RgbaImage;
  /** Each digit's ink box [x, y, width, height] in page pixels, left to right. */
  boxes: [number, number, number, number][];
  /** touches[k]: digit k's ink touches or overlaps digit k + 1's. */
  touches: boolean[];
  /** gaps[k]: the least horizontal distance between the inks of digits k and k + 1, over a digit's height (< 0: they overlap by that much) */
  gaps: number[];
  source: NumberSource;
  /** MNIST test index of each digit (source 'mnist'), or -1. */
  mnistIndex: number[];
  /** Degrees, clockwise. */
  angle: number;
  /** A digit's height in page pixels (about). */
  digitHeight: number;
  polarity: 'dark-ink' | 'light-ink';
  colour: boolean;
  /** The JPEG quality the page should be stored at (node-number-pages.ts), or null for a lossless page. */
  jpegQuality: number | null;
}

/** Side of the 28×28 glyphs' 20×20 box: the height of most digits on the composing canvas. */
const GLYPH = 20;

/** Page `index` of the set described by `options`. */
export function numberPage(options: NumberPageOptions, index: number): NumberPage {
  const minDigits = options.minDigits ?? 2;
  const maxDigits = options.maxDigits ?? 8;
  if (!Number.isInteger(index) || index < 0) throw new SpecError(`numberPage: index must be an integer ≥ 0, got ${index}`);
  if (!Number.isInteger(minDigits) || !Number.isInteger(maxDigits) || minDigits < 1 || maxDigits < minDigits || maxDigits > 20) {
    throw new SpecError(`numberPage: digits per number must be integers with 1 ≤ minDigits ≤ maxDigits ≤ 20, got ${minDigits}..${maxDigits}`);
  }
  if (options.source !== 'mnist' && options.source !== 'synthetic') {
    throw new SpecError(`numberPage: source must be 'mnist' or 'synthetic', got ${String(options.source)}`);
  }
  const split = options.mnistTest;
  if (options.source === 'mnist' && (!split || split.n < 1 || split.images.length !== split.n * 784)) {
    throw new SpecError("numberPage: source 'mnist' needs mnistTest, the MNIST test split (images [n,28,28], labels [n])");
  }
  // each kind of page its own stream, so the MNIST, generated, separated and touching sets differ
  const kind = (options.source === 'mnist' ? 0 : 1) + (options.touching ? 2 : 0);
  const rng = new Rng(options.seed).fork(4 * index + kind);
  const L = minDigits + rng.int(maxDigits - minDigits + 1);
  const digits = Array.from({ length: L }, (_, k) => (k === 0 && L > 1 ? 1 + rng.int(9) : rng.int(10)));

  // glyphs: 28×28 ink maps in 0..1, cropped to their ink
  const mnistIndex: number[] = [];
  let glyphs: Glyph[];
  if (options.source === 'mnist' && split) {
    glyphs = digits.map((d) => {
      // a random test image of digit d: start anywhere, walk to the next one with that label
      let i = rng.int(split.n);
      for (let step = 0; step < split.n && split.labels[i] !== d; step++) i = (i + 1) % split.n;
      if (split.labels[i] !== d) throw new SpecError(`numberPage: the MNIST split holds no digit ${d}`);
      mnistIndex.push(i);
      const ink = new Float32Array(784);
      for (let p = 0; p < 784; p++) ink[p] = split.images[i * 784 + p] / 255;
      return cropGlyph(ink);
    });
  } else {
    // one writer per page, as one person writes a number; each digit appears twice in 20 samples
    const written = syntheticDigits({ count: 20, seed: rng.nextUint32(), writers: 1 });
    const used = new Set<number>();
    glyphs = digits.map((d) => {
      mnistIndex.push(-1);
      const candidates = [...written.labels.keys()].filter((i) => written.labels[i] === d);
      const pick = candidates.find((i) => !used.has(i)) ?? candidates[0];
      used.add(pick);
      return cropGlyph(written.images.subarray(pick * 784, (pick + 1) * 784));
    });
  }

  // set the glyphs side by side on a canvas in glyph pixels
  const touches = digits.slice(1).map(() => false);
  if (options.touching && L > 1) {
    for (let k = 0; k < touches.length; k++) touches[k] = rng.next() < 0.5;
    touches[rng.int(touches.length)] = true;
  }
  const pad = 6;
  const ys = glyphs.map((g) => pad + 4 + (GLYPH - g.height) / 2 + rng.uniform(-1.5, 1.5));
  const xs: number[] = [pad];
  const gaps: number[] = [];
  for (let k = 1; k < L; k++) {
    // ink distance: the least horizontal gap between the two glyphs over the rows they share
    const want = touches[k - 1] ? rng.uniform(-1.6, -0.3) : rng.uniform(2.5, 9);
    gaps.push(want / GLYPH);
    xs.push(xs[k - 1] + want + inkReach(glyphs[k - 1], glyphs[k], ys[k] - ys[k - 1]));
  }
  const cw = Math.ceil(Math.max(...glyphs.map((g, k) => xs[k] + g.width)) + pad);
  const ch = Math.ceil(Math.max(...glyphs.map((g, k) => ys[k] + g.height)) + pad);
  const canvas = new Float32Array(cw * ch);
  glyphs.forEach((g, k) => paste(canvas, cw, ch, g, xs[k], ys[k]));

  // the page: canvas → page pixels by scale s and rotation θ about the centres
  const digitHeight = rng.uniform(22, 80);
  const s = digitHeight / GLYPH;
  const photo = options.photo ?? true;
  const angle = photo ? rng.uniform(-5, 5) : (rng.next(), 0);
  const th = (angle * Math.PI) / 180;
  const cos = Math.cos(th), sin = Math.sin(th);
  const rw = Math.abs(cw * cos) + Math.abs(ch * sin), rh = Math.abs(cw * sin) + Math.abs(ch * cos);
  const W = Math.round(s * rw + digitHeight * rng.uniform(0.4, 2.5) * 2);
  const H = Math.round(s * rh + digitHeight * rng.uniform(0.4, 2) * 2);
  const pcx = W / 2 + rng.uniform(-0.2, 0.2) * (W - s * rw), pcy = H / 2 + rng.uniform(-0.2, 0.2) * (H - s * rh);
  const toPage = (x: number, y: number): [number, number] => {
    const u = (x - cw / 2) * s, v = (y - ch / 2) * s;
    return [pcx + cos * u - sin * v, pcy + sin * u + cos * v];
  };
  let ink: Float32Array = new Float32Array(W * H);
  for (let py = 0; py < H; py++) {
    for (let px = 0; px < W; px++) {
      const u = px + 0.5 - pcx, v = py + 0.5 - pcy;
      ink[py * W + px] = sample(canvas, cw, ch, (cos * u + sin * v) / s + cw / 2 - 0.5, (-sin * u + cos * v) / s + ch / 2 - 0.5);
    }
  }
  const boxes = glyphs.map((g, k) => {
    const corners = [toPage(xs[k], ys[k]), toPage(xs[k] + g.width, ys[k]), toPage(xs[k], ys[k] + g.height), toPage(xs[k] + g.width, ys[k] + g.height)];
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
    const x1 = Math.min(W, Math.ceil(Math.max(...corners.map((c) => c[0]))));
    const y1 = Math.min(H, Math.ceil(Math.max(...corners.map((c) => c[1]))));
    return [x0, y0, x1 - x0, y1 - y0] as [number, number, number, number];
  });

  // specks of dust and ink, kept away from the digits so the true boxes stay true
  const specks = photo ? rng.int(7) : (rng.next(), 0);
  for (let n = 0; n < specks; n++) {
    const r = rng.uniform(0.5, 1.6), cx = rng.uniform(0, W), cy = rng.uniform(0, H), strength = rng.uniform(0.4, 1);
    const near = boxes.some(([x, y, w, h]) => cx > x - 0.3 * digitHeight && cx < x + w + 0.3 * digitHeight && cy > y - 0.3 * digitHeight && cy < y + h + 0.3 * digitHeight);
    if (near) continue;
    for (let y = Math.max(0, Math.floor(cy - r - 1)); y < Math.min(H, cy + r + 1); y++) {
      for (let x = Math.max(0, Math.floor(cx - r - 1)); x < Math.min(W, cx + r + 1); x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        ink[y * W + x] = Math.max(ink[y * W + x], strength * clamp(r - d + 0.5, 0, 1));
      }
    }
  }
  // a soft lens: blur of up to about a stroke's width
  const blurDraw = rng.next() < 0.6 ? rng.uniform(0.5, Math.max(0.6, 0.035 * digitHeight)) : 0;
  const blur = photo ? blurDraw : 0;
  if (blur >= 0.5) ink = blurImage({ width: W, height: H, data: ink }, blur).data;

  // light: a gradient in a random direction and a vignette; paper: brightness, texture, noise
  const polarity: NumberPage['polarity'] = rng.next() < 0.25 ? 'light-ink' : 'dark-ink';
  const colour = rng.next() < 0.4;
  const dark = polarity === 'dark-ink';
  const paper = dark ? rng.uniform(0.7, 0.97) : rng.uniform(0.05, 0.3);
  const pen = dark ? rng.uniform(0.02, 0.3) * paper : rng.uniform(0.7, 1);
  const paperTint = colour ? tint(rng, 0.08) : [1, 1, 1];
  const penTint = colour ? tint(rng, dark ? 0.6 : 0.15) : [1, 1, 1];
  const effect = photo ? 1 : 0;
  const gradient = effect * rng.uniform(0, 0.45), gAngle = rng.uniform(0, 2 * Math.PI);
  const vignette = effect * rng.uniform(0, 0.35);
  const texture = effect * rng.uniform(0, 0.03), noise = effect * rng.uniform(0.003, 0.03);
  // texture: a few oblique waves, sin(ax + by + φ) = sin(ax)cos(by + φ) + cos(ax)sin(by + φ)
  const waves = Array.from({ length: 4 }, () => {
    const fx = rng.uniform(1, 8) / W, fy = rng.uniform(1, 8) / H, phase = rng.uniform(0, 2 * Math.PI), amp = rng.uniform(0.3, 1);
    const sx = Float32Array.from({ length: W }, (_, x) => amp * Math.sin(2 * Math.PI * fx * x));
    const cx = Float32Array.from({ length: W }, (_, x) => amp * Math.cos(2 * Math.PI * fx * x));
    const sy = Float32Array.from({ length: H }, (_, y) => Math.sin(2 * Math.PI * fy * y + phase));
    const cy = Float32Array.from({ length: H }, (_, y) => Math.cos(2 * Math.PI * fy * y + phase));
    return { sx, cx, sy, cy };
  });
  const gx = Math.cos(gAngle), gy = Math.sin(gAngle), gSpan = Math.abs(gx) * W + Math.abs(gy) * H;
  const data = new Uint8ClampedArray(W * H * 4);
  const paperRgb = paperTint.map((t) => paper * t), penRgb = penTint.map((t) => pen * t);
  for (let y = 0; y < H; y++) {
    const ry = ((y - H / 2) / H) ** 2;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const t = ((x - W / 2) * gx + (y - H / 2) * gy) / gSpan + 0.5;
      const light = (1 - gradient * t) * (1 - vignette * (((x - W / 2) / W) ** 2 + ry) * 2);
      let tex = 0;
      for (const w of waves) tex += w.sx[x] * w.cy[y] + w.cx[x] * w.sy[y];
      const grain = 1 + (texture * tex) / 2;
      const a = ink[i];
      const n = photo ? noise * rng.normal() : 0;
      for (let c = 0; c < 3; c++) {
        const reflect = paperRgb[c] * grain * (1 - a) + penRgb[c] * a;
        data[i * 4 + c] = Math.round(255 * clamp(light * reflect + n, 0, 1));
      }
      data[i * 4 + 3] = 255;
    }
  }
  return {
    index,
    text: digits.join(''),
    image: { width: W, height: H, data },
    boxes,
    touches,
    gaps,
    source: options.source,
    mnistIndex,
    angle,
    digitHeight,
    polarity,
    colour,
    jpegQuality: rng.next() < 0.8 && photo ? Math.round(rng.uniform(40, 95)) : null,
  };
}

/** Pages 0..count-1 of the set, one at a time (a page of 640×480 is 1.2 MB; 500 of them need not all be held). */
export function* numberPages(options: NumberPageOptions & { count: number }): Generator<NumberPage> {
  if (!Number.isInteger(options.count) || options.count < 0) throw new SpecError(`numberPages: count must be an integer ≥ 0, got ${options.count}`);
  for (let i = 0; i < options.count; i++) yield numberPage(options, i);
}

interface Glyph {
  width: number;
  height: number;
  /** [height, width] ink 0..1 */
  ink: Float32Array;
  /** per row: the first and last column with ink, or -1 */
  left: Int32Array;
  right: Int32Array;
}

/** A 28×28 ink map cropped to the pixels above a faint level. */
function cropGlyph(ink28: Float32Array): Glyph {
  let x0 = 28, y0 = 28, x1 = -1, y1 = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (ink28[y * 28 + x] > 0.05) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) throw new SpecError('numberPage: a source digit has no ink');
  const width = x1 - x0 + 1, height = y1 - y0 + 1;
  const ink = new Float32Array(width * height);
  const left = new Int32Array(height).fill(-1), right = new Int32Array(height).fill(-1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink28[(y0 + y) * 28 + x0 + x];
      ink[y * width + x] = v;
      if (v > 0.25) {
        if (left[y] < 0) left[y] = x;
        right[y] = x;
      }
    }
  }
  return { width, height, ink, left, right };
}

/**
 * How far right of a's left edge b's left edge goes for the two inks to just meet: the most, over
 * the rows they share, of a's last ink column + 1 − b's first ink column, b lying `dy` rows below
 * a. Placing b at x_a + gap + inkReach leaves `gap` glyph pixels between the inks (< 0: overlap).
 */
function inkReach(a: Glyph, b: Glyph, dy: number): number {
  let reach = -Infinity;
  const shift = Math.round(dy);
  for (let ya = 0; ya < a.height; ya++) {
    if (a.right[ya] < 0) continue;
    // a row's neighbours too: diagonal strokes meet across rows
    for (const d of [-1, 0, 1]) {
      const y = ya - shift + d;
      if (y < 0 || y >= b.height || b.left[y] < 0) continue;
      reach = Math.max(reach, a.right[ya] + 1 - b.left[y]);
    }
  }
  // glyphs sharing no rows: their boxes meet
  return reach === -Infinity ? a.width : reach;
}

function paste(canvas: Float32Array, cw: number, ch: number, g: Glyph, x0: number, y0: number): void {
  // bilinear placement at a fractional offset; the ink of overlapping glyphs is the darker of the two
  for (let y = -1; y <= g.height; y++) {
    for (let x = -1; x <= g.width; x++) {
      const cx = Math.floor(x0) + x, cy = Math.floor(y0) + y;
      if (cx < 0 || cy < 0 || cx >= cw || cy >= ch) continue;
      const v = sample(g.ink, g.width, g.height, cx - x0, cy - y0);
      if (v > canvas[cy * cw + cx]) canvas[cy * cw + cx] = v;
    }
  }
}

/** Bilinear sample of img at (x, y) in pixel-centre coordinates; 0 outside. */
function sample(img: Float32Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const tx = x - x0, ty = y - y0;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : img[yy * w + xx]);
  if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return 0;
  return (at(x0, y0) * (1 - tx) + at(x0 + 1, y0) * tx) * (1 - ty) + (at(x0, y0 + 1) * (1 - tx) + at(x0 + 1, y0 + 1) * tx) * ty;
}

/** A random colour near white (spread 0) or saturated (spread up to 1), as RGB multipliers ≤ 1. */
function tint(rng: Rng, spread: number): number[] {
  return [0, 1, 2].map(() => 1 - spread * rng.next());
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
