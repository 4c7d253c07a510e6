/**
 * The contract every layer follows (after ConvNetJS, without its hidden state): shape out from shape
 * in, forward returns the output and a cache, backward takes that cache back. Layers hold parameters,
 * never activations, so a prediction between a training step's forward and backward cannot corrupt it.
 */
import type { Rng } from '../engine/rng.js';
import type { Shape, Tensor } from '../engine/tensor.js';
import type { LayerKind, LayerSpec } from './spec.js';

export type Mode = 'train' | 'eval';

export interface ForwardContext {
  mode: Mode;
  /** needed in train mode by layers that draw random numbers (dropout) */
  rng?: Rng;
}

/** A trainable tensor and its gradient (same shape); `decay` says whether weight decay applies. */
export interface Param {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
  readonly decay: boolean;
}

/** Non-trainable state that still belongs in the model file (batch norm's running statistics). */
export interface StateBuffer {
  readonly name: string;
  readonly value: Tensor;
}

/** What a forward pass leaves behind for backward and for the explorer to draw. */
export interface LayerCache {
  /** the layer's input (for activation layers: the pre-activation) */
  readonly x: Tensor;
  /** the layer's output */
  readonly y: Tensor;
  /** extra internals worth showing (pooling argmax, dropout mask, batch-norm statistics) */
  readonly internals?: Readonly<Record<string, Tensor | Int32Array>>;
}

/**
 * How the activation layers pass a signal down. `gradient` is the chain rule. The two others are
 * the explanation methods that replace only the ReLU's rule (every other layer keeps its gradient):
 * `guided` (guided backpropagation, Springenberg et al. 2015) keeps the positive part of the
 * ReLU's gradient, dx = max(0, dy·[x > 0]); `deconvnet` (Zeiler & Fergus 2014) ignores the forward
 * pass's sign and passes the positive part of the signal coming down, dx = max(0, dy). Leaky ReLU
 * follows the same two rules with its own gradient (dy·α where x ≤ 0) in place of dy·[x > 0].
 */
export type BackwardRule = 'gradient' | 'guided' | 'deconvnet';

export const BACKWARD_RULES: readonly BackwardRule[] = ['gradient', 'guided', 'deconvnet'];

export interface BackwardOptions {
  /** false when only input gradients are wanted (explanations): parameter grads stay untouched */
  paramGrads: boolean;
  /** the activation layers' rule; default 'gradient' */
  rule?: BackwardRule;
  /** false for the first layer of a training step: nobody needs dx, so layers may skip it */
  inputGrad?: boolean;
}

export interface Layer {
  readonly kind: LayerKind;
  readonly name: string;
  readonly spec: LayerSpec;
  /** per-sample input shape (no batch dimension) */
  readonly inShape: Shape;
  /** per-sample output shape (no batch dimension) */
  readonly outShape: Shape;
  readonly params: readonly Param[];
  readonly buffers: readonly StateBuffer[];
  forward(x: Tensor, ctx: ForwardContext): LayerCache;
  /**
   * Returns dx, the gradient with respect to the layer's input, and adds into each param's grad.
   * May return null only when `opts.inputGrad` is false.
   */
  backward(dy: Tensor, cache: LayerCache, opts: BackwardOptions): Tensor | null;
  /** floating-point multiply-adds per sample in the forward pass (for summaries and benchmarks) */
  readonly macsPerSample: number;
}

export function paramCount(layer: Layer): number {
  return layer.params.reduce((s, p) => s + p.value.size, 0);
}
