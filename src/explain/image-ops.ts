/**
 * Small image operations the explanation methods share: Gaussian blur, bilinear resizing (the
 * half-pixel convention of PyTorch's interpolate with align_corners = false), shifting with
 * wrap-around (activation maximisation's jitter) and total variation. Planar float images only.
 */

/** out[C,H,W] = x[C,H,W] blurred by a Gaussian of standard deviation sigma (pixels), edges clamped. */
export function gaussianBlur(x: Float32Array, C: number, H: number, W: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return x.slice();
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const tmp = new Float32Array(x.length);
  const out = new Float32Array(x.length);
  const clamp = (v: number, n: number): number => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let c = 0; c < C; c++) {
    const o = c * H * W;
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        let a = 0;
        for (let i = -r; i <= r; i++) a += k[i + r] * x[o + y * W + clamp(xx + i, W)];
        tmp[o + y * W + xx] = a;
      }
    }
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        let a = 0;
        for (let i = -r; i <= r; i++) a += k[i + r] * tmp[o + clamp(y + i, H) * W + xx];
        out[o + y * W + xx] = a;
      }
    }
  }
  return out;
}

/** out[oH,oW] = bilinear resize of one plane x[h,w] (align_corners = false, edges clamped). */
export function resizeBilinear(x: Float32Array, h: number, w: number, oH: number, oW: number): Float32Array {
  const out = new Float32Array(oH * oW);
  const axis = (i: number, n: number, on: number): [number, number, number] => {
    let src = ((i + 0.5) * n) / on - 0.5;
    if (src < 0) src = 0;
    const i0 = Math.min(Math.floor(src), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    return [i0, i1, src - i0];
  };
  for (let y = 0; y < oH; y++) {
    const [y0, y1, fy] = axis(y, h, oH);
    for (let xx = 0; xx < oW; xx++) {
      const [x0, x1, fx] = axis(xx, w, oW);
      const top = x[y0 * w + x0] * (1 - fx) + x[y0 * w + x1] * fx;
      const bottom = x[y1 * w + x0] * (1 - fx) + x[y1 * w + x1] * fx;
      out[y * oW + xx] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** out[C,H,W] = x shifted by (dy, dx) with wrap-around; shift(shift(x, d), −d) = x. */
export function roll(x: Float32Array, C: number, H: number, W: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(x.length);
  const my = ((dy % H) + H) % H;
  const mx = ((dx % W) + W) % W;
  for (let c = 0; c < C; c++) {
    const o = c * H * W;
    for (let y = 0; y < H; y++) {
      const ty = (y + my) % H;
      for (let xx = 0; xx < W; xx++) out[o + ty * W + ((xx + mx) % W)] = x[o + y * W + xx];
    }
  }
  return out;
}

/** Anisotropic total variation Σ|x[y,x+1] − x[y,x]| + |x[y+1,x] − x[y,x]|, and its (sub)gradient added into g. */
export function totalVariation(x: Float32Array, C: number, H: number, W: number, g?: Float32Array, weight = 1): number {
  let tv = 0;
  for (let c = 0; c < C; c++) {
    const o = c * H * W;
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        const i = o + y * W + xx;
        if (xx + 1 < W) {
          const d = x[i + 1] - x[i];
          tv += Math.abs(d);
          if (g) {
            const s = weight * Math.sign(d);
            g[i + 1] += s;
            g[i] -= s;
          }
        }
        if (y + 1 < H) {
          const d = x[i + W] - x[i];
          tv += Math.abs(d);
          if (g) {
            const s = weight * Math.sign(d);
            g[i + W] += s;
            g[i] -= s;
          }
        }
      }
    }
  }
  return tv;
}
