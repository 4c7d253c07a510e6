/**
 * The kernel module's memory above the control block: a pool of caller-owned buffers (a stack,
 * freed by mark/release) and, above it, the per-call arena: a bump allocator reset at the start
 * of every kernel call, holding that call's copied inputs, its outputs and the op's scratch.
 * It grows the memory when needed and never shrinks it, so steady-state calls allocate nothing.
 * Arrays that already live in the memory (pool buffers) are used in place instead of copied.
 */
import { ConvscopeError } from '../../errors.js';
import type { WasmMemory } from './wasm-api.js';

const PAGE = 65536;

/** The arena and the typed views on the memory. */
export class Arena {
  f32: Float32Array;
  i32: Int32Array;
  /** Every buffer object the memory has had: a shared memory's old views stay valid after growth. */
  private readonly known: (ArrayBuffer | SharedArrayBuffer)[] = [];
  private top: number;
  /** End of the pool: the per-call arena starts here. */
  private poolTop: number;
  /** Bytes in the memory; only this arena grows it, so no need to ask (slow for shared memory). */
  private capacity: number;

  constructor(
    readonly memory: WasmMemory,
    readonly base: number,
    private readonly shared: boolean,
    /** zeroes bytes in the memory (the module's memset); a typed-array fill when absent */
    private readonly zero: ((p: number, bytes: number) => void) | null = null,
  ) {
    const buf = memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.known.push(buf);
    this.capacity = buf.byteLength;
    this.top = base;
    this.poolTop = base;
  }

  reset(): void {
    this.top = this.poolTop;
  }

  /** Zeroed pool bytes (64-byte aligned) that stay put until released; between calls only. */
  poolAlloc(bytes: number): number {
    const p = (this.poolTop + 63) & ~63;
    this.top = p + bytes;
    if (this.top > this.capacity) this.grow();
    this.poolTop = this.top;
    if (this.zero !== null) this.zero(p, (bytes + 3) & ~3);
    else this.f32.fill(0, p >> 2, (p + bytes + 3) >> 2);
    return p;
  }

  /** The pool's current end, to release back to. */
  poolMark(): number {
    return this.poolTop;
  }

  /** Frees every pool buffer allocated since `mark`. */
  poolRelease(mark: number): void {
    if (!Number.isInteger(mark) || mark < this.base || mark > this.poolTop) {
      throw new RangeError(`kernel buffers: release(${mark}) is not a mark of this pool (its marks lie in ${this.base}..${this.poolTop})`);
    }
    this.poolTop = mark;
    this.top = mark;
  }

  /** 64-byte aligned bytes, growing the memory when needed. */
  alloc(bytes: number): number {
    const p = (this.top + 63) & ~63;
    this.top = p + bytes;
    if (this.top > this.capacity) this.grow();
    return p;
  }

  private grow(): void {
    const need = Math.ceil((this.top - this.capacity) / PAGE);
    try {
      this.memory.grow(Math.max(need, Math.ceil(this.capacity / PAGE / 4)));
    } catch {
      try {
        this.memory.grow(need);
      } catch (e) {
        const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
        throw new ConvscopeError(
          `wasm kernels: this call needs ${mib(this.top)} of kernel memory and the memory cannot grow past ${mib(this.capacity)} (${e instanceof Error ? e.message : String(e)}); use smaller batches or the ts kernels`,
        );
      }
    }
    const buf = this.memory.buffer;
    this.capacity = buf.byteLength;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    if (this.shared) this.known.push(buf);
    else this.known[0] = buf;
  }

  owns(a: Float32Array | Int32Array): boolean {
    const b = a.buffer;
    return b === this.f32.buffer || (this.known.length > 1 && this.known.includes(b));
  }

  /** Pointer to n values of a: a itself when it lives in this memory, else a copy. */
  input(a: Float32Array, n: number): number {
    if (this.owns(a)) return a.byteOffset;
    const p = this.alloc(n * 4);
    this.f32.set(n === a.length ? a : a.subarray(0, n), p >> 2);
    return p;
  }

  /** Pointer to a copy of the bytes (byte arrays are never pool buffers). */
  inputBytes(a: Uint8Array): number {
    const p = this.alloc(a.length);
    new Uint8Array(this.f32.buffer, p, a.length).set(a);
    return p;
  }

  inputI32(a: Int32Array, n: number): number {
    if (this.owns(a)) return a.byteOffset;
    const p = this.alloc(n * 4);
    this.i32.set(n === a.length ? a : a.subarray(0, n), p >> 2);
    return p;
  }

  output(a: Float32Array | Int32Array, n: number): number {
    return this.owns(a) ? a.byteOffset : this.alloc(n * 4);
  }

  copyOut(a: Float32Array, p: number, n: number): void {
    if (!this.owns(a)) a.set(this.f32.subarray(p >> 2, (p >> 2) + n));
  }

  copyOutI32(a: Int32Array, p: number, n: number): void {
    if (!this.owns(a)) a.set(this.i32.subarray(p >> 2, (p >> 2) + n));
  }
}
