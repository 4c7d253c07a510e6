// Elementwise activations, 4 lanes at a time, split across threads in 16-element blocks:
//   relu     y = x > 0 ? x : 0            dx = x > 0 ? dy : 0     (NaN counts as not > 0)
//   sigmoid  y = 1 / (1 + e^-x)           dx = dy · y · (1 − y)
// e^z for z = −|x| ≤ 0 is a Cephes-style expf: z = n·ln2 + r, |r| ≤ ln2/2, a degree-7
// polynomial for e^r (relative error about 1e-7), and 2^n built in two halves so that results
// down to the smallest subnormal come out right. σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for
// x < 0 never overflows; NaN stays NaN and ±Infinity give exactly 1 and 0, as Math.exp does.
// It deliberately holds no softmax or tanh: the layers keep those in TypeScript.
import { argF64, argI, argP, share } from './threads';

// args: 0 n, 1 out (y or dx), 2 first input (x or dy), 3 second input (x or y; backward only)

@inline function block(total: i32, tid: i32, nt: i32): i32 {
  const blocks = (total + 15) >> 4;
  return min(total, share(blocks, tid, nt) << 4);
}

export function reluForwardOp(tid: i32, nt: i32): void {
  const n = argI(0), y = argP(1), x = argP(2);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  const z = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, v128.and(v, f32x4.gt(v, z)));
  }
  for (; i < i1; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>i << 2), v > 0 ? v : 0);
  }
}

export function reluBackwardOp(tid: i32, nt: i32): void {
  const n = argI(0), dx = argP(1), dy = argP(2), x = argP(3);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  const z = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), z)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** e^z for z in [-104, 0] (clamped there; e^-104 rounds to 0 in float32), NaN stays NaN. */
@inline function expNonPositive(z: v128): v128 {
  z = f32x4.max(z, f32x4.splat(-104));
  const n = f32x4.nearest(f32x4.mul(z, f32x4.splat(1.44269504088896341)));
  // r = z - n·ln2 with ln2 in two parts, so r is exact to float precision
  let r = f32x4.sub(z, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n = 2^n1 · 2^n2 with n1, n2 >= -75: both normal, the product may be subnormal
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

@inline function sigmoid4(x: v128): v128 {
  const e = expNonPositive(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.add(f32x4.splat(1), e);
  const pos = f32x4.div(f32x4.splat(1), d);
  const neg = f32x4.div(e, d);
  return v128.bitselect(pos, neg, f32x4.ge(x, f32x4.splat(0)));
}

export function sigmoidForwardOp(tid: i32, nt: i32): void {
  const n = argI(0), y = argP(1), x = argP(2);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, sigmoid4(v128.load(x + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(x + o))), 0));
  }
}

export function sigmoidBackwardOp(tid: i32, nt: i32): void {
  const n = argI(0), dx = argP(1), dy = argP(2), y = argP(3);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  const one = f32x4.splat(1);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(f32x4.mul(v128.load(dy + o), v), f32x4.sub(one, v)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * v * (1 - v));
  }
}

// Input preparation, one pass each instead of a JavaScript loop (about 1–3 ns a value there):
//   standardize   y = f32((f64(x) − mean) · inv)   in double precision, exactly as the reference
//                 (elementwise.ts) computes it, so both kernels feed the first layer the same bits
//   scaleBytes    y = f32(f64(bytes[i])·scale + shift) a byte image to floats, also in double
// args: 0 n, 1 out, 2 input (x or bytes); the f64 pair (mean, inv) or (scale, shift) sits at byte
// offsets 16 and 24 of the argument block (slots 4–7).

export function standardizeOp(tid: i32, nt: i32): void {
  const n = argI(0), y = argP(1), x = argP(2);
  const mean = argF64(16), inv = argF64(24);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  const m = f64x2.splat(mean), s = f64x2.splat(inv);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), m), s));
    const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), m), s));
    v128.store(y + o, v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>((<f64>load<f32>(x + o) - mean) * inv));
  }
}

export function scaleBytesOp(tid: i32, nt: i32): void {
  const n = argI(0), y = argP(1), bytes = argP(2);
  const scale = argF64(16), shift = argF64(24);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  const a = f64x2.splat(scale), b = f64x2.splat(shift);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    // four bytes widened to four i32, each half through double precision
    const q = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(bytes + <usize>i)));
    const lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(q), a), b));
    const hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(q, q, 2, 3, 0, 1)), a), b));
    v128.store(y + (<usize>i << 2), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
  }
  for (; i < i1; i++) {
    store<f32>(y + (<usize>i << 2), <f32>(<f64>load<u8>(bytes + <usize>i) * scale + shift));
  }
}
