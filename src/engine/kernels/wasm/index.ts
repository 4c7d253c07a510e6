/**
 * The fast kernels: the AssemblyScript SIMD module from asm/ behind the `Kernels` interface,
 * optionally on several threads that share one WebAssembly memory. Each call copies its
 * inputs into a per-call arena inside that memory, runs the op, and copies the outputs back;
 * the arena is reused, so steady-state calls allocate nothing. Arrays allocated from `buffers`
 * already live in that memory and skip the copies. Semantics are the reference kernels'
 * (gemm.ts, conv.ts, pool.ts, elementwise.ts), to float rounding; results do not depend on the thread
 * count. Convolutions take im2col + GEMM or a direct path by shape (prefersDirectConv in ops.ts).
 *
 * Pure engine code: only WebAssembly, SharedArrayBuffer and Atomics. Workers come from an
 * injected `spawnWorker` (see node-threads.ts and web-threads.ts); without one, or without
 * SharedArrayBuffer, it runs on one thread, and without WebAssembly SIMD it hands back the
 * reference kernels, saying why in `fallback`.
 */
import { referenceKernels, type KernelBuffers, type Kernels } from '../index.js';

export type { KernelBuffers };
export type { DirectConvMode };
export { prefersDirectConv } from './ops.js';
import { Arena } from './arena.js';
import { wasmBinaries } from './kernels.wasm.generated.js';
import { CTRL } from './layout.js';
import { makeKernelOps, type DirectConvMode, type ModuleExports } from './ops.js';
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
   * Fused multiply-add from relaxed SIMD. Default: wherever the host validates relaxed SIMD
   * (browsers; Node 20 behind --experimental-wasm-relaxed-simd, which selectNodeKernels sets).
   * About a quarter faster on LeNet training (`npm run bench -- --no-fma` for the other build).
   * Fused or not is the CPU's choice for relaxed SIMD, so bits can differ between machines
   * (every x86-64 CPU with FMA3 and every ARM64 one fuses); false gives the same bits everywhere.
   */
  fma?: boolean;
  /**
   * Use a shared memory on one thread too, so that `buffers` is available (needs SharedArrayBuffer).
   * Default: wherever SharedArrayBuffer is available. With buffers, training keeps the model's
   * parameters and each step's tensors in the kernels' memory; measured on one thread that trains
   * the zoo's mlp ~28% and tiny ~17% faster than copying into the kernels every call.
   */
  sharedMemory?: boolean;
  /** Ops with fewer multiply-adds (pooling counts 8 per input element) than this run on one thread (default 2^22). */
  minParallelWork?: number;
  /**
   * Convolution algorithm: 'auto' (default) picks direct convolution for few channels and
   * im2col + GEMM otherwise (see prefersDirectConv); 'always' and 'never' force one, for tests
   * and measurements.
   */
  directConv?: DirectConvMode;
}

/**
 * Buffers inside the kernels' shared memory: kernel calls use them in place, with no copy in
 * or out, and they cost the garbage collector nothing. A stack: release(mark) frees everything
 * allocated since mark() at once, and a released buffer's contents are overwritten by later
 * buffers, so a step's tensors can live here only if nothing keeps them past the release.
 */
/** Kernels plus what they turned out to be. */
export interface FastKernels extends Kernels {
  readonly threads: number;
  readonly fma: boolean;
  /** Why these kernels are less than what was asked for, or null when nothing fell back. */
  readonly fallback: string | null;
  /** Buffers in kernel memory; null unless the memory is shared (its views must survive growth). */
  readonly buffers: KernelBuffers | null;
  /** Stops the workers; later calls still work, on one thread. */
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

// About 0.2 ms of work on one thread. Measured in training steps at batch 64 (`npm run bench --
// --only convscope --models tiny,lenet`, two runs of 3 rounds each): at 2^20, tiny's convolutions
// (about 2M multiply-adds) went to both threads and 2 threads trained at 60–71k img/s against 84k
// on one; at 2^22 they stay on one and 2 threads match one (85–90k), while LeNet's big ops
// (18M and more) are split either way (no change within noise). Longer spinning before a worker
// sleeps did not close the gap, so it is the split of small ops itself that does not pay.
const DEFAULT_MIN_PARALLEL_WORK = 1 << 22;
const MAX_THREADS = 63;
const WORKER_START_TIMEOUT_MS = 20000;

function asExports(e: Record<string, unknown>): ModuleExports {
  for (const name of ['heapBase', 'init', 'scratchBytes', 'exec', 'stopWorkers', 'zeroBytes']) {
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
  return { ...referenceKernels, threads: 1, fma: false, fallback: reason, buffers: null, dispose: async () => {} };
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
  const fmaOk = opts.fma !== false && api.validate(bins.stFma);
  if (opts.fma === true && !fmaOk) {
    notes.push('fma: relaxed SIMD is not supported here (Node 20 needs --experimental-wasm-relaxed-simd), using mul+add');
  }
  const fma = fmaOk;

  const sharedOk = typeof SharedArrayBuffer !== 'undefined' && api.validate(bins.mt);
  if (opts.sharedMemory === true && !sharedOk) {
    notes.push('sharedMemory: shared WebAssembly memory is unavailable here, so there are no kernel buffers');
  }
  const shared = threads > 1 || (opts.sharedMemory !== false && sharedOk);
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
  const arena = new Arena(memory, arenaBase, shared, (p, n) => ex.zeroBytes(p, n));
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

  const state = { threads, minParallelWork: opts.minParallelWork ?? DEFAULT_MIN_PARALLEL_WORK, directConv: opts.directConv ?? 'auto' };
  const ops = makeKernelOps(ex, arena, ctrl, state);
  let disposed = false;
  const buffers: KernelBuffers | null = shared
    ? {
        // allocate first: it may grow the memory, and the view must be on the grown buffer
        f32: (n) => {
          const p = arena.poolAlloc(n * 4);
          return new Float32Array(arena.f32.buffer, p, n);
        },
        i32: (n) => {
          const p = arena.poolAlloc(n * 4);
          return new Int32Array(arena.i32.buffer, p, n);
        },
        mark: () => arena.poolMark(),
        release: (m) => arena.poolRelease(m),
        zero: (a) => {
          if (arena.owns(a)) ex.zeroBytes(a.byteOffset, a.byteLength);
          else a.fill(0);
        },
      }
    : null;
  return {
    name: 'wasm',
    threads,
    fma,
    fallback: notes.length > 0 ? notes.join('; ') : null,
    buffers,
    ...ops,
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      // Later calls, if any, must not wait at a barrier for workers that are gone.
      state.threads = 1;
      ex.stopWorkers();
      for (const w of workers) w.terminate();
      workers = [];
    },
  };
}
