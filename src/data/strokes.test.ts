import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';
import {
  arc,
  binarizeImage,
  blurImage,
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

const at = (img: InkImage, x: number, y: number) => img.data[y * img.width + x];

/** The renderer as scripts/draw-examples.ts first had it: every pixel against every segment. */
function bruteForce(strokes: Stroke[], S: number, radius: number): Float32Array {
  const ink = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const px = (x + 0.5) / S;
      const py = (y + 0.5) / S;
      let d = Infinity;
      for (const s of strokes) {
        for (let i = 0; i + 1 < s.length; i++) {
          const [a, b] = [s[i], s[i + 1]];
          const dx = b[0] - a[0], dy = b[1] - a[1];
          const t = Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy || 1)));
          d = Math.min(d, Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy)));
        }
      }
      ink[y * S + x] = Math.max(0, Math.min(1, (radius - d) * S + 0.5));
    }
  }
  return ink;
}

describe('renderStrokes', () => {
  // size 20, pixel centres at (i + 0.5)/20: row 10's centre is 0.525, the stroke's own row
  const line = renderStrokes([[[0.25, 0.525], [0.75, 0.525]]], { size: 20, radius: 0.05 });

  it('size=20 radius=0.05: a horizontal stroke inks its row fully, the rows beside it half, nothing two rows off', () => {
    expect([line.width, line.height, line.data.length]).toEqual([20, 20, 400]);
    for (let x = 4; x <= 15; x++) expect(at(line, x, 10), `x=${x}`).toBe(1);
    // rows 9 and 11 are 0.05 away, exactly the radius: (0.05 − 0.05)·20 + 0.5 = 0.5
    for (let x = 5; x <= 14; x++) {
      expect(at(line, x, 9)).toBeCloseTo(0.5, 5);
      expect(at(line, x, 11)).toBeCloseTo(0.5, 5);
    }
    for (let y = 0; y < 20; y++) {
      if (y >= 9 && y <= 11) continue;
      for (let x = 0; x < 20; x++) expect(at(line, x, y), `(${x}, ${y})`).toBe(0);
    }
  });

  it('size=20 radius=0.05: round caps reach half a radius past the ends, and no further', () => {
    // column 4 (centre 0.225) is 0.025 from the end: (0.05 − 0.025)·20 + 0.5 = 1; column 3 is 0.075
    // away: (0.05 − 0.075)·20 + 0.5 = 0, give or take rounding; column 2 and beyond: none
    expect(at(line, 4, 10)).toBe(1);
    expect(at(line, 3, 10)).toBeCloseTo(0, 10);
    expect(at(line, 16, 10)).toBeCloseTo(0, 10);
    expect(at(line, 2, 10)).toBe(0);
    expect(at(line, 17, 10)).toBe(0);
    // the cap's corner pixel (4, 9): distance √(0.025² + 0.05²) ≈ 0.0559 → 0.382
    expect(at(line, 4, 9)).toBeCloseTo((0.05 - Math.hypot(0.025, 0.05)) * 20 + 0.5, 5);
  });

  it('equals the all-pixels-all-segments renderer bit for bit (S=48, 12 random strokes)', () => {
    const rng = new Rng(7);
    const strokes: Stroke[] = Array.from({ length: 12 }, () =>
      Array.from({ length: 1 + rng.int(5) }, () => [rng.uniform(-0.1, 1.1), rng.uniform(-0.1, 1.1)] as Point).concat([[rng.next(), rng.next()]]),
    );
    const img = renderStrokes(strokes, { size: 48, radius: 0.03 });
    expect(Array.from(img.data)).toEqual(Array.from(bruteForce(strokes, 48, 0.03)));
  });

  it('draws a one-point stroke as a dot, and the order of strokes does not matter', () => {
    const dot = renderStrokes([[[0.5, 0.5]]], { size: 10, radius: 0.2 });
    expect(at(dot, 5, 5)).toBe(1);
    expect(at(dot, 0, 0)).toBe(0);
    const a: Stroke[] = [[[0.1, 0.1], [0.9, 0.8]], [[0.2, 0.9], [0.7, 0.1]], [[0.5, 0.5]]];
    const fwd = renderStrokes(a, { size: 32, radius: 0.04 });
    const back = renderStrokes([...a].reverse(), { size: 32, radius: 0.04 });
    expect(back.data).toEqual(fwd.data);
  });

  it('radii: one stroke drawn thicker than another', () => {
    const img = renderStrokes([[[0.25, 0.2], [0.25, 0.8]], [[0.75, 0.2], [0.75, 0.8]]], { size: 40, radius: 0.02, radii: [0.02, 0.08] });
    const sum = (x0: number, x1: number) => {
      let s = 0;
      for (let y = 0; y < 40; y++) for (let x = x0; x < x1; x++) s += at(img, x, y);
      return s;
    };
    expect(sum(20, 40) / sum(0, 20)).toBeGreaterThan(3);
  });

  it('fills: a filled square is solid inside, empty outside, soft at its edge', () => {
    const img = renderStrokes([], { size: 20, radius: 0, fills: [[[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]] });
    expect(at(img, 10, 10)).toBe(1);
    expect(at(img, 6, 6)).toBe(1); // centre 0.325, 0.075 inside
    expect(at(img, 2, 10)).toBe(0);
    expect(at(img, 5, 10)).toBeCloseTo(1, 5); // centre 0.275: 0.025 inside → 0.5 + 0.5
    expect(at(img, 4, 10)).toBeCloseTo(0, 5); // centre 0.225: 0.025 outside → 0.5 − 0.5
  });

  it('no strokes: an empty image', () => {
    expect(renderStrokes([], { size: 8, radius: 0.1 }).data.every((v) => v === 0)).toBe(true);
  });

  it('refuses a bad size, radius, or radii of the wrong length', () => {
    expect(() => renderStrokes([], { size: 0, radius: 0.1 })).toThrow(SpecError);
    expect(() => renderStrokes([], { size: 8.5, radius: 0.1 })).toThrow('size must be an integer ≥ 1, got 8.5');
    expect(() => renderStrokes([], { size: 8, radius: -1 })).toThrow('radius must be a finite number ≥ 0, got -1');
    expect(() => renderStrokes([[[0, 0]]], { size: 8, radius: 0.1, radii: [] })).toThrow('radii has 0 values for 1 strokes');
    expect(() => renderStrokes([], { size: 8, radius: 0.1, fills: [[[0, 0], [1, 1]]] })).toThrow('a filled polygon needs ≥ 3 points, got 2');
  });
});

describe('building strokes', () => {
  it('ellipse: n points, closed, starting at the top', () => {
    const e = ellipse(0.5, 0.5, 0.2, 0.3);
    expect(e.length).toBe(41);
    expect(e[0][0]).toBeCloseTo(0.5, 12);
    expect(e[0][1]).toBeCloseTo(0.2, 12);
    expect(e[40][0]).toBeCloseTo(e[0][0], 12);
    expect(e[40][1]).toBeCloseTo(e[0][1], 12);
    expect(e[10][0]).toBeCloseTo(0.7, 12); // a quarter turn clockwise: 3 o'clock
  });

  it('arc: 90° → 180° runs clockwise from 3 o\'clock to 6 o\'clock', () => {
    const a = arc(0, 0, 1, 1, 90, 180);
    expect(a[0][0]).toBeCloseTo(1, 12);
    expect(a[0][1]).toBeCloseTo(0, 12);
    expect(a[a.length - 1][0]).toBeCloseTo(0, 12);
    expect(a[a.length - 1][1]).toBeCloseTo(1, 12);
  });

  it('densify: no segment longer than the step, the same end points', () => {
    const d = densify([[0, 0], [1, 0], [1, 0.5]], 0.1);
    for (let i = 0; i + 1 < d.length; i++) expect(Math.hypot(d[i + 1][0] - d[i][0], d[i + 1][1] - d[i][1])).toBeLessThanOrEqual(0.1 + 1e-12);
    expect(d[0]).toEqual([0, 0]);
    expect(d[d.length - 1]).toEqual([1, 0.5]);
  });

  it('fitToSquare: the bounding box, grown by pad, spans `fill` of the square, centred', () => {
    const { strokes, scale } = fitToSquare([[[2, 3], [4, 7]]], 0.8, 0.1);
    const b = strokeBounds(strokes);
    expect(scale).toBeCloseTo(0.6 / 4, 12);
    expect(b.y1 - b.y0).toBeCloseTo(0.6, 12);
    expect((b.x0 + b.x1) / 2).toBeCloseTo(0.5, 12);
    expect((b.y0 + b.y1) / 2).toBeCloseTo(0.5, 12);
  });
});

describe('effects', () => {
  const img = renderStrokes([[[0.2, 0.5], [0.8, 0.5]]], { size: 32, radius: 0.03 });
  const total = (i: InkImage) => i.data.reduce((a, b) => a + b, 0);

  it('blurImage r=2: spreads the ink (lower peak, more inked pixels) and keeps about as much of it', () => {
    const b = blurImage(img, 2);
    expect(Math.max(...b.data)).toBeLessThan(Math.max(...img.data));
    expect(b.data.filter((v) => v > 0.01).length).toBeGreaterThan(img.data.filter((v) => v > 0.01).length);
    expect(total(b)).toBeCloseTo(total(img), 0);
    expect(blurImage(img, 0).data).toEqual(img.data);
  });

  it('binarizeImage: only 0 and 1', () => {
    const b = binarizeImage(blurImage(img, 1), 0.2);
    expect(new Set(b.data)).toEqual(new Set([0, 1]));
  });

  it('lowResolution: a flat image stays flat; a line at 8 px comes back blurred', () => {
    const flat: InkImage = { width: 16, height: 16, data: new Float32Array(256).fill(0.25) };
    expect(lowResolution(flat, 5).data.every((v) => Math.abs(v - 0.25) < 1e-6)).toBe(true);
    const low = lowResolution(img, 8);
    expect([low.width, low.height]).toEqual([32, 32]);
    expect(Math.max(...low.data)).toBeLessThan(1);
    expect(() => lowResolution(img, 0)).toThrow('low must be an integer ≥ 1, got 0');
  });
});
