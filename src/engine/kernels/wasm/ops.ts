/**
 * The Kernels methods over one instantiated kernel module: each checks its arrays against the
 * dims (cheaply, describing the dims only on failure), copies inputs into the arena, writes the
 * op's arguments into the control block, picks one or all threads by the amount of work, runs
 * the op and copies the outputs back. Semantics are the reference kernels'.
 */
import type { AdamStep, Conv2dDims, GemmDims, Kernels, Pool2dDims, SgdStep } from '../index.js';
import { ShapeError } from '../../errors.js';
import type { Arena } from './arena.js';
import { ARG, CTRL, GEMM_FLAG, OP } from './layout.js';

/** The exports of the kernel module (asm/index.ts). */
export interface ModuleExports {
  heapBase(): number;
  init(ctrl: number, canBlock: number): void;
  scratchBytes(op: number, nt: number): number;
  exec(op: number, nt: number): void;
  stopWorkers(): void;
  zeroBytes(p: number, n: number): void;
}

export type KernelOps = Omit<Kernels, 'name'>;

/** Work of one pooled input element in multiply-adds, for the parallel threshold. */
const POOL_COST = 8;

/** Settings the ops read on every call; dispose() drops threads to 1. */
export interface ThreadState {
  threads: number;
  minParallelWork: number;
  /** which convolution algorithm: by shape ('auto'), always direct, or always im2col + GEMM */
  directConv?: DirectConvMode;
}

export type DirectConvMode = 'auto' | 'always' | 'never';

/**
 * Whether the direct convolution beats im2col + GEMM for these dims and pass, as timed in
 * training steps of the zoo's models at batch 64 on 2 threads (tiny, cnn, LeNet):
 * - forward: direct won on every layer tried, LeNet conv2 (C·kH·kW = 500, outC = 50) included
 *   (3.0 vs 3.9 ms), so it is used up to those sizes; beyond them GEMM's blocking is untested
 *   against it and keeps the job;
 * - backward: direct wins only while the reduction is short and the output channels few (tiny's
 *   conv1 and conv2); at LeNet conv1's 20 channels dW by GEMM was faster (0.9 vs 1.1 ms), at
 *   LeNet conv2 much faster (8.8 vs 14.9 ms).
 */
export function prefersDirectConv(d: Conv2dDims, pass: 'forward' | 'backward'): boolean {
  const K = d.C * d.kH * d.kW;
  if (pass === 'forward') return K <= 512 && d.outC <= 64;
  return K <= 64 && d.outC <= 8;
}

/** Work of one sigmoid element in multiply-adds (exp polynomial and a division), for the threshold. */
const SIGMOID_COST = 16;

/**
 * Work of one value of scaleBytes or standardize in multiply-adds, for the threshold: their
 * double-precision lanes run at ~0.3 ns a value, about what 8 multiply-adds cost in a GEMM, so a
 * batch of 1,000 images (784k values) is split across threads and a training batch of 64 is not.
 */
const INPUT_PREP_COST = 8;

/** Refuses gradient and state arrays whose length differs from the weights' (n). */
function sameLength(op: string, n: number, arrays: Record<string, Float32Array | null>): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (a !== null && a.length !== n) throw new ShapeError(`wasm ${op}: ${name} has ${a.length} values, w has ${n}`);
  }
}

/** Refuses an array shorter than the dims need; the dims are only described on failure. */
function need<D>(op: string, name: string, a: { length: number } | null, n: number, describe: (d: D) => string, d: D): void {
  if (a !== null && a.length < n) throw new ShapeError(`wasm ${op}: ${name} has ${a.length} values, ${describe(d)} needs ${n}`);
}

const gemmText = (d: GemmDims): string => `M=${d.M} N=${d.N} K=${d.K}`;
const convText = (d: Conv2dDims): string => `N=${d.N} C=${d.C} H=${d.H} W=${d.W} outC=${d.outC} k=${d.kH}x${d.kW} o=${d.oH}x${d.oW}`;
const poolText = (d: Pool2dDims): string => `N=${d.N} C=${d.C} H=${d.H} W=${d.W} size=${d.size} stride=${d.stride}`;

/** Builds the kernel methods over one instantiated module. */
export function makeKernelOps(
  ex: ModuleExports,
  arena: Arena,
  ctrl: number,
  state: ThreadState,
): KernelOps {
  const argBase = (ctrl + CTRL.args) >> 2;
  const setArg = (slot: number, v: number): void => {
    arena.i32[argBase + slot] = v;
  };
  const direct = (d: Conv2dDims, pass: 'forward' | 'backward'): boolean => {
    const mode = state.directConv ?? 'auto';
    return mode === 'always' || (mode === 'auto' && prefersDirectConv(d, pass));
  };
  /** out = op(a[, b]) elementwise over n values; a pure function of its inputs, so a copy-in suffices. */
  const elementwise = (op: number, name: string, out: Float32Array, a: Float32Array, b: Float32Array | null, cost: number): void => {
    const n = a.length;
    if (out.length < n || (b !== null && b.length < n)) {
      const short = out.length < n ? `out has ${out.length}` : `second input has ${b!.length}`;
      throw new ShapeError(`wasm ${name}: ${short} values, the input has ${n}`);
    }
    if (n === 0) return;
    arena.reset();
    const e = ARG.elementwise;
    setArg(e.n, n);
    setArg(e.a, arena.input(a, n));
    setArg(e.b, b !== null ? arena.input(b, n) : 0);
    const po = arena.output(out, n);
    setArg(e.out, po);
    run(op, n * cost);
    arena.copyOut(out, po, n);
  };
  /** The argument block as doubles, for ops with f64 hyperparameters (a fresh view: memory may have grown). */
  const f64Args = (): Float64Array => new Float64Array(arena.f32.buffer, ctrl + CTRL.args, (CTRL.bytes - CTRL.args) / 8);
  /**
   * out = op(input) over n values, with the op's two f64 parameters (standardize: mean and 1/std;
   * scaleBytes: scale and shift) at bytes 16 and 24 of the argument block. `input` copies or
   * points at the input once the arena is reset.
   */
  const prepareInput = (op: number, out: Float32Array, n: number, input: () => number, first: number, second: number): void => {
    if (n === 0) return;
    arena.reset();
    const e = ARG.elementwise;
    setArg(e.n, n);
    setArg(e.a, input());
    const po = arena.output(out, n);
    setArg(e.out, po);
    const f = f64Args();
    f[ARG.inputPrepBytes.first / 8] = first;
    f[ARG.inputPrepBytes.second / 8] = second;
    run(op, n * INPUT_PREP_COST);
    arena.copyOut(out, po, n);
  };
  const run = (op: number, work: number): void => {
    const nt = state.threads > 1 && work >= state.minParallelWork ? state.threads : 1;
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
  /** dx[N,C,H,W] from dy[N,C,oH,oW]: routed by argmax (max pooling) or spread evenly (argmax null). */
  const poolBackward = (op: string, code: number, dx: Float32Array, dy: Float32Array, argmax: Int32Array | null, d: Pool2dDims): void => {
    const nx = d.N * d.C * d.H * d.W;
    const ny = d.N * d.C * d.oH * d.oW;
    need(op, 'dx', dx, nx, poolText, d);
    need(op, 'dy', dy, ny, poolText, d);
    if (argmax) need(op, 'argmax', argmax, ny, poolText, d);
    if (nx === 0) return;
    arena.reset();
    const p = ARG.pool;
    setPoolDims(d);
    const pdx = arena.output(dx, nx);
    setArg(p.x, pdx);
    setArg(p.y, arena.input(dy, ny));
    if (argmax) setArg(p.argmax, arena.inputI32(argmax, ny));
    run(code, nx * POOL_COST);
    arena.copyOut(dx, pdx, nx);
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
      run(direct(d, 'forward') ? OP.directConvForward : OP.convForward, ny * K);
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
      run(direct(d, 'backward') ? OP.directConvBackward : OP.convBackward, ny * K * ((dx !== null ? 1 : 0) + (dw !== null ? 1 : 0)));
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
      run(OP.maxPoolForward, nx * POOL_COST);
      arena.copyOut(y, py, ny);
      arena.copyOutI32(argmax, pa, ny);
    },

    maxPoolBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, d: Pool2dDims): void {
      poolBackward('maxPoolBackward', OP.maxPoolBackward, dx, dy, argmax, d);
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
      run(OP.avgPoolForward, nx * POOL_COST);
      arena.copyOut(y, py, ny);
    },

    avgPoolBackward(dx: Float32Array, dy: Float32Array, d: Pool2dDims): void {
      poolBackward('avgPoolBackward', OP.avgPoolBackward, dx, dy, null, d);
    },

    reluForward(y: Float32Array, x: Float32Array): void {
      elementwise(OP.reluForward, 'reluForward', y, x, null, 1);
    },
    reluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
      elementwise(OP.reluBackward, 'reluBackward', dx, dy, x, 1);
    },
    sigmoidForward(y: Float32Array, x: Float32Array): void {
      elementwise(OP.sigmoidForward, 'sigmoidForward', y, x, null, SIGMOID_COST);
    },
    sigmoidBackward(dx: Float32Array, dy: Float32Array, y: Float32Array): void {
      elementwise(OP.sigmoidBackward, 'sigmoidBackward', dx, dy, y, 1);
    },
    standardize(y: Float32Array, x: Float32Array, mean: number, std: number): void {
      if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0) {
        throw new RangeError(`wasm standardize: needs a finite mean and std > 0, got mean ${mean}, std ${std}`);
      }
      const n = x.length;
      if (y.length < n) throw new ShapeError(`wasm standardize: out has ${y.length} values, the input has ${n}`);
      prepareInput(OP.standardize, y, n, () => arena.input(x, n), mean, 1 / std);
    },
    sgdStep(w: Float32Array, g: Float32Array, v: Float32Array | null, s: SgdStep): void {
      const momentum = s.momentum !== 0 && v !== null;
      const n = w.length;
      sameLength('sgdStep', n, { g, v: momentum ? v : null });
      if (n === 0) return;
      arena.reset();
      const a = ARG.optimizer;
      setArg(a.n, n);
      const pw = arena.input(w, n);
      setArg(a.w, pw);
      setArg(a.g, arena.input(g, n));
      const pv = momentum ? arena.input(v, n) : 0;
      setArg(a.s1, pv);
      setArg(a.s2, 0);
      setArg(a.flags, (momentum ? 1 : 0) | (s.nesterov ? 2 : 0) | (s.first ? 4 : 0));
      const f = f64Args();
      f[ARG.sgdBytes.lr / 8] = s.lr;
      f[ARG.sgdBytes.momentum / 8] = s.momentum;
      f[ARG.sgdBytes.lambda / 8] = s.weightDecay;
      run(OP.sgdStep, n * 4);
      arena.copyOut(w, pw, n);
      if (momentum) arena.copyOut(v, pv, n);
    },
    adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void {
      const n = w.length;
      sameLength('adamStep', n, { g, m, v });
      if (n === 0) return;
      arena.reset();
      const a = ARG.optimizer;
      setArg(a.n, n);
      const pw = arena.input(w, n), pm = arena.input(m, n), pv = arena.input(v, n);
      setArg(a.w, pw);
      setArg(a.g, arena.input(g, n));
      setArg(a.s1, pm);
      setArg(a.s2, pv);
      setArg(a.flags, s.decoupled ? 1 : 0);
      const f = f64Args();
      const b = ARG.adamBytes;
      f[b.lr / 8] = s.lr;
      f[b.lambda / 8] = s.weightDecay;
      f[b.beta1 / 8] = s.beta1;
      f[b.oneMinusBeta1 / 8] = 1 - s.beta1;
      f[b.beta2 / 8] = s.beta2;
      f[b.oneMinusBeta2 / 8] = 1 - s.beta2;
      f[b.c1 / 8] = s.c1;
      f[b.c2 / 8] = s.c2;
      f[b.eps / 8] = s.eps;
      f[b.lrLambda / 8] = s.lr * s.weightDecay;
      run(OP.adamStep, n * 12);
      arena.copyOut(w, pw, n);
      arena.copyOut(m, pm, n);
      arena.copyOut(v, pv, n);
    },
    sumSquares(x: Float32Array): number {
      const n = x.length;
      if (n === 0) return 0;
      arena.reset();
      const r = ARG.reduce;
      setArg(r.n, n);
      setArg(r.x, arena.input(x, n));
      // one thread whatever the size: memory-bound, and the sum stays independent of the thread count
      arena.i32[(ctrl + CTRL.scratch) >> 2] = 0;
      ex.exec(OP.sumSquares, 1);
      return f64Args()[r.resultByte / 8]!;
    },
    scaleBytes(y: Float32Array, bytes: Uint8Array, scale: number, shift: number): void {
      if (!Number.isFinite(scale) || !Number.isFinite(shift)) {
        throw new RangeError(`wasm scaleBytes: needs a finite scale and shift, got scale ${scale}, shift ${shift}`);
      }
      const n = bytes.length;
      if (y.length < n) throw new ShapeError(`wasm scaleBytes: out has ${y.length} values, the input has ${n} bytes`);
      prepareInput(OP.scaleBytes, y, n, () => arena.inputBytes(bytes), scale, shift);
    },
  };
}
