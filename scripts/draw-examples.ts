/**
 * Draws the example digits in examples/ from hand-made pen strokes (not from MNIST): each digit a
 * few polylines rendered with a round brush (src/data/strokes.ts) onto a 160×160 image. Some are
 * dark ink on light paper, some light on dark, as people's photos and drawing pads are.
 * Run: npx tsx scripts/draw-examples.ts
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { PNG } from 'pngjs';
import { ellipse, renderStrokes, type Stroke } from '../src/data/strokes.js';

const S = 160;

/** Strokes on a 0..1 square, roughly how a person writes each digit. */
const DIGITS: Record<number, Stroke[]> = {
  0: [ellipse(0.5, 0.5, 0.22, 0.34)],
  1: [[[0.38, 0.3], [0.52, 0.16], [0.52, 0.84]]],
  2: [[[0.3, 0.3], [0.38, 0.18], [0.52, 0.14], [0.66, 0.2], [0.7, 0.34], [0.6, 0.5], [0.3, 0.84], [0.74, 0.84]]],
  3: [[[0.3, 0.2], [0.5, 0.14], [0.68, 0.22], [0.66, 0.38], [0.48, 0.48], [0.68, 0.58], [0.7, 0.74], [0.52, 0.86], [0.3, 0.8]]],
  4: [[[0.6, 0.84], [0.6, 0.14], [0.26, 0.62], [0.76, 0.62]]],
  5: [[[0.7, 0.16], [0.36, 0.16], [0.32, 0.46], [0.52, 0.42], [0.68, 0.52], [0.7, 0.7], [0.56, 0.84], [0.3, 0.8]]],
  6: [[[0.64, 0.16], [0.44, 0.3], [0.32, 0.56], [0.36, 0.78], [0.52, 0.86], [0.66, 0.76], [0.66, 0.6], [0.5, 0.52], [0.34, 0.6]]],
  7: [[[0.28, 0.18], [0.72, 0.18], [0.5, 0.52], [0.42, 0.86]]],
  8: [ellipse(0.5, 0.32, 0.15, 0.16), ellipse(0.5, 0.66, 0.19, 0.19)],
  9: [ellipse(0.5, 0.34, 0.17, 0.17), [[0.67, 0.34], [0.64, 0.6], [0.56, 0.86]]],
};

mkdirSync('examples', { recursive: true });
for (const [digit, strokes] of Object.entries(DIGITS)) {
  const lightOnDark = Number(digit) % 3 === 2;
  const ink = renderStrokes(strokes, { size: S, radius: 0.045 }).data;
  const png = new PNG({ width: S, height: S });
  for (let i = 0; i < S * S; i++) {
    const v = lightOnDark ? Math.round(20 + 220 * ink[i]) : Math.round(245 - 225 * ink[i]);
    png.data[i * 4] = v;
    png.data[i * 4 + 1] = v;
    png.data[i * 4 + 2] = v;
    png.data[i * 4 + 3] = 255;
  }
  writeFileSync(`examples/${digit}.png`, PNG.sync.write(png));
}
console.log('wrote examples/0.png .. examples/9.png');
