/**
 * Deskewing, the classic MNIST preprocessing (LeCun et al. list it beside many of their results):
 * each image is sheared horizontally so that its ink's principal axis stands upright. A slanted
 * "1" and an upright one then look alike, which a network with few hidden units cannot learn to
 * ignore on its own. Runs on raw pixels (0..1, ink high), before normalisation.
 *
 * The shear for image n is α = cov(x,y)/var(y) of its ink; output pixel (x, y) samples the input at
 * (x + α·(y − ȳ), y) by linear interpolation along the row. The backward pass routes gradients
 * through that interpolation with α held fixed (the shear's own dependence on the image is left
 * out), which is what a saliency map needs.
 */

/** out[N,C,H,W] = deskewed x[N,C,H,W] (each channel sheared by its own moments); returns α per plane. */
export function deskewForward(out: Float32Array, x: Float32Array, planes: number, H: number, W: number): Float32Array {
  const shear = new Float32Array(planes);
  const meanY = new Float32Array(planes);
  for (let p = 0; p < planes; p++) {
    const o = p * H * W;
    let m = 0;
    let mx = 0;
    let my = 0;
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        const v = x[o + y * W + xx];
        m += v;
        mx += xx * v;
        my += y * v;
      }
    }
    if (!(m > 1e-6)) continue; // no ink: α = 0 leaves the image as it is
    mx /= m;
    my /= m;
    let cxy = 0;
    let cyy = 0;
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        const v = x[o + y * W + xx];
        cxy += (xx - mx) * (y - my) * v;
        cyy += (y - my) * (y - my) * v;
      }
    }
    const alpha = cyy > 1e-6 ? cxy / cyy : 0;
    shear[p] = alpha;
    meanY[p] = my;
  }
  // Shears first, then means, so backward can redo each row's offset.
  const params = new Float32Array(2 * planes);
  params.set(shear, 0);
  params.set(meanY, planes);
  applyShear(out, x, params, planes, H, W);
  return params;
}

/** out = x sheared by fixed params (from deskewForward): linear in x, the map backward transposes. */
export function applyShear(out: Float32Array, x: Float32Array, params: Float32Array, planes: number, H: number, W: number): void {
  for (let p = 0; p < planes; p++) {
    const o = p * H * W;
    const alpha = params[p];
    const my = params[planes + p];
    for (let y = 0; y < H; y++) {
      const dx = alpha * (y - my);
      const x0 = Math.floor(dx);
      const f = dx - x0;
      for (let xx = 0; xx < W; xx++) {
        const s = xx + x0;
        const a = s >= 0 && s < W ? x[o + y * W + s] : 0;
        const b = s + 1 >= 0 && s + 1 < W ? x[o + y * W + s + 1] : 0;
        out[o + y * W + xx] = a * (1 - f) + b * f;
      }
    }
  }
}

/** dx[N,C,H,W] = adjoint of the shear in deskewForward (α fixed), given dy and its params. */
export function deskewBackward(dx: Float32Array, dy: Float32Array, params: Float32Array, planes: number, H: number, W: number): void {
  dx.fill(0);
  for (let p = 0; p < planes; p++) {
    const o = p * H * W;
    const alpha = params[p];
    const my = params[planes + p];
    for (let y = 0; y < H; y++) {
      const d = alpha * (y - my);
      const x0 = Math.floor(d);
      const f = d - x0;
      for (let xx = 0; xx < W; xx++) {
        const g = dy[o + y * W + xx];
        const s = xx + x0;
        if (s >= 0 && s < W) dx[o + y * W + s] += g * (1 - f);
        if (s + 1 >= 0 && s + 1 < W) dx[o + y * W + s + 1] += g * f;
      }
    }
  }
}
