/**
 * Layers that move no numbers: flatten (a view, no copy) and dropout (inverted dropout, so eval
 * mode is the identity and needs no rescaling).
 */
import { Tensor, sizeOf, type Shape } from '../../engine/tensor.js';
import { ShapeError, formatShape } from '../../engine/errors.js';
import type { ForwardContext, Layer, LayerCache } from '../layer.js';
import type { LayerSpec } from '../spec.js';

function checkPerSample(name: string, x: Tensor, inShape: Shape): void {
  const per = x.shape.slice(1);
  if (per.length !== inShape.length || per.some((d, i) => d !== inShape[i])) {
    throw new ShapeError(`${name}: expected input [N,${inShape.join(',')}], got ${formatShape(x.shape)}`);
  }
}

export class Flatten implements Layer {
  readonly kind = 'flatten';
  readonly outShape: Shape;
  readonly params = [];
  readonly buffers = [];
  readonly macsPerSample = 0;

  constructor(readonly name: string, readonly spec: LayerSpec, readonly inShape: Shape) {
    this.outShape = [sizeOf(inShape)];
  }

  forward(x: Tensor): LayerCache {
    checkPerSample(this.name, x, this.inShape);
    return { x, y: x.reshape([x.n, this.outShape[0]]) };
  }

  backward(dy: Tensor, cache: LayerCache): Tensor {
    return dy.reshape(cache.x.shape);
  }
}

export class Dropout implements Layer {
  readonly kind = 'dropout';
  readonly outShape: Shape;
  readonly params = [];
  readonly buffers = [];
  readonly macsPerSample = 0;
  readonly rate: number;

  constructor(readonly name: string, readonly spec: Extract<LayerSpec, { kind: 'dropout' }>, readonly inShape: Shape) {
    this.outShape = inShape;
    this.rate = spec.rate;
  }

  forward(x: Tensor, ctx: ForwardContext): LayerCache {
    checkPerSample(this.name, x, this.inShape);
    if (ctx.mode === 'eval' || this.rate === 0) return { x, y: x };
    if (!ctx.rng) throw new ShapeError(`${this.name}: dropout in train mode needs an rng in the forward context`);
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = new Tensor(x.shape);
    const y = new Tensor(x.shape);
    for (let i = 0; i < x.size; i++) {
      const m = ctx.rng.next() < keep ? scale : 0;
      mask.data[i] = m;
      y.data[i] = x.data[i] * m;
    }
    return { x, y, internals: { mask } };
  }

  /** dx = dy ⊙ mask (the identity in eval mode) */
  backward(dy: Tensor, cache: LayerCache): Tensor {
    const mask = cache.internals?.['mask'];
    if (!(mask instanceof Tensor)) return dy;
    const dx = new Tensor(dy.shape);
    for (let i = 0; i < dy.size; i++) dx.data[i] = dy.data[i] * mask.data[i];
    return dx;
  }
}
