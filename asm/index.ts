// Entry of the kernels module: the op table and the two ways in. The thread that calls exec()
// runs as thread 0 and publishes the job to workers parked in workerLoop() on the same shared
// memory. The JS side (src/engine/kernels/wasm/) owns the memory layout: it places the control
// block, writes each op's arguments, asks scratchBytes() how much room the op needs and hands it
// a scratch region. Nothing here allocates: no runtime heap, no static data.
import { CTRL_BYTES, OP, barrier, ctrl, nextJob, publish, quit, quitting, setCtrl } from './threads';
import { gemmOp, gemmScratch } from './gemm';
import { convBackwardOp, convBackwardScratch, convForwardOp, convForwardScratch } from './conv';
import { avgPoolBackwardOp, avgPoolForwardOp, maxPoolBackwardOp, maxPoolForwardOp } from './pool';
import { directBackwardOp, directBackwardScratch, directForwardOp, directForwardScratch } from './direct';
import { adamStepOp, sgdStepOp } from './optimizer';
import { sumSquaresOp } from './reduce';
import { scaleBytesOp, reluBackwardOp, reluForwardOp, sigmoidBackwardOp, sigmoidForwardOp, standardizeOp } from './elementwise';

// op codes; mirrored in src/engine/kernels/wasm/layout.ts
const OP_GEMM = 1, OP_CONV_FWD = 2, OP_CONV_BWD = 3, OP_MAX_FWD = 4, OP_MAX_BWD = 5, OP_AVG_FWD = 6, OP_AVG_BWD = 7;
const OP_DIRECT_FWD = 8, OP_DIRECT_BWD = 9, OP_RELU_FWD = 10, OP_RELU_BWD = 11, OP_SIGMOID_FWD = 12, OP_SIGMOID_BWD = 13;
const OP_STANDARDIZE = 14, OP_SCALE_BYTES = 15, OP_SGD_STEP = 16, OP_ADAM_STEP = 17, OP_SUM_SQUARES = 18;

function runOp(op: i32, tid: i32, nt: i32): void {
  switch (op) {
    case OP_GEMM: gemmOp(tid, nt); break;
    case OP_CONV_FWD: convForwardOp(tid, nt); break;
    case OP_CONV_BWD: convBackwardOp(tid, nt); break;
    case OP_MAX_FWD: maxPoolForwardOp(tid, nt); break;
    case OP_MAX_BWD: maxPoolBackwardOp(tid, nt); break;
    case OP_AVG_FWD: avgPoolForwardOp(tid, nt); break;
    case OP_AVG_BWD: avgPoolBackwardOp(tid, nt); break;
    case OP_DIRECT_FWD: directForwardOp(tid, nt); break;
    case OP_DIRECT_BWD: directBackwardOp(tid, nt); break;
    case OP_RELU_FWD: reluForwardOp(tid, nt); break;
    case OP_RELU_BWD: reluBackwardOp(tid, nt); break;
    case OP_SIGMOID_FWD: sigmoidForwardOp(tid, nt); break;
    case OP_SIGMOID_BWD: sigmoidBackwardOp(tid, nt); break;
    case OP_STANDARDIZE: standardizeOp(tid, nt); break;
    case OP_SCALE_BYTES: scaleBytesOp(tid, nt); break;
    case OP_SGD_STEP: sgdStepOp(tid, nt); break;
    case OP_ADAM_STEP: adamStepOp(tid, nt); break;
    case OP_SUM_SQUARES: sumSquaresOp(tid, nt); break;
    default: unreachable();
  }
}

/** First byte the JS side may use (the module keeps no data of its own below it). */
export function heapBase(): usize {
  return __heap_base;
}

export function ctrlBytes(): usize {
  return CTRL_BYTES;
}

/**
 * Zeroes n bytes at p. The JS side zeroes new kernel buffers through this: a typed array's
 * fill() on a shared memory runs several times slower than this memset.
 */
export function zeroBytes(p: usize, n: usize): void {
  memory.fill(p, 0, n);
}

/** Binds this instance to the control block; canBlock = 0 on threads that must not wait. */
export function init(at: usize, canBlock: i32): void {
  setCtrl(at, canBlock != 0);
}

/** Scratch bytes the op whose arguments are in the control block needs with nt threads. */
export function scratchBytes(op: i32, nt: i32): usize {
  switch (op) {
    case OP_GEMM: return gemmScratch(nt);
    case OP_CONV_FWD: return convForwardScratch(nt);
    case OP_CONV_BWD: return convBackwardScratch(nt);
    case OP_DIRECT_FWD: return directForwardScratch(nt);
    case OP_DIRECT_BWD: return directBackwardScratch(nt);
    default: return 0;
  }
}

/** Runs the op on nt threads (this one included) and returns when all of them are done. */
export function exec(op: i32, nt: i32): void {
  store<i32>(ctrl + OP, op);
  if (nt > 1) {
    publish(nt);
    runOp(op, 0, nt);
    barrier(nt);
  } else {
    runOp(op, 0, 1);
  }
}

/** A worker's life: park until a job is published, run its share, meet the others, repeat. */
export function workerLoop(tid: i32, seen: i32): void {
  while (true) {
    seen = nextJob(seen);
    if (quitting()) return;
    const nt = seen & 63;
    if (tid < nt) {
      runOp(load<i32>(ctrl + OP), tid, nt);
      barrier(nt);
    }
  }
}

/** Releases every worker from workerLoop(). */
export function stopWorkers(): void {
  quit();
}
