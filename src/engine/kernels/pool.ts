/**
 * Reference pooling kernels. Max pooling records which input won each window (argmax), both
 * for the backward pass and so the explorer can show the winner.
 */

export interface Pool2dDims {
  N: number;
  C: number;
  H: number;
  W: number;
  size: number;
  stride: number;
  oH: number;
  oW: number;
}

/** y[N,C,oH,oW] = max over each window of x[N,C,H,W]; argmax[N,C,oH,oW] = flat index into x of the winner. */
export function maxPoolForwardReference(y: Float32Array, argmax: Int32Array, x: Float32Array, d: Pool2dDims): void {
  const { N, C, H, W, size, stride, oH, oW } = d;
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let oy = 0; oy < oH; oy++) {
      for (let ox = 0; ox < oW; ox++, o++) {
        let best = -Infinity;
        let at = base + oy * stride * W + ox * stride;
        for (let ky = 0; ky < size; ky++) {
          const row = base + (oy * stride + ky) * W + ox * stride;
          for (let kx = 0; kx < size; kx++) {
            const v = x[row + kx];
            // `>` keeps the first maximum, as PyTorch does; NaN never wins so it cannot hide.
            if (v > best) {
              best = v;
              at = row + kx;
            }
          }
        }
        y[o] = x[at];
        argmax[o] = at;
      }
    }
  }
}

/** dx[N,C,H,W] = dy routed to each window's winner (dx is overwritten). */
export function maxPoolBackwardReference(dx: Float32Array, dy: Float32Array, argmax: Int32Array): void {
  dx.fill(0);
  for (let o = 0; o < dy.length; o++) dx[argmax[o]] += dy[o];
}

/** y[N,C,oH,oW] = mean over each window of x[N,C,H,W]. */
export function avgPoolForwardReference(y: Float32Array, x: Float32Array, d: Pool2dDims): void {
  const { N, C, H, W, size, stride, oH, oW } = d;
  const inv = 1 / (size * size);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let oy = 0; oy < oH; oy++) {
      for (let ox = 0; ox < oW; ox++, o++) {
        let s = 0;
        for (let ky = 0; ky < size; ky++) {
          const row = base + (oy * stride + ky) * W + ox * stride;
          for (let kx = 0; kx < size; kx++) s += x[row + kx];
        }
        y[o] = s * inv;
      }
    }
  }
}

/** dx[N,C,H,W] = each dy spread evenly over its window (dx is overwritten). */
export function avgPoolBackwardReference(dx: Float32Array, dy: Float32Array, d: Pool2dDims): void {
  const { N, C, H, W, size, stride, oH, oW } = d;
  const inv = 1 / (size * size);
  dx.fill(0);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let oy = 0; oy < oH; oy++) {
      for (let ox = 0; ox < oW; ox++, o++) {
        const g = dy[o] * inv;
        for (let ky = 0; ky < size; ky++) {
          const row = base + (oy * stride + ky) * W + ox * stride;
          for (let kx = 0; kx < size; kx++) dx[row + kx] += g;
        }
      }
    }
  }
}
