/**
 * The SIMD kernels against the reference kernels on random inputs of many shapes: odd sizes,
 * every transpose case with and without accumulate, convolutions with stride, asymmetric and
 * same padding, dilation, one and many channels, N = 1 and N > 1, H ≠ W, and pooling with
 * window 2 and 3, stride 1 and 2. Each element may differ from the reference by 1e-5 of the
 * sum of its terms' magnitudes (Σ|a||b|, got by running the reference on absolute values):
 * float32 rounding stays far inside that, an indexing mistake does not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../../rng.js';
import { gemmReference, type GemmDims } from '../gemm.js';
import {
  avgPoolBackwardReference,
  avgPoolForwardReference,
  maxPoolBackwardReference,
  maxPoolForwardReference,
  type Pool2dDims,
} from '../pool.js';
import { createWasmKernels, type FastKernels } from './index.js';
import { spawnNodeWorker } from './node-threads.js';
import { abs, convDims, convName, expectClose, expectConvMatchesReference, rand, type ConvCase, expectBackwardComputesOnlyWhatIsAsked } from './testing.js';

function expectSame(got: Float32Array | Int32Array, want: Float32Array | Int32Array, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
  }
}

// One thread, and two threads that split every op however small (minParallelWork 0). Convolutions
// take the im2col + GEMM path here whatever their shape; direct.test.ts covers the direct one.
let single: FastKernels;
let dual: FastKernels;
beforeAll(async () => {
  single = await createWasmKernels({ directConv: 'never' });
  dual = await createWasmKernels({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0, directConv: 'never' });
});
afterAll(async () => {
  await single.dispose();
  await dual.dispose();
});

test('the SIMD kernels load here (Node has WebAssembly SIMD and threads)', () => {
  expect(single.name).toBe('wasm');
  expect(single.fallback).toBeNull();
  expect(dual.threads).toBe(2);
  expect(dual.fallback).toBeNull();
});

describe('gemm', () => {
  const sizes = [1, 3, 7, 17, 33, 65];
  const extra: [number, number, number][] = [
    [150, 9, 300], // more than one 128-row block of packed A, K past one 256 block
    [5, 70, 1100], // K past two dot-path blocks of 512
    [64, 500, 40],
    [2, 2, 257],
    [129, 31, 1],
    [16, 37, 300], // few rows, B read in place: a partial last panel, K past one 256 block
    [16, 784, 64], // a dense layer's dW at batch 64
    [4, 8, 3],
  ];
  const shapes: [number, number, number][] = [];
  for (const M of sizes) for (const N of sizes) for (const K of sizes) if ((M * 7 + N * 3 + K) % 4 === 0 || M === 1 || N === 1) shapes.push([M, N, K]);
  shapes.push(...extra);
  const cases = [
    { transA: false, transB: false },
    { transA: false, transB: true },
    { transA: true, transB: false },
    { transA: true, transB: true },
  ];
  for (const tr of cases) {
    for (const accumulate of [false, true]) {
      const label = `transA=${tr.transA} transB=${tr.transB} accumulate=${accumulate}`;
      test(`${label}: ${shapes.length} shapes from 1x1x1 to 150x9x300, 1 and 2 threads`, () => {
        const rng = new Rng(shapes.length + (tr.transA ? 1 : 0) + (tr.transB ? 2 : 0) + (accumulate ? 4 : 0));
        for (const [M, N, K] of shapes) {
          const dims: GemmDims = { M, N, K, ...tr, accumulate };
          const a = rand(rng, M * K);
          const b = rand(rng, K * N);
          const c0 = rand(rng, M * N);
          const want = c0.slice();
          gemmReference(want, a, b, dims);
          const bound = accumulate ? abs(c0) : new Float32Array(M * N);
          gemmReference(bound, abs(a), abs(b), { ...dims, accumulate: true });
          for (const k of [single, dual]) {
            // Without accumulate, C's old contents must not leak in: start from NaN.
            const got = accumulate ? c0.slice() : new Float32Array(M * N).fill(NaN);
            k.gemm(got, a, b, dims);
            expectClose(got, want, bound, `gemm M=${M} N=${N} K=${K} ${label} threads=${k.threads}`);
          }
        }
      });
    }
  }

  test('K=0 clears C without accumulate and leaves it with accumulate; M=0 touches nothing', () => {
    const c = new Float32Array([1, 2, 3, 4]);
    single.gemm(c, new Float32Array(0), new Float32Array(0), { M: 2, N: 2, K: 0, accumulate: true });
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    single.gemm(c, new Float32Array(0), new Float32Array(0), { M: 2, N: 2, K: 0 });
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    const d = new Float32Array([5]);
    single.gemm(d, new Float32Array(0), new Float32Array(0), { M: 0, N: 1, K: 3 });
    expect(d[0]).toBe(5);
  });

  test('arrays longer than the dims are fine; only the leading M*N of C change', () => {
    const rng = new Rng(9);
    const a = rand(rng, 40), b = rand(rng, 40);
    const got = new Float32Array(20).fill(7);
    const want = got.slice();
    gemmReference(want, a, b, { M: 3, N: 4, K: 5 });
    const bound = new Float32Array(20);
    gemmReference(bound, abs(a), abs(b), { M: 3, N: 4, K: 5 });
    single.gemm(got, a, b, { M: 3, N: 4, K: 5 });
    expectClose(got, want, bound, 'gemm with long arrays');
    expect(got[12]).toBe(7);
  });

  test('too-short arrays are refused with the sizes that were expected', () => {
    expect(() => single.gemm(new Float32Array(6), new Float32Array(5), new Float32Array(6), { M: 2, N: 3, K: 3 })).toThrow(
      'wasm gemm: a has 5 values, M=2 N=3 K=3 needs 6',
    );
    expect(() => single.gemm(new Float32Array(5), new Float32Array(6), new Float32Array(9), { M: 2, N: 3, K: 3 })).toThrow(
      'wasm gemm: c has 5 values, M=2 N=3 K=3 needs 6',
    );
  });
});

const convCases: ConvCase[] = [
  { N: 2, C: 1, H: 28, W: 28, outC: 20, kH: 5, kW: 5 }, // LeNet conv1
  { N: 3, C: 20, H: 12, W: 12, outC: 50, kH: 5, kW: 5 }, // LeNet conv2: K = 500 spans two reduction blocks
  { N: 2, C: 3, H: 9, W: 13, outC: 4, kH: 3, kW: 3, s: [2, 2], pad: 'same' },
  { N: 1, C: 2, H: 10, W: 7, outC: 3, kH: 3, kW: 3, pad: [2, 1, 0, 3] },
  { N: 2, C: 2, H: 11, W: 12, outC: 5, kH: 3, kW: 3, d: [2, 2], pad: 'same' },
  { N: 3, C: 3, H: 13, W: 9, outC: 2, kH: 2, kW: 5, s: [3, 2], d: [2, 1], pad: [1, 0, 2, 2] },
  { N: 1, C: 33, H: 5, W: 6, outC: 17, kH: 1, kW: 1 },
  { N: 4, C: 1, H: 6, W: 17, outC: 1, kH: 3, kW: 3, s: [1, 2] },
  { N: 1, C: 1, H: 7, W: 7, outC: 3, kH: 7, kW: 7, pad: [3, 3, 3, 3] },
  { N: 5, C: 7, H: 3, W: 4, outC: 9, kH: 3, kW: 3, pad: 'same' },
  { N: 1, C: 1, H: 90, W: 91, outC: 4, kH: 3, kW: 3 }, // more output pixels than one column chunk
  { N: 2, C: 2, H: 5, W: 5, outC: 130, kH: 3, kW: 3, pad: 'same' }, // outC past one 128-row block
  { N: 2, C: 2, H: 4, W: 6, outC: 260, kH: 1, kW: 3 }, // dx reduction (outC) past one 256 block
  { N: 1, C: 2, H: 1, W: 9, outC: 3, kH: 1, kW: 3, s: [1, 3] },
  { N: 1, C: 3, H: 10, W: 18, outC: 6, kH: 3, kW: 3 }, // one image split by channels whose 9 rows straddle 4-row panels
];

describe('conv2d', () => {
  for (const c of convCases) {
    const d = convDims(c);
    const nx = d.N * d.C * d.H * d.W;
    const ny = d.N * d.outC * d.oH * d.oW;
    test(`${convName(c)}: forward and backward (dx overwritten, dw and db accumulated), 1 and 2 threads`, () => {
      expectConvMatchesReference([single, dual], d, nx + ny, convName(c));
    });
  }

  test('backward with null dx, null dw and null db computes only what is asked', () => {
    expectBackwardComputesOnlyWhatIsAsked([single, dual], convDims(convCases[2]!), 3);
  });

  test('too-short arrays are refused naming the array and the dims', () => {
    const d = convDims(convCases[0]!);
    expect(() => single.conv2dForward(new Float32Array(1), new Float32Array(10), new Float32Array(500), new Float32Array(20), d)).toThrow(
      'wasm conv2dForward: x has 10 values, N=2 C=1 H=28 W=28 outC=20 k=5x5 o=24x24 needs 1568',
    );
    expect(() => single.conv2dBackward(null, new Float32Array(3), null, new Float32Array(2 * 20 * 576), new Float32Array(1568), new Float32Array(500), d)).toThrow(
      'wasm conv2dBackward: dw has 3 values',
    );
  });
});

/** pooling dims without the output size, which poolDims derives */
type PoolCase = Omit<Pool2dDims, 'oH' | 'oW'>;
const poolCases: PoolCase[] = [
  { N: 2, C: 3, H: 24, W: 24, size: 2, stride: 2 },
  { N: 1, C: 2, H: 9, W: 14, size: 2, stride: 2 }, // odd H drops the last row; oW = 7 leaves a SIMD tail
  { N: 3, C: 2, H: 7, W: 10, size: 3, stride: 2 },
  { N: 2, C: 1, H: 6, W: 9, size: 2, stride: 1 },
  { N: 1, C: 4, H: 8, W: 5, size: 3, stride: 1 },
  { N: 2, C: 2, H: 9, W: 9, size: 3, stride: 3 },
];
function poolDims(p: PoolCase): Pool2dDims {
  return { ...p, oH: Math.floor((p.H - p.size) / p.stride) + 1, oW: Math.floor((p.W - p.size) / p.stride) + 1 };
}

describe('pooling', () => {
  for (const p of poolCases) {
    const d = poolDims(p);
    const nx = d.N * d.C * d.H * d.W;
    const ny = d.N * d.C * d.oH * d.oW;
    test(`x=[${p.N},${p.C},${p.H},${p.W}] size=${p.size} stride=${p.stride}: max and avg, forward and backward`, () => {
      const rng = new Rng(nx);
      // Values on a coarse grid so windows hold ties (the first maximum must win), plus NaN and -Infinity.
      const x = new Float32Array(nx);
      for (let i = 0; i < nx; i++) x[i] = rng.int(5) - 2;
      x[1] = NaN;
      x[nx - 1] = -Infinity;
      if (nx > 8) x[7] = NaN;
      const dy = rand(rng, ny);
      const y = new Float32Array(ny), am = new Int32Array(ny), dx = new Float32Array(nx);
      maxPoolForwardReference(y, am, x, d);
      maxPoolBackwardReference(dx, dy, am);
      const xf = x.map((v) => (Number.isFinite(v) ? v : 0.5));
      const ya = new Float32Array(ny), dxa = new Float32Array(nx), yaB = new Float32Array(ny), dxaB = new Float32Array(nx);
      avgPoolForwardReference(ya, xf, d);
      avgPoolBackwardReference(dxa, dy, d);
      avgPoolForwardReference(yaB, abs(xf), d);
      avgPoolBackwardReference(dxaB, abs(dy), d);
      for (const k of [single, dual]) {
        const where = `threads=${k.threads}`;
        const y2 = new Float32Array(ny).fill(NaN), am2 = new Int32Array(ny).fill(-1);
        k.maxPoolForward(y2, am2, x, d);
        expectSame(y2, y, `max y ${where}`);
        expectSame(am2, am, `max argmax ${where}`);
        const dx2 = new Float32Array(nx).fill(NaN);
        k.maxPoolBackward(dx2, dy, am, d);
        expectSame(dx2, dx, `max dx ${where}`);
        const ya2 = new Float32Array(ny).fill(NaN);
        k.avgPoolForward(ya2, xf, d);
        expectClose(ya2, ya, yaB, `avg y ${where}`);
        const dxa2 = new Float32Array(nx).fill(NaN);
        k.avgPoolBackward(dxa2, dy, d);
        expectClose(dxa2, dxa, dxaB, `avg dx ${where}`);
      }
    });
  }

  test('random (tie-free) data: max pooling agrees exactly, value and winner', () => {
    const d = poolDims({ N: 4, C: 5, H: 24, W: 24, size: 2, stride: 2 });
    const rng = new Rng(11);
    const x = rand(rng, d.N * d.C * d.H * d.W);
    const y = new Float32Array(d.N * d.C * d.oH * d.oW), am = new Int32Array(y.length);
    maxPoolForwardReference(y, am, x, d);
    const y2 = new Float32Array(y.length), am2 = new Int32Array(y.length);
    dual.maxPoolForward(y2, am2, x, d);
    expectSame(y2, y, 'max y');
    expectSame(am2, am, 'argmax');
  });

  test('too-short arrays are refused naming the array and the dims', () => {
    const d = poolDims(poolCases[0]!);
    expect(() => single.maxPoolForward(new Float32Array(864), new Int32Array(3), new Float32Array(3456), d)).toThrow(
      'wasm maxPoolForward: argmax has 3 values, N=2 C=3 H=24 W=24 size=2 stride=2 needs 864',
    );
    expect(() => single.avgPoolBackward(new Float32Array(3456), new Float32Array(5), d)).toThrow('wasm avgPoolBackward: dy has 5 values');
  });
});
