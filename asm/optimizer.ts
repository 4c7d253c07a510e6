// Optimizer updates, one parameter array per call, split across threads in 16-element blocks.
// The arithmetic is the reference's (src/engine/kernels/optimizer-steps.ts) operation for
// operation in double precision, with float32 rounding exactly where the reference stores, so
// both kernels train to the same bits.
//   sgd    v = μ·v + (g + λw)  (first step: v = g + λw);   w −= lr·(nesterov ? g + λw + μ·v : v)
//          without momentum: w −= lr·(g + λw)
//   adam   (adamw: w −= lr·λ·w first, and g is not decayed)  g' = g + λw
//          m = β1·m + (1−β1)·g';  v = β2·v + (1−β2)·g'²;  w −= lr·(m·c1) / (√(v·c2) + ε)
// args: 0 n, 1 w, 2 g, 3 first state (sgd v, adam m; 0 for plain sgd), 4 second state (adam v),
// 5 flags (sgd: 1 momentum, 2 nesterov, 4 first step; adam: 1 decoupled);
// f64 hyperparameters from byte 32 of the argument block:
//   sgd  32 lr, 40 μ, 48 λ          adam  32 lr, 40 λ, 48 β1, 56 1−β1, 64 β2, 72 1−β2, 80 c1, 88 c2, 96 ε, 104 lr·λ
import { argF64, argI, argP, share } from './threads';

@inline function block(total: i32, tid: i32, nt: i32): i32 {
  const blocks = (total + 15) >> 4;
  return min(total, share(blocks, tid, nt) << 4);
}

@inline function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}
/** Two f64x2 halves rounded to float32 and joined into one f32x4. */
@inline function join(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

export function sgdStepOp(tid: i32, nt: i32): void {
  const n = argI(0), w = argP(1), g = argP(2), vs = argP(3), flags = argI(5);
  const lr = argF64(32), mu = argF64(40), lambda = argF64(48);
  const momentum = (flags & 1) != 0, nesterov = (flags & 2) != 0, first = (flags & 4) != 0;
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  const LR = f64x2.splat(lr), MU = f64x2.splat(mu), LAMBDA = f64x2.splat(lambda);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o), gv = v128.load(g + o);
    // g + λw, in double, per half
    const dl = f64x2.add(lo(gv), f64x2.mul(LAMBDA, lo(wv)));
    const dh = f64x2.add(hi(gv), f64x2.mul(LAMBDA, hi(wv)));
    if (!momentum) {
      v128.store(w + o, join(f64x2.sub(lo(wv), f64x2.mul(LR, dl)), f64x2.sub(hi(wv), f64x2.mul(LR, dh))));
      continue;
    }
    let nv: v128;
    if (first) nv = join(dl, dh);
    else {
      const vv = v128.load(vs + o);
      nv = join(f64x2.add(f64x2.mul(MU, lo(vv)), dl), f64x2.add(f64x2.mul(MU, hi(vv)), dh));
    }
    v128.store(vs + o, nv);
    if (nesterov) {
      v128.store(w + o, join(
        f64x2.sub(lo(wv), f64x2.mul(LR, f64x2.add(dl, f64x2.mul(MU, lo(nv))))),
        f64x2.sub(hi(wv), f64x2.mul(LR, f64x2.add(dh, f64x2.mul(MU, hi(nv))))),
      ));
    } else {
      v128.store(w + o, join(f64x2.sub(lo(wv), f64x2.mul(LR, lo(nv))), f64x2.sub(hi(wv), f64x2.mul(LR, hi(nv)))));
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const wi = <f64>load<f32>(w + o);
    const d = <f64>load<f32>(g + o) + lambda * wi;
    if (!momentum) {
      store<f32>(w + o, <f32>(wi - lr * d));
      continue;
    }
    const v = first ? <f32>d : <f32>(mu * <f64>load<f32>(vs + o) + d);
    store<f32>(vs + o, v);
    store<f32>(w + o, <f32>(nesterov ? wi - lr * (d + mu * <f64>v) : wi - lr * <f64>v));
  }
}

export function adamStepOp(tid: i32, nt: i32): void {
  const n = argI(0), w = argP(1), g = argP(2), ms = argP(3), vs = argP(4), decoupled = (argI(5) & 1) != 0;
  const lr = argF64(32), lambda = argF64(40), b1 = argF64(48), ob1 = argF64(56), b2 = argF64(64), ob2 = argF64(72);
  const c1 = argF64(80), c2 = argF64(88), eps = argF64(96), lrl = argF64(104);
  const i0 = block(n, tid, nt), i1 = block(n, tid + 1, nt);
  // Two lanes at a time: every quantity is a double, as in the reference.
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    let wi = <f64>load<f32>(w + o);
    if (decoupled) wi = <f64><f32>(wi - lrl * wi);
    const gi = decoupled ? <f64>load<f32>(g + o) : <f64>load<f32>(g + o) + lambda * wi;
    const m = <f32>(b1 * <f64>load<f32>(ms + o) + ob1 * gi);
    const v = <f32>(b2 * <f64>load<f32>(vs + o) + ob2 * gi * gi);
    store<f32>(ms + o, m);
    store<f32>(vs + o, v);
    store<f32>(w + o, <f32>(wi - (lr * (<f64>m * c1)) / (Math.sqrt(<f64>v * c2) + eps)));
  }
}
