/**
 * The per-call arena: alignment, reuse after reset, growth (and views that follow it), arrays
 * used in place when they already live in the memory, and a clear refusal at the memory's limit.
 */
import { expect, test } from 'vitest';
import { Arena } from './arena.js';
import { wasmApi } from './wasm-api.js';

// the typed slice of the API (the project's lib settings declare no WebAssembly global)
const { Memory } = wasmApi()!;

test('allocations are 64-byte aligned, reset reuses the same addresses', () => {
  const a = new Arena(new Memory({ initial: 1 }), 100, false);
  const p = a.alloc(10);
  const q = a.alloc(4);
  expect(p % 64).toBe(0);
  expect(p).toBeGreaterThanOrEqual(100);
  expect(q).toBe(p + 64);
  a.reset();
  expect(a.alloc(10)).toBe(p);
});

test('growing the memory refreshes the views; inputs are copied, outputs read back', () => {
  const mem = new Memory({ initial: 1 });
  const a = new Arena(mem, 0, false);
  const src = Float32Array.from({ length: 40000 }, (_, i) => i);
  const p = a.input(src, src.length); // 160 kB: past the first 64 KiB page
  expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(p + src.byteLength);
  expect(a.f32.buffer).toBe(mem.buffer);
  expect(a.f32[(p >> 2) + 39999]).toBe(39999);
  const out = new Float32Array(3);
  a.copyOut(out, p + 8, 3);
  expect(Array.from(out)).toEqual([2, 3, 4]);
  const q = a.input(src.subarray(0, 10), 5);
  expect(Array.from(a.f32.subarray(q >> 2, (q >> 2) + 6))).toEqual([0, 1, 2, 3, 4, 0]);
});

test('an array inside the memory is used in place, also after a shared memory grew', () => {
  const mem = new Memory({ initial: 1, maximum: 64, shared: true });
  const a = new Arena(mem, 0, true);
  const inside = new Float32Array(mem.buffer, 1024, 8);
  expect(a.input(inside, 8)).toBe(1024);
  a.alloc(5 * 65536);
  expect(mem.buffer).not.toBe(inside.buffer);
  expect(a.input(inside, 8)).toBe(1024);
  expect(a.output(new Float32Array(8), 8)).not.toBe(1024);
});

test('a call that would outgrow the memory is refused with the sizes', () => {
  const a = new Arena(new Memory({ initial: 1, maximum: 2 }), 0, false);
  a.alloc(100000);
  expect(() => a.alloc(100000)).toThrow(/^wasm kernels: this call needs 0.2 MiB of kernel memory and the memory cannot grow past 0.1 MiB \(.*\); use smaller batches or the ts kernels$/);
});
