/**
 * Dense (fully connected) layer: y[N,out] = x[N,in] · Wᵀ + b, with W stored [out,in] as in PyTorch
 * and ONNX. It takes flat per-sample input; a conv output needs a flatten layer first.
 */
import { kernels } from '../../engine/kernels/index.js';
import type { Rng } from '../../engine/rng.js';
import { Tensor, expectShape, type Shape } from '../../engine/tensor.js';
import { ShapeError, formatShape } from '../../engine/errors.js';
import { initWeights } from '../init.js';
import type { BackwardOptions, Layer, LayerCache, Param } from '../layer.js';
import type { LayerSpec } from '../spec.js';

type DenseSpec = Extract<LayerSpec, { kind: 'dense' }>;

export class Dense implements Layer {
  readonly kind = 'dense';
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly params: Param[];
  readonly buffers = [];
  readonly weight: Param;
  readonly bias: Param | null;
  readonly macsPerSample: number;

  constructor(readonly name: string, readonly spec: DenseSpec, inShape: Shape, rng: Rng) {
    if (inShape.length !== 1) {
      throw new ShapeError(`${name}: dense takes flat input [N,features], got per-sample ${formatShape(inShape)}; add a flatten layer before it`);
    }
    const inF = inShape[0];
    const out = spec.units;
    this.inShape = inShape;
    this.outShape = [out];
    const w = new Tensor([out, inF]);
    initWeights(w.data, spec.init ?? 'uniform', inF, out, rng);
    this.weight = { name: `${name}.weight`, value: w, grad: new Tensor([out, inF]), decay: true };
    this.bias = spec.bias === false ? null : { name: `${name}.bias`, value: new Tensor([out]), grad: new Tensor([out]), decay: false };
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
    this.macsPerSample = out * inF;
  }

  forward(x: Tensor): LayerCache {
    expectShape(this.name, x, [-1, this.inShape[0]]);
    const N = x.n;
    const out = this.outShape[0];
    const y = new Tensor([N, out]);
    kernels().gemm(y.data, x.data, this.weight.value.data, { M: N, N: out, K: this.inShape[0], transB: true });
    if (this.bias) {
      const b = this.bias.value.data;
      for (let n = 0; n < N; n++) for (let o = 0; o < out; o++) y.data[n * out + o] += b[o];
    }
    return { x, y };
  }

  /** dx = dy · W;  dW += dyᵀ · x;  db += Σ_n dy */
  backward(dy: Tensor, cache: LayerCache, opts: BackwardOptions): Tensor | null {
    const N = dy.n;
    const out = this.outShape[0];
    const inF = this.inShape[0];
    const k = kernels();
    if (opts.paramGrads) {
      k.gemm(this.weight.grad.data, dy.data, cache.x.data, { M: out, N: inF, K: N, transA: true, accumulate: true });
      if (this.bias) {
        const db = this.bias.grad.data;
        for (let n = 0; n < N; n++) for (let o = 0; o < out; o++) db[o] += dy.data[n * out + o];
      }
    }
    if (opts.inputGrad === false) return null;
    const dx = new Tensor([N, inF]);
    k.gemm(dx.data, dy.data, this.weight.value.data, { M: N, N: inF, K: out });
    return dx;
  }
}
