/**
 * 2-D convolution layer (cross-correlation, as PyTorch and ONNX): each of outC kernels is a
 * C×kH×kW volume spanning every input channel. Validates shapes here; the loops live in kernels.
 */
import { kernels, type Conv2dDims } from '../../engine/kernels/index.js';
import type { Rng } from '../../engine/rng.js';
import { Tensor, expectShape, type Shape } from '../../engine/tensor.js';
import { ShapeError, formatShape } from '../../engine/errors.js';
import { initWeights } from '../init.js';
import type { BackwardOptions, Layer, LayerCache, Param } from '../layer.js';
import type { LayerSpec } from '../spec.js';
import { resolvePadding } from '../spec-shapes.js';

type Conv2dSpec = Extract<LayerSpec, { kind: 'conv2d' }>;

function pair(v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export class Conv2d implements Layer {
  readonly kind = 'conv2d';
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly params: Param[];
  readonly buffers = [];
  readonly weight: Param;
  readonly bias: Param;
  /** per-sample dimensions; N is filled in per call */
  readonly dims: Omit<Conv2dDims, 'N'>;
  /** [top, left, bottom, right] */
  readonly padding: readonly [number, number, number, number];
  readonly macsPerSample: number;

  constructor(readonly name: string, readonly spec: Conv2dSpec, inShape: Shape, rng: Rng) {
    if (inShape.length !== 3) throw new ShapeError(`${name}: conv2d takes input [N,C,H,W], got per-sample ${formatShape(inShape)}`);
    const [C, H, W] = inShape as [number, number, number];
    const [kH, kW] = pair(spec.k, 1);
    const [sH, sW] = pair(spec.stride, 1);
    const [dH, dW] = pair(spec.dilation, 1);
    const pads = resolvePadding(spec.pad, H, W, [kH, kW], [sH, sW], [dH, dW]);
    const oH = Math.floor((H + pads[0] + pads[2] - dH * (kH - 1) - 1) / sH) + 1;
    const oW = Math.floor((W + pads[1] + pads[3] - dW * (kW - 1) - 1) / sW) + 1;
    if (oH < 1 || oW < 1) {
      throw new ShapeError(`${name}: a ${kH}×${kW} kernel (dilation ${dH}×${dW}) does not fit input ${H}×${W} with padding ${JSON.stringify(pads)}`);
    }
    const outC = spec.outC;
    this.inShape = inShape;
    this.outShape = [outC, oH, oW];
    this.padding = pads;
    this.dims = { C, H, W, outC, kH, kW, strideH: sH, strideW: sW, padTop: pads[0], padLeft: pads[1], dilationH: dH, dilationW: dW, oH, oW };
    const w = new Tensor([outC, C, kH, kW]);
    initWeights(w.data, spec.init ?? 'uniform', C * kH * kW, outC * kH * kW, rng);
    this.weight = { name: `${name}.weight`, value: w, grad: new Tensor(w.shape), decay: true };
    this.bias = { name: `${name}.bias`, value: new Tensor([outC]), grad: new Tensor([outC]), decay: false };
    this.params = [this.weight, this.bias];
    this.macsPerSample = outC * oH * oW * C * kH * kW;
  }

  forward(x: Tensor): LayerCache {
    const [C, H, W] = this.inShape as [number, number, number];
    expectShape(this.name, x, [-1, C, H, W], 'layout is NCHW');
    const y = new Tensor([x.n, ...this.outShape]);
    kernels().conv2dForward(y.data, x.data, this.weight.value.data, this.bias.value.data, { N: x.n, ...this.dims });
    return { x, y };
  }

  /** dx = conv-transpose(dy, W);  dW += Σ dy ⋆ x;  db += Σ dy */
  backward(dy: Tensor, cache: LayerCache, opts: BackwardOptions): Tensor | null {
    const dx = opts.inputGrad === false ? null : new Tensor(cache.x.shape);
    kernels().conv2dBackward(
      dx?.data ?? null,
      opts.paramGrads ? this.weight.grad.data : null,
      opts.paramGrads ? this.bias.grad.data : null,
      dy.data,
      cache.x.data,
      this.weight.value.data,
      { N: dy.n, ...this.dims },
    );
    return dx;
  }
}
