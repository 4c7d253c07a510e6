// Reductions, on the calling thread only (memory-bound: more threads would meet at a barrier to
// save a fraction of a millisecond, and the partial sums would make the result depend on the
// thread count):
//   sumSquares   Σ x[i]² in double precision, 2 × 2 lanes; the training loop's divergence check,
//                finite exactly when every x[i] is (see src/engine/kernels/reduce.ts)
// args: 0 n, 1 x; the f64 result is written at byte 16 of the argument block.
import { argI, argP, ctrl, ARGS } from './threads';

export function sumSquaresOp(tid: i32, nt: i32): void {
  if (tid != 0) return;
  const n = argI(0), x = argP(1);
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  let s = (f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1)) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  store<f64>(ctrl + ARGS + 16, s);
}
