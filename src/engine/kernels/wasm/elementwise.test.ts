/**
 * The SIMD relu and sigmoid kernels against the references in ../elementwise.ts: relu bit for
 * bit (NaN and -0 included), sigmoid within a relative 1e-6 over a dense sweep of [-110, 110]
 * and on NaN, ±Infinity, ±0, float32's extremes and subnormals; results in the subnormal range
 * may differ by one subnormal step. Lengths that are not a multiple of 4 or 16 exercise the
 * scalar tails, and 1, 2 and 3 threads must give the same bits. The input preparation ops
 * (standardize, scaleBytes) agree with their references bit for bit.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../../rng.js';
import {
  scaleBytesReference,
  reluBackwardReference,
  reluForwardReference,
  sigmoidBackwardReference,
  sigmoidForwardReference,
  standardizeReference,
} from '../elementwise.js';
import type { FastKernels } from './index.js';
import { threadPools } from './node-test-pools.js';
import { firstMismatch, rand } from './testing.js';

let pools: FastKernels[] = [];
beforeAll(async () => {
  pools = await threadPools();
});
afterAll(async () => {
  for (const k of pools) await k.dispose();
});

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -1e-45, 1.1754943508222875e-38, 88.7, -88.7, 103.9, -103.9, 104.5, -104.5, 1e-8, -1e-8, 17, -17];

/** Dense sweep, specials, then random values: n of them in all. */
function inputs(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) {
    if (i < SPECIAL.length) x[i] = SPECIAL[i]!;
    else if (i < n / 2) x[i] = -110 + (220 * i) / (n / 2);
    else x[i] = rng.uniform(-20, 20);
  }
  return x;
}

function same(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Relative 1e-6, or one subnormal step (2^-149) where the reference is subnormal. */
function sigmoidMismatch(got: Float32Array, want: Float32Array, x: Float32Array, rel: number): string | null {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Object.is(g, w)) continue;
    const d = Math.abs(g - w);
    if (d <= rel * Math.abs(w) || (Math.abs(w) < 1.1754943508222875e-38 && d <= 1.401298464324817e-45)) continue;
    return `element ${i} (x=${x[i]}): ${g} vs reference ${w}, relative error ${(d / Math.abs(w)).toExponential(2)}`;
  }
  return null;
}

describe('relu', () => {
  for (const n of [1, 7, 33, 20001]) {
    test(`n=${n}: forward and backward agree bit for bit, NaN and -0 give 0, on 1, 2 and 3 threads`, () => {
      const x = inputs(n, n);
      const dy = rand(new Rng(n + 1), n);
      const y = new Float32Array(n), dx = new Float32Array(n);
      reluForwardReference(y, x);
      reluBackwardReference(dx, dy, x);
      for (const k of pools) {
        const y2 = new Float32Array(n).fill(NaN), dx2 = new Float32Array(n).fill(NaN);
        k.reluForward!(y2, x);
        k.reluBackward!(dx2, dy, x);
        expect(firstMismatch(y2, y), `forward threads=${k.threads}`).toBeNull();
        expect(firstMismatch(dx2, dx), `backward threads=${k.threads}`).toBeNull();
      }
      if (n > 4) {
        expect(Object.is(y[0], 0) && Object.is(y[4], 0), 'relu(NaN) = 0 and relu(-0) = +0').toBe(true);
      }
    });
  }
});

describe('sigmoid', () => {
  for (const n of [3, 21, 200003]) {
    test(`n=${n}: forward within 1e-6 relative of Math.exp's, backward within 1e-6; threads agree bit for bit`, () => {
      const x = inputs(n, n);
      const dy = rand(new Rng(n + 2), n);
      const y = new Float32Array(n);
      sigmoidForwardReference(y, x);
      const dx = new Float32Array(n);
      sigmoidBackwardReference(dx, dy, y);
      const outs: Float32Array[] = [];
      for (const k of pools) {
        const y2 = new Float32Array(n).fill(-1);
        k.sigmoidForward!(y2, x);
        expect(sigmoidMismatch(y2, y, x, 1e-6), `forward threads=${k.threads}`).toBeNull();
        // backward from the reference y, so only the backward formula is compared
        const dx2 = new Float32Array(n).fill(-1);
        k.sigmoidBackward!(dx2, dy, y);
        expect(sigmoidMismatch(dx2, dx, x, 1e-6), `backward threads=${k.threads}`).toBeNull();
        outs.push(y2, dx2);
      }
      for (let i = 2; i < outs.length; i++) expect(same(outs[i]!, outs[i % 2]!), `output ${i} bits vs 1 thread`).toBe(true);
    });
  }

  test('NaN stays NaN; +Infinity gives 1, -Infinity 0, ±0 one half; large |x| saturate without overflow', () => {
    const x = new Float32Array([NaN, Infinity, -Infinity, 0, -0, 3e38, -3e38, 120, -120, 30]);
    const y = new Float32Array(x.length);
    pools[0]!.sigmoidForward!(y, x);
    expect(Array.from(y)).toEqual([NaN, 1, 0, 0.5, 0.5, 1, 0, 1, 0, 1]);
  });

  test('largest relative error over 2^20 points of [-100, 100] is below 1e-6 (and not zero: an approximation)', () => {
    const n = 1 << 20;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -100 + (200 * i) / n;
    const y = new Float32Array(n), y2 = new Float32Array(n);
    sigmoidForwardReference(y, x);
    pools[0]!.sigmoidForward!(y2, x);
    let worst = 0;
    for (let i = 0; i < n; i++) if (y[i]! > 1.1754943508222875e-38) worst = Math.max(worst, Math.abs(y2[i]! - y[i]!) / y[i]!);
    expect(worst).toBeLessThan(1e-6);
    expect(worst).toBeGreaterThan(0);
  });
});

test('arrays in kernel memory are used in place; too-short outputs are refused with the sizes', () => {
  const k = pools[1]!;
  const buf = k.buffers!;
  const x = buf.f32(10), y = buf.f32(10);
  x.set([-2, -1, 0, 1, 2, 3, -3, 4, -4, 5]);
  k.reluForward!(y, x);
  expect(Array.from(y)).toEqual([0, 0, 0, 1, 2, 3, 0, 4, 0, 5]);
  expect(() => k.reluForward!(new Float32Array(3), new Float32Array(5))).toThrow('wasm reluForward: out has 3 values, the input has 5');
  expect(() => k.sigmoidBackward!(new Float32Array(5), new Float32Array(5), new Float32Array(4))).toThrow(
    'wasm sigmoidBackward: second input has 4 values, the input has 5',
  );
});

describe('input preparation', () => {
  for (const n of [1, 5, 784, 64 * 784 + 3]) {
    test(`n=${n}: standardize gives the reference's bits (double-precision arithmetic, one rounding), on 1, 2 and 3 threads`, () => {
      const x = inputs(n, n + 3);
      for (let i = SPECIAL.length; i < n; i += 3) x[i] = Math.fround(i / n); // pixel-like values too
      for (const [mean, std] of [[0.1307, 0.3081], [0, 1], [-3.5, 1e-3], [1e6, 7]] as const) {
        const want = new Float32Array(n);
        standardizeReference(want, x, mean, std);
        for (const k of pools) {
          const got = new Float32Array(n).fill(-1);
          k.standardize!(got, x, mean, std);
          expect(firstMismatch(got, want), `mean ${mean} std ${std} threads=${k.threads}`).toBeNull();
        }
      }
    });

    test(`n=${n}: scaleBytes gives the reference's bits (bytes·scale + shift in double, one rounding), on 1, 2 and 3 threads`, () => {
      const rng = new Rng(n + 4);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = i < 256 ? i : Math.floor(rng.uniform(0, 256));
      for (const [scale, shift] of [[1 / 255, 0], [1 / (255 * 0.3081), -0.1307 / 0.3081], [-3.7, 1e3], [1e-30, 0]] as const) {
        const want = new Float32Array(n);
        scaleBytesReference(want, bytes, scale, shift);
        for (const k of pools) {
          const got = new Float32Array(n).fill(NaN);
          k.scaleBytes!(got, bytes, scale, shift);
          expect(firstMismatch(got, want), `scale ${scale} shift ${shift} threads=${k.threads}`).toBeNull();
        }
      }
    });
  }

  test('standardize matches the plain expression (x − mean) / std rounded once, written in place into kernel memory', () => {
    const k = pools[1]!;
    const x = k.buffers!.f32(6), y = k.buffers!.f32(6);
    x.set([0, 1, 0.5, 0.25, 1 / 255, 254 / 255]);
    k.standardize!(y, x, 0.1307, 0.3081);
    expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround((v - 0.1307) * (1 / 0.3081))));
  });

  test('bad arguments are refused with what was wrong', () => {
    const k = pools[0]!;
    expect(() => k.standardize!(new Float32Array(2), new Float32Array(3), 0, 1)).toThrow('wasm standardize: out has 2 values, the input has 3');
    expect(() => k.standardize!(new Float32Array(3), new Float32Array(3), 0, 0)).toThrow('wasm standardize: needs a finite mean and std > 0, got mean 0, std 0');
    expect(() => k.standardize!(new Float32Array(3), new Float32Array(3), NaN, 1)).toThrow('got mean NaN');
    expect(() => k.scaleBytes!(new Float32Array(4), new Uint8Array(4), NaN, 0)).toThrow('wasm scaleBytes: needs a finite scale and shift, got scale NaN, shift 0');
    expect(() => k.scaleBytes!(new Float32Array(3), new Uint8Array(4), 1, 0)).toThrow('wasm scaleBytes: out has 3 values, the input has 4 bytes');
  });
});
