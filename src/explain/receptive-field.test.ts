/**
 * The one tap formula reads the pixels the engine's convolution reads (padding, stride, dilation,
 * H ≠ W, C > 1), and receptive fields match the hand-computed ones of LeNet.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { Rng } from '../engine/rng.js';
import { im2col, type Conv2dDims } from '../engine/kernels/conv.js';
import { convTapPosition, poolWindow, receptiveField, windowDims } from './receptive-field.js';

describe('convTapPosition', () => {
  it.each([
    ['C=2 H=7 W=9 k=3×2 stride 2×1 pad 1×0 dilation 1', { C: 2, H: 7, W: 9, kH: 3, kW: 2, strideH: 2, strideW: 1, padTop: 1, padLeft: 0, dilationH: 1, dilationW: 1 }],
    ['C=3 H=8 W=6 k=3 stride 1 pad 2 dilation 2×1', { C: 3, H: 8, W: 6, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 2, padLeft: 2, dilationH: 2, dilationW: 1 }],
  ])('names the pixel im2col puts in each tap (%s)', (_, base) => {
    const oH = Math.floor((base.H + 2 * base.padTop - base.dilationH * (base.kH - 1) - 1) / base.strideH) + 1;
    const oW = Math.floor((base.W + 2 * base.padLeft - base.dilationW * (base.kW - 1) - 1) / base.strideW) + 1;
    const d: Conv2dDims = { ...base, N: 1, outC: 1, oH, oW };
    const rng = new Rng(7);
    const x = Float32Array.from({ length: d.C * d.H * d.W }, () => rng.next() + 0.5); // no zeros: padding is told apart
    const col = new Float32Array(d.C * d.kH * d.kW * oH * oW);
    im2col(col, x, 0, d);
    for (let c = 0, row = 0; c < d.C; c++) {
      for (let ky = 0; ky < d.kH; ky++) {
        for (let kx = 0; kx < d.kW; kx++, row++) {
          for (let y = 0; y < oH; y++) {
            for (let xo = 0; xo < oW; xo++) {
              const { iy, ix } = convTapPosition(d, y, xo, ky, kx);
              const inside = iy >= 0 && iy < d.H && ix >= 0 && ix < d.W;
              expect(col[row * oH * oW + y * oW + xo]).toBe(inside ? x[(c * d.H + iy) * d.W + ix] : 0);
            }
          }
        }
      }
    }
  });

  it('reads a pooling window as size×size taps from (y·stride, x·stride)', () => {
    const w = poolWindow({ size: 2, stride: 2 });
    expect(convTapPosition(w, 3, 5, 0, 0)).toEqual({ iy: 6, ix: 10 });
    expect(convTapPosition(w, 3, 5, 1, 1)).toEqual({ iy: 7, ix: 11 });
  });

  it('takes the window from conv and pooling layers only', () => {
    const lenet = new Sequential(ZOO['lenet'].spec, 0);
    expect(lenet.layers.map((l) => windowDims(l)?.kH ?? null)).toEqual([5, 2, 5, 2, null, null, null, null]);
  });
});

describe('receptiveField', () => {
  const lenet = new Sequential(ZOO['lenet'].spec, 0);
  it('grows through lenet: conv1 5×5, pool1 6×6, conv2 14×14, pool2 16×16, dense everything', () => {
    expect(receptiveField(lenet, 0, 3, 4)).toEqual({ y0: 3, y1: 7, x0: 4, x1: 8 });
    expect(receptiveField(lenet, 1, 0, 0)).toEqual({ y0: 0, y1: 5, x0: 0, x1: 5 });
    expect(receptiveField(lenet, 2, 1, 2)).toEqual({ y0: 2, y1: 15, x0: 4, x1: 17 });
    expect(receptiveField(lenet, 3, 3, 3)).toEqual({ y0: 12, y1: 27, x0: 12, x1: 27 });
    expect(receptiveField(lenet, 5, 0, 0)).toEqual({ y0: 0, y1: 27, x0: 0, x1: 27 });
  });

  it('clips padding away at the border', () => {
    const m = new Sequential({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 2, k: 5, pad: 'same' }, { kind: 'relu' }] }, 0);
    expect(receptiveField(m, 1, 0, 27)).toEqual({ y0: 0, y1: 2, x0: 25, x1: 27 });
  });

  it('widens by the dilated span (k=3 dilation 2 stride 2: a 5×5 window per unit, 2 apart)', () => {
    const m = new Sequential({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 2, k: 3, stride: 2, dilation: 2 }] }, 0);
    expect(receptiveField(m, 0, 1, 3)).toEqual({ y0: 2, y1: 6, x0: 6, x1: 10 });
  });
});
