/**
 * The fast kernels: the AssemblyScript SIMD module from asm/ behind the `Kernels` interface,
 * optionally on several threads that share one WebAssembly memory. Each call copies its
 * inputs into a per-call arena inside that memory (skipped for arrays that already live there),
 * runs the op, and copies the outputs back; the arena is reused, so steady-state calls allocate
 * nothing. Semantics are the reference kernels' (gemm.ts, conv.ts, pool.ts), to float rounding.
 *
 * Pure engine code: only WebAssembly, SharedArrayBuffer and Atomics. Workers come from an
 * injected `spawnWorker` (see node-threads.ts and web-threads.ts); without one, or without
 * SharedArrayBuffer, it runs on one thread, and without WebAssembly SIMD it hands back the
 * reference kernels, saying why in `fallback`.
 */
import { referenceKernels, type Conv2dDims, type GemmDims, type Kernels, type Pool2dDims } from '../index.js';
import { ShapeError } from '../../errors.js';
import { wasmBinaries } from './kernels.wasm.generated.js';
import { ARG, CTRL, GEMM_FLAG, OP } from './layout.js';
import { decodeBase64, wasmApi, type WasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';

/** A worker running the kernel worker script (node-threads.ts, web-threads.ts). */
export interface KernelWorker {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: unknown) => void): void;
  terminate(): void;
}

/** Starts one worker that runs the kernel worker script. */
export type SpawnWorker = () => KernelWorker;

export interface WasmKernelOptions {
  /** Threads per op, the calling one included (default 1). Needs spawnWorker and SharedArrayBuffer when > 1. */
  threads?: number;
  spawnWorker?: SpawnWorker;
  /**
   * Use fused multiply-add from relaxed SIMD where the host validates it (Node 20 needs
   * --experimental-wasm-relaxed-simd). Faster, but bytes then depend on the CPU; default false.
   */
  fma?: boolean;
  /** Ops with fewer multiply-adds (or elements, for pooling) than this run on one thread. */
  minParallelWork?: number;
}

/** Kernels plus what they turned out to be. */
export interface FastKernels extends Kernels {
  readonly threads: number;
  readonly fma: boolean;
  /** Why these kernels are less than what was asked for, or null when nothing fell back. */
  readonly fallback: string | null;
  /** Stops the workers; the kernels must not be used afterwards. */
  dispose(): Promise<void>;
}

/** Message a worker receives once; it replies { ready: true } or { error }. */
export interface KernelWorkerInit {
  module: WasmModule;
  memory: WasmMemory;
  ctrl: number;
  tid: number;
  seen: number;
}

const PAGE = 65536;
const DEFAULT_MIN_PARALLEL_WORK = 1 << 18;
const MAX_THREADS = 63;
const WORKER_START_TIMEOUT_MS = 20000;

interface ModuleExports {
  heapBase(): number;
  init(ctrl: number, canBlock: number): void;
  scratchBytes(op: number, nt: number): number;
  exec(op: number, nt: number): void;
  stopWorkers(): void;
}

function asExports(e: Record<string, unknown>): ModuleExports {
  for (const name of ['heapBase', 'init', 'scratchBytes', 'exec', 'stopWorkers']) {
    if (typeof e[name] !== 'function') throw new Error(`kernel module lacks export ${name}`);
  }
  return e as unknown as ModuleExports;
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

function fallbackKernels(reason: string): FastKernels {
  return { ...referenceKernels, threads: 1, fma: false, fallback: reason, dispose: async () => {} };
}

/** The per-call arena inside the module's memory, and the typed views on it. */
class Arena {
  f32: Float32Array;
  i32: Int32Array;
  /** Every buffer object the memory has had: a shared memory's old views stay valid after growth. */
  private readonly known: (ArrayBuffer | SharedArrayBuffer)[] = [];
  private top: number;
  /** Bytes in the memory; only this arena grows it, so no need to ask (slow for shared memory). */
  private capacity: number;

  constructor(
    readonly memory: WasmMemory,
    readonly base: number,
    private readonly shared: boolean,
  ) {
    const buf = memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.known.push(buf);
    this.capacity = buf.byteLength;
    this.top = base;
  }

  reset(): void {
    this.top = this.base;
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
    this.memory.grow(Math.max(need, Math.ceil(this.capacity / PAGE / 4)));
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

/** Refuses an array shorter than the dims need; the dims are only described on failure. */
function need<D>(op: string, name: string, a: { length: number } | null, n: number, describe: (d: D) => string, d: D): void {
  if (a !== null && a.length < n) throw new ShapeError(`wasm ${op}: ${name} has ${a.length} values, ${describe(d)} needs ${n}`);
}

const gemmText = (d: GemmDims): string => `M=${d.M} N=${d.N} K=${d.K}`;
const convText = (d: Conv2dDims): string => `N=${d.N} C=${d.C} H=${d.H} W=${d.W} outC=${d.outC} k=${d.kH}x${d.kW} o=${d.oH}x${d.oW}`;
const poolText = (d: Pool2dDims): string => `N=${d.N} C=${d.C} H=${d.H} W=${d.W} size=${d.size} stride=${d.stride}`;

/** Builds the Kernels object over one instantiated module. */
function makeKernels(
  ex: ModuleExports,
  arena: Arena,
  ctrl: number,
  threads: number,
  minPar: number,
): Pick<Kernels, 'gemm' | 'conv2dForward' | 'conv2dBackward' | 'maxPoolForward' | 'maxPoolBackward' | 'avgPoolForward' | 'avgPoolBackward'> {
  const argBase = (ctrl + CTRL.args) >> 2;
  const setArg = (slot: number, v: number): void => {
    arena.i32[argBase + slot] = v;
  };
  const run = (op: number, work: number): void => {
    const nt = threads > 1 && work >= minPar ? threads : 1;
    const bytes = ex.scratchBytes(op, nt);
    const scratch = bytes > 0 ? arena.alloc(bytes) : 0;
    arena.i32[(ctrl + CTRL.scratch) >> 2] = scratch;
    ex.exec(op, nt);
  };
  // slots 0..14 in Conv2dDims order
  const setConvDims = (d: Conv2dDims): void => {
    const a = arena.i32;
    a[argBase] = d.N;
    a[argBase + 1] = d.C;
    a[argBase + 2] = d.H;
    a[argBase + 3] = d.W;
    a[argBase + 4] = d.outC;
    a[argBase + 5] = d.kH;
    a[argBase + 6] = d.kW;
    a[argBase + 7] = d.strideH;
    a[argBase + 8] = d.strideW;
    a[argBase + 9] = d.padTop;
    a[argBase + 10] = d.padLeft;
    a[argBase + 11] = d.dilationH;
    a[argBase + 12] = d.dilationW;
    a[argBase + 13] = d.oH;
    a[argBase + 14] = d.oW;
  };
  // slots 0..7: N, C, H, W, size, stride, oH, oW
  const setPoolDims = (d: Pool2dDims): void => {
    const a = arena.i32;
    a[argBase] = d.N;
    a[argBase + 1] = d.C;
    a[argBase + 2] = d.H;
    a[argBase + 3] = d.W;
    a[argBase + 4] = d.size;
    a[argBase + 5] = d.stride;
    a[argBase + 6] = d.oH;
    a[argBase + 7] = d.oW;
  };

  return {
    gemm(c: Float32Array, a: Float32Array, b: Float32Array, dims: GemmDims): void {
      const { M, N, K } = dims;
      const acc = dims.accumulate === true;
      if (M === 0 || N === 0) return;
      need('gemm', 'c', c, M * N, gemmText, dims);
      if (K === 0) {
        if (!acc) c.fill(0, 0, M * N);
        return;
      }
      need('gemm', 'a', a, M * K, gemmText, dims);
      need('gemm', 'b', b, K * N, gemmText, dims);
      arena.reset();
      const pa = arena.input(a, M * K);
      const pb = arena.input(b, K * N);
      const pc = acc ? arena.input(c, M * N) : arena.output(c, M * N);
      const g = ARG.gemm;
      setArg(g.M, M);
      setArg(g.N, N);
      setArg(g.K, K);
      setArg(g.a, pa);
      setArg(g.b, pb);
      setArg(g.c, pc);
      setArg(g.flags, (dims.transA ? GEMM_FLAG.transA : 0) | (dims.transB ? GEMM_FLAG.transB : 0) | (acc ? GEMM_FLAG.accumulate : 0));
      run(OP.gemm, M * N * K);
      arena.copyOut(c, pc, M * N);
    },

    conv2dForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, d: Conv2dDims): void {
      const K = d.C * d.kH * d.kW;
      const P = d.oH * d.oW;
      const nx = d.N * d.C * d.H * d.W;
      const ny = d.N * d.outC * P;
      if (ny === 0) return;
      need('conv2dForward', 'x', x, nx, convText, d);
      need('conv2dForward', 'w', w, d.outC * K, convText, d);
      need('conv2dForward', 'b', b, d.outC, convText, d);
      need('conv2dForward', 'y', y, ny, convText, d);
      arena.reset();
      const f = ARG.convForward;
      setConvDims(d);
      setArg(f.x, arena.input(x, nx));
      setArg(f.w, arena.input(w, d.outC * K));
      setArg(f.b, arena.input(b, d.outC));
      const py = arena.output(y, ny);
      setArg(f.y, py);
      run(OP.convForward, ny * K);
      arena.copyOut(y, py, ny);
    },

    conv2dBackward(dx, dw, db, dy, x, w, d): void {
      const K = d.C * d.kH * d.kW;
      const P = d.oH * d.oW;
      const nx = d.N * d.C * d.H * d.W;
      const ny = d.N * d.outC * P;
      need('conv2dBackward', 'dy', dy, ny, convText, d);
      need('conv2dBackward', 'dx', dx, nx, convText, d);
      need('conv2dBackward', 'dw', dw, d.outC * K, convText, d);
      need('conv2dBackward', 'db', db, d.outC, convText, d);
      if (dw !== null) need('conv2dBackward', 'x', x, nx, convText, d);
      if (dx !== null) need('conv2dBackward', 'w', w, d.outC * K, convText, d);
      if (ny === 0) {
        if (dx !== null) dx.fill(0, 0, nx);
        return;
      }
      arena.reset();
      const g = ARG.convBackward;
      setConvDims(d);
      setArg(g.dy, arena.input(dy, ny));
      setArg(g.x, dw !== null ? arena.input(x, nx) : 0);
      setArg(g.w, dx !== null ? arena.input(w, d.outC * K) : 0);
      const pdx = dx !== null ? arena.output(dx, nx) : 0;
      const pdw = dw !== null ? arena.input(dw, d.outC * K) : 0;
      const pdb = db !== null ? arena.input(db, d.outC) : 0;
      setArg(g.dx, pdx);
      setArg(g.dw, pdw);
      setArg(g.db, pdb);
      run(OP.convBackward, ny * K * ((dx !== null ? 1 : 0) + (dw !== null ? 1 : 0)));
      if (dx !== null) arena.copyOut(dx, pdx, nx);
      if (dw !== null) arena.copyOut(dw, pdw, d.outC * K);
      if (db !== null) arena.copyOut(db, pdb, d.outC);
    },

    maxPoolForward(y: Float32Array, argmax: Int32Array, x: Float32Array, d: Pool2dDims): void {
      const nx = d.N * d.C * d.H * d.W;
      const ny = d.N * d.C * d.oH * d.oW;
      if (ny === 0) return;
      need('maxPoolForward', 'x', x, nx, poolText, d);
      need('maxPoolForward', 'y', y, ny, poolText, d);
      need('maxPoolForward', 'argmax', argmax, ny, poolText, d);
      arena.reset();
      const p = ARG.pool;
      setPoolDims(d);
      setArg(p.x, arena.input(x, nx));
      const py = arena.output(y, ny);
      const pa = arena.output(argmax, ny);
      setArg(p.y, py);
      setArg(p.argmax, pa);
      run(OP.maxPoolForward, nx);
      arena.copyOut(y, py, ny);
      arena.copyOutI32(argmax, pa, ny);
    },

    maxPoolBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, d: Pool2dDims): void {
      const nx = d.N * d.C * d.H * d.W;
      const ny = d.N * d.C * d.oH * d.oW;
      need('maxPoolBackward', 'dx', dx, nx, poolText, d);
      need('maxPoolBackward', 'dy', dy, ny, poolText, d);
      need('maxPoolBackward', 'argmax', argmax, ny, poolText, d);
      if (nx === 0) return;
      arena.reset();
      const p = ARG.pool;
      setPoolDims(d);
      const pdx = arena.output(dx, nx);
      setArg(p.x, pdx);
      setArg(p.y, arena.input(dy, ny));
      setArg(p.argmax, arena.inputI32(argmax, ny));
      run(OP.maxPoolBackward, nx);
      arena.copyOut(dx, pdx, nx);
    },

    avgPoolForward(y: Float32Array, x: Float32Array, d: Pool2dDims): void {
      const nx = d.N * d.C * d.H * d.W;
      const ny = d.N * d.C * d.oH * d.oW;
      if (ny === 0) return;
      need('avgPoolForward', 'x', x, nx, poolText, d);
      need('avgPoolForward', 'y', y, ny, poolText, d);
      arena.reset();
      const p = ARG.pool;
      setPoolDims(d);
      setArg(p.x, arena.input(x, nx));
      const py = arena.output(y, ny);
      setArg(p.y, py);
      run(OP.avgPoolForward, nx);
      arena.copyOut(y, py, ny);
    },

    avgPoolBackward(dx: Float32Array, dy: Float32Array, d: Pool2dDims): void {
      const nx = d.N * d.C * d.H * d.W;
      const ny = d.N * d.C * d.oH * d.oW;
      need('avgPoolBackward', 'dx', dx, nx, poolText, d);
      need('avgPoolBackward', 'dy', dy, ny, poolText, d);
      if (nx === 0) return;
      arena.reset();
      const p = ARG.pool;
      setPoolDims(d);
      const pdx = arena.output(dx, nx);
      setArg(p.x, pdx);
      setArg(p.y, arena.input(dy, ny));
      run(OP.avgPoolBackward, nx);
      arena.copyOut(dx, pdx, nx);
    },
  };
}

function isReady(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { ready?: unknown }).ready === true;
}

function errorText(m: unknown): string {
  if (typeof m === 'object' && m !== null && 'error' in m) return String((m as { error: unknown }).error);
  return `unexpected message ${JSON.stringify(m)}`;
}

function timeout(ms: number, what: string): Promise<never> {
  const set = (globalThis as { setTimeout?: (cb: () => void, ms: number) => { unref?: () => void } }).setTimeout;
  return new Promise((_, reject) => {
    if (set === undefined) return;
    const t = set(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    t.unref?.();
  });
}

async function startWorkers(spawn: SpawnWorker, count: number, init: Omit<KernelWorkerInit, 'tid'>): Promise<KernelWorker[]> {
  const workers: KernelWorker[] = [];
  try {
    const ready: Promise<void>[] = [];
    for (let tid = 1; tid <= count; tid++) {
      const w = spawn();
      workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.onMessage((m) => (isReady(m) ? resolve() : reject(new Error(`kernel worker ${tid}: ${errorText(m)}`))));
          w.onError((e) => reject(new Error(`kernel worker ${tid}: ${e instanceof Error ? e.message : String(e)}`)));
        }),
      );
      const msg: KernelWorkerInit = { ...init, tid };
      w.postMessage(msg);
    }
    await Promise.race([Promise.all(ready), timeout(WORKER_START_TIMEOUT_MS, 'kernel workers')]);
    return workers;
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  }
}

/**
 * Instantiates the SIMD kernels. Resolves to the reference kernels (with `fallback` saying why)
 * where WebAssembly SIMD is missing, and to one thread where threads cannot be had.
 */
export async function createWasmKernels(opts: WasmKernelOptions = {}): Promise<FastKernels> {
  const wanted = opts.threads ?? 1;
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_THREADS) {
    throw new RangeError(`createWasmKernels: threads must be an integer in 1..${MAX_THREADS}, got ${wanted}`);
  }
  const api: WasmApi | undefined = wasmApi();
  if (api === undefined) return fallbackKernels('WebAssembly is not available in this environment');
  const bins = {
    st: decodeBase64(wasmBinaries.st),
    mt: decodeBase64(wasmBinaries.mt),
    stFma: decodeBase64(wasmBinaries.stFma),
    mtFma: decodeBase64(wasmBinaries.mtFma),
  };
  if (!api.validate(bins.st)) return fallbackKernels('WebAssembly SIMD (128-bit) is not supported by this engine');

  const notes: string[] = [];
  let threads = wanted;
  if (threads > 1) {
    if (typeof SharedArrayBuffer === 'undefined') {
      notes.push(`threads: SharedArrayBuffer is unavailable (a page must be cross-origin isolated), running 1 thread instead of ${wanted}`);
    } else if (opts.spawnWorker === undefined) {
      notes.push(`threads: no spawnWorker was given, running 1 thread instead of ${wanted}`);
    } else if (!api.validate(bins.mt)) {
      notes.push(`threads: WebAssembly threads are not supported, running 1 thread instead of ${wanted}`);
    }
    if (notes.length > 0) threads = 1;
  }
  let fma = opts.fma === true;
  if (fma && !api.validate(bins.stFma)) {
    notes.push('fma: relaxed SIMD is not supported here (Node 20 needs --experimental-wasm-relaxed-simd), using mul+add');
    fma = false;
  }

  const shared = threads > 1;
  let memory: WasmMemory;
  if (shared) {
    try {
      memory = new api.Memory({ initial: 64, maximum: 16384, shared: true });
    } catch {
      memory = new api.Memory({ initial: 64, maximum: 4096, shared: true });
    }
  } else {
    memory = new api.Memory({ initial: 64 });
  }
  const bytes = shared ? (fma ? bins.mtFma : bins.mt) : fma ? bins.stFma : bins.st;
  const module = await api.compile(bytes);
  const instance = await api.instantiate(module, { env: { memory } });
  const ex = asExports(instance.exports);
  const ctrl = (ex.heapBase() + 63) & ~63;
  const arenaBase = ctrl + CTRL.bytes;
  const arena = new Arena(memory, arenaBase, shared);
  arena.alloc(0);
  ex.init(ctrl, shared && !canBlockHere() ? 0 : 1);

  let workers: KernelWorker[] = [];
  if (shared && opts.spawnWorker !== undefined) {
    const seen = Atomics.load(arena.i32, (ctrl + CTRL.gen) >> 2);
    try {
      workers = await startWorkers(opts.spawnWorker, threads - 1, { module, memory, ctrl, seen });
    } catch (e) {
      notes.push(`threads: workers failed to start (${e instanceof Error ? e.message : String(e)}), running 1 thread`);
      threads = 1;
    }
  }

  const ops = makeKernels(ex, arena, ctrl, threads, opts.minParallelWork ?? DEFAULT_MIN_PARALLEL_WORK);
  let disposed = false;
  return {
    name: 'wasm',
    threads,
    fma,
    fallback: notes.length > 0 ? notes.join('; ') : null,
    ...ops,
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      ex.stopWorkers();
      for (const w of workers) w.terminate();
      workers = [];
    },
  };
}
