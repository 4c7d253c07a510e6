/**
 * The kernel interface the layers call, and the registry that picks an implementation at start-up.
 * `ts` is the plain reference in this folder; a faster implementation plugs in with setKernels()
 * and must agree with the reference (tests compare them on random inputs).
 */
import { withAllocator } from '../tensor.js';
import { gemmReference, type GemmDims } from './gemm.js';
import { conv2dBackwardReference, conv2dForwardReference, type Conv2dDims } from './conv.js';
import {
  avgPoolBackwardReference,
  avgPoolForwardReference,
  maxPoolBackwardReference,
  maxPoolForwardReference,
  type Pool2dDims,
} from './pool.js';
import {
  scaleBytesReference,
  reluBackwardReference,
  reluForwardReference,
  sigmoidBackwardReference,
  sigmoidForwardReference,
  standardizeReference,
} from './elementwise.js';
import { adamStepReference, sgdStepReference, type AdamStep, type SgdStep } from './optimizer-steps.js';
import { sumSquaresReference } from './reduce.js';

export type { GemmDims, Conv2dDims, Pool2dDims, AdamStep, SgdStep };
export { adamStepReference, sgdStepReference, sumSquaresReference };
export {
  scaleBytesReference,
  reluBackwardReference,
  reluForwardReference,
  sigmoidBackwardReference,
  sigmoidForwardReference,
  standardizeReference,
};

/** Arrays inside a fast implementation's own memory, which its ops use in place (no copies). */
export interface KernelBuffers {
  /** A zeroed Float32Array of n values. */
  f32(n: number): Float32Array;
  /** A zeroed Int32Array of n values (e.g. pooling argmax). */
  i32(n: number): Int32Array;
  mark(): number;
  /** Frees everything allocated since `mark`; arrays from then must not be used again. */
  release(mark: number): void;
  /** Sets a to zeros (faster than a.fill(0) on a shared memory, ~8× for LeNet's gradients). */
  zero(a: Float32Array): void;
}

export interface Kernels {
  readonly name: string;
  /** where tensors should live for these kernels to use them in place; absent for the reference */
  readonly buffers?: KernelBuffers | null;
  gemm(c: Float32Array, a: Float32Array, b: Float32Array, dims: GemmDims): void;
  conv2dForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, d: Conv2dDims): void;
  conv2dBackward(
    dx: Float32Array | null,
    dw: Float32Array | null,
    db: Float32Array | null,
    dy: Float32Array,
    x: Float32Array,
    w: Float32Array,
    d: Conv2dDims,
  ): void;
  maxPoolForward(y: Float32Array, argmax: Int32Array, x: Float32Array, d: Pool2dDims): void;
  maxPoolBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, d: Pool2dDims): void;
  avgPoolForward(y: Float32Array, x: Float32Array, d: Pool2dDims): void;
  avgPoolBackward(dx: Float32Array, dy: Float32Array, d: Pool2dDims): void;
  // Elementwise activations over whole arrays (x.length / y.length elements). Optional so that a
  // wrapper of the older interface (e.g. a timing proxy) still works: callers fall back to the
  // reference functions in elementwise.ts.
  /** y = relu(x) */
  reluForward?(y: Float32Array, x: Float32Array): void;
  /** dx = dy · [x > 0] */
  reluBackward?(dx: Float32Array, dy: Float32Array, x: Float32Array): void;
  /** y = σ(x) */
  sigmoidForward?(y: Float32Array, x: Float32Array): void;
  /** dx = dy · y (1 − y), y = σ(x) */
  sigmoidBackward?(dx: Float32Array, dy: Float32Array, y: Float32Array): void;
  /** y = (x − mean) · (1/std) in double precision (the model's input standardisation) */
  standardize?(y: Float32Array, x: Float32Array, mean: number, std: number): void;
  /** y[i] = bytes[i]·scale + shift in double precision (byte pixels to model input) */
  scaleBytes?(y: Float32Array, bytes: Uint8Array, scale: number, shift: number): void;
  /** one SGD update of w (and its momentum v) in place */
  sgdStep?(w: Float32Array, g: Float32Array, v: Float32Array | null, s: SgdStep): void;
  /** one Adam/AdamW update of w, m and v in place */
  adamStep?(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void;
  /** Σ x[i]² in double precision: finite exactly when every value is (the training loop's divergence check) */
  sumSquares(x: Float32Array): number;
}

export const referenceKernels: Kernels = {
  name: 'ts',
  gemm: gemmReference,
  conv2dForward: conv2dForwardReference,
  conv2dBackward: conv2dBackwardReference,
  maxPoolForward: maxPoolForwardReference,
  maxPoolBackward: (dx, dy, argmax) => maxPoolBackwardReference(dx, dy, argmax),
  avgPoolForward: avgPoolForwardReference,
  avgPoolBackward: avgPoolBackwardReference,
  reluForward: reluForwardReference,
  reluBackward: reluBackwardReference,
  sigmoidForward: sigmoidForwardReference,
  sigmoidBackward: sigmoidBackwardReference,
  standardize: standardizeReference,
  scaleBytes: scaleBytesReference,
  sgdStep: sgdStepReference,
  adamStep: adamStepReference,
  sumSquares: sumSquaresReference,
};

let active: Kernels = referenceKernels;

/** The kernels every layer uses now. */
export function kernels(): Kernels {
  return active;
}

/**
 * Runs `fn` with every new tensor placed in the active kernels' own memory (used there in place, no
 * copies, no garbage) and frees them all when it returns. Only for work whose tensors do not
 * escape `fn`: a training step, one evaluation batch. With the reference kernels it just runs `fn`.
 */
export function withKernelScratch<T>(fn: () => T): T {
  const buffers = active.buffers;
  if (!buffers) return fn();
  const mark = buffers.mark();
  try {
    return withAllocator(buffers, fn);
  } finally {
    buffers.release(mark);
  }
}

/** Swaps the implementation (e.g. WebAssembly SIMD); returns the previous one so a test can restore it. */
export function setKernels(k: Kernels): Kernels {
  const previous = active;
  active = k;
  return previous;
}
