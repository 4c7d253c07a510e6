/**
 * How the Map view draws: the layers it offers, the class colours, the part of the map shown (robust
 * bounds with equal scales on both axes, so distances look as they are), painting thousands of dots
 * straight into an RGBA buffer (one pass, no per-dot canvas calls: 10,000 dots in a few
 * milliseconds), finding the dot under the pointer through a grid, and the class pairs in words.
 * Pure, no DOM: the component hands it buffers and sizes.
 */
import type { Sequential } from '../../../src/nn/model.js';
import { lastHiddenLayer } from '../../../src/explain/activations.js';
import { rankedPairs, type ClassPair } from '../../../src/explain/class-geometry.js';
import { INPUT_LAYER } from './map-protocol.js';

/** Ten classes, ten hues (Tableau 10 with its grey made near-black, so no class looks faded). */
export const CLASS_COLORS: readonly (readonly [number, number, number])[] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [40, 40, 48],
];
/** classes outside the highlighted pair */
export const FADED: readonly [number, number, number] = [222, 222, 228];

export function classCss(c: number): string {
  const [r, g, b] = CLASS_COLORS[c % CLASS_COLORS.length];
  return `rgb(${r} ${g} ${b})`;
}

export interface LayerOption {
  /** a layer name, or INPUT_LAYER */
  value: string;
  label: string;
  F: number;
}

/** Every layer with at least 2 features, after the input pixels, labelled with kind, shape and width. */
export function mapLayerOptions(model: Sequential): LayerOption[] {
  const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  const hidden = lastHiddenLayer(model);
  const input = size(model.inputShape);
  const out: LayerOption[] = [{ value: INPUT_LAYER, label: `input pixels (${input.toLocaleString('en-US')})`, F: input }];
  model.layers.forEach((l, i) => {
    const F = size(l.outShape);
    if (F < 2) return;
    const shape = l.outShape.length === 3 ? `${l.outShape[1]}×${l.outShape[2]}×${l.outShape[0]} = ${F.toLocaleString('en-US')}` : F.toLocaleString('en-US');
    const note = i === hidden ? ' — last hidden' : i === model.layers.length - 1 ? ' — class scores' : '';
    out.push({ value: l.name, label: `${l.name} (${l.kind}, ${shape})${note}`, F });
  });
  return out;
}

/** The layer a map opens on: the last hidden layer, where the classes are most apart before the scores. */
export function defaultMapLayer(model: Sequential): string {
  return model.layers[lastHiddenLayer(model)].name;
}

export interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The box holding all but the outer `tail` of the points on each axis, padded by 4%: a few strays do not shrink the rest. */
export function robustExtent(points: Float32Array, N: number, tail = 0.004): Extent {
  const xs = new Float32Array(N);
  const ys = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    xs[n] = points[n * 2];
    ys[n] = points[n * 2 + 1];
  }
  xs.sort();
  ys.sort();
  const lo = Math.floor(tail * (N - 1));
  const hi = Math.ceil((1 - tail) * (N - 1));
  const pad = (a: number, b: number): [number, number] => {
    const span = b - a || Math.abs(a) || 1;
    return [a - 0.04 * span, b + 0.04 * span];
  };
  const [x0, x1] = pad(xs[lo], xs[hi]);
  const [y0, y1] = pad(ys[lo], ys[hi]);
  return { x0, x1, y0, y1 };
}

/** Map coordinates ↔ pixels of a w×h area, one scale for both axes, centred; y grows upward on the map. */
export interface View {
  scale: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
}

export function fitView(e: Extent, w: number, h: number): View {
  const scale = Math.min(w / (e.x1 - e.x0), h / (e.y1 - e.y0));
  return { scale, cx: (e.x0 + e.x1) / 2, cy: (e.y0 + e.y1) / 2, w, h };
}

export function toScreen(v: View, x: number, y: number): [number, number] {
  return [v.w / 2 + (x - v.cx) * v.scale, v.h / 2 - (y - v.cy) * v.scale];
}

/** Pixel positions [N×2] of every point. */
export function screenPoints(v: View, points: Float32Array, N: number): Float32Array {
  const out = new Float32Array(N * 2);
  for (let n = 0; n < N; n++) [out[n * 2], out[n * 2 + 1]] = toScreen(v, points[n * 2], points[n * 2 + 1]);
  return out;
}

/**
 * Paints a dot of radius r (pixels) per point into rgba[W×H×4] over a white background, in index
 * order (MNIST's order is random, so no class always lies on top); with `highlight`, the other
 * classes are painted first and faded.
 */
export function paintDots(rgba: Uint8ClampedArray, W: number, H: number, screen: Float32Array, labels: ArrayLike<number>, N: number, r: number, highlight: ReadonlySet<number> | null = null): void {
  rgba.fill(255);
  const R = Math.max(0.5, r);
  const span = Math.ceil(R);
  const r2 = R * R;
  const dot = (n: number, rgb: readonly [number, number, number]): void => {
    const px = screen[n * 2];
    const py = screen[n * 2 + 1];
    const x0 = Math.max(0, Math.floor(px - span));
    const x1 = Math.min(W - 1, Math.ceil(px + span));
    const y0 = Math.max(0, Math.floor(py - span));
    const y1 = Math.min(H - 1, Math.ceil(py + span));
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - py;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - px;
        if (dx * dx + dy * dy > r2) continue;
        const o = (y * W + x) * 4;
        rgba[o] = rgb[0];
        rgba[o + 1] = rgb[1];
        rgba[o + 2] = rgb[2];
        rgba[o + 3] = 255;
      }
    }
  };
  if (highlight && highlight.size > 0) {
    for (let n = 0; n < N; n++) if (!highlight.has(labels[n])) dot(n, FADED);
    for (let n = 0; n < N; n++) if (highlight.has(labels[n])) dot(n, CLASS_COLORS[labels[n] % 10]);
  } else {
    for (let n = 0; n < N; n++) dot(n, CLASS_COLORS[labels[n] % 10]);
  }
}

/** Finds the point nearest a pixel position through a grid of cell×cell buckets. */
export class PointGrid {
  private readonly cols: number;
  private readonly rows: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  constructor(
    private readonly screen: Float32Array,
    N: number,
    w: number,
    h: number,
    private readonly cell = 12,
  ) {
    this.cols = Math.max(1, Math.ceil(w / cell));
    this.rows = Math.max(1, Math.ceil(h / cell));
    const counts = new Int32Array(this.cols * this.rows + 1);
    const bucket = new Int32Array(N).fill(-1);
    for (let n = 0; n < N; n++) {
      const cx = Math.floor(screen[n * 2] / cell);
      const cy = Math.floor(screen[n * 2 + 1] / cell);
      if (cx < 0 || cy < 0 || cx >= this.cols || cy >= this.rows) continue;
      bucket[n] = cy * this.cols + cx;
      counts[bucket[n] + 1]++;
    }
    for (let i = 1; i < counts.length; i++) counts[i] += counts[i - 1];
    this.start = counts.slice();
    this.items = new Int32Array(counts[counts.length - 1]);
    const fill = counts.slice();
    for (let n = 0; n < N; n++) if (bucket[n] >= 0) this.items[fill[bucket[n]]++] = n;
  }

  /** The point within `radius` pixels of (x, y) nearest to it (the later one on a tie: it is drawn on top), or −1. */
  nearest(x: number, y: number, radius: number): number {
    const c0 = Math.max(0, Math.floor((x - radius) / this.cell));
    const c1 = Math.min(this.cols - 1, Math.floor((x + radius) / this.cell));
    const r0 = Math.max(0, Math.floor((y - radius) / this.cell));
    const r1 = Math.min(this.rows - 1, Math.floor((y + radius) / this.cell));
    let best = -1;
    let bestD = radius * radius;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const b = r * this.cols + c;
        for (let i = this.start[b]; i < this.start[b + 1]; i++) {
          const n = this.items[i];
          const d = (this.screen[n * 2] - x) ** 2 + (this.screen[n * 2 + 1] - y) ** 2;
          if (d < bestD || (d === bestD && n > best)) {
            bestD = d;
            best = n;
          }
        }
      }
    }
    return best;
  }
}

/** The n closest and n farthest pairs of classes of a K×K distance matrix. */
export function extremePairs(matrix: Float64Array, K: number, n = 3): { closest: ClassPair[]; farthest: ClassPair[] } {
  const all = rankedPairs(matrix, K);
  return { closest: all.slice(0, n), farthest: all.slice(-n).reverse() };
}

/** "4–9 0.41, 7–9 0.45, 3–5 0.52" */
export function pairsText(pairs: readonly ClassPair[], labels: readonly string[]): string {
  return pairs.map((p) => `${labels[p.a]}–${labels[p.b]} ${p.distance.toFixed(2)}`).join(', ');
}

/** A distance's cell colour: the closest pair darkest, the farthest white (accent hue). */
export function closenessColor(d: number, lo: number, hi: number): { background: string; ink: string } {
  const t = hi > lo ? 1 - (d - lo) / (hi - lo) : 0;
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  // white → the app's accent (#4a47c8)
  const bg = `rgb(${mix(255, 74)} ${mix(255, 71)} ${mix(255, 200)})`;
  return { background: bg, ink: t > 0.55 ? '#fff' : '#1b1b22' };
}
