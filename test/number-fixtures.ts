/**
 * Constructed pages for the reading tests: generated handwritten digits (synthetic-digits.ts, not
 * MNIST) placed where a test says, at a size it says, so that every digit's true box is known;
 * optionally rotated, inverted, lit unevenly or speckled. Ink is composited as the darker of the
 * overlapping glyphs, so digits placed close enough touch.
 */
import { syntheticDigits } from '../src/data/synthetic-digits.js';
import type { GrayImage8 } from '../src/data/preprocess.js';

/** 28×28 ink images (0..1) of each digit, from the generated handwriting. */
export function glyphs(seed = 3, count = 200): Float32Array[][] {
  const set = syntheticDigits({ count, seed });
  const out: Float32Array[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < count; i++) out[set.labels[i]].push(set.images.slice(i * 784, (i + 1) * 784));
  return out;
}

export interface Placement {
  glyph: Float32Array;
  /** top-left corner of the glyph's ink box on the page */
  x: number;
  y: number;
  /** page pixels per glyph pixel */
  scale: number;
}

export interface InkPage {
  width: number;
  height: number;
  /** [height, width] ink 0..1 */
  ink: Float32Array;
  /** each glyph's ink box [x, y, width, height] */
  boxes: [number, number, number, number][];
}

/** The glyphs on a blank page; each glyph's ink (> 0.05) box starts at its (x, y). */
export function compose(width: number, height: number, placements: Placement[]): InkPage {
  const ink = new Float32Array(width * height);
  const boxes = placements.map(({ glyph, x, y, scale }) => {
    let x0 = 28, y0 = 28, x1 = -1, y1 = -1;
    for (let j = 0; j < 28; j++) {
      for (let i = 0; i < 28; i++) {
        if (glyph[j * 28 + i] > 0.05) {
          x0 = Math.min(x0, i); x1 = Math.max(x1, i); y0 = Math.min(y0, j); y1 = Math.max(y1, j);
        }
      }
    }
    const w = Math.round((x1 - x0 + 1) * scale), h = Math.round((y1 - y0 + 1) * scale);
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const v = bilinear(glyph, 28, 28, x0 + (px + 0.5) / scale - 0.5, y0 + (py + 0.5) / scale - 0.5);
        const X = x + px, Y = y + py;
        if (X < 0 || Y < 0 || X >= width || Y >= height) continue;
        ink[Y * width + X] = Math.max(ink[Y * width + X], v);
      }
    }
    return [x, y, w, h] as [number, number, number, number];
  });
  return { width, height, ink, boxes };
}

/** The page turned by `degrees` clockwise about its centre; boxes become the turned boxes' bounds. */
export function rotate(page: InkPage, degrees: number): InkPage {
  const { width: W, height: H } = page;
  const t = (degrees * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
  const ink = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x + 0.5 - W / 2, v = y + 0.5 - H / 2;
      ink[y * W + x] = bilinear(page.ink, W, H, c * u + s * v + W / 2 - 0.5, -s * u + c * v + H / 2 - 0.5);
    }
  }
  const boxes = page.boxes.map(([x, y, w, h]) => {
    const pts = [[x, y], [x + w, y], [x, y + h], [x + w, y + h]].map(([px, py]) => {
      const u = px - W / 2, v = py - H / 2;
      return [c * u - s * v + W / 2, s * u + c * v + H / 2];
    });
    const x0 = Math.floor(Math.min(...pts.map((p) => p[0]))), y0 = Math.floor(Math.min(...pts.map((p) => p[1])));
    const x1 = Math.ceil(Math.max(...pts.map((p) => p[0]))), y1 = Math.ceil(Math.max(...pts.map((p) => p[1])));
    return [x0, y0, x1 - x0, y1 - y0] as [number, number, number, number];
  });
  return { width: W, height: H, ink, boxes };
}

export interface Paper {
  /** 'dark-ink' (default): dark ink on light paper */
  polarity?: 'dark-ink' | 'light-ink';
  /** light falling off from left to right by this fraction (default 0) */
  gradient?: number;
  /** [x, y] of one-pixel specks of full-strength ink */
  specks?: [number, number][];
}

/** The ink on paper as grey bytes: paper 235, ink 30 (or paper 25, ink 220 for light ink), times the light. */
export function onPaper(page: InkPage, paper: Paper = {}): GrayImage8 {
  const { width: W, height: H } = page;
  const light = paper.polarity === 'light-ink';
  const [bg, fg] = light ? [25, 220] : [235, 30];
  const ink = page.ink.slice();
  for (const [x, y] of paper.specks ?? []) ink[y * W + x] = 1;
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const l = 1 - (paper.gradient ?? 0) * (x / W);
      const a = ink[y * W + x];
      data[y * W + x] = Math.round(l * (bg * (1 - a) + fg * a));
    }
  }
  return { width: W, height: H, data };
}

/** Grey → RGBA (alpha 255), as a canvas or PNG decoder gives it. */
export function toRgba(img: GrayImage8): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.data.length; i++) data.set([img.data[i], img.data[i], img.data[i], 255], i * 4);
  return { width: img.width, height: img.height, data };
}

/** Intersection over union of two [x, y, width, height] boxes. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

function bilinear(img: Float32Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y), tx = x - x0, ty = y - y0;
  const at = (i: number, j: number) => (i < 0 || j < 0 || i >= w || j >= h ? 0 : img[j * w + i]);
  return (at(x0, y0) * (1 - tx) + at(x0 + 1, y0) * tx) * (1 - ty) + (at(x0, y0 + 1) * (1 - tx) + at(x0 + 1, y0 + 1) * tx) * ty;
}
