/**
 * Elementwise activations and softmax. The cache's `x` is the pre-activation, which the explorer
 * shows beside the output. Relu and sigmoid run on the active kernels (SIMD in WebAssembly, where
 * the arrays already live in kernel memory during training); leaky relu, tanh and softmax keep
 * their plain loops, which no zoo model spends much time in.
 */
import { Tensor, type Shape } from '../../engine/tensor.js';
import {
  kernels,
  reluBackwardReference,
  reluForwardReference,
  sigmoidBackwardReference,
  sigmoidForwardReference,
} from '../../engine/kernels/index.js';
import { ShapeError, formatShape } from '../../engine/errors.js';
import type { BackwardOptions, Layer, LayerCache } from '../layer.js';
import type { LayerSpec } from '../spec.js';

type ActivationKind = 'relu' | 'leakyrelu' | 'sigmoid' | 'tanh' | 'softmax';

abstract class Elementwise implements Layer {
  abstract readonly kind: ActivationKind;
  readonly outShape: Shape;
  readonly params = [];
  readonly buffers = [];
  readonly macsPerSample = 0;

  constructor(readonly name: string, readonly spec: LayerSpec, readonly inShape: Shape) {
    this.outShape = inShape;
  }

  protected check(x: Tensor): void {
    const per = x.shape.slice(1);
    if (per.length !== this.inShape.length || per.some((d, i) => d !== this.inShape[i])) {
      throw new ShapeError(`${this.name}: expected input [N,${this.inShape.join(',')}], got ${formatShape(x.shape)}`);
    }
  }

  forward(x: Tensor): LayerCache {
    this.check(x);
    const y = new Tensor(x.shape);
    this.apply(y.data, x.data);
    return { x, y };
  }

  backward(dy: Tensor, cache: LayerCache, opts?: BackwardOptions): Tensor {
    const dx = new Tensor(dy.shape);
    const rule = this.kind === 'relu' || this.kind === 'leakyrelu' ? (opts?.rule ?? 'gradient') : 'gradient';
    if (rule === 'deconvnet') {
      // Zeiler–Fergus: the rectification is applied to the signal coming down, not by x's sign.
      for (let i = 0; i < dy.data.length; i++) dx.data[i] = dy.data[i] > 0 ? dy.data[i] : 0;
      return dx;
    }
    this.derive(dx.data, dy.data, cache.x.data, cache.y.data);
    if (rule === 'guided') {
      // Guided backpropagation: only positive gradient passes, and only where the unit was active.
      for (let i = 0; i < dx.data.length; i++) if (!(dx.data[i] > 0)) dx.data[i] = 0;
    }
    return dx;
  }

  protected abstract apply(y: Float32Array, x: Float32Array): void;
  protected abstract derive(dx: Float32Array, dy: Float32Array, x: Float32Array, y: Float32Array): void;
}

export class Relu extends Elementwise {
  readonly kind = 'relu';
  protected apply(y: Float32Array, x: Float32Array): void {
    const k = kernels();
    if (k.reluForward) k.reluForward(y, x);
    else reluForwardReference(y, x);
  }
  /** dx = dy · [x > 0] */
  protected derive(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
    const k = kernels();
    if (k.reluBackward) k.reluBackward(dx, dy, x);
    else reluBackwardReference(dx, dy, x);
  }
}

export class LeakyRelu extends Elementwise {
  readonly kind = 'leakyrelu';
  readonly alpha: number;
  constructor(name: string, spec: Extract<LayerSpec, { kind: 'leakyrelu' }>, inShape: Shape) {
    super(name, spec, inShape);
    this.alpha = spec.alpha ?? 0.01;
  }
  protected apply(y: Float32Array, x: Float32Array): void {
    const a = this.alpha;
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : a * x[i];
  }
  /** dx = dy · (x > 0 ? 1 : α) */
  protected derive(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
    const a = this.alpha;
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : a * dy[i];
  }
}

export class Sigmoid extends Elementwise {
  readonly kind = 'sigmoid';
  protected apply(y: Float32Array, x: Float32Array): void {
    const k = kernels();
    if (k.sigmoidForward) k.sigmoidForward(y, x);
    else sigmoidForwardReference(y, x);
  }
  /** dx = dy · σ(x)(1 − σ(x)) */
  protected derive(dx: Float32Array, dy: Float32Array, _x: Float32Array, y: Float32Array): void {
    const k = kernels();
    if (k.sigmoidBackward) k.sigmoidBackward(dx, dy, y);
    else sigmoidBackwardReference(dx, dy, y);
  }
}

export class Tanh extends Elementwise {
  readonly kind = 'tanh';
  protected apply(y: Float32Array, x: Float32Array): void {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  }
  /** dx = dy · (1 − tanh²(x)) */
  protected derive(dx: Float32Array, dy: Float32Array, _x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < y.length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  }
}

/** Softmax over the features of each sample (the last per-sample dimensions, flattened). */
export class Softmax extends Elementwise {
  readonly kind = 'softmax';
  private get width(): number {
    return this.inShape.reduce((a, b) => a * b, 1);
  }
  protected apply(y: Float32Array, x: Float32Array): void {
    softmaxRows(y, x, this.width);
  }
  /** dx = y ⊙ (dy − Σ dy·y) per sample */
  protected derive(dx: Float32Array, dy: Float32Array, _x: Float32Array, y: Float32Array): void {
    const F = this.width;
    for (let r = 0; r < y.length; r += F) {
      let dot = 0;
      for (let j = 0; j < F; j++) dot += dy[r + j] * y[r + j];
      for (let j = 0; j < F; j++) dx[r + j] = y[r + j] * (dy[r + j] - dot);
    }
  }
}

/** y = softmax of each row of x (width F), stable by subtracting the row max. */
export function softmaxRows(y: Float32Array, x: Float32Array, F: number): void {
  for (let r = 0; r < x.length; r += F) {
    let max = -Infinity;
    for (let j = 0; j < F; j++) if (x[r + j] > max) max = x[r + j];
    let sum = 0;
    for (let j = 0; j < F; j++) {
      const e = Math.exp(x[r + j] - max);
      y[r + j] = e;
      sum += e;
    }
    for (let j = 0; j < F; j++) y[r + j] /= sum;
  }
}
