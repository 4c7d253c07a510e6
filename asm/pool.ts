// Max and average pooling over NCHW planes (square window, no padding), split by planes
// across threads. Max pooling keeps the first maximum of each window and never lets NaN win,
// exactly as the reference does, and records the winner's flat index into x.
// It deliberately does no padding or ceil-mode windows: the layer never asks for them.
import { argI, argP, share } from './threads';

// args: 0 N, 1 C, 2 H, 3 W, 4 size, 5 stride, 6 oH, 7 oW, 8 x (dx), 9 y (dy), 10 argmax
let planes = 0, H = 0, W = 0, size = 0, stride = 0, oH = 0, oW = 0;

function loadDims(): void {
  planes = argI(0) * argI(1);
  H = argI(2); W = argI(3); size = argI(4); stride = argI(5); oH = argI(6); oW = argI(7);
}

@inline function zero(d: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), 0);
}

/**
 * Four 2x2/stride-2 windows per step, branch-free (random data makes branches mispredict):
 * lanes hold windows ox..ox+3 of one output row, compared in the reference's order a, b, c, d.
 */
function maxPool2x2Row(x: usize, y: usize, am: usize, first: i32, n: i32): i32 {
  const negInf = f32x4.splat(-Infinity);
  let ia = i32x4(first, first + 2, first + 4, first + 6);
  const one = i32x4.splat(1), down = i32x4.splat(W), step = i32x4.splat(8);
  let ox = 0;
  for (; ox + 4 <= n; ox += 4) {
    const p = x + (<usize>(first + (ox << 1)) << 2);
    const q = p + (<usize>W << 2);
    const r0 = v128.load(p), r1 = v128.load(p, 16), s0 = v128.load(q), s1 = v128.load(q, 16);
    const a = v128.shuffle<f32>(r0, r1, 0, 2, 4, 6), b = v128.shuffle<f32>(r0, r1, 1, 3, 5, 7);
    const c = v128.shuffle<f32>(s0, s1, 0, 2, 4, 6), d = v128.shuffle<f32>(s0, s1, 1, 3, 5, 7);
    const ic = i32x4.add(ia, down);
    let m = f32x4.gt(a, negInf);
    let best = v128.bitselect(a, negInf, m);
    let val = a;
    let at = ia;
    m = f32x4.gt(b, best);
    best = v128.bitselect(b, best, m);
    val = v128.bitselect(b, val, m);
    at = v128.bitselect(i32x4.add(ia, one), at, m);
    m = f32x4.gt(c, best);
    best = v128.bitselect(c, best, m);
    val = v128.bitselect(c, val, m);
    at = v128.bitselect(ic, at, m);
    m = f32x4.gt(d, best);
    val = v128.bitselect(d, val, m);
    at = v128.bitselect(i32x4.add(ic, one), at, m);
    v128.store(y + (<usize>ox << 2), val);
    v128.store(am + (<usize>ox << 2), at);
    ia = i32x4.add(ia, step);
  }
  return ox;
}

/** One window, branch-free; returns the winner's index (the caller reads its value). */
@inline function maxWindow(x: usize, first: i32): i32 {
  let best: f32 = -Infinity;
  let at = first;
  for (let ky = 0; ky < size; ky++) {
    const row = first + ky * W;
    for (let kx = 0; kx < size; kx++) {
      const v = load<f32>(x + (<usize>(row + kx) << 2));
      const win = v > best;
      best = select<f32>(v, best, win);
      at = select<i32>(row + kx, at, win);
    }
  }
  return at;
}

export function maxPoolForwardOp(tid: i32, nt: i32): void {
  loadDims();
  const x = argP(8), y = argP(9), am = argP(10);
  const hw = H * W, ohw = oH * oW;
  const fast = size == 2 && stride == 2;
  for (let q = share(planes, tid, nt), e = share(planes, tid + 1, nt); q < e; q++) {
    const base = q * hw;
    for (let oy = 0; oy < oH; oy++) {
      const o = <usize>(q * ohw + oy * oW) << 2;
      const first = base + oy * stride * W;
      const done = fast ? maxPool2x2Row(x, y + o, am + o, first, oW) : 0;
      for (let ox = done; ox < oW; ox++) {
        const at = maxWindow(x, first + ox * stride);
        store<f32>(y + o + (<usize>ox << 2), load<f32>(x + (<usize>at << 2)));
        store<i32>(am + o + (<usize>ox << 2), at);
      }
    }
  }
}

/** dx = dy routed to each window's winner; winners outside the window's own plane are ignored. */
export function maxPoolBackwardOp(tid: i32, nt: i32): void {
  loadDims();
  const dx = argP(8), dy = argP(9), am = argP(10);
  const hw = H * W, ohw = oH * oW;
  const q0 = share(planes, tid, nt), q1 = share(planes, tid + 1, nt);
  zero(dx + (<usize>(q0 * hw) << 2), (q1 - q0) * hw);
  for (let q = q0; q < q1; q++) {
    const lo = q * hw, hi = lo + hw;
    for (let o = q * ohw, e = o + ohw; o < e; o++) {
      const at = load<i32>(am + (<usize>o << 2));
      if (at >= lo && at < hi) {
        const t = dx + (<usize>at << 2);
        store<f32>(t, load<f32>(t) + load<f32>(dy + (<usize>o << 2)));
      }
    }
  }
}

export function avgPoolForwardOp(tid: i32, nt: i32): void {
  loadDims();
  const x = argP(8), y = argP(9);
  const hw = H * W, ohw = oH * oW;
  const inv: f32 = 1 / <f32>(size * size);
  const vinv = f32x4.splat(inv);
  const fast = size == 2 && stride == 2;
  for (let q = share(planes, tid, nt), e = share(planes, tid + 1, nt); q < e; q++) {
    const base = q * hw;
    for (let oy = 0; oy < oH; oy++) {
      const o = y + (<usize>(q * ohw + oy * oW) << 2);
      const first = base + oy * stride * W;
      let ox = 0;
      if (fast) {
        // a, b, c, d of four windows at once, summed in the reference's order
        for (; ox + 4 <= oW; ox += 4) {
          const p = x + (<usize>(first + (ox << 1)) << 2);
          const r = p + (<usize>W << 2);
          const r0 = v128.load(p), r1 = v128.load(p, 16), s0 = v128.load(r), s1 = v128.load(r, 16);
          let s = f32x4.add(v128.shuffle<f32>(r0, r1, 0, 2, 4, 6), v128.shuffle<f32>(r0, r1, 1, 3, 5, 7));
          s = f32x4.add(s, v128.shuffle<f32>(s0, s1, 0, 2, 4, 6));
          s = f32x4.add(s, v128.shuffle<f32>(s0, s1, 1, 3, 5, 7));
          v128.store(o + (<usize>ox << 2), f32x4.mul(s, vinv));
        }
      }
      for (; ox < oW; ox++) {
        const f = first + ox * stride;
        let s: f32 = 0;
        for (let ky = 0; ky < size; ky++) {
          const row = x + (<usize>(f + ky * W) << 2);
          for (let kx = 0; kx < size; kx++) s += load<f32>(row + (<usize>kx << 2));
        }
        store<f32>(o + (<usize>ox << 2), s * inv);
      }
    }
  }
}

export function avgPoolBackwardOp(tid: i32, nt: i32): void {
  loadDims();
  const dx = argP(8), dy = argP(9);
  const hw = H * W, ohw = oH * oW;
  const inv: f32 = 1 / <f32>(size * size);
  const q0 = share(planes, tid, nt), q1 = share(planes, tid + 1, nt);
  zero(dx + (<usize>(q0 * hw) << 2), (q1 - q0) * hw);
  for (let q = q0; q < q1; q++) {
    const base = q * hw;
    let o = <usize>(q * ohw) << 2;
    for (let oy = 0; oy < oH; oy++) {
      for (let ox = 0; ox < oW; ox++) {
        const g = load<f32>(dy + o) * inv;
        const first = base + oy * stride * W + ox * stride;
        for (let ky = 0; ky < size; ky++) {
          const row = dx + (<usize>(first + ky * W) << 2);
          for (let kx = 0; kx < size; kx++) {
            const t = row + (<usize>kx << 2);
            store<f32>(t, load<f32>(t) + g);
          }
        }
        o += 4;
      }
    }
  }
}
