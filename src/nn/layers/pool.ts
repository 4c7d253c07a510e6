/**
 * Max and average pooling over square windows (no padding). Max pooling keeps its argmax in the
 * cache: backward needs it, and the explorer shows which value of each window won.
 */
import { kernels, type Pool2dDims } from '../../engine/kernels/index.js';
import { Tensor, allocI32, expectShape, type Shape } from '../../engine/tensor.js';
import { ShapeError, formatShape } from '../../engine/errors.js';
import type { Layer, LayerCache } from '../layer.js';
import type { LayerSpec } from '../spec.js';

type PoolSpec = Extract<LayerSpec, { kind: 'maxpool2d' | 'avgpool2d' }>;

abstract class Pool2d implements Layer {
  abstract readonly kind: 'maxpool2d' | 'avgpool2d';
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly params = [];
  readonly buffers = [];
  readonly dims: Omit<Pool2dDims, 'N'>;
  readonly macsPerSample: number;

  constructor(readonly name: string, readonly spec: PoolSpec, inShape: Shape) {
    if (inShape.length !== 3) throw new ShapeError(`${name}: pooling takes input [N,C,H,W], got per-sample ${formatShape(inShape)}`);
    const [C, H, W] = inShape as [number, number, number];
    const size = spec.size;
    const stride = spec.stride ?? size;
    if (size > H || size > W) throw new ShapeError(`${name}: a ${size}×${size} window does not fit input ${H}×${W}`);
    const oH = Math.floor((H - size) / stride) + 1;
    const oW = Math.floor((W - size) / stride) + 1;
    this.inShape = inShape;
    this.outShape = [C, oH, oW];
    this.dims = { C, H, W, size, stride, oH, oW };
    this.macsPerSample = C * oH * oW * size * size;
  }

  protected check(x: Tensor): void {
    const [C, H, W] = this.inShape as [number, number, number];
    expectShape(this.name, x, [-1, C, H, W], 'layout is NCHW');
  }

  abstract forward(x: Tensor): LayerCache;
  abstract backward(dy: Tensor, cache: LayerCache): Tensor;
}

export class MaxPool2d extends Pool2d {
  readonly kind = 'maxpool2d';

  forward(x: Tensor): LayerCache {
    this.check(x);
    const y = new Tensor([x.n, ...this.outShape]);
    const argmax = allocI32(y.size);
    kernels().maxPoolForward(y.data, argmax, x.data, { N: x.n, ...this.dims });
    return { x, y, internals: { argmax } };
  }

  /** dx = dy routed to the window maxima */
  backward(dy: Tensor, cache: LayerCache): Tensor {
    const argmax = cache.internals?.['argmax'];
    if (!(argmax instanceof Int32Array)) throw new ShapeError(`${this.name}: backward needs the argmax its forward pass recorded`);
    const dx = new Tensor(cache.x.shape);
    kernels().maxPoolBackward(dx.data, dy.data, argmax, { N: dy.n, ...this.dims });
    return dx;
  }
}

export class AvgPool2d extends Pool2d {
  readonly kind = 'avgpool2d';

  forward(x: Tensor): LayerCache {
    this.check(x);
    const y = new Tensor([x.n, ...this.outShape]);
    kernels().avgPoolForward(y.data, x.data, { N: x.n, ...this.dims });
    return { x, y };
  }

  /** dx = dy / size² spread over each window */
  backward(dy: Tensor, cache: LayerCache): Tensor {
    const dx = new Tensor(cache.x.shape);
    kernels().avgPoolBackward(dx.data, dy.data, { N: dy.n, ...this.dims });
    return dx;
  }
}
