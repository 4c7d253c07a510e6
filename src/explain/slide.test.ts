/**
 * Slides: which unit each frame of a sliding-window animation computes, and that every frame's
 * recomputed value is the engine's (lenet conv2, C=20; tiny's conv with its sigmoid; max pooling).
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../nn/model.js';
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { ZOO } from '../models/zoo.js';
import { explainUnit, unitIndex } from './unit.js';
import { slideFor, slidePosition, slideUnit } from './slide.js';

function digit(seed: number): Tensor {
  const rng = new Rng(seed);
  const x = new Tensor([1, 1, 28, 28]);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.next() < 0.3 ? rng.next() : 0;
  return x;
}

describe('slideFor', () => {
  const lenet = new Sequential(ZOO['lenet'].spec, 3);
  const tiny = new Sequential(ZOO['tiny'].spec, 3);

  it('lenet conv2 [50,8,8] unit (c13, y3, x5): channel 13, 64 frames, the target frame 3·8+5 = 29', () => {
    const s = slideFor(lenet, { layer: 2, index: unitIndex([50, 8, 8], 13, 3, 5) });
    expect(s).toEqual({ kind: 'conv2d', layer: 2, channel: 13, H: 8, W: 8, frames: 64, target: 29 });
    if (!s) return;
    expect(slidePosition(s, 29)).toEqual({ y: 3, x: 5 });
    expect(slideUnit(s, 29)).toEqual({ layer: 2, index: unitIndex([50, 8, 8], 13, 3, 5) });
    // frames outside 0..63 are clamped, never another channel's unit
    expect(slideUnit(s, 64)).toEqual(slideUnit(s, 63));
    expect(slideUnit(s, -1)).toEqual(slideUnit(s, 0));
  });

  it("an activation's unit slides the convolution under it (tiny sigmoid1 → conv2); dense, flatten and out-of-range units have none", () => {
    expect(slideFor(tiny, { layer: 4, index: 7 })).toMatchObject({ kind: 'conv2d', layer: 3, channel: 0, frames: 100, target: 7 });
    expect(slideFor(tiny, { layer: 2, index: 0 })).toMatchObject({ kind: 'maxpool2d', layer: 2, H: 12, W: 12 });
    expect(slideFor(lenet, { layer: 5, index: 0 })).toBeNull();
    expect(slideFor(lenet, { layer: 4, index: 0 })).toBeNull();
    expect(slideFor(lenet, { layer: 0, index: 20 * 24 * 24 })).toBeNull();
    expect(slideFor(lenet, { layer: 99, index: 0 })).toBeNull();
  });

  it("every frame's recomputed sum + bias equals the engine's value (lenet conv2 channel 13, all 64 positions) and every pooling frame's winner is the engine's", () => {
    const trace = lenet.forward(digit(4));
    const s = slideFor(lenet, { layer: 2, index: unitIndex([50, 8, 8], 13, 0, 0) });
    if (!s) throw new Error('expected a slide');
    for (let f = 0; f < s.frames; f++) {
      const e = explainUnit(lenet, trace, slideUnit(s, f));
      if (e.kind !== 'conv2d') throw new Error('expected a conv explanation');
      expect(Math.abs(e.value - e.engine)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e.engine)));
    }
    const p = slideFor(lenet, { layer: 1, index: 5 });
    if (!p) throw new Error('expected a slide');
    for (let f = 0; f < p.frames; f++) {
      const e = explainUnit(lenet, trace, slideUnit(p, f));
      if (e.kind !== 'maxpool2d') throw new Error('expected a pooling explanation');
      expect(e.value).toBe(e.engine);
    }
  });
});
