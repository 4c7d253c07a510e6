import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import { applyShear, deskewBackward, deskewForward } from './deskew.js';
import { Sequential } from './model.js';

/** A 28×28 image with a thick line from (x0,y0) to (x1,y1). */
function line(x0: number, y0: number, x1: number, y1: number): Float32Array {
  const img = new Float32Array(28 * 28);
  for (let t = 0; t <= 1; t += 0.005) {
    const x = Math.round(x0 + t * (x1 - x0));
    const y = Math.round(y0 + t * (y1 - y0));
    for (const d of [-1, 0, 1]) img[y * 28 + x + d] = 1;
  }
  return img;
}

/** Spread of each ink row's centre: 0 for a perfectly upright stroke. */
function slant(img: Float32Array): number {
  const centres: number[] = [];
  for (let y = 0; y < 28; y++) {
    let m = 0;
    let mx = 0;
    for (let x = 0; x < 28; x++) {
      m += img[y * 28 + x];
      mx += x * img[y * 28 + x];
    }
    if (m > 0.5) centres.push(mx / m);
  }
  return Math.max(...centres) - Math.min(...centres);
}

describe('deskew', () => {
  it('stands a slanted stroke upright', () => {
    const img = line(8, 4, 19, 24);
    const out = new Float32Array(784);
    const params = deskewForward(out, img, 1, 28, 28);
    expect(slant(img)).toBeGreaterThan(10);
    expect(slant(out)).toBeLessThan(1.5);
    expect(params[0]).toBeCloseTo(11 / 20, 1); // x grows 11 px over 20 rows
  });

  it('leaves an upright stroke and an empty image alone', () => {
    const img = line(14, 4, 14, 24);
    const out = new Float32Array(784);
    deskewForward(out, img, 1, 28, 28);
    expect(Array.from(out)).toEqual(Array.from(img));
    const empty = new Float32Array(784);
    deskewForward(out, empty, 1, 28, 28);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('backward is the exact transpose of the shear (⟨S v, u⟩ = ⟨v, Sᵀ u⟩), two planes', () => {
    const rng = new Rng(3);
    const images = new Float32Array(2 * 784);
    images.set(line(8, 4, 19, 24), 0);
    images.set(line(20, 3, 9, 25), 784);
    const params = deskewForward(new Float32Array(2 * 784), images, 2, 28, 28);
    const v = Float32Array.from({ length: 2 * 784 }, () => rng.uniform(-1, 1));
    const u = Float32Array.from({ length: 2 * 784 }, () => rng.uniform(-1, 1));
    const sv = new Float32Array(2 * 784);
    applyShear(sv, v, params, 2, 28, 28);
    const stu = new Float32Array(2 * 784);
    deskewBackward(stu, u, params, 2, 28, 28);
    let left = 0;
    let right = 0;
    for (let i = 0; i < v.length; i++) {
      left += sv[i] * u[i];
      right += v[i] * stu[i];
    }
    expect(left).toBeCloseTo(right, 3);
  });

  it('a deskewing model traces the deskewed image and refuses non-image input', () => {
    const m = new Sequential({ input: [1, 28, 28], deskew: true, layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }] });
    const trace = m.forward(new Tensor([1, 1, 28, 28], line(8, 4, 19, 24)));
    expect(trace.deskewed && slant(trace.deskewed.image.data)).toBeLessThan(1.5);
    expect(m.backward(trace, new Tensor([1, 3], Float32Array.from([1, 0, 0]))).input.shape).toEqual([1, 1, 28, 28]);
    expect(() => new Sequential({ input: [784], deskew: true, layers: [{ kind: 'dense', units: 3 }] })).toThrow("'deskew' needs image input [C,H,W], got [784]");
  });
});
