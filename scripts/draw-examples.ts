/**
 * Draws the example digits in examples/ from hand-made pen strokes (not from MNIST): each digit a
 * few polylines rendered with a round brush onto a 160×160 image. Some are dark ink on light paper,
 * some light on dark, as people's photos and drawing pads are. Run: npx tsx scripts/draw-examples.ts
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { PNG } from 'pngjs';

type Stroke = [number, number][];
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

function ellipse(cx: number, cy: number, rx: number, ry: number): Stroke {
  return Array.from({ length: 41 }, (_, i) => {
    const t = (i / 40) * 2 * Math.PI;
    return [cx + rx * Math.sin(t), cy - ry * Math.cos(t)] as [number, number];
  });
}

/** Ink coverage 0..1 of each pixel: distance from the stroke polyline against the brush radius. */
function render(strokes: Stroke[], radius: number): Float32Array {
  const ink = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const px = (x + 0.5) / S;
      const py = (y + 0.5) / S;
      let d = Infinity;
      for (const s of strokes) {
        for (let i = 0; i + 1 < s.length; i++) d = Math.min(d, segmentDistance(px, py, s[i], s[i + 1]));
      }
      ink[y * S + x] = Math.max(0, Math.min(1, (radius - d) * S + 0.5));
    }
  }
  return ink;
}

function segmentDistance(px: number, py: number, a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
}

mkdirSync('examples', { recursive: true });
for (const [digit, strokes] of Object.entries(DIGITS)) {
  const lightOnDark = Number(digit) % 3 === 2;
  const ink = render(strokes, 0.045);
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
