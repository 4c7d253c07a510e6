/**
 * Draws the example digits in examples/ from hand-made pen strokes (src/data/example-strokes.ts,
 * not from MNIST), each rendered with a round brush (src/data/strokes.ts) onto a 160×160 image.
 * Some are dark ink on light paper, some light on dark, as people's photos and drawing pads are.
 * Run: npx tsx scripts/draw-examples.ts
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { PNG } from 'pngjs';
import { renderStrokes } from '../src/data/strokes.js';
import { EXAMPLE_STROKES } from '../src/data/example-strokes.js';

const S = 160;

mkdirSync('examples', { recursive: true });
for (const [digit, strokes] of Object.entries(EXAMPLE_STROKES)) {
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
