/**
 * The contract between this folder and the AssemblyScript module in asm/: op codes, the
 * control block's byte offsets and each op's argument slots. asm/threads.ts, asm/index.ts and
 * the arg comments at the top of asm/gemm.ts, asm/conv.ts and asm/pool.ts hold the other side;
 * the agreement tests in this folder fail if the two drift apart.
 */

export const OP = {
  gemm: 1,
  convForward: 2,
  convBackward: 3,
  maxPoolForward: 4,
  maxPoolBackward: 5,
  avgPoolForward: 6,
  avgPoolBackward: 7,
  directConvForward: 8,
  directConvBackward: 9,
  reluForward: 10,
  reluBackward: 11,
  sigmoidForward: 12,
  sigmoidBackward: 13,
  standardize: 14,
  scaleBytes: 15,
  sgdStep: 16,
  adamStep: 17,
  sumSquares: 18,
} as const;

/** Byte offsets inside the control block. */
export const CTRL = {
  gen: 0,
  quit: 192,
  op: 196,
  scratch: 200,
  args: 256,
  bytes: 512,
} as const;

/** gemm flags (arg 6). */
export const GEMM_FLAG = { transA: 1, transB: 2, accumulate: 4 } as const;

/** Argument slots (i32 each, pointers are byte addresses). */
export const ARG = {
  gemm: { M: 0, N: 1, K: 2, a: 3, b: 4, c: 5, flags: 6 },
  // conv dims take slots 0..14 in Conv2dDims order (see convDims in index.ts)
  convForward: { x: 15, w: 16, b: 17, y: 18 },
  convBackward: { x: 15, w: 16, dy: 17, dx: 18, dw: 19, db: 20 },
  // pool dims take slots 0..7: N, C, H, W, size, stride, oH, oW
  pool: { x: 8, y: 9, argmax: 10 },
  // the direct conv ops take the conv slots of convForward and convBackward
  elementwise: { n: 0, out: 1, a: 2, b: 3 },
  // standardize's mean and 1/std, scaleBytes' scale and shift: f64 at these byte offsets of the
  // argument block (slots 4–7)
  inputPrepBytes: { first: 16, second: 24 },
  // optimizer steps (asm/optimizer.ts): i32 slots, then f64 hyperparameters at byte offsets
  optimizer: { n: 0, w: 1, g: 2, s1: 3, s2: 4, flags: 5 },
  sgdBytes: { lr: 32, momentum: 40, lambda: 48 },
  // reductions (asm/reduce.ts): n and x, the f64 result written back at this byte offset
  reduce: { n: 0, x: 1, resultByte: 16 },
  adamBytes: { lr: 32, lambda: 40, beta1: 48, oneMinusBeta1: 56, beta2: 64, oneMinusBeta2: 72, c1: 80, c2: 88, eps: 96, lrLambda: 104 },
} as const;
