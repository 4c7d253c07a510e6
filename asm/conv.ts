// 2-D convolution (cross-correlation, NCHW) on the GEMM kernels:
//   forward   y_n = b + W · im2col(x_n)     outer-product kernel; im2col writes packed 8-column
//                                           panels directly, so the image side is packed once
//   dW       += Σ_n dy_n · im2col(x_n)ᵀ     dot kernel on plain im2col rows; a group of images
//                                           forms one long reduction (no packing of dy)
//   dx        = col2im(Wᵀ · dy_n)           outer-product kernel on packed Wᵀ and dy panels
// Work is split by images when there are at least as many images as threads, otherwise inside
// each image (column panels forward, channels for dx); dW is split by its columns. Each output
// value is computed by exactly one thread in an order that does not depend on the split.
// It deliberately knows nothing of layers: no activation fusion, no layout other than NCHW.
import { argI, argP, barrier, scratchBase, share } from './threads';
import { TMP_BYTES, dotTiles, outerTiles, packCols, packRows } from './gemm';
import { biasGradient } from './bias';

// args: 0 N, 1 C, 2 H, 3 W, 4 outC, 5 kH, 6 kW, 7 strideH, 8 strideW, 9 padTop, 10 padLeft,
//       11 dilationH, 12 dilationW, 13 oH, 14 oW, then pointers
//       forward: 15 x, 16 w, 17 b, 18 y    backward: 15 x, 16 w, 17 dy, 18 dx, 19 dw, 20 db (0 = skip)
let N = 0, C = 0, H = 0, W = 0, outC = 0, kH = 0, kW = 0, sH = 0, sW = 0, pT = 0, pL = 0, dH = 0, dW = 0, oH = 0, oW = 0;
let K = 0, P = 0, kk = 0;

function loadDims(): void {
  N = argI(0); C = argI(1); H = argI(2); W = argI(3); outC = argI(4); kH = argI(5); kW = argI(6);
  sH = argI(7); sW = argI(8); pT = argI(9); pL = argI(10); dH = argI(11); dW = argI(12); oH = argI(13); oW = argI(14);
  kk = kH * kW;
  K = C * kk;
  P = oH * oW;
}

/** Budget of floats for one thread's column buffers (256 KiB): they stay in L2. */
const COL_FLOATS: i32 = 65536;
const LANE_BYTES: usize = 64;

/** Per-thread regions start on their own cache line. */
@inline function lines(bytes: usize): usize {
  return (bytes + 63) & ~63;
}

/** Column panels per chunk so that `rows` x chunk x 8 floats fit the budget. */
@inline function chunkPanels(rows: i32, np: i32): i32 {
  return max(1, min(np, COL_FLOATS / (rows * 8)));
}

/** Images per dW group: a fixed function of the shape, so grouping never depends on threads. */
@inline function dwGroup(): i32 {
  return max(1, min(N, COL_FLOATS / (K * P)));
}

// ox range where ix = ox*stride + base lies in [0, extent), clipped to [0, count): [lo, hi)
let rangeLo = 0, rangeHi = 0;
function validRange(base: i32, stride: i32, extent: i32, count: i32): void {
  let lo = base >= 0 ? 0 : (stride - 1 - base) / stride;
  const lim = extent - 1 - base;
  let hi = lim < 0 ? 0 : lim / stride + 1;
  lo = min(lo, count);
  hi = min(hi, count);
  rangeLo = lo;
  rangeHi = max(hi, lo);
}

@inline function zero(d: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), 0);
}

@inline function copy(d: usize, s: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
}

/**
 * im2col of image xn straight into packed B panels [j0, j1): panel jp holds output pixels
 * jp*8 .. jp*8+7 as lanes, K rows deep: dst[(jp-j0)][r][lane].
 */
function im2colPacked(dst: usize, xn: usize, j0: i32, j1: i32, lanes: usize): void {
  const plane = <usize>(H * W) << 2;
  const rowB = <usize>W << 2;
  for (let jp = j0; jp < j1; jp++) {
    let dp = dst + <usize>(jp - j0) * (<usize>K << 5);
    const pb = jp << 3;
    const oy0 = pb / oW;
    const ox0 = pb - oy0 * oW;
    if (sW == 1 && ox0 + 8 <= oW && pb + 8 <= P) {
      // All 8 lanes sit in one output row: each tap reads 8 consecutive input pixels.
      const iyb = oy0 * sH - pT;
      for (let c = 0; c < C; c++) {
        const xc = xn + <usize>c * plane;
        for (let ky = 0; ky < kH; ky++) {
          const iy = iyb + ky * dH;
          const rowOk = iy >= 0 && iy < H;
          const xr = xc + <usize>iy * rowB;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox0 - pL + kx * dW;
            if (!rowOk) {
              v128.store(dp, f32x4.splat(0));
              v128.store(dp, f32x4.splat(0), 16);
            } else if (ix >= 0 && ix + 8 <= W) {
              const s = xr + (<usize>ix << 2);
              v128.store(dp, v128.load(s));
              v128.store(dp, v128.load(s, 16), 16);
            } else {
              for (let q = 0; q < 8; q++) {
                const jx = ix + q;
                store<f32>(dp + (<usize>q << 2), jx >= 0 && jx < W ? load<f32>(xr + (<usize>jx << 2)) : 0);
              }
            }
            dp += 32;
          }
        }
      }
      continue;
    }
    // General panel: lanes may wrap rows, run past P, or stride; per-lane origins first.
    for (let q = 0; q < 8; q++) {
      const p = pb + q;
      const l = lanes + (<usize>q << 2);
      if (p < P) {
        const oy = p / oW;
        store<i32>(l, oy * sH - pT);
        store<i32>(l, (p - oy * oW) * sW - pL, 32);
      } else {
        store<i32>(l, -0x40000000);
        store<i32>(l, -0x40000000, 32);
      }
    }
    for (let c = 0; c < C; c++) {
      const xc = xn + <usize>c * plane;
      for (let ky = 0; ky < kH; ky++) {
        for (let kx = 0; kx < kW; kx++) {
          for (let q = 0; q < 8; q++) {
            const l = lanes + (<usize>q << 2);
            const iy = load<i32>(l) + ky * dH;
            const ix = load<i32>(l, 32) + kx * dW;
            store<f32>(dp + (<usize>q << 2), iy >= 0 && iy < H && ix >= 0 && ix < W ? load<f32>(xc + <usize>iy * rowB + (<usize>ix << 2)) : 0);
          }
          dp += 32;
        }
      }
    }
  }
}

/** Plain im2col rows [r0, r1) of image xn: dst[(r - r0)][p], every output pixel p. */
function im2colRows(dst: usize, xn: usize, r0: i32, r1: i32): void {
  const plane = <usize>(H * W) << 2;
  const rowB = <usize>W << 2;
  const oWB = <usize>oW << 2;
  let d = dst;
  // walk (c, ky, kx) from r0 without a division per row
  let c = r0 / kk;
  let ky = (r0 - c * kk) / kW;
  let kx = r0 - c * kk - ky * kW;
  for (let r = r0; r < r1; r++) {
    const xc = xn + <usize>c * plane;
    const ixb = kx * dW - pL;
    validRange(ixb, sW, W, oW);
    const lo = rangeLo, hi = rangeHi;
    const iyb = ky * dH - pT;
    validRange(iyb, sH, H, oH);
    const yLo = rangeLo, yHi = rangeHi;
    zero(d, yLo * oW);
    d += <usize>(yLo * oW) << 2;
    if (sW == 1 && lo == 0 && hi == oW) {
      // the common interior case: whole output rows come from consecutive input pixels
      let src = xc + <usize>(yLo * sH + iyb) * rowB + (<usize>ixb << 2);
      const step = <usize>sH * rowB;
      for (let oy = yLo; oy < yHi; oy++) {
        copy(d, src, oW);
        src += step;
        d += oWB;
      }
    } else {
      for (let oy = yLo; oy < yHi; oy++) {
        const xr = xc + <usize>(oy * sH + iyb) * rowB;
        zero(d, lo);
        if (sW == 1) {
          copy(d + (<usize>lo << 2), xr + (<usize>(lo + ixb) << 2), hi - lo);
        } else {
          for (let ox = lo; ox < hi; ox++) store<f32>(d + (<usize>ox << 2), load<f32>(xr + (<usize>(ox * sW + ixb) << 2)));
        }
        zero(d + (<usize>hi << 2), oW - hi);
        d += oWB;
      }
    }
    zero(d, (oH - yHi) * oW);
    d += <usize>((oH - yHi) * oW) << 2;
    if (++kx == kW) {
      kx = 0;
      if (++ky == kH) {
        ky = 0;
        c++;
      }
    }
  }
}

/**
 * dx_n += col2im of dcol rows [rA, rB) (stored from row rowBase, row stride ldc floats) over
 * output rows [oy0, oy1) (stored from column oy0 * oW). rA, rB are channel boundaries.
 */
function col2im(dxn: usize, dcol: usize, rA: i32, rB: i32, rowBase: i32, ldc: i32, oy0: i32, oy1: i32): void {
  const plane = <usize>(H * W) << 2;
  const rowB = <usize>W << 2;
  const oWB = <usize>oW << 2;
  let r = rA;
  for (let c = rA / kk, cEnd = rB / kk; c < cEnd; c++) {
    const dxc = dxn + <usize>c * plane;
    for (let ky = 0; ky < kH; ky++) {
      const iyb = ky * dH - pT;
      validRange(iyb, sH, H, oH);
      const yLo = max(rangeLo, oy0), yHi = min(rangeHi, oy1);
      for (let kx = 0; kx < kW; kx++, r++) {
        const ixb = kx * dW - pL;
        validRange(ixb, sW, W, oW);
        const lo = rangeLo, hi = rangeHi;
        if (lo >= hi || yLo >= yHi) continue;
        let src = dcol + (<usize>(r - rowBase) * <usize>ldc << 2) + <usize>(yLo - oy0) * oWB;
        let xr = dxc + <usize>(yLo * sH + iyb) * rowB;
        const step = <usize>sH * rowB;
        for (let oy = yLo; oy < yHi; oy++) {
          if (sW == 1) {
            const dst = xr + (<usize>ixb << 2);
            let ox = lo;
            for (; ox + 4 <= hi; ox += 4) {
              const o = <usize>ox << 2;
              v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
            }
            for (; ox < hi; ox++) {
              const o = <usize>ox << 2;
              store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
            }
          } else {
            for (let ox = lo; ox < hi; ox++) {
              const t = xr + (<usize>(ox * sW + ixb) << 2);
              store<f32>(t, load<f32>(t) + load<f32>(src + (<usize>ox << 2)));
            }
          }
          src += oWB;
          xr += step;
        }
      }
    }
  }
}

// ---- forward ----

function fwdThreadBytes(): usize {
  const np = (P + 7) >> 3;
  return lines(<usize>chunkPanels(K, np) * <usize>K * 32 + TMP_BYTES + LANE_BYTES);
}

export function convForwardScratch(nt: i32): usize {
  loadDims();
  const mp = (outC + 3) >> 2;
  return lines(<usize>mp * <usize>K * 16) + <usize>nt * fwdThreadBytes();
}

export function convForwardOp(tid: i32, nt: i32): void {
  loadDims();
  const x = argP(15), w = argP(16), b = argP(17), y = argP(18);
  const mp = (outC + 3) >> 2, np = (P + 7) >> 3;
  const aps = <usize>K << 4;
  const Ap = scratchBase();
  for (let ip = share(mp, tid, nt), e = share(mp, tid + 1, nt); ip < e; ip++) {
    packRows(Ap + <usize>ip * aps, 16, w + <usize>(ip << 2) * (<usize>K << 2), K, min(4, outC - (ip << 2)), K);
  }
  barrier(nt);
  const Bc = Ap + lines(<usize>mp * aps) + <usize>tid * fwdThreadBytes();
  const CH = chunkPanels(K, np);
  const tmp = Bc + <usize>CH * (<usize>K << 5);
  const lanes = tmp + TMP_BYTES;
  const xImg = <usize>(C * H * W) << 2, yImg = <usize>(outC * P) << 2;
  const n0 = N >= nt ? share(N, tid, nt) : 0;
  const n1 = N >= nt ? share(N, tid + 1, nt) : N;
  const jA = N >= nt ? 0 : share(np, tid, nt);
  const jB = N >= nt ? np : share(np, tid + 1, nt);
  for (let n = n0; n < n1; n++) {
    const xn = x + <usize>n * xImg, yn = y + <usize>n * yImg;
    for (let j0 = jA; j0 < jB; j0 += CH) {
      const j1 = min(jB, j0 + CH);
      im2colPacked(Bc, xn, j0, j1, lanes);
      const p0 = j0 << 3;
      outerTiles(Ap, aps, mp, Bc, <usize>K << 5, j1 - j0, K, yn + (<usize>p0 << 2), P, outC, P - p0, false, b, tmp);
    }
  }
}

// ---- backward ----

/** Output rows per dx chunk: Wᵀ·dy for that many rows fits the column budget. */
@inline function dxRows(): i32 {
  return max(1, min(oH, COL_FLOATS / ((((K + 3) & ~3) + outC) * oW)));
}

/** Columns of the dx chunk buffers: dxRows() output rows, rounded up to whole panels. */
@inline function dxChunkWidth(): i32 {
  return (dxRows() * oW + 7) & ~7;
}

function bwdThreadBytes(nt: i32): usize {
  const quads = (K + 3) >> 2;
  const rowsMax = ((quads + nt - 1) / nt) << 2;
  const dwBytes = <usize>rowsMax * <usize>dwGroup() * <usize>P * 4;
  const dxBytes = <usize>dxChunkWidth() * 4 * <usize>(outC + ((K + 3) & ~3));
  return lines(max(dwBytes, dxBytes) + TMP_BYTES);
}

export function convBackwardScratch(nt: i32): usize {
  loadDims();
  const wt = argP(18) != 0 ? lines(<usize>((K + 3) >> 2) * <usize>outC * 16) : 0;
  return wt + <usize>nt * bwdThreadBytes(nt);
}

export function convBackwardOp(tid: i32, nt: i32): void {
  loadDims();
  const x = argP(15), w = argP(16), dy = argP(17), dx = argP(18), dw = argP(19), db = argP(20);
  const mpK = (K + 3) >> 2;
  const wps = <usize>outC << 4;
  const Wt = scratchBase();
  const wtBytes = dx != 0 ? lines(<usize>mpK * wps) : 0;
  const mine = Wt + wtBytes + <usize>tid * bwdThreadBytes(nt);
  const tmp = mine + bwdThreadBytes(nt) - TMP_BYTES;
  const xImg = <usize>(C * H * W) << 2, yImg = <usize>(outC * P) << 2, rowP = <usize>P << 2;
  if (dx != 0) {
    // Wᵀ[K, outC] in 4-row panels: row r of Wᵀ is column r of W[outC, K].
    for (let ip = share(mpK, tid, nt), e = share(mpK, tid + 1, nt); ip < e; ip++) {
      packCols(Wt + <usize>ip * wps, 4, w + (<usize>(ip << 2) << 2), K, min(4, K - (ip << 2)), outC);
    }
    barrier(nt);
  }
  if (db != 0) biasGradient(db, dy, N, outC, P, yImg, tid, nt);
  if (dw != 0) {
    // dW[:, r0..r1) += Σ_n dy_n · col_n[r0..r1)ᵀ, a group of G images per reduction
    const quads = (K + 3) >> 2;
    const r0 = share(quads, tid, nt) << 2;
    const r1 = min(K, share(quads, tid + 1, nt) << 2);
    if (r0 < r1) {
      const rows = r1 - r0;
      const G = dwGroup();
      const colImg = <usize>rows * rowP;
      for (let g0 = 0; g0 < N; g0 += G) {
        const gn = min(G, N - g0);
        for (let gi = 0; gi < gn; gi++) im2colRows(mine + <usize>gi * colImg, x + <usize>(g0 + gi) * xImg, r0, r1);
        dotTiles(0, outC, 0, rows, P, gn, dy + <usize>g0 * yImg, yImg, rowP, mine, colImg, rowP, dw + (<usize>r0 << 2), <usize>K << 2, true);
      }
    }
  }
  if (dx != 0) {
    const RC = dxRows();
    const Bd = mine;
    const dcol = Bd + <usize>dxChunkWidth() * 4 * <usize>outC;
    const byImage = N >= nt;
    const n0 = byImage ? share(N, tid, nt) : 0;
    const n1 = byImage ? share(N, tid + 1, nt) : N;
    const c0 = byImage ? 0 : share(C, tid, nt);
    const c1 = byImage ? C : share(C, tid + 1, nt);
    if (c0 < c1) {
      const rA = c0 * kk, rB = c1 * kk;
      const ipA = rA >> 2, ipB = (rB + 3) >> 2;
      const plane = H * W;
      for (let n = n0; n < n1; n++) {
        const dxn = dx + <usize>n * xImg;
        const dyn = dy + <usize>n * yImg;
        zero(dxn + (<usize>(c0 * plane) << 2), (c1 - c0) * plane);
        for (let oy0 = 0; oy0 < oH; oy0 += RC) {
          const oy1 = min(oH, oy0 + RC);
          const p0 = oy0 * oW, cols = (oy1 - oy0) * oW;
          const npc = (cols + 7) >> 3;
          for (let jp = 0; jp < npc; jp++) {
            packCols(Bd + <usize>jp * (<usize>outC << 5), 8, dyn + (<usize>(p0 + (jp << 3)) << 2), P, min(8, cols - (jp << 3)), outC);
          }
          const width = npc << 3;
          outerTiles(Wt + <usize>ipA * wps, wps, ipB - ipA, Bd, <usize>outC << 5, npc, outC, dcol, width, (ipB - ipA) << 2, width, false, 0, tmp);
          col2im(dxn, dcol, rA, rB, ipA << 2, width, oy0, oy1);
        }
      }
    }
  }
}
