/**
 * Batch normalisation over channels (input [N,C,H,W]) or features (input [N,F]), with PyTorch's
 * conventions: biased variance to normalise, unbiased variance in the running estimate,
 * running = (1 − momentum)·running + momentum·batch.
 */
import { Tensor, type Shape } from '../../engine/tensor.js';
import { ShapeError, formatShape } from '../../engine/errors.js';
import type { BackwardOptions, ForwardContext, Layer, LayerCache, Param, StateBuffer } from '../layer.js';
import type { LayerSpec } from '../spec.js';

interface BatchNormCache extends LayerCache {
  readonly xhat: Float32Array;
  readonly invStd: Float32Array;
  /** true when the batch's own statistics were used (train mode), so they depend on x too */
  readonly batchStats: boolean;
}

export class BatchNorm implements Layer {
  readonly kind = 'batchnorm';
  readonly outShape: Shape;
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: StateBuffer;
  readonly runningVar: StateBuffer;
  readonly momentum: number;
  readonly eps: number;
  readonly macsPerSample: number;
  private readonly C: number;
  private readonly HW: number;

  constructor(readonly name: string, readonly spec: Extract<LayerSpec, { kind: 'batchnorm' }>, readonly inShape: Shape) {
    if (inShape.length !== 1 && inShape.length !== 3) {
      throw new ShapeError(`${name}: batchnorm takes [N,F] or [N,C,H,W], got per-sample ${formatShape(inShape)}`);
    }
    this.outShape = inShape;
    this.C = inShape[0];
    this.HW = inShape.length === 3 ? inShape[1] * inShape[2] : 1;
    this.momentum = spec.momentum ?? 0.1;
    this.eps = spec.eps ?? 1e-5;
    const ones = new Tensor([this.C]);
    ones.data.fill(1);
    this.gamma = { name: `${name}.weight`, value: ones, grad: new Tensor([this.C]), decay: false };
    this.beta = { name: `${name}.bias`, value: new Tensor([this.C]), grad: new Tensor([this.C]), decay: false };
    const rv = new Tensor([this.C]);
    rv.data.fill(1);
    this.runningMean = { name: `${name}.running_mean`, value: new Tensor([this.C]) };
    this.runningVar = { name: `${name}.running_var`, value: rv };
    this.params = [this.gamma, this.beta];
    this.buffers = [this.runningMean, this.runningVar];
    this.macsPerSample = 2 * this.C * this.HW;
  }

  forward(x: Tensor, ctx: ForwardContext): BatchNormCache {
    const per = x.shape.slice(1);
    if (per.length !== this.inShape.length || per.some((d, i) => d !== this.inShape[i])) {
      throw new ShapeError(`${this.name}: expected input [N,${this.inShape.join(',')}], got ${formatShape(x.shape)}`);
    }
    const { C, HW } = this;
    const N = x.n;
    const m = N * HW;
    const batchStats = ctx.mode === 'train';
    const mean = new Float32Array(C);
    const invStd = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let mu: number;
      let variance: number;
      if (batchStats) {
        let s = 0;
        for (let n = 0; n < N; n++) for (let i = (n * C + c) * HW, e = i + HW; i < e; i++) s += x.data[i];
        mu = s / m;
        let v = 0;
        for (let n = 0; n < N; n++) for (let i = (n * C + c) * HW, e = i + HW; i < e; i++) v += (x.data[i] - mu) ** 2;
        variance = v / m;
        const mo = this.momentum;
        this.runningMean.value.data[c] = (1 - mo) * this.runningMean.value.data[c] + mo * mu;
        this.runningVar.value.data[c] = (1 - mo) * this.runningVar.value.data[c] + mo * (m > 1 ? (variance * m) / (m - 1) : variance);
      } else {
        mu = this.runningMean.value.data[c];
        variance = this.runningVar.value.data[c];
      }
      mean[c] = mu;
      invStd[c] = 1 / Math.sqrt(variance + this.eps);
    }
    const y = new Tensor(x.shape);
    const xhat = new Float32Array(x.size);
    const g = this.gamma.value.data;
    const b = this.beta.value.data;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let i = (n * C + c) * HW, e = i + HW; i < e; i++) {
          const h = (x.data[i] - mean[c]) * invStd[c];
          xhat[i] = h;
          y.data[i] = g[c] * h + b[c];
        }
      }
    }
    return { x, y, xhat, invStd, batchStats, internals: { mean: new Tensor([C], mean), invStd: new Tensor([C], invStd) } };
  }

  /**
   * With batch statistics: dx = γ·invStd/m · (m·dy − Σdy − x̂·Σ(dy·x̂)).
   * With running statistics (eval): dx = γ·invStd·dy.  dγ += Σ dy·x̂;  dβ += Σ dy.
   */
  backward(dy: Tensor, c0: LayerCache, opts: BackwardOptions): Tensor {
    const cache = c0 as BatchNormCache;
    const { C, HW } = this;
    const N = dy.n;
    const m = N * HW;
    const g = this.gamma.value.data;
    const dx = new Tensor(dy.shape);
    for (let c = 0; c < C; c++) {
      let sumDy = 0;
      let sumDyXhat = 0;
      for (let n = 0; n < N; n++) {
        for (let i = (n * C + c) * HW, e = i + HW; i < e; i++) {
          sumDy += dy.data[i];
          sumDyXhat += dy.data[i] * cache.xhat[i];
        }
      }
      if (opts.paramGrads) {
        this.gamma.grad.data[c] += sumDyXhat;
        this.beta.grad.data[c] += sumDy;
      }
      const k = g[c] * cache.invStd[c];
      for (let n = 0; n < N; n++) {
        for (let i = (n * C + c) * HW, e = i + HW; i < e; i++) {
          dx.data[i] = cache.batchStats ? (k / m) * (m * dy.data[i] - sumDy - cache.xhat[i] * sumDyXhat) : k * dy.data[i];
        }
      }
    }
    return dx;
  }
}
