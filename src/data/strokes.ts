/**
 * Pen strokes on a unit square, rendered with a round brush: the drawing engine behind the
 * examples/ digits (scripts/draw-examples.ts) and the generated check sets (synthetic-digits.ts,
 * non-digits.ts). A pixel's ink is its coverage by the brush, anti-aliased by its distance from
 * the stroke (one pixel of soft edge); closed polygons can also be filled solid. After rendering,
 * a few paper-and-scanner effects (blur, binarisation, low resolution) act on the image.
 *
 * Coordinates: (0, 0) is the top-left corner of the square, (1, 1) the bottom-right; pixel (x, y)
 * of a size-S image samples the point ((x + 0.5) / S, (y + 0.5) / S). Pure: no DOM, no Node. It
 * does not decode or encode image files and knows nothing about digits.
 */
import { SpecError } from '../engine/errors.js';
import type { GrayImage } from './preprocess.js';

export type Point = readonly [x: number, y: number];
/** A polyline; a single point is a dot. */
export type Stroke = readonly Point[];

/** A rendered image: ink coverage in 0..1 (0 = paper), [size, size] row-major. */
export interface InkImage extends GrayImage {
  data: Float32Array;
}

export interface RenderOptions {
  /** The image is size×size pixels. */
  size: number;
  /** Brush radius as a fraction of the square's side. */
  radius: number;
  /** One radius per stroke, overriding `radius` (a pen pressed harder for one stroke). */
  radii?: readonly number[];
  /** Closed polygons filled solid (even-odd rule), their edges anti-aliased like strokes. */
  fills?: readonly Stroke[];
}

/**
 * out[size, size] = ink coverage of the strokes drawn with a round brush. Each segment only visits
 * the pixels its brush can reach, so the cost is proportional to the ink, not to size² × segments.
 */
export function renderStrokes(strokes: readonly Stroke[], options: RenderOptions): InkImage {
  const { size: S, radius } = options;
  if (!Number.isInteger(S) || S < 1) throw new SpecError(`renderStrokes: size must be an integer ≥ 1, got ${S}`);
  if (!(radius >= 0 && Number.isFinite(radius))) throw new SpecError(`renderStrokes: radius must be a finite number ≥ 0, got ${radius}`);
  const radii = options.radii;
  if (radii !== undefined && radii.length !== strokes.length) {
    throw new SpecError(`renderStrokes: radii has ${radii.length} values for ${strokes.length} strokes`);
  }
  // coverage is max over segments of clamp((r − d)·S + 0.5): the same as clamping with the nearest
  // segment's distance (every step is monotone, in floating point too), so the order never matters
  const cover = new Float64Array(S * S);
  strokes.forEach((s, k) => {
    const r = radii?.[k] ?? radius;
    if (!(r >= 0 && Number.isFinite(r))) throw new SpecError(`renderStrokes: radius of stroke ${k} must be a finite number ≥ 0, got ${r}`);
    if (s.length === 1) drawSegment(cover, S, s[0], s[0], r);
    for (let i = 0; i + 1 < s.length; i++) drawSegment(cover, S, s[i], s[i + 1], r);
  });
  for (const poly of options.fills ?? []) fillPolygon(cover, S, poly);
  return { width: S, height: S, data: Float32Array.from(cover) };
}

function drawSegment(cover: Float64Array, S: number, a: Point, b: Point, r: number): void {
  // pixels whose centre lies more than r + 1/S away get no ink; a margin of 2 pixels is safe
  const reach = r + 2 / S;
  const [xa, xb] = pixelRange(Math.min(a[0], b[0]) - reach, Math.max(a[0], b[0]) + reach, S);
  const [ya, yb] = pixelRange(Math.min(a[1], b[1]) - reach, Math.max(a[1], b[1]) + reach, S);
  for (let y = ya; y <= yb; y++) {
    const py = (y + 0.5) / S;
    for (let x = xa; x <= xb; x++) {
      const px = (x + 0.5) / S;
      const v = Math.max(0, Math.min(1, (r - segmentDistance(px, py, a, b)) * S + 0.5));
      const i = y * S + x;
      if (v > cover[i]) cover[i] = v;
    }
  }
}

/** Filled polygon: coverage 1 inside, falling to 0 across one pixel at the edge. */
function fillPolygon(cover: Float64Array, S: number, poly: Stroke): void {
  const n = poly.length;
  if (n < 3) throw new SpecError(`renderStrokes: a filled polygon needs ≥ 3 points, got ${n}`);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [x, y] of poly) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const [xa, xb] = pixelRange(x0 - 2 / S, x1 + 2 / S, S);
  const [ya, yb] = pixelRange(y0 - 2 / S, y1 + 2 / S, S);
  for (let y = ya; y <= yb; y++) {
    const py = (y + 0.5) / S;
    for (let x = xa; x <= xb; x++) {
      const px = (x + 0.5) / S;
      let d = Infinity;
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const p = poly[i], q = poly[j];
        d = Math.min(d, segmentDistance(px, py, q, p));
        if (p[1] > py !== q[1] > py && px < ((q[0] - p[0]) * (py - p[1])) / (q[1] - p[1]) + p[0]) inside = !inside;
      }
      const v = Math.max(0, Math.min(1, (inside ? d : -d) * S + 0.5));
      const k = y * S + x;
      if (v > cover[k]) cover[k] = v;
    }
  }
}

/** The pixel indices whose centres can fall in [lo, hi] (unit coordinates), clipped to the image. */
function pixelRange(lo: number, hi: number, S: number): [number, number] {
  return [Math.max(0, Math.floor(lo * S - 0.5)), Math.min(S - 1, Math.ceil(hi * S - 0.5))];
}

function segmentDistance(px: number, py: number, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
}

// ---------------------------------------------------------------------------------------------
// Building strokes

/** A closed ellipse of n points (the first repeated last), starting at the top and running clockwise. */
export function ellipse(cx: number, cy: number, rx: number, ry: number, n = 41): Stroke {
  return Array.from({ length: n }, (_, i) => {
    const t = (i / (n - 1)) * 2 * Math.PI;
    return [cx + rx * Math.sin(t), cy - ry * Math.cos(t)] as const;
  });
}

/**
 * An elliptical arc from angle `fromDeg` to `toDeg`, in degrees clockwise from 12 o'clock (so 90
 * is 3 o'clock); toDeg < fromDeg runs anticlockwise. About one point per 6°.
 */
export function arc(cx: number, cy: number, rx: number, ry: number, fromDeg: number, toDeg: number): Stroke {
  const n = Math.max(2, Math.ceil(Math.abs(toDeg - fromDeg) / 6) + 1);
  return Array.from({ length: n }, (_, i) => {
    const t = ((fromDeg + ((toDeg - fromDeg) * i) / (n - 1)) * Math.PI) / 180;
    return [cx + rx * Math.sin(t), cy - ry * Math.cos(t)] as const;
  });
}

/** A smooth curve through the points (uniform Catmull–Rom), `per` points per span. */
export function curve(points: readonly Point[], per = 8): Stroke {
  if (points.length < 3) return points.slice();
  const out: Point[] = [];
  const at = (i: number) => points[Math.max(0, Math.min(points.length - 1, i))];
  for (let i = 0; i + 1 < points.length; i++) {
    const p0 = at(i - 1), p1 = at(i), p2 = at(i + 1), p3 = at(i + 2);
    for (let k = 0; k < per; k++) {
      const t = k / per, t2 = t * t, t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) =>
        0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (3 * b - a - 3 * c + d) * t3);
      out.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  out.push(points[points.length - 1]);
  return out;
}

/** The polyline with extra points so that no segment is longer than `step`. */
export function densify(stroke: Stroke, step: number): Stroke {
  if (stroke.length < 2) return stroke.slice();
  const out: Point[] = [stroke[0]];
  for (let i = 0; i + 1 < stroke.length; i++) {
    const [ax, ay] = stroke[i], [bx, by] = stroke[i + 1];
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
    for (let k = 1; k <= n; k++) out.push([ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n]);
  }
  return out;
}

/** The bounding box of all points. */
export function strokeBounds(strokes: readonly Stroke[]): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const s of strokes) {
    for (const [x, y] of s) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return { x0, y0, x1, y1 };
}

/**
 * Moves and scales the strokes uniformly so that their bounding box, grown by `pad` on every side,
 * fits the unit square, centred; returns the strokes and the scale applied.
 */
export function fitToSquare(strokes: readonly Stroke[], fill: number, pad = 0): { strokes: Stroke[]; scale: number } {
  const b = strokeBounds(strokes);
  const w = b.x1 - b.x0, h = b.y1 - b.y0;
  const scale = (fill - 2 * pad) / Math.max(w, h, 1e-9);
  const cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
  return {
    strokes: strokes.map((s) => s.map(([x, y]) => [0.5 + (x - cx) * scale, 0.5 + (y - cy) * scale] as const)),
    scale,
  };
}

// ---------------------------------------------------------------------------------------------
// Paper and scanner effects on a rendered image

/** A Gaussian-like blur: three box blurs of radius r pixels, each way (r < 0.5 returns a copy). */
export function blurImage(img: InkImage, r: number): InkImage {
  const { width: W, height: H } = img;
  const a = img.data.slice();
  if (Math.round(r) <= 0) return { width: W, height: H, data: a };
  const scratch = new Float32Array(a.length);
  for (let pass = 0; pass < 3; pass++) {
    boxBlur1d(scratch, a, W, H, 1, W, r);
    boxBlur1d(a, scratch, H, W, W, 1, r);
  }
  return { width: W, height: H, data: a };
}

/** out = box blur of src along one axis: `len` samples `step` apart, in `lines` lines `stride` apart. */
function boxBlur1d(out: Float32Array, src: Float32Array, len: number, lines: number, step: number, stride: number, r: number): void {
  const k = Math.round(r);
  for (let l = 0; l < lines; l++) {
    const base = l * stride;
    for (let i = 0; i < len; i++) {
      let acc = 0, n = 0;
      for (let j = Math.max(0, i - k); j <= Math.min(len - 1, i + k); j++) {
        acc += src[base + j * step];
        n++;
      }
      out[base + i * step] = acc / n;
    }
  }
}

/** Ink ≥ threshold becomes 1, the rest 0: a photocopy or a 1-bit drawing pad. */
export function binarizeImage(img: InkImage, threshold = 0.5): InkImage {
  return { width: img.width, height: img.height, data: img.data.map((v) => (v >= threshold ? 1 : 0)) };
}

/**
 * The image shrunk to low×low by area averaging and blown back up with bilinear interpolation:
 * a low-resolution camera or a thumbnail.
 */
export function lowResolution(img: InkImage, low: number): InkImage {
  const { width: W, height: H, data } = img;
  if (!Number.isInteger(low) || low < 1) throw new SpecError(`lowResolution: low must be an integer ≥ 1, got ${low}`);
  const small = new Float32Array(low * low);
  const count = new Float32Array(low * low);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(low - 1, Math.floor((y * low) / H));
    for (let x = 0; x < W; x++) {
      const k = sy * low + Math.min(low - 1, Math.floor((x * low) / W));
      small[k] += data[y * W + x];
      count[k]++;
    }
  }
  for (let k = 0; k < small.length; k++) small[k] /= count[k] || 1;
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const fy = Math.max(0, Math.min(low - 1, ((y + 0.5) * low) / H - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(low - 1, y0 + 1), ty = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.max(0, Math.min(low - 1, ((x + 0.5) * low) / W - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(low - 1, x0 + 1), tx = fx - x0;
      const top = small[y0 * low + x0] * (1 - tx) + small[y0 * low + x1] * tx;
      const bottom = small[y1 * low + x0] * (1 - tx) + small[y1 * low + x1] * tx;
      out[y * W + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return { width: W, height: H, data: out };
}
