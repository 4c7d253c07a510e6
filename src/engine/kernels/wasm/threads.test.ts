/**
 * Thread-count independence and determinism of the SIMD kernels. Each output value is summed by
 * one thread in an order fixed by the shape alone, so 1, 2 and 3 threads give the same bits,
 * and repeating a call on one thread does too. (If a future split of a reduction across threads
 * makes results differ by rounding, this test is where that decision must be written down.)
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Rng } from '../../rng.js';
import type { Conv2dDims, Kernels, Pool2dDims } from '../index.js';
import { createWasmKernels, type FastKernels } from './index.js';
import { spawnNodeWorker } from './node-threads.js';

function rand(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

function conv(N: number, C: number, H: number, W: number, outC: number, k: number, s: number, pad: number): Conv2dDims {
  const oH = Math.floor((H + 2 * pad - k) / s) + 1, oW = Math.floor((W + 2 * pad - k) / s) + 1;
  return { N, C, H, W, outC, kH: k, kW: k, strideH: s, strideW: s, padTop: pad, padLeft: pad, dilationH: 1, dilationW: 1, oH, oW };
}

/** Runs every kernel on fixed inputs and returns all outputs, concatenated as bytes. */
function runAll(k: Kernels): Uint8Array[] {
  const rng = new Rng(42);
  const out: Uint8Array[] = [];
  const keep = (a: Float32Array | Int32Array): void => {
    out.push(new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
  };
  for (const [M, N, K] of [[64, 500, 80], [3, 7, 700], [33, 65, 17], [150, 2, 300], [16, 37, 300], [8, 200, 64]] as const) {
    for (let flags = 0; flags < 8; flags++) {
      const c = rand(rng, M * N);
      k.gemm(c, rand(rng, M * K), rand(rng, K * N), { M, N, K, transA: (flags & 1) !== 0, transB: (flags & 2) !== 0, accumulate: (flags & 4) !== 0 });
      keep(c);
    }
  }
  // N >= threads (split by images), N = 1 (split inside the image), strided and padded
  for (const d of [conv(4, 20, 12, 12, 50, 5, 1, 0), conv(1, 3, 17, 15, 6, 3, 1, 1), conv(3, 2, 11, 9, 5, 3, 2, 1), conv(2, 1, 28, 28, 20, 5, 1, 0), conv(1, 3, 10, 18, 6, 3, 1, 0)]) {
    const K = d.C * d.kH * d.kW;
    const x = rand(rng, d.N * d.C * d.H * d.W), w = rand(rng, d.outC * K), b = rand(rng, d.outC);
    const y = new Float32Array(d.N * d.outC * d.oH * d.oW);
    k.conv2dForward(y, x, w, b, d);
    const dx = new Float32Array(x.length), dw = rand(rng, w.length), db = rand(rng, d.outC);
    k.conv2dBackward(dx, dw, db, rand(rng, y.length), x, w, d);
    keep(y);
    keep(dx);
    keep(dw);
    keep(db);
  }
  const p: Pool2dDims = { N: 3, C: 5, H: 13, W: 12, size: 3, stride: 2, oH: 6, oW: 5 };
  const x = rand(rng, 3 * 5 * 13 * 12);
  const y = new Float32Array(3 * 5 * 30), am = new Int32Array(y.length), dx = new Float32Array(x.length);
  k.maxPoolForward(y, am, x, p);
  k.maxPoolBackward(dx, rand(rng, y.length), am, p);
  keep(y);
  keep(am);
  keep(dx);
  k.avgPoolForward(y, x, p);
  k.avgPoolBackward(dx, rand(rng, y.length), p);
  keep(y);
  keep(dx);
  return out;
}

function firstDifference(a: Uint8Array[], b: Uint8Array[]): string | null {
  if (a.length !== b.length) return `${a.length} outputs vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.length !== y.length) return `output ${i}: ${x.length} bytes vs ${y.length}`;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return `output ${i}: byte ${j} differs`;
  }
  return null;
}

const pools: FastKernels[] = [];
beforeAll(async () => {
  pools.push(await createWasmKernels({ sharedMemory: false }));
  for (const threads of [2, 3]) pools.push(await createWasmKernels({ threads, spawnWorker: spawnNodeWorker, minParallelWork: 0 }));
});
afterAll(async () => {
  for (const k of pools) await k.dispose();
});

test('one thread: a repeated run gives identical bytes', () => {
  const k = pools[0]!;
  expect(k.threads).toBe(1);
  expect(firstDifference(runAll(k), runAll(k))).toBeNull();
});

test('2 and 3 threads give the same bytes as 1 thread, every op split however small', () => {
  const one = runAll(pools[0]!);
  for (const k of pools.slice(1)) {
    expect(k.threads).toBeGreaterThan(1);
    expect(firstDifference(runAll(k), one), `threads=${k.threads}`).toBeNull();
  }
});

test('a disposed pool lets the process go on; a new one starts cleanly', async () => {
  const k = await createWasmKernels({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 });
  const c = new Float32Array(4);
  k.gemm(c, new Float32Array([1, 2, 3, 4]), new Float32Array([1, 0, 0, 1]), { M: 2, N: 2, K: 2 });
  expect(Array.from(c)).toEqual([1, 2, 3, 4]);
  await k.dispose();
  await k.dispose();
});

test('threads outside 1..63 are refused', async () => {
  await expect(createWasmKernels({ threads: 0 })).rejects.toThrow('createWasmKernels: threads must be an integer in 1..63, got 0');
  await expect(createWasmKernels({ threads: 2.5 })).rejects.toThrow('got 2.5');
});

test('calls after dispose() still work, on one thread', async () => {
  const k = await createWasmKernels({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 });
  await k.dispose();
  const c = new Float32Array(4);
  k.gemm(c, new Float32Array([1, 2, 3, 4]), new Float32Array([2, 0, 0, 2]), { M: 2, N: 2, K: 2 });
  expect(Array.from(c)).toEqual([2, 4, 6, 8]);
});
