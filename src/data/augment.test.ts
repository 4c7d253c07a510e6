import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../engine/rng.js';
import { affineFor, augmentImage, checkAugmentOptions, DEFAULT_AUGMENT, randomAffine, warpAffine } from './augment.js';

const R = 28;
const C = 28;

function randomImage(seed: number): Uint8Array {
  const rng = new Rng(seed);
  const img = new Uint8Array(R * C);
  for (let i = 0; i < img.length; i++) img[i] = rng.int(256);
  return img;
}

function warp(img: Uint8Array, rot: number, scale: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(R * C).fill(-1);
  warpAffine(out, 0, img, 0, R, C, affineFor(rot, scale, dx, dy, R, C));
  return out;
}

describe('warpAffine', () => {
  it('identity transform returns the image exactly', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const img = randomImage(seed);
        expect(Array.from(warp(img, 0, 1, 0, 0))).toEqual(Array.from(img));
      }),
      { numRuns: 20 },
    );
  });

  it('shift x=+1 moves ink one pixel right; shift y=+1 one pixel down; vacated pixels are 0', () => {
    const img = randomImage(7);
    const right = warp(img, 0, 1, 1, 0);
    const down = warp(img, 0, 1, 0, 1);
    for (let y = 0; y < R; y++) {
      for (let x = 0; x < C; x++) {
        expect(right[y * C + x]).toBe(x === 0 ? 0 : img[y * C + x - 1]);
        expect(down[y * C + x]).toBe(y === 0 ? 0 : img[(y - 1) * C + x]);
      }
    }
  });

  it('a half-pixel shift averages neighbours (bilinear)', () => {
    const img = new Uint8Array(R * C);
    img[10 * C + 10] = 200;
    const out = warp(img, 0, 1, 0.5, 0);
    expect(out[10 * C + 10]).toBeCloseTo(100, 5);
    expect(out[10 * C + 11]).toBeCloseTo(100, 5);
    expect(out[10 * C + 12]).toBe(0);
  });

  it('rotation +90° turns clockwise on screen: a pixel right of centre goes below it', () => {
    const img = new Uint8Array(R * C);
    img[13 * C + 20] = 255; // (x=20, y=13): 6.5 right, 0.5 above the centre (13.5, 13.5)
    const out = warp(img, 90, 1, 0, 0);
    expect(out[20 * C + 14]).toBeCloseTo(255, 3); // (x=14, y=20): 0.5 right, 6.5 below
    let total = 0;
    for (const v of out) total += v;
    expect(total).toBeCloseTo(255, 2);
  });

  it('scale 1.5 widens a centred 8-pixel square to 10 solid pixels (14 touched by bilinear edges)', () => {
    const img = new Uint8Array(R * C);
    for (let y = 10; y < 18; y++) for (let x = 10; x < 18; x++) img[y * C + x] = 255;
    const out = warp(img, 0, 1.5, 0, 0);
    const row = Array.from(out.subarray(14 * C, 15 * C));
    const solid = row.filter((v) => v > 254.9).length;
    // input x = 13.5 + (x − 13.5)/1.5: solid where that lies in [10, 17], touched where in (9, 18)
    expect(solid).toBe(10); // x = 9..18
    expect(row.filter((v) => v > 0).length).toBe(14); // x = 7..20
  });
});

describe('augmentImage', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const img = randomImage(3);
    const run = (seed: number): Float32Array => {
      const out = new Float32Array(R * C);
      augmentImage(out, 0, img, 0, R, C, new Rng(seed), DEFAULT_AUGMENT);
      return out;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('draws exactly four numbers per image, so streams stay aligned', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    randomAffine(a, DEFAULT_AUGMENT, R, C);
    for (let i = 0; i < 4; i++) b.next();
    expect(a.getState()).toEqual(b.getState());
  });

  it('keeps a centred digit mostly in frame (ink within 25%) for the default ranges', () => {
    const img = new Uint8Array(R * C);
    for (let y = 6; y < 22; y++) for (let x = 11; x < 17; x++) img[y * C + x] = 255;
    const ink = 16 * 6 * 255;
    const rng = new Rng(1);
    const out = new Float32Array(R * C);
    for (let k = 0; k < 50; k++) {
      augmentImage(out, 0, img, 0, R, C, rng, DEFAULT_AUGMENT);
      let total = 0;
      for (const v of out) total += v;
      expect(Math.abs(total - ink) / ink).toBeLessThan(0.25);
    }
  });

  it('writes at the given offsets and nowhere else', () => {
    const img = randomImage(9);
    const src = new Uint8Array(3 * R * C);
    src.set(img, R * C);
    const out = new Float32Array(3 * R * C).fill(-1);
    warpAffine(out, 2 * R * C, src, R * C, R, C, affineFor(0, 1, 0, 0, R, C));
    expect(out.subarray(0, 2 * R * C).every((v) => v === -1)).toBe(true);
    expect(Array.from(out.subarray(2 * R * C))).toEqual(Array.from(img));
  });
});

describe('checkAugmentOptions', () => {
  it('accepts the defaults', () => expect(() => checkAugmentOptions(DEFAULT_AUGMENT)).not.toThrow());
  it('names a bad field', () => {
    expect(() => checkAugmentOptions({ ...DEFAULT_AUGMENT, maxShift: Number.NaN })).toThrow(
      'augment: maxShift must be a finite number ≥ 0, got NaN',
    );
    expect(() => checkAugmentOptions({ ...DEFAULT_AUGMENT, minScale: 1.2, maxScale: 1.1 })).toThrow(
      'augment: expected 0 < minScale ≤ maxScale, got minScale 1.2, maxScale 1.1',
    );
  });
});
