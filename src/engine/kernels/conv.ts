/**
 * Reference 2-D convolution (cross-correlation, as PyTorch and ONNX define it) by im2col + GEMM.
 * Padding is explicit per side; dilation spreads the kernel taps. No layout other than NCHW.
 */
import { gemmReference } from './gemm.js';

export interface Conv2dDims {
  N: number;
  C: number;
  H: number;
  W: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
  oH: number;
  oW: number;
}

/** col[C*kH*kW, oH*oW] = the receptive field of every output pixel of one image x[C,H,W]. */
export function im2col(col: Float32Array, x: Float32Array, xOffset: number, d: Conv2dDims): void {
  const { C, H, W, kH, kW, oH, oW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = d;
  const P = oH * oW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const xc = xOffset + c * H * W;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, row++) {
        const out = row * P;
        for (let oy = 0; oy < oH; oy++) {
          const iy = oy * strideH - padTop + ky * dilationH;
          const o = out + oy * oW;
          if (iy < 0 || iy >= H) {
            col.fill(0, o, o + oW);
            continue;
          }
          const xr = xc + iy * W;
          for (let ox = 0; ox < oW; ox++) {
            const ix = ox * strideW - padLeft + kx * dilationW;
            col[o + ox] = ix >= 0 && ix < W ? x[xr + ix] : 0;
          }
        }
      }
    }
  }
}

/** dx[C,H,W] += the scatter of dcol[C*kH*kW, oH*oW] back onto the input pixels (adjoint of im2col). */
export function col2im(dx: Float32Array, dxOffset: number, dcol: Float32Array, d: Conv2dDims): void {
  const { C, H, W, kH, kW, oH, oW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = d;
  const P = oH * oW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const xc = dxOffset + c * H * W;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, row++) {
        const out = row * P;
        for (let oy = 0; oy < oH; oy++) {
          const iy = oy * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= H) continue;
          const xr = xc + iy * W;
          const o = out + oy * oW;
          for (let ox = 0; ox < oW; ox++) {
            const ix = ox * strideW - padLeft + kx * dilationW;
            if (ix >= 0 && ix < W) dx[xr + ix] += dcol[o + ox];
          }
        }
      }
    }
  }
}

/** Scratch buffers reused across calls so a training step allocates nothing per batch. */
const scratch = { col: new Float32Array(0), dcol: new Float32Array(0) };
function colBuffer(which: 'col' | 'dcol', n: number): Float32Array {
  if (scratch[which].length < n) scratch[which] = new Float32Array(n);
  return scratch[which];
}

/** y[N,outC,oH,oW] = conv(x[N,C,H,W], w[outC,C,kH,kW]) + b[outC] */
export function conv2dForwardReference(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, d: Conv2dDims): void {
  const K = d.C * d.kH * d.kW;
  const P = d.oH * d.oW;
  const col = colBuffer('col', K * P);
  for (let n = 0; n < d.N; n++) {
    im2col(col, x, n * d.C * d.H * d.W, d);
    const yn = y.subarray(n * d.outC * P, (n + 1) * d.outC * P);
    gemmReference(yn, w, col, { M: d.outC, N: P, K });
    for (let o = 0; o < d.outC; o++) {
      const bo = b[o];
      for (let p = o * P, end = p + P; p < end; p++) yn[p] += bo;
    }
  }
}

/**
 * Given dy[N,outC,oH,oW]: dx[N,C,H,W] = conv-transpose(dy, w) (skipped when dx is null),
 * dw[outC,C,kH,kW] += Σ_n dy_n · col(x_n)ᵀ, db[outC] += Σ dy.
 */
export function conv2dBackwardReference(
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  d: Conv2dDims,
): void {
  const K = d.C * d.kH * d.kW;
  const P = d.oH * d.oW;
  const col = colBuffer('col', K * P);
  const dcol = colBuffer('dcol', K * P);
  if (dx) dx.fill(0);
  for (let n = 0; n < d.N; n++) {
    const dyn = dy.subarray(n * d.outC * P, (n + 1) * d.outC * P);
    if (dw) {
      im2col(col, x, n * d.C * d.H * d.W, d);
      gemmReference(dw, dyn, col, { M: d.outC, N: K, K: P, transB: true, accumulate: true });
    }
    if (db) {
      for (let o = 0; o < d.outC; o++) {
        let s = 0;
        for (let p = o * P, end = p + P; p < end; p++) s += dyn[p];
        db[o] += s;
      }
    }
    if (dx) {
      gemmReference(dcol, w, dyn, { M: K, N: P, K: d.outC, transA: true });
      col2im(dx, n * d.C * d.H * d.W, dcol, d);
    }
  }
}
