/**
 * NaN and infinity through both kernels, the ground the training loop's divergence check stands
 * on: a product with an overflowed operand is NaN in the reference gemm exactly as in the SIMD
 * one (0·∞ included, which the reference once skipped), relu maps NaN to 0 on both, and
 * sumSquares — the check itself — is finite exactly when every value is, wherever in the array
 * (SIMD body or scalar tail) the bad one sits, from ordinary arrays and in place in kernel memory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../../rng.js';
import { gemmReference, type GemmDims } from '../gemm.js';
import { reluBackwardReference, reluForwardReference } from '../elementwise.js';
import { sumSquaresReference } from '../reduce.js';
import type { FastKernels } from './index.js';
import { threadPools } from './node-test-pools.js';
import { rand } from './testing.js';

let pools: FastKernels[] = [];
beforeAll(async () => {
  pools = await threadPools();
});
afterAll(async () => {
  for (const k of pools) await k.dispose();
});

describe('gemm with an infinite operand: 0·∞ is NaN on both kernels', () => {
  // op(a) = [[0, 1, 2], [1, 1, 1]] (2×3), op(b) row 0 = [∞, 1] (3×2): c[0][0] = 0·∞ + 1·b10 + 2·b20 = NaN,
  // c[0][1] finite, c[1][0] = ∞.
  const A = [
    [0, 1, 2],
    [1, 1, 1],
  ];
  const B = [
    [Infinity, 1],
    [2, 3],
    [4, 5],
  ];
  const store = (m: number[][], trans: boolean): Float32Array =>
    Float32Array.from(trans ? m[0]!.flatMap((_, j) => m.map((row) => row[j]!)) : m.flat());
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const dims: GemmDims = { M: 2, N: 2, K: 3, transA, transB };
      test(`M=2 N=2 K=3 transA=${transA} transB=${transB}`, () => {
        const want = [NaN, 1 * 3 + 2 * 5, Infinity, 1 + 3 + 5];
        const a = store(A, transA);
        const b = store(B, transB);
        const ref = new Float32Array(4);
        gemmReference(ref, a, b, dims);
        expect(Array.from(ref)).toEqual(want);
        for (const k of pools) {
          const c = new Float32Array(4);
          k.gemm(c, a, b, dims);
          expect(Array.from(c), `${k.threads} thread(s)`).toEqual(want);
        }
      });
    }
  }
});

test('relu: NaN gives 0 forward and blocks the gradient, on both kernels (so a NaN activation can hide from the loss)', () => {
  const x = Float32Array.from([NaN, -1, 2, Infinity, -Infinity, NaN, 0, 3]);
  const dy = Float32Array.from([5, 5, 5, 5, 5, 5, 5, NaN]);
  const y = new Float32Array(8);
  const dx = new Float32Array(8);
  reluForwardReference(y, x);
  reluBackwardReference(dx, dy, x);
  expect(Array.from(y)).toEqual([0, 0, 2, Infinity, 0, 0, 0, 3]);
  expect(Array.from(dx)).toEqual([0, 0, 5, 5, 0, 0, 0, NaN]);
  for (const k of pools) {
    const y2 = new Float32Array(8);
    const dx2 = new Float32Array(8);
    k.reluForward!(y2, x);
    k.reluBackward!(dx2, dy, x);
    expect(Array.from(y2)).toEqual(Array.from(y));
    expect(Array.from(dx2)).toEqual(Array.from(dx));
  }
});

describe('sumSquares', () => {
  const LENGTHS = [0, 1, 3, 4, 5, 17, 1003, 20_003];

  test.each(LENGTHS)('n=%i: the reference Σx² in double, and the SIMD kernels equal to rounding', (n) => {
    const x = rand(new Rng(n + 1), n);
    let want = 0;
    for (const v of x) want += v * v;
    expect(sumSquaresReference(x)).toBe(want);
    for (const k of pools) expect(k.sumSquares(x)).toBeCloseTo(want, 9);
  });

  test.each([7, 17, 1003])('n=%i: NaN, +∞ or −∞ at any position makes it non-finite on every kernel', (n) => {
    const kernels = [{ name: 'ts', sumSquares: sumSquaresReference }, ...pools];
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let i = 0; i < n; i += n > 20 ? 97 : 1) {
        const x = rand(new Rng(i), n);
        x[i] = bad;
        for (const k of kernels) {
          const s = k.sumSquares(x);
          if (Number.isFinite(s)) throw new Error(`${k.name}: value ${bad} at [${i}] of ${n} gave a finite ${s}`);
          expect(Number.isNaN(s), `${k.name}, ${bad} at ${i}`).toBe(Number.isNaN(bad));
        }
      }
    }
    // +∞ and −∞ together: still non-finite (squares are never negative, so they cannot cancel)
    const x = rand(new Rng(9), n);
    x[0] = Infinity;
    x[n - 1] = -Infinity;
    for (const k of kernels) expect(k.sumSquares(x)).toBe(Infinity);
  });

  test('float32 extremes stay finite: 20,003 values of ±3.4e38 (their squares overflow float32, not the double sum)', () => {
    const x = new Float32Array(20_003).map((_, i) => (i % 2 ? 3.4e38 : -3.4e38));
    const want = sumSquaresReference(x);
    expect(Number.isFinite(want)).toBe(true);
    for (const k of pools) expect(k.sumSquares(x) / want).toBeCloseTo(1, 12);
  });

  test('in place in kernel memory: the same sum as from an ordinary array', () => {
    const x = rand(new Rng(5), 5003);
    for (const k of pools) {
      if (!k.buffers) continue;
      const mark = k.buffers.mark();
      try {
        const there = k.buffers.f32(x.length);
        there.set(x);
        expect(k.sumSquares(there)).toBe(k.sumSquares(x));
        there[4999] = NaN;
        expect(k.sumSquares(there)).toBeNaN();
      } finally {
        k.buffers.release(mark);
      }
    }
  });
});
