/**
 * A map of a hidden space as a picture: 2-D points coloured by class on a white square, with a
 * legend of colour swatches and digit glyphs (png-write.ts has no font, only digits). Both axes share
 * one scale, so distances on the picture are distances in the projection. It does not project.
 */
import { blankImage, drawText, textWidth, type RgbaImage } from './png-write.js';

/** Ten colours told apart easily (matplotlib's tab10), one per class. */
export const CLASS_COLOURS: readonly (readonly [number, number, number])[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export interface ScatterOptions {
  /** side of the plot square in pixels (default 600) */
  size?: number;
  /** side of each point's square in pixels (default 3) */
  dot?: number;
}

/** points[N×2] drawn in order (later points on top), labels[N] in 0..classes−1. */
export function scatterImage(points: Float32Array, labels: ArrayLike<number>, classes: number, opts: ScatterOptions = {}): RgbaImage {
  const size = opts.size ?? 600;
  const dot = opts.dot ?? 3;
  const margin = 12;
  const glyph = 3;
  const legendW = 20 + glyph * 4 + textWidth(String(classes - 1), glyph) + 16;
  const img = blankImage(margin * 2 + size + legendW, margin * 2 + size);
  const N = labels.length;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let n = 0; n < N; n++) {
    minX = Math.min(minX, points[2 * n]);
    maxX = Math.max(maxX, points[2 * n]);
    minY = Math.min(minY, points[2 * n + 1]);
    maxY = Math.max(maxY, points[2 * n + 1]);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const inner = size - dot;
  // Centre the data's box in the square; y grows upward as on a chart.
  const offX = (inner - ((maxX - minX) / span) * inner) / 2;
  const offY = (inner - ((maxY - minY) / span) * inner) / 2;
  const frame: readonly [number, number, number] = [200, 200, 200];
  fillRect(img, margin - 1, margin - 1, size + 2, 1, frame);
  fillRect(img, margin - 1, margin + size, size + 2, 1, frame);
  fillRect(img, margin - 1, margin - 1, 1, size + 2, frame);
  fillRect(img, margin + size, margin - 1, 1, size + 2, frame);
  for (let n = 0; n < N; n++) {
    const x = margin + Math.round(offX + ((points[2 * n] - minX) / span) * inner);
    const y = margin + size - dot - Math.round(offY + ((points[2 * n + 1] - minY) / span) * inner);
    fillRect(img, x, y, dot, dot, CLASS_COLOURS[labels[n] % CLASS_COLOURS.length]);
  }
  const lx = margin + size + 16;
  const rowH = Math.max(16, glyph * 5 + 6);
  for (let c = 0; c < classes; c++) {
    const y = margin + 4 + c * rowH;
    fillRect(img, lx, y, 12, 12, CLASS_COLOURS[c % CLASS_COLOURS.length]);
    drawText(img, String(c), lx + 18, y + Math.floor((12 - glyph * 5) / 2), glyph);
  }
  return img;
}

function fillRect(img: RgbaImage, x0: number, y0: number, w: number, h: number, rgb: readonly [number, number, number]): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) img.data.set([rgb[0], rgb[1], rgb[2], 255], (y * img.width + x) * 4);
  }
}
