/**
 * The tensor storage helpers: ChunkAllocator (a trace's arrays carved from shared chunks) and
 * moveStorage (parameters moving into kernel memory and back).
 */
import { describe, expect, it } from 'vitest';
import { ChunkAllocator, Tensor, hasAllocator, moveStorage, withAllocator } from './tensor.js';
import { Sequential } from '../nn/model.js';
import { Rng } from './rng.js';

describe('ChunkAllocator', () => {
  it('hands out zeroed, 16-byte aligned, disjoint arrays; large ones get their own buffer', () => {
    const a = new ChunkAllocator();
    const xs = [a.f32(3), a.i32(5), a.f32(1000), a.f32(7)];
    for (const x of xs) {
      expect(Array.from(x).every((v) => v === 0)).toBe(true);
      expect(x.byteOffset % 16).toBe(0);
      x.fill(9);
    }
    expect(xs[0]!.buffer).toBe(xs[3]!.buffer);
    // disjoint: filling each left the others' values (9) and lengths intact
    expect(xs.map((x) => x.length)).toEqual([3, 5, 1000, 7]);
    const big = a.f32(1 << 16);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(4 << 16);
    expect(big.buffer).not.toBe(xs[0]!.buffer);
  });

  it('starts a new chunk when the current one is full, never overlapping', () => {
    const a = new ChunkAllocator();
    const first = a.f32(4000);
    const second = a.f32(4000);
    const third = a.f32(4000);
    const fourth = a.f32(4000);
    const fifth = a.f32(4000);
    expect(second.buffer).toBe(first.buffer);
    expect(fifth.buffer).not.toBe(first.buffer);
    for (const [i, x] of [first, second, third, fourth, fifth].entries()) x.fill(i + 1);
    expect([first[0], second[0], third[0], fourth[0], fifth[0]]).toEqual([1, 2, 3, 4, 5]);
    expect([first[3999], second[3999], third[3999], fourth[3999], fifth[3999]]).toEqual([1, 2, 3, 4, 5]);
  });

  it('a model forward outside any allocator gives each trace its own storage', () => {
    const model = new Sequential({ input: [1, 6, 6], layers: [{ kind: 'conv2d', outC: 2, k: 3 }, { kind: 'relu' }, { kind: 'maxpool2d', size: 2 }, { kind: 'flatten' }, { kind: 'dense', units: 3 }] }, 1);
    const rng = new Rng(3);
    const input = () => new Tensor([1, 1, 6, 6], Float32Array.from({ length: 36 }, () => rng.uniform(0, 1)));
    expect(hasAllocator()).toBe(false);
    const a = model.forward(input());
    const kept = a.steps.map((s) => Array.from(s.cache.y.data));
    const b = model.forward(input());
    expect(hasAllocator()).toBe(false);
    expect(a.steps.map((s) => Array.from(s.cache.y.data))).toEqual(kept);
    expect(b.steps[0]!.cache.y.data.buffer).not.toBe(a.steps[0]!.cache.y.data.buffer);
    // inside an allocator (a training step's scratch) forward uses that one instead
    const seen: number[] = [];
    withAllocator({ f32: (n) => (seen.push(n), new Float32Array(n)), i32: (n) => new Int32Array(n) }, () => model.forward(input()));
    expect(seen.length).toBeGreaterThan(0);
  });
});

describe('moveStorage', () => {
  it('copies the values into the new array and points the tensor at it; refuses another length', () => {
    const t = Tensor.from([2, 2], [1, 2, 3, 4]);
    const home = t.data;
    const there = new Float32Array(4);
    moveStorage(t, there);
    expect(t.data).toBe(there);
    expect(Array.from(there)).toEqual([1, 2, 3, 4]);
    there[0] = 7;
    moveStorage(t, home);
    expect(Array.from(home)).toEqual([7, 2, 3, 4]);
    expect(() => moveStorage(t, new Float32Array(3))).toThrow('moveStorage: the tensor [2,2] has 4 values, the new storage 3');
  });
});
