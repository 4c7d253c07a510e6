// Direct 2-D convolution for few channels (NCHW), where im2col + GEMM has too little reduction
// depth (C·kH·kW) or too few output rows to keep its micro-kernel busy:
//   forward   y[o]  = b[o] + Σ_t w[o,t] · xpad[off_t + pixel]       SIMD over 8 output columns
//   dx        dx[c] = Σ_t wflip[c,t] · dyp[off_t + pixel]           the same kernel, on dy
//                                                                  zero-upsampled and padded
//   dW        dW[o,t] += Σ_n Σ_pixels dy[o,pixel] · xpad[off_t + pixel]
// Every image is first copied into a zero-padded plane whose columns are split into `sW`
// phases (column j·sW + ph lands at ph·Wq + j), so that consecutive output columns read
// consecutive floats for every tap and stride, and no tap needs a bounds check. A tap t =
// (c, ky, kx) is then one offset into that copy; offsets live in a small table.
// Threads: padding splits images; forward and dx split output rows; dW sums fixed groups of
// images into partials (the grouping depends on N only) that are added in group order, so each
// output is summed in an order that does not depend on the thread count.
// It deliberately leaves big channel counts to the GEMM path (asm/conv.ts); the JS side picks.
import { argI, argP, barrier, scratchBase, share } from './threads';
import { biasGradient, hsum } from './bias';

// args: the conv args of asm/conv.ts (0..14 dims; forward 15 x, 16 w, 17 b, 18 y;
//       backward 15 x, 16 w, 17 dy, 18 dx, 19 dw, 20 db, 0 = skip)
let N = 0, C = 0, H = 0, W = 0, outC = 0, kH = 0, kW = 0, sH = 0, sW = 0, pT = 0, pL = 0, dH = 0, dW = 0, oH = 0, oW = 0;
let K = 0, P = 0, kk = 0;
/** output columns rounded up to whole 8-column blocks */
let OWR = 0;
/** xpad geometry: phase width, row width (sW phases), rows, plane */
let Wq = 0, rowX = 0, Hp = 0, planeX = 0;
/** dy geometry for dx: rows, row width (input columns rounded to 8 plus the kernel's reach), plane */
let Hd = 0, rowD = 0, planeD = 0, WR = 0;

/** dW partials are summed over this many fixed groups of images. */
const GROUPS: i32 = 16;

function loadDims(): void {
  N = argI(0); C = argI(1); H = argI(2); W = argI(3); outC = argI(4); kH = argI(5); kW = argI(6);
  sH = argI(7); sW = argI(8); pT = argI(9); pL = argI(10); dH = argI(11); dW = argI(12); oH = argI(13); oW = argI(14);
  kk = kH * kW;
  K = C * kk;
  P = oH * oW;
  OWR = (oW + 7) & ~7;
  Wq = OWR + ((kW - 1) * dW) / sW;
  rowX = Wq * sW;
  Hp = (oH - 1) * sH + (kH - 1) * dH + 1;
  planeX = Hp * rowX;
  WR = (W + 7) & ~7;
  rowD = WR + (kW - 1) * dW;
  Hd = H + (kH - 1) * dH;
  planeD = Hd * rowD;
}

@inline function lines(bytes: usize): usize {
  return (bytes + 63) & ~63;
}

@inline function mac(acc: v128, a: v128, b: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline function zero(d: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), 0);
}

/** xp[C][Hp][sW][Wq] = x_n[c, r - pT, j·sW + ph - pL], zero outside the image. */
function padImage(xp: usize, xn: usize): void {
  for (let c = 0; c < C; c++) {
    const xc = xn + (<usize>(c * H * W) << 2);
    for (let r = 0; r < Hp; r++) {
      const d = xp + (<usize>(c * planeX + r * rowX) << 2);
      const iy = r - pT;
      if (iy < 0 || iy >= H) {
        zero(d, rowX);
        continue;
      }
      const xr = xc + (<usize>(iy * W) << 2);
      if (sW == 1) {
        // columns [0, pL) and past the image are zero; the middle is one copy
        const lo = min(max(pL, 0), Wq);
        const hi = min(max(W + pL, lo), Wq);
        zero(d, lo);
        let j = lo;
        const s = xr + (<usize>(lo - pL) << 2);
        for (; j + 4 <= hi; j += 4) v128.store(d + (<usize>j << 2), v128.load(s + (<usize>(j - lo) << 2)));
        for (; j < hi; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>(j - lo) << 2)));
        zero(d + (<usize>hi << 2), Wq - hi);
      } else {
        for (let ph = 0; ph < sW; ph++) {
          const dp = d + (<usize>(ph * Wq) << 2);
          for (let j = 0; j < Wq; j++) {
            const ix = j * sW + ph - pL;
            store<f32>(dp + (<usize>j << 2), ix >= 0 && ix < W ? load<f32>(xr + (<usize>ix << 2)) : 0);
          }
        }
      }
    }
  }
}

/**
 * dp[outC][Hd][rowD] = dy_n upsampled by the stride and shifted so that dx is a stride-1
 * correlation with the flipped kernel: dp[o, r, s] = dy[o, (r - qH)/sH, (s - qW)/sW] where
 * that is a whole in-range index, qH = (kH-1)·dH - pT, qW = (kW-1)·dW - pL; zero elsewhere.
 */
function padDy(dp: usize, dyn: usize): void {
  const qH = (kH - 1) * dH - pT, qW = (kW - 1) * dW - pL;
  for (let o = 0; o < outC; o++) {
    const dyo = dyn + (<usize>(o * P) << 2);
    for (let r = 0; r < Hd; r++) {
      const d = dp + (<usize>(o * planeD + r * rowD) << 2);
      const u = r - qH;
      const oy = u / sH;
      if (u < 0 || u - oy * sH != 0 || oy >= oH) {
        zero(d, rowD);
        continue;
      }
      const src = dyo + (<usize>(oy * oW) << 2);
      if (sW == 1) {
        const lo = min(max(qW, 0), rowD);
        const hi = min(max(oW + qW, lo), rowD);
        zero(d, lo);
        for (let s = lo; s < hi; s++) store<f32>(d + (<usize>s << 2), load<f32>(src + (<usize>(s - qW) << 2)));
        zero(d + (<usize>hi << 2), rowD - hi);
      } else {
        zero(d, rowD);
        for (let ox = 0; ox < oW; ox++) {
          const s = ox * sW + qW;
          if (s >= 0 && s < rowD) store<f32>(d + (<usize>s << 2), load<f32>(src + (<usize>ox << 2)));
        }
      }
    }
  }
}

/** dq[outC][oH][OWR] = dy_n with zero column tails, so 4-lane reads never see the next row. */
function padDyRows(dq: usize, dyn: usize): void {
  for (let r = 0; r < outC * oH; r++) {
    const d = dq + (<usize>(r * OWR) << 2);
    const s = dyn + (<usize>(r * oW) << 2);
    let j = 0;
    for (; j + 4 <= oW; j += 4) v128.store(d + (<usize>j << 2), v128.load(s + (<usize>j << 2)));
    for (; j < oW; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
    zero(d + (<usize>oW << 2), OWR - oW);
  }
}

/** offs[t] (bytes) of tap t = (c, ky, kx) in xpad: columns kx·dW = q·sW + ph sit at ph·Wq + q. */
function xOffsets(offs: usize): void {
  let t = 0;
  for (let c = 0; c < C; c++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, t++) {
        const a = kx * dW;
        const q = a / sW, ph = a - q * sW;
        store<i32>(offs + (<usize>t << 2), (c * planeX + ky * dH * rowX + ph * Wq + q) << 2);
      }
    }
  }
}

/** offs[t] (bytes) of tap t = (o, ky, kx) in the padded dy. */
function dyOffsets(offs: usize): void {
  let t = 0;
  for (let o = 0; o < outC; o++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, t++) store<i32>(offs + (<usize>t << 2), (o * planeD + ky * dH * rowD + kx * dW) << 2);
    }
  }
}

// ---- the correlation kernel shared by forward and dx ----
// out[m, col] = bias[m] + Σ_t wp[t][m] · in[off_t + col] for the block's 4 (or 2) outputs m,
// col in [0, ncols); wp rows are 4 floats wide either way.

/** 4 outputs x 8 columns. */
@inline function block4(inp: usize, offs: usize, T: i32, wp: usize, bias: usize, out: usize, outPlane: usize, ncols: i32, tmp: usize): void {
  for (let x0 = 0; x0 < ncols; x0 += 8) {
    let a0 = v128.load32_splat(bias), a1 = a0;
    let b0 = v128.load32_splat(bias, 4), b1 = b0;
    let c0 = v128.load32_splat(bias, 8), c1 = c0;
    let d0 = v128.load32_splat(bias, 12), d1 = d0;
    const base = inp + (<usize>x0 << 2);
    let wt = wp;
    for (let t = 0; t < T; t++) {
      const p = base + <usize>load<i32>(offs + (<usize>t << 2));
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      let w = v128.load32_splat(wt);
      a0 = mac(a0, w, v0);
      a1 = mac(a1, w, v1);
      w = v128.load32_splat(wt, 4);
      b0 = mac(b0, w, v0);
      b1 = mac(b1, w, v1);
      w = v128.load32_splat(wt, 8);
      c0 = mac(c0, w, v0);
      c1 = mac(c1, w, v1);
      w = v128.load32_splat(wt, 12);
      d0 = mac(d0, w, v0);
      d1 = mac(d1, w, v1);
      wt += 16;
    }
    const o = out + (<usize>x0 << 2);
    if (x0 + 8 <= ncols) {
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o + outPlane, b0);
      v128.store(o + outPlane, b1, 16);
      v128.store(o + 2 * outPlane, c0);
      v128.store(o + 2 * outPlane, c1, 16);
      v128.store(o + 3 * outPlane, d0);
      v128.store(o + 3 * outPlane, d1, 16);
    } else {
      v128.store(tmp, a0);
      v128.store(tmp, a1, 16);
      v128.store(tmp, b0, 32);
      v128.store(tmp, b1, 48);
      v128.store(tmp, c0, 64);
      v128.store(tmp, c1, 80);
      v128.store(tmp, d0, 96);
      v128.store(tmp, d1, 112);
      tailStore(tmp, o, outPlane, ncols - x0, 4);
    }
  }
}

/** 2 outputs x 16 columns (two rows of 8 in flight keep as many sums going as block4). */
@inline function block2(inp: usize, offs: usize, T: i32, wp: usize, bias: usize, out: usize, outPlane: usize, ncols: i32, tmp: usize): void {
  let x0 = 0;
  for (; x0 + 8 < ncols; x0 += 16) {
    let a0 = v128.load32_splat(bias), a1 = a0, a2 = a0, a3 = a0;
    let b0 = v128.load32_splat(bias, 4), b1 = b0, b2 = b0, b3 = b0;
    const base = inp + (<usize>x0 << 2);
    let wt = wp;
    for (let t = 0; t < T; t++) {
      const p = base + <usize>load<i32>(offs + (<usize>t << 2));
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      let w = v128.load32_splat(wt);
      a0 = mac(a0, w, v0);
      a1 = mac(a1, w, v1);
      a2 = mac(a2, w, v2);
      a3 = mac(a3, w, v3);
      w = v128.load32_splat(wt, 4);
      b0 = mac(b0, w, v0);
      b1 = mac(b1, w, v1);
      b2 = mac(b2, w, v2);
      b3 = mac(b3, w, v3);
      wt += 16;
    }
    const o = out + (<usize>x0 << 2);
    if (x0 + 16 <= ncols) {
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
      v128.store(o + outPlane, b0);
      v128.store(o + outPlane, b1, 16);
      v128.store(o + outPlane, b2, 32);
      v128.store(o + outPlane, b3, 48);
    } else {
      // 8 < remaining < 16: the first 8 are whole, the rest goes through tmp
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o + outPlane, b0);
      v128.store(o + outPlane, b1, 16);
      v128.store(tmp, a2);
      v128.store(tmp, a3, 16);
      v128.store(tmp, b2, 32);
      v128.store(tmp, b3, 48);
      tailStore(tmp, o + 32, outPlane, ncols - x0 - 8, 2);
    }
  }
  if (x0 < ncols) {
    let a0 = v128.load32_splat(bias), a1 = a0;
    let b0 = v128.load32_splat(bias, 4), b1 = b0;
    const base = inp + (<usize>x0 << 2);
    let wt = wp;
    for (let t = 0; t < T; t++) {
      const p = base + <usize>load<i32>(offs + (<usize>t << 2));
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      let w = v128.load32_splat(wt);
      a0 = mac(a0, w, v0);
      a1 = mac(a1, w, v1);
      w = v128.load32_splat(wt, 4);
      b0 = mac(b0, w, v0);
      b1 = mac(b1, w, v1);
      wt += 16;
    }
    v128.store(tmp, a0);
    v128.store(tmp, a1, 16);
    v128.store(tmp, b0, 32);
    v128.store(tmp, b1, 48);
    tailStore(tmp, out + (<usize>x0 << 2), outPlane, ncols - x0, 2);
  }
}

/** Copies the first n (< 8) columns of m 8-column rows in tmp to out, outPlane bytes apart. */
function tailStore(tmp: usize, out: usize, outPlane: usize, n: i32, m: i32): void {
  for (let r = 0; r < m; r++) {
    const s = tmp + (<usize>(r << 3) << 2), d = out + <usize>r * outPlane;
    for (let j = 0; j < n; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
  }
}

/**
 * One output row for every output channel: channels in blocks of 4 (a last block of 1 or 2
 * uses the 2-wide kernel, of 3 the 4-wide one; packed weights are zero past the real ones).
 */
function corrRow(inp: usize, offs: usize, T: i32, wp: usize, bias: usize, M: i32, out: usize, outPlane: usize, ncols: i32, tmp: usize): void {
  const blockBytes = <usize>T << 4;
  for (let m0 = 0; m0 < M; m0 += 4) {
    const mb = min(4, M - m0);
    const wb = wp + <usize>(m0 >> 2) * blockBytes;
    const bb = bias + (<usize>m0 << 2);
    const ob = out + <usize>m0 * outPlane;
    if (mb > 2) {
      if (mb == 4) {
        block4(inp, offs, T, wb, bb, ob, outPlane, ncols, tmp);
      } else {
        // 3 outputs: compute 4 into tmp rows, keep 3
        for (let x0 = 0; x0 < ncols; x0 += 8) {
          block4(inp + (<usize>x0 << 2), offs, T, wb, bb, tmp + 128, 32, 8, tmp);
          tailStore(tmp + 128, ob + (<usize>x0 << 2), outPlane, min(8, ncols - x0), 3);
        }
      }
    } else if (mb == 2) {
      block2(inp, offs, T, wb, bb, ob, outPlane, ncols, tmp);
    } else {
      for (let x0 = 0; x0 < ncols; x0 += 8) {
        block4(inp + (<usize>x0 << 2), offs, T, wb, bb, tmp + 128, 32, 8, tmp);
        tailStore(tmp + 128, ob + (<usize>x0 << 2), outPlane, min(8, ncols - x0), 1);
      }
    }
  }
}

/** wp[M/4 blocks][T][4]: lane m of block b, tap t = w[4b + m, t] (zero past M). */
function packBlocks(wp: usize, w: usize, M: i32, T: i32): void {
  const blocks = (M + 3) >> 2;
  for (let b = 0; b < blocks; b++) {
    for (let t = 0; t < T; t++) {
      const d = wp + (<usize>(b * T + t) << 4);
      for (let m = 0; m < 4; m++) {
        const mm = (b << 2) + m;
        store<f32>(d + (<usize>m << 2), mm < M ? load<f32>(w + (<usize>(mm * T + t) << 2)) : 0);
      }
    }
  }
}

// ---- forward ----
// scratch: packed w | bias (padded) | offsets | xpad for all images | per-thread tmp

const TMP: usize = 256;

function fwdLayout(): usize {
  return lines(<usize>((outC + 3) >> 2) * <usize>K * 16) + lines(<usize>((outC + 3) & ~3) * 4) + lines(<usize>K * 4);
}

export function directForwardScratch(nt: i32): usize {
  loadDims();
  return fwdLayout() + lines(<usize>N * <usize>C * <usize>planeX * 4) + <usize>nt * TMP;
}

export function directForwardOp(tid: i32, nt: i32): void {
  loadDims();
  const x = argP(15), w = argP(16), b = argP(17), y = argP(18);
  const wp = scratchBase();
  const bias = wp + lines(<usize>((outC + 3) >> 2) * <usize>K * 16);
  const offs = bias + lines(<usize>((outC + 3) & ~3) * 4);
  const xp = wp + fwdLayout();
  const tmp = xp + lines(<usize>N * <usize>C * <usize>planeX * 4) + <usize>tid * TMP;
  const xImg = <usize>(C * H * W) << 2, xpImg = <usize>(C * planeX) << 2;
  if (tid == 0) {
    packBlocks(wp, w, outC, K);
    for (let o = 0; o < ((outC + 3) & ~3); o++) store<f32>(bias + (<usize>o << 2), o < outC ? load<f32>(b + (<usize>o << 2)) : 0);
    xOffsets(offs);
  }
  for (let n = share(N, tid, nt), e = share(N, tid + 1, nt); n < e; n++) padImage(xp + <usize>n * xpImg, x + <usize>n * xImg);
  barrier(nt);
  const yImg = <usize>(outC * P) << 2, outPlane = <usize>P << 2;
  const rowStep = <usize>(sH * rowX) << 2;
  for (let u = share(N * oH, tid, nt), e = share(N * oH, tid + 1, nt); u < e; u++) {
    const n = u / oH, oy = u - n * oH;
    corrRow(xp + <usize>n * xpImg + <usize>oy * rowStep, offs, K, wp, bias, outC, y + <usize>n * yImg + (<usize>(oy * oW) << 2), outPlane, oW, tmp);
  }
}

// ---- backward ----
// scratch: dx: packed flipped w | zero bias | dy offsets | padded dy for all images
//          dW: x offsets | xpad for all images | dy with padded rows for all images | partials
//          per-thread tmp

let wfB: usize = 0, zbB: usize = 0, doB: usize = 0, dpB: usize = 0;
let xoB: usize = 0, xpB: usize = 0, dqB: usize = 0, ptB: usize = 0, tmpB: usize = 0;

function bwdLayout(withDx: bool, withDw: bool): void {
  let at: usize = 0;
  if (withDx) {
    const T = outC * kk;
    wfB = at; at += lines(<usize>((C + 3) >> 2) * <usize>T * 16);
    zbB = at; at += lines(<usize>((C + 3) & ~3) * 4);
    doB = at; at += lines(<usize>T * 4);
    dpB = at; at += lines(<usize>N * <usize>outC * <usize>planeD * 4);
  }
  if (withDw) {
    xoB = at; at += lines(<usize>(((K + 3) & ~3) * 4));
    xpB = at; at += lines(<usize>N * <usize>C * <usize>planeX * 4);
    dqB = at; at += lines(<usize>N * <usize>outC * <usize>oH * <usize>OWR * 4);
    ptB = at; at += lines(<usize>min(N, GROUPS) * <usize>outC * <usize>K * 4);
  }
  tmpB = at;
}

export function directBackwardScratch(nt: i32): usize {
  loadDims();
  bwdLayout(argP(18) != 0, argP(19) != 0);
  return tmpB + <usize>nt * TMP;
}

/**
 * part[o0..o0+2)[t0..t0+4) = Σ over images [n0, n1), rows and columns of dq·xpad at the four
 * taps. Columns run in 4-lane steps over the zero-tailed dy rows (tails multiply by zero).
 * mo = 1 computes one output (o1 aliases o0 and is not stored); nt4 < 4 taps likewise.
 */
function dwTile(part: usize, o0: i32, mo: i32, t0: i32, nt4: i32, n0: i32, n1: i32, xp: usize, dq: usize, offs: usize): void {
  const o1 = o0 + mo - 1;
  const f0 = <usize>load<i32>(offs + (<usize>t0 << 2));
  const f1 = <usize>load<i32>(offs + (<usize>(t0 + min(1, nt4 - 1)) << 2));
  const f2 = <usize>load<i32>(offs + (<usize>(t0 + min(2, nt4 - 1)) << 2));
  const f3 = <usize>load<i32>(offs + (<usize>(t0 + min(3, nt4 - 1)) << 2));
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  const xpImg = <usize>(C * planeX) << 2, dqImg = <usize>(outC * oH * OWR) << 2;
  const rowStep = <usize>(sH * rowX) << 2, dqRow = <usize>OWR << 2;
  const cols = (oW + 3) & ~3;
  for (let n = n0; n < n1; n++) {
    let xr = xp + <usize>n * xpImg;
    let d0 = dq + <usize>n * dqImg + <usize>(o0 * oH) * dqRow;
    let d1 = dq + <usize>n * dqImg + <usize>(o1 * oH) * dqRow;
    for (let oy = 0; oy < oH; oy++) {
      for (let x0 = 0; x0 < cols; x0 += 4) {
        const c = <usize>x0 << 2;
        const g0 = v128.load(d0 + c), g1 = v128.load(d1 + c);
        const p = xr + c;
        let v = v128.load(p + f0);
        a0 = mac(a0, g0, v);
        b0 = mac(b0, g1, v);
        v = v128.load(p + f1);
        a1 = mac(a1, g0, v);
        b1 = mac(b1, g1, v);
        v = v128.load(p + f2);
        a2 = mac(a2, g0, v);
        b2 = mac(b2, g1, v);
        v = v128.load(p + f3);
        a3 = mac(a3, g0, v);
        b3 = mac(b3, g1, v);
      }
      xr += rowStep;
      d0 += dqRow;
      d1 += dqRow;
    }
  }
  const pa = part + (<usize>(o0 * K + t0) << 2);
  store<f32>(pa, hsum(a0));
  if (nt4 > 1) store<f32>(pa, hsum(a1), 4);
  if (nt4 > 2) store<f32>(pa, hsum(a2), 8);
  if (nt4 > 3) store<f32>(pa, hsum(a3), 12);
  if (mo > 1) {
    const pb = pa + (<usize>K << 2);
    store<f32>(pb, hsum(b0));
    if (nt4 > 1) store<f32>(pb, hsum(b1), 4);
    if (nt4 > 2) store<f32>(pb, hsum(b2), 8);
    if (nt4 > 3) store<f32>(pb, hsum(b3), 12);
  }
}

export function directBackwardOp(tid: i32, nt: i32): void {
  loadDims();
  const x = argP(15), w = argP(16), dy = argP(17), dx = argP(18), dw = argP(19), db = argP(20);
  bwdLayout(dx != 0, dw != 0);
  const base = scratchBase();
  const tmp = base + tmpB + <usize>tid * TMP;
  const xImg = <usize>(C * H * W) << 2, yImg = <usize>(outC * P) << 2;
  // 1. padded copies, split by images; weights and offsets on thread 0
  if (dx != 0) {
    if (tid == 0) {
      const T = outC * kk;
      // dx channel c, tap (o, ky, kx): w[o, c, kH-1-ky, kW-1-kx]
      packFlipped(base + wfB, w, T);
      zero(base + zbB, (C + 3) & ~3);
      dyOffsets(base + doB);
    }
    const dpImg = <usize>(outC * planeD) << 2;
    for (let n = share(N, tid, nt), e = share(N, tid + 1, nt); n < e; n++) padDy(base + dpB + <usize>n * dpImg, dy + <usize>n * yImg);
  }
  if (dw != 0) {
    if (tid == 0) {
      xOffsets(base + xoB);
      for (let t = K; t < ((K + 3) & ~3); t++) store<i32>(base + xoB + (<usize>t << 2), 0);
    }
    const xpImg = <usize>(C * planeX) << 2, dqImg = <usize>(outC * oH * OWR) << 2;
    for (let n = share(N, tid, nt), e = share(N, tid + 1, nt); n < e; n++) {
      padImage(base + xpB + <usize>n * xpImg, x + <usize>n * xImg);
      padDyRows(base + dqB + <usize>n * dqImg, dy + <usize>n * yImg);
    }
  }
  barrier(nt);
  // 2. db[o] += Σ_n Σ_p dy[n,o,p], one thread per o
  if (db != 0) biasGradient(db, dy, N, outC, P, yImg, tid, nt);
  // 3. dW partials per image group, then their sum in group order
  if (dw != 0) {
    const G = min(N, GROUPS);
    const part = base + ptB;
    for (let g = share(G, tid, nt), e = share(G, tid + 1, nt); g < e; g++) {
      const n0 = share(N, g, G), n1 = share(N, g + 1, G);
      const pg = part + (<usize>(g * outC * K) << 2);
      for (let o0 = 0; o0 < outC; o0 += 2) {
        for (let t0 = 0; t0 < K; t0 += 4) {
          dwTile(pg, o0, min(2, outC - o0), t0, min(4, K - t0), n0, n1, base + xpB, base + dqB, base + xoB);
        }
      }
    }
    barrier(nt);
    const total = outC * K;
    for (let i = share(total, tid, nt), e = share(total, tid + 1, nt); i < e; i++) {
      let s: f32 = 0;
      for (let g = 0; g < G; g++) s += load<f32>(part + (<usize>(g * total + i) << 2));
      store<f32>(dw + (<usize>i << 2), load<f32>(dw + (<usize>i << 2)) + s);
    }
  }
  // 4. dx rows: the flipped kernel over padded dy, like the forward pass
  if (dx != 0) {
    const T = outC * kk;
    const dpImg = <usize>(outC * planeD) << 2, rowStep = <usize>rowD << 2, outPlane = <usize>(H * W) << 2;
    for (let u = share(N * H, tid, nt), e = share(N * H, tid + 1, nt); u < e; u++) {
      const n = u / H, iy = u - n * H;
      corrRow(base + dpB + <usize>n * dpImg + <usize>iy * rowStep, base + doB, T, base + wfB, base + zbB, C, dx + <usize>n * xImg + (<usize>(iy * W) << 2), outPlane, W, tmp);
    }
  }
}

/** Packs the dx weights: block b, tap t = (o, k'), lane m → w[o, c = 4b + m, kk-1-k']. */
function packFlipped(wp: usize, w: usize, T: i32): void {
  const blocks = (C + 3) >> 2;
  for (let b = 0; b < blocks; b++) {
    for (let t = 0; t < T; t++) {
      const o = t / kk, k = t - o * kk;
      const d = wp + (<usize>(b * T + t) << 4);
      for (let m = 0; m < 4; m++) {
        const c = (b << 2) + m;
        store<f32>(d + (<usize>m << 2), c < C ? load<f32>(w + (<usize>(o * K + c * kk + (kk - 1 - k)) << 2)) : 0);
      }
    }
  }
}
