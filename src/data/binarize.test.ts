import { describe, expect, it } from 'vitest';
import { ShapeError, SpecError } from '../engine/errors.js';
import { grayUnit, inkMap } from './binarize.js';
import { ellipse, renderStrokes } from './strokes.js';

/** A ring of ink on a size×size page: [size²] coverage 0..1. */
const ring = (size: number) => renderStrokes([ellipse(0.5, 0.5, 0.2, 0.3)], { size, radius: 0.03 }).data;

/** Ink coverage on paper: grey = light × (paper − (paper − pen) × ink), light falling off left to right by `gradient`. */
function page(ink: Float32Array, size: number, o: { paper?: number; pen?: number; gradient?: number; noise?: number } = {}): Float32Array {
  const paper = o.paper ?? 0.9, pen = o.pen ?? 0.15;
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  return ink.map((a, i) => Math.min(1, Math.max(0, (1 - (o.gradient ?? 0) * ((i % size) / size)) * (paper - (paper - pen) * a) + (o.noise ?? 0) * rand())));
}

describe('inkMap', () => {
  it('dark ink on light paper, 120×120: polarity dark-ink, one region, the ring, ink ≈ 1 on the stroke and 0 on the paper', () => {
    const ink = ring(120);
    const m = inkMap(page(ink, 120), 120, 120);
    expect(m.polarity).toBe('dark-ink');
    expect(m.components.list).toHaveLength(1);
    const [c] = m.components.list;
    // the ring spans x 0.27..0.73 and y 0.17..0.83 of the page, its brush included
    const want = [0.27 * 120, 0.17 * 120, 0.73 * 120, 0.83 * 120];
    [c.x0, c.y0, c.x1 + 1, c.y1 + 1].forEach((v, k) => expect(Math.abs(v - want[k]), `bound ${k}: ${v} vs ${want[k]}`).toBeLessThanOrEqual(2.5));
    expect(m.ink[60 * 120 + 60]).toBe(0);
    expect(m.ink[60 * 120 + Math.round(0.3 * 120)]).toBeGreaterThan(0.7);
  });

  it('light ink on dark paper: polarity light-ink and the same region', () => {
    const dark = inkMap(page(ring(120), 120), 120, 120);
    const light = inkMap(page(ring(120), 120, { paper: 0.1, pen: 0.85 }), 120, 120);
    expect(light.polarity).toBe('light-ink');
    expect(light.components.list.map((c) => [c.x0, c.y0, c.x1, c.y1])).toEqual(dark.components.list.map((c) => [c.x0, c.y0, c.x1, c.y1]));
  });

  it('light falling off by 55% across the page (gradient) flattens away: still one region, no paper read as ink', () => {
    const m = inkMap(page(ring(160), 160, { gradient: 0.55, noise: 0.02 }), 160, 160);
    expect(m.polarity).toBe('dark-ink');
    expect(m.components.list).toHaveLength(1);
    // the paper on both sides reads as paper
    expect(m.ink[80 * 160 + 3]).toBeLessThan(m.low);
    expect(m.ink[80 * 160 + 156]).toBeLessThan(m.low);
  });

  it('a blank page of paper and noise (σ 0.02) has no regions', () => {
    const m = inkMap(page(new Float32Array(100 * 100), 100, { noise: 0.07 }), 100, 100);
    expect(m.components.list.filter((c) => c.area > 3)).toEqual([]);
  });

  it('polarity can be given: forced light-ink on a dark-ink page finds the paper between the strokes, not the ring', () => {
    const m = inkMap(page(ring(120), 120), 120, 120, { polarity: 'light-ink' });
    expect(m.polarity).toBe('light-ink');
    expect(m.components.list.every((c) => !(c.x0 <= 36 && c.x1 >= 84 && c.area < 1500))).toBe(true);
  });
});

describe('grayUnit', () => {
  it('Uint8 grey is 0..255, Float32 is 0..1, RGBA is luma composited over white', () => {
    expect(Array.from(grayUnit({ width: 2, height: 1, data: new Uint8Array([0, 255]) }))).toEqual([0, 1]);
    expect(Array.from(grayUnit({ width: 2, height: 1, data: new Float32Array([0.25, 1]) }))).toEqual([0.25, 1]);
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 0, 0]);
    const g = grayUnit({ width: 2, height: 1, data: rgba });
    expect(g[0]).toBeCloseTo(0.299, 5);
    expect(g[1]).toBe(1);
  });

  it('says what is wrong: sizes that do not match, values out of range', () => {
    expect(() => grayUnit({ width: 3, height: 2, data: new Uint8Array(5) })).toThrow(ShapeError);
    expect(() => grayUnit({ width: 3, height: 2, data: new Uint8Array(5) })).toThrow('readDigits: a 3×2 image needs 6 grey values or 24 RGBA bytes, got 5');
    expect(() => grayUnit({ width: 1, height: 1, data: new Float32Array([2]) })).toThrow(SpecError);
    expect(() => grayUnit({ width: 1, height: 1, data: new Float32Array([2]) })).toThrow('readDigits: value 2 at (x=0, y=0) is outside 0..1 (the range option)');
    expect(() => grayUnit({ width: 0, height: 1, data: new Uint8Array(0) })).toThrow(/width and height must be integers ≥ 1, got 0×1/);
    // bytes read as 0..1 are checked too (only bytes read as 0..255 are in range by their type)
    expect(() => grayUnit({ width: 2, height: 1, data: new Uint8Array([1, 2]) }, '0..1')).toThrow('readDigits: value 2 at (x=1, y=0) is outside 0..1 (the range option)');
  });
});
