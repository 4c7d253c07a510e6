/**
 * How the Map view draws: the layers offered (every one with ≥ 2 features, the last hidden one
 * marked and chosen first), the shown box ignoring strays, one scale for both axes, dots painted in
 * their class's colour (the others faded when a pair is highlighted), the dot under the pointer as a
 * full search finds it, and the class pairs in words.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { ZOO } from '../../../src/models/zoo.js';
import { Rng } from '../../../src/engine/rng.js';
import {
  CLASS_COLORS,
  FADED,
  PointGrid,
  closenessColor,
  defaultMapLayer,
  extremePairs,
  fitView,
  mapLayerOptions,
  paintDots,
  pairsText,
  robustExtent,
  screenPoints,
  toScreen,
} from './map-layout.js';

describe('mapLayerOptions', () => {
  it('offers lenet\'s pixels and every layer, relu1 as the last hidden and the default', () => {
    const lenet = new Sequential(ZOO['lenet'].spec, 1);
    const opts = mapLayerOptions(lenet);
    expect(opts.map((o) => `${o.value}:${o.F}`)).toEqual(['input:784', 'conv1:11520', 'pool1:2880', 'conv2:3200', 'pool2:800', 'flatten1:800', 'dense1:500', 'relu1:500', 'dense2:10']);
    expect(opts[1].label).toBe('conv1 (conv2d, 24×24×20 = 11,520)');
    expect(opts[7].label).toBe('relu1 (relu, 500) — last hidden');
    expect(opts[8].label).toBe('dense2 (dense, 10) — class scores');
    expect(defaultMapLayer(lenet)).toBe('relu1');
  });

  it('picks the features the classifier reads when there is no hidden dense layer (tiny: flatten1)', () => {
    expect(defaultMapLayer(new Sequential(ZOO['tiny'].spec, 1))).toBe('flatten1');
  });
});

describe('robustExtent and fitView', () => {
  it('leaves out the outer 0.4% on each axis, padded by 4%', () => {
    const N = 1000;
    const pts = new Float32Array(N * 2);
    for (let n = 0; n < N; n++) {
      pts[n * 2] = n / (N - 1);
      pts[n * 2 + 1] = 0;
    }
    pts[0] = -1000; // a stray
    const e = robustExtent(pts, N);
    expect(e.x0).toBeGreaterThan(-0.05);
    expect(e.x1).toBeLessThan(1.05);
    // a flat axis still gets a height
    expect(e.y1 - e.y0).toBeGreaterThan(0);
  });

  it('uses one scale for both axes and centres the box (2×1 box in 400×400 → 200 px per unit)', () => {
    const v = fitView({ x0: 0, x1: 2, y0: 0, y1: 1 }, 400, 400);
    expect(v.scale).toBe(200);
    expect(toScreen(v, 1, 0.5)).toEqual([200, 200]);
    // y grows upward on the map
    expect(toScreen(v, 0, 1)).toEqual([0, 100]);
  });
});

describe('paintDots', () => {
  it('paints each dot in its class colour on white, and fades the others under a highlight', () => {
    const W = 20;
    const H = 10;
    const screen = new Float32Array([5, 5, 15, 5]);
    const labels = [3, 9];
    const rgba = new Uint8ClampedArray(W * H * 4);
    paintDots(rgba, W, H, screen, labels, 2, 2);
    const at = (x: number, y: number): number[] => Array.from(rgba.subarray((y * W + x) * 4, (y * W + x) * 4 + 3));
    expect(at(5, 5)).toEqual([...CLASS_COLORS[3]]);
    expect(at(15, 5)).toEqual([...CLASS_COLORS[9]]);
    expect(at(10, 5)).toEqual([255, 255, 255]);
    paintDots(rgba, W, H, screen, labels, 2, 2, new Set([9]));
    expect(at(5, 5)).toEqual([...FADED]);
    expect(at(15, 5)).toEqual([...CLASS_COLORS[9]]);
  });

  it('paints 10,000 dots of radius 3 into a 1200×900 buffer', () => {
    const rng = new Rng(1);
    const N = 10_000;
    const screen = Float32Array.from({ length: N * 2 }, (_, i) => rng.next() * (i % 2 ? 900 : 1200));
    const labels = Uint8Array.from({ length: N }, (_, i) => i % 10);
    const rgba = new Uint8ClampedArray(1200 * 900 * 4);
    paintDots(rgba, 1200, 900, screen, labels, N, 3);
    let coloured = 0;
    for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== 255 || rgba[i + 1] !== 255 || rgba[i + 2] !== 255) coloured++;
    // about N·π·3² pixels, less overlaps
    expect(coloured).toBeGreaterThan(150_000);
  });
});

describe('PointGrid', () => {
  it('finds the dot nearest the pointer within the radius, as a full search does (N=3,000)', () => {
    const rng = new Rng(7);
    const N = 3000;
    const pts = Float32Array.from({ length: N * 2 }, () => rng.next());
    const v = fitView(robustExtent(pts, N), 500, 400);
    const screen = screenPoints(v, pts, N);
    const grid = new PointGrid(screen, N, 500, 400);
    for (let t = 0; t < 200; t++) {
      const x = rng.next() * 500;
      const y = rng.next() * 400;
      let best = -1;
      let bestD = 100;
      for (let n = 0; n < N; n++) {
        const d = (screen[n * 2] - x) ** 2 + (screen[n * 2 + 1] - y) ** 2;
        if (d < bestD || (d === bestD && n > best)) {
          bestD = d;
          best = n;
        }
      }
      expect(grid.nearest(x, y, 10)).toBe(best);
    }
  });
});

describe('class pairs', () => {
  // 3 classes: 0–1 close, 0–2 far
  const m = new Float64Array([0, 0.41, 1.6, 0.41, 0, 0.9, 1.6, 0.9, 0]);

  it('names the closest and farthest pairs with their distances', () => {
    const { closest, farthest } = extremePairs(m, 3, 2);
    expect(pairsText(closest, ['0', '1', '2'])).toBe('0–1 0.41, 1–2 0.90');
    expect(pairsText(farthest, ['0', '1', '2'])).toBe('0–2 1.60, 1–2 0.90');
  });

  it('colours the closest pair darkest and the farthest white', () => {
    expect(closenessColor(0.41, 0.41, 1.6)).toEqual({ background: 'rgb(74 71 200)', ink: '#fff' });
    expect(closenessColor(1.6, 0.41, 1.6)).toEqual({ background: 'rgb(255 255 255)', ink: '#1b1b22' });
  });
});
