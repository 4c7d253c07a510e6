/**
 * Kernel buffers: arrays inside the kernels' shared memory that the kernels use in place. The
 * same ops as kernels.test.ts, with inputs and outputs in buffers, must give the same bytes as
 * with ordinary arrays; and the pool's stack discipline (zeroed, mark/release, refused marks).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Rng } from '../../rng.js';
import type { Conv2dDims, Pool2dDims } from '../index.js';
import { createWasmKernels, type FastKernels, type KernelBuffers } from './index.js';
import { spawnNodeWorker } from './node-threads.js';

let plain: FastKernels;
let pooled: FastKernels;
let buf: KernelBuffers;
beforeAll(async () => {
  plain = await createWasmKernels({ sharedMemory: false });
  pooled = await createWasmKernels({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 });
  buf = pooled.buffers!;
});
afterAll(async () => {
  await plain.dispose();
  await pooled.dispose();
});

function rand(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** A buffer holding a copy of a. */
function inBuf(a: Float32Array): Float32Array {
  const b = buf.f32(a.length);
  b.set(a);
  return b;
}

test('buffers exist only on shared memory: by default wherever SharedArrayBuffer exists, one thread too; not with sharedMemory: false', async () => {
  expect(plain.buffers).toBeNull();
  expect(pooled.buffers).not.toBeNull();
  const one = await createWasmKernels();
  expect(one.threads).toBe(1);
  expect(one.buffers).not.toBeNull();
  expect(one.fallback).toBeNull();
  await one.dispose();
});

test('gemm, conv and pooling on buffers (used in place) match the same ops on ordinary arrays', () => {
  const rng = new Rng(5);
  const mark = buf.mark();
  // gemm, accumulate into a buffer
  const a = rand(rng, 37 * 29), b = rand(rng, 29 * 41), c0 = rand(rng, 37 * 41);
  const want = c0.slice();
  plain.gemm(want, a, b, { M: 37, N: 41, K: 29, accumulate: true, transB: false });
  const cb = inBuf(c0);
  pooled.gemm(cb, inBuf(a), inBuf(b), { M: 37, N: 41, K: 29, accumulate: true });
  expect(Array.from(cb)).toEqual(Array.from(want));
  // conv forward and backward
  const d: Conv2dDims = { N: 3, C: 4, H: 11, W: 9, outC: 6, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, oH: 11, oW: 9 };
  const x = rand(rng, 3 * 4 * 99), w = rand(rng, 6 * 36), bias = rand(rng, 6), dy = rand(rng, 3 * 6 * 99);
  const y = new Float32Array(3 * 6 * 99), dx = new Float32Array(x.length), dw = new Float32Array(w.length), db = new Float32Array(6);
  plain.conv2dForward(y, x, w, bias, d);
  plain.conv2dBackward(dx, dw, db, dy, x, w, d);
  const yb = buf.f32(y.length), dxb = buf.f32(dx.length), dwb = buf.f32(dw.length), dbb = buf.f32(6);
  const xb = inBuf(x), wb = inBuf(w);
  pooled.conv2dForward(yb, xb, wb, inBuf(bias), d);
  pooled.conv2dBackward(dxb, dwb, dbb, inBuf(dy), xb, wb, d);
  expect(Array.from(yb)).toEqual(Array.from(y));
  expect(Array.from(dxb)).toEqual(Array.from(dx));
  expect(Array.from(dwb)).toEqual(Array.from(dw));
  expect(Array.from(dbb)).toEqual(Array.from(db));
  // max pooling with the argmax in a buffer
  const p: Pool2dDims = { N: 2, C: 3, H: 8, W: 6, size: 2, stride: 2, oH: 4, oW: 3 };
  const px = rand(rng, 2 * 3 * 48), pdy = rand(rng, 2 * 3 * 12);
  const py = new Float32Array(72), pam = new Int32Array(72), pdx = new Float32Array(px.length);
  plain.maxPoolForward(py, pam, px, p);
  plain.maxPoolBackward(pdx, pdy, pam, p);
  const pyb = buf.f32(72), pamb = buf.i32(72), pdxb = buf.f32(px.length);
  pooled.maxPoolForward(pyb, pamb, inBuf(px), p);
  pooled.maxPoolBackward(pdxb, inBuf(pdy), pamb, p);
  expect(Array.from(pyb)).toEqual(Array.from(py));
  expect(Array.from(pamb)).toEqual(Array.from(pam));
  expect(Array.from(pdxb)).toEqual(Array.from(pdx));
  buf.release(mark);
});

test('new buffers are zeroed, also where released ones were; release frees back to the mark', () => {
  const m = buf.mark();
  const a = buf.f32(1000);
  a.fill(7);
  buf.release(m);
  const b = buf.f32(1000);
  expect(b.byteOffset).toBe(a.byteOffset);
  expect(b.every((v) => v === 0)).toBe(true);
  buf.release(m);
  expect(buf.mark()).toBe(m);
  // odd sizes and Int32 buffers: zeroed exactly, the buffer before them left alone
  const keep = buf.f32(3);
  keep.fill(5);
  const m2 = buf.mark();
  buf.i32(7).fill(-1);
  buf.release(m2);
  const c = buf.i32(7);
  expect([...c]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  expect([...keep]).toEqual([5, 5, 5]);
  buf.release(m);
});

test('buffers survive the memory growing under them, and kernel calls keep working', () => {
  const m = buf.mark();
  const early = buf.f32(4);
  early.set([1, 2, 3, 4]);
  const big = buf.f32(40_000_000); // 160 MB: the memory must grow
  expect(big.length).toBe(40_000_000);
  expect(Array.from(early)).toEqual([1, 2, 3, 4]);
  const c = buf.f32(4);
  pooled.gemm(c, early, new Float32Array([1, 0, 0, 1]), { M: 2, N: 2, K: 2 });
  expect(Array.from(c)).toEqual([1, 2, 3, 4]);
  buf.release(m);
});

test('a release to something that is not a mark is refused', () => {
  const m = buf.mark();
  expect(() => buf.release(m + 64)).toThrow(`kernel buffers: release(${m + 64}) is not a mark of this pool`);
  expect(() => buf.release(-1)).toThrow('is not a mark of this pool');
});

test('zero clears exactly the array, in kernel memory or not', () => {
  const mark = buf.mark();
  const before = inBuf(new Float32Array([1, 2, 3]));
  const a = inBuf(new Float32Array([4, 5, 6, 7, 8]));
  const after = inBuf(new Float32Array([9, 10]));
  buf.zero(a.subarray(1, 4));
  expect(Array.from(a)).toEqual([4, 0, 0, 0, 8]);
  expect(Array.from(before)).toEqual([1, 2, 3]);
  expect(Array.from(after)).toEqual([9, 10]);
  const heap = new Float32Array([1, -1]);
  buf.zero(heap);
  expect(Array.from(heap)).toEqual([0, 0]);
  buf.release(mark);
});
