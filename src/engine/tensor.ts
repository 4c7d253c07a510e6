/**
 * The one tensor type: a shape and a Float32Array, row-major, NCHW for images.
 * It owns no behaviour beyond bookkeeping; arithmetic lives in kernels and layers.
 */
import { ShapeError, formatShape } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Where new tensors' storage comes from; null means ordinary garbage-collected arrays. */
export interface TensorAllocator {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
}

let allocator: TensorAllocator | null = null;

/**
 * Runs `fn` with new tensors (and Int32 internals) taken from `a`, e.g. the fast kernels' own
 * memory, so a training step neither copies into the kernels nor leaves garbage behind. Only for
 * code whose tensors do not outlive the scope: the caller frees the storage afterwards.
 */
export function withAllocator<T>(a: TensorAllocator | null, fn: () => T): T {
  const previous = allocator;
  allocator = a;
  try {
    return fn();
  } finally {
    allocator = previous;
  }
}

/**
 * Points `t` at `to`, after copying its values there. Only for parameters that move into the fast
 * kernels' memory for a training run and back (Sequential.placeParams): the one place a tensor's
 * storage changes. Code that kept the old array sees no updates while the tensor lives elsewhere.
 */
export function moveStorage(t: Tensor, to: Float32Array): void {
  if (to.length !== t.data.length) {
    throw new ShapeError(`moveStorage: the tensor ${formatShape(t.shape)} has ${t.data.length} values, the new storage ${to.length}`);
  }
  if (to === t.data) return;
  to.set(t.data);
  (t as { data: Float32Array }).data = to;
}

/** Whether new tensors come from an allocator now (inside withAllocator) rather than the heap. */
export function hasAllocator(): boolean {
  return allocator !== null;
}

/**
 * Small arrays carved from shared 64 KiB ArrayBuffers: for the tensors of one forward pass that
 * outlives its call (a trace). A separately allocated typed array costs about a microsecond here
 * (a backing store outside the JavaScript heap), a view into a fresh chunk a tenth of that, and a
 * single digit's trace is a dozen such arrays. Everything it hands out stays alive as long as
 * any array from the same chunk does; large requests get their own array.
 */
export class ChunkAllocator implements TensorAllocator {
  private static readonly CHUNK = 1 << 16;
  private buffer = new ArrayBuffer(0);
  private used = 0;

  f32(n: number): Float32Array {
    const at = this.take(n * 4);
    return at === null ? new Float32Array(n) : new Float32Array(this.buffer, at, n);
  }

  i32(n: number): Int32Array {
    const at = this.take(n * 4);
    return at === null ? new Int32Array(n) : new Int32Array(this.buffer, at, n);
  }

  /** Byte offset of `bytes` zeroed bytes in the current chunk, or null when they deserve their own array. */
  private take(bytes: number): number | null {
    if (bytes > ChunkAllocator.CHUNK / 4) return null;
    const at = (this.used + 15) & ~15;
    if (at + bytes > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(ChunkAllocator.CHUNK);
      this.used = bytes;
      return 0;
    }
    this.used = at + bytes;
    return at;
  }
}

/** A zeroed Float32Array from the current allocator. */
export function allocF32(n: number): Float32Array {
  return allocator ? allocator.f32(n) : new Float32Array(n);
}

/** A zeroed Int32Array from the current allocator. */
export function allocI32(n: number): Int32Array {
  return allocator ? allocator.i32(n) : new Int32Array(n);
}

export class Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;

  constructor(shape: Shape, data?: Float32Array) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`Tensor: shape ${formatShape(shape)} must hold non-negative integers`);
    }
    const n = sizeOf(shape);
    if (data !== undefined && data.length !== n) {
      throw new ShapeError(`Tensor: shape ${formatShape(shape)} needs ${n} values, got ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data ?? allocF32(n);
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(shape);
  }

  static from(shape: Shape, values: ArrayLike<number>): Tensor {
    return new Tensor(shape, Float32Array.from(values));
  }

  get size(): number {
    return this.data.length;
  }

  /** Batch size: the first dimension. */
  get n(): number {
    return this.shape[0] ?? 1;
  }

  /** A view with another shape over the same data (no copy). */
  reshape(shape: Shape): Tensor {
    if (sizeOf(shape) !== this.size) {
      throw new ShapeError(`reshape: cannot view ${formatShape(this.shape)} (${this.size} values) as ${formatShape(shape)}`);
    }
    return new Tensor(shape, this.data);
  }

  /** Sample i of the batch, as a view (no copy). */
  sample(i: number): Tensor {
    const per = this.size / this.n;
    return new Tensor(this.shape.slice(1), this.data.subarray(i * per, (i + 1) * per));
  }

  clone(): Tensor {
    return new Tensor(this.shape, this.data.slice());
  }

  toString(): string {
    return `Tensor${formatShape(this.shape)}`;
  }
}

/** Throws a ShapeError naming `where` unless `t` has the expected shape (-1 matches any size). */
export function expectShape(where: string, t: Tensor, expected: readonly number[], hint = ''): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === -1 || d === t.shape[i]);
  if (!ok) {
    const want = formatShape(expected).replace(/-1/g, 'N');
    throw new ShapeError(`${where}: expected input ${want}, got ${formatShape(t.shape)}${hint ? ` (${hint})` : ''}`);
  }
}
