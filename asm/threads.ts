// Thread coordination inside one shared WebAssembly memory: a control block that carries the
// current job (its op code and arguments), a job counter the workers wait on, and a barrier.
// Every op is written SPMD-style, `op(tid, nt)`, and runs unchanged with nt = 1 in the
// single-threaded build, where THREADS is 0 and every atomic below compiles away.
// It deliberately holds no scheduling policy: the JS side decides how many threads a call uses.

/** Byte offsets inside the control block; mirrored in src/engine/kernels/wasm/layout.ts. */
// GEN packs (job counter << 6 | thread count) into one word so a worker never pairs a new
// counter with a stale count. Counters sit on their own cache lines.
export const GEN: usize = 0;
export const BAR_COUNT: usize = 64;
export const BAR_GEN: usize = 128;
export const QUIT: usize = 192;
export const OP: usize = 196;
export const SCRATCH: usize = 200;
export const ARGS: usize = 256;
export const CTRL_BYTES: usize = 512;

/** Where the control block lives (set per instance by init()). */
export let ctrl: usize = 0;
/** False on a browser's main thread, where memory.atomic.wait traps: it spins instead. */
let canBlock: bool = true;

const SPIN_BARRIER: i32 = 1 << 14;
const SPIN_JOB: i32 = 1 << 16;

export function setCtrl(at: usize, block: bool): void {
  ctrl = at;
  canBlock = block;
}

@inline export function argI(i: i32): i32 {
  return load<i32>(ctrl + ARGS + (<usize>i << 2));
}
@inline export function argP(i: i32): usize {
  return <usize>load<u32>(ctrl + ARGS + (<usize>i << 2));
}
/** An f64 argument at a byte offset (a multiple of 8) inside the argument block. */
@inline export function argF64(byteOffset: i32): f64 {
  return load<f64>(ctrl + ARGS + <usize>byteOffset);
}
@inline export function scratchBase(): usize {
  return <usize>load<u32>(ctrl + SCRATCH);
}

/** First item of thread `tid`'s share when `total` items are split into `nt` contiguous runs. */
@inline export function share(total: i32, tid: i32, nt: i32): i32 {
  return <i32>((<i64>total * tid) / nt);
}

function waitWhileEqual(addr: usize, value: i32, spins: i32): void {
  if (THREADS) {
    let s = 0;
    while (atomic.load<i32>(addr) == value) {
      if (s < spins) {
        s++;
      } else if (canBlock) {
        atomic.wait<i32>(addr, value, -1);
      }
    }
  }
}

/** All nt threads of the current job meet here; memory written before is visible after. */
export function barrier(nt: i32): void {
  if (THREADS) {
    if (nt <= 1) return;
    const g = atomic.load<i32>(ctrl + BAR_GEN);
    if (atomic.add<i32>(ctrl + BAR_COUNT, 1) == nt - 1) {
      atomic.store<i32>(ctrl + BAR_COUNT, 0);
      atomic.store<i32>(ctrl + BAR_GEN, g + 1);
      atomic.notify(ctrl + BAR_GEN, -1);
    } else {
      waitWhileEqual(ctrl + BAR_GEN, g, SPIN_BARRIER);
    }
  }
}

/** Publishes the job already written to the control block to nt - 1 workers. */
export function publish(nt: i32): void {
  if (THREADS) {
    const g = atomic.load<i32>(ctrl + GEN);
    atomic.store<i32>(ctrl + GEN, (((g >>> 6) + 1) << 6) | nt);
    atomic.notify(ctrl + GEN, -1);
  }
}

/** Waits until the job word moves past `seen` and returns the new word (counter << 6 | nt). */
export function nextJob(seen: i32): i32 {
  if (THREADS) {
    waitWhileEqual(ctrl + GEN, seen, SPIN_JOB);
    return atomic.load<i32>(ctrl + GEN);
  }
  return seen;
}

@inline export function quitting(): bool {
  if (THREADS) return atomic.load<i32>(ctrl + QUIT) != 0;
  return true;
}

/** Asks every worker to leave serve(). */
export function quit(): void {
  if (THREADS) {
    atomic.store<i32>(ctrl + QUIT, 1);
    const g = atomic.load<i32>(ctrl + GEN);
    atomic.store<i32>(ctrl + GEN, (((g >>> 6) + 1) << 6));
    atomic.notify(ctrl + GEN, -1);
  }
}
