/**
 * A sequential model built from a JSON spec. Forward returns a trace of every layer (input,
 * output, internals); backward walks that trace from a seed at any layer and returns the gradient
 * at every layer. Training, the explorer and the explanations all use this one mechanism.
 */
import { Rng } from '../engine/rng.js';
import { ChunkAllocator, Tensor, hasAllocator, moveStorage, withAllocator, type Shape } from '../engine/tensor.js';
import { ShapeError, SpecError, formatShape } from '../engine/errors.js';
import type { BackwardRule, Layer, LayerCache, Mode, Param, StateBuffer } from './layer.js';
import { BACKWARD_RULES } from './layer.js';
import { paramCount } from './layer.js';
import { parseModelSpec, type LayerKind, type LayerSpec, type ModelSpec } from './spec.js';
import { planModel } from './spec-shapes.js';
import { Dense } from './layers/dense.js';
import { Conv2d } from './layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from './layers/pool.js';
import { LeakyRelu, Relu, Sigmoid, Softmax, Tanh, softmaxRows } from './layers/activations.js';
import { Dropout, Flatten } from './layers/reshape.js';
import { BatchNorm } from './layers/batchnorm.js';
import { deskewBackward, deskewForward } from './deskew.js';
import { kernels, standardizeReference } from '../engine/kernels/index.js';
import type { OodCalibration } from './ood.js';

/** One layer's part of a forward pass. */
export interface TraceStep {
  readonly index: number;
  readonly layer: Layer;
  readonly cache: LayerCache;
}

export interface ForwardResult {
  /** the raw input as given (pixels in 0..1 for image models) */
  readonly input: Tensor;
  /** the input after the spec's deskewing (if any) and normalisation: what the first layer receives */
  readonly normalized: Tensor;
  /** the deskewed raw input and each image's [shear α…, mean row…], when the spec deskews */
  readonly deskewed?: { readonly image: Tensor; readonly params: Float32Array };
  readonly steps: readonly TraceStep[];
  readonly output: Tensor;
}

export interface BackwardResult {
  /** dSeed/dInput with respect to the raw input */
  readonly input: Tensor;
  /** gradients[i] = dSeed/d(output of layer i), for every layer up to `from`; later ones are undefined */
  readonly gradients: readonly (Tensor | undefined)[];
}

function createLayer(spec: LayerSpec, name: string, inShape: Shape, rng: Rng): Layer {
  switch (spec.kind) {
    case 'dense': return new Dense(name, spec, inShape, rng);
    case 'conv2d': return new Conv2d(name, spec, inShape, rng);
    case 'maxpool2d': return new MaxPool2d(name, spec, inShape);
    case 'avgpool2d': return new AvgPool2d(name, spec, inShape);
    case 'relu': return new Relu(name, spec, inShape);
    case 'leakyrelu': return new LeakyRelu(name, spec, inShape);
    case 'sigmoid': return new Sigmoid(name, spec, inShape);
    case 'tanh': return new Tanh(name, spec, inShape);
    case 'softmax': return new Softmax(name, spec, inShape);
    case 'flatten': return new Flatten(name, spec, inShape);
    case 'dropout': return new Dropout(name, spec, inShape);
    case 'batchnorm': return new BatchNorm(name, spec, inShape);
  }
}

export class Sequential {
  readonly spec: ModelSpec;
  readonly layers: readonly Layer[];
  /** the "not a digit" calibration its model file carries (src/nn/ood.ts), or null */
  ood: OodCalibration | null = null;

  /**
   * Builds the model; weights are drawn from `seed` (same seed, same weights, bit for bit). The
   * spec is checked first, shapes and size limits included (spec-shapes.ts), so nothing is
   * allocated for a spec that cannot be built.
   */
  constructor(spec: ModelSpec, seed = 0) {
    this.spec = parseModelSpec(spec);
    const plan = planModel(this.spec);
    const rng = new Rng(seed);
    let shape: Shape = this.spec.input;
    const layers: Layer[] = [];
    this.spec.layers.forEach((ls, i) => {
      const name = plan.layers[i].name;
      try {
        const layer = createLayer(ls, name, shape, rng);
        layers.push(layer);
        shape = layer.outShape;
      } catch (e) {
        if (e instanceof ShapeError) throw new SpecError(`model spec: layers[${i}] (${ls.kind}): ${e.message}`);
        throw e;
      }
    });
    this.layers = layers;
  }

  get inputShape(): Shape {
    return this.spec.input;
  }

  get outputShape(): Shape {
    return this.layers[this.layers.length - 1].outShape;
  }

  get params(): Param[] {
    return this.layers.flatMap((l) => l.params);
  }

  get buffers(): StateBuffer[] {
    return this.layers.flatMap((l) => l.buffers);
  }

  get paramCount(): number {
    return this.layers.reduce((s, l) => s + paramCount(l), 0);
  }

  /** Multiply-adds per image in one forward pass. */
  get macsPerSample(): number {
    return this.layers.reduce((s, l) => s + l.macsPerSample, 0);
  }

  layer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new SpecError(`no layer named '${name}'; the layers are ${this.layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  /**
   * Moves every parameter's value and gradient into arrays from `alloc` (the fast kernels' memory,
   * where the kernels and the optimizer then use them in place) until the returned function is
   * called; it copies them back into their original arrays and points the tensors there again.
   * If `alloc` fails part way, what was moved goes back before the error propagates.
   */
  placeParams(alloc: (n: number) => Float32Array): () => void {
    const moved: { t: Tensor; home: Float32Array }[] = [];
    const restore = (): void => {
      for (const { t, home } of moved) moveStorage(t, home);
    };
    try {
      for (const t of this.params.flatMap((p) => [p.value, p.grad])) {
        const home = t.data;
        moveStorage(t, alloc(home.length));
        moved.push({ t, home });
      }
    } catch (e) {
      restore();
      throw e;
    }
    return restore;
  }

  zeroGrads(): void {
    const buffers = kernels().buffers;
    for (const p of this.params) {
      if (buffers) buffers.zero(p.grad.data);
      else p.grad.data.fill(0);
    }
  }

  /** Runs every layer and keeps the trace. x: [N, ...inputShape], raw (un-normalised). */
  forward(x: Tensor, opts: { mode?: Mode; rng?: Rng } = {}): ForwardResult {
    const want = this.spec.input;
    if (x.shape.length !== want.length + 1 || want.some((d, i) => d !== x.shape[i + 1])) {
      throw new ShapeError(`model: expected input [N,${want.join(',')}], got ${formatShape(x.shape)}${want.length === 3 ? ' (layout is NCHW)' : ''}`);
    }
    // A trace that outlives this call (no scratch allocator active) takes its arrays from shared chunks.
    return hasAllocator() ? this.runLayers(x, opts) : withAllocator(new ChunkAllocator(), () => this.runLayers(x, opts));
  }

  private runLayers(x: Tensor, opts: { mode?: Mode; rng?: Rng }): ForwardResult {
    const mode = opts.mode ?? 'eval';
    const ctx = opts.rng ? { mode, rng: opts.rng } : { mode };
    const deskewed = this.spec.deskew ? this.deskew(x) : undefined;
    const normalized = this.normalize(deskewed?.image ?? x);
    const steps: TraceStep[] = [];
    let h = normalized;
    for (let i = 0; i < this.layers.length; i++) {
      const cache = this.layers[i].forward(h, ctx);
      steps.push({ index: i, layer: this.layers[i], cache });
      h = cache.y;
    }
    return deskewed ? { input: x, normalized, deskewed, steps, output: h } : { input: x, normalized, steps, output: h };
  }

  /**
   * Backpropagates `seed` = dSomething/d(output of layer `from`) (default: the last layer) down to the
   * input. With paramGrads (default true) each layer adds into its parameters' grads; explanations
   * pass false so training state is never touched. `rule` changes how the ReLU layers pass the
   * signal down (guided backpropagation, deconvnet; see BackwardRule); the default is the gradient.
   */
  backward(trace: ForwardResult, seed: Tensor, opts: { from?: number | string; paramGrads?: boolean; rule?: BackwardRule } = {}): BackwardResult {
    const from = typeof opts.from === 'string' ? this.layers.indexOf(this.layer(opts.from)) : (opts.from ?? this.layers.length - 1);
    if (!Number.isInteger(from) || from < 0 || from >= this.layers.length) {
      throw new ShapeError(`backward: 'from' must be a layer index in 0..${this.layers.length - 1}, got ${from}`);
    }
    const atShape = trace.steps[from].cache.y.shape;
    if (seed.shape.length !== atShape.length || seed.shape.some((d, i) => d !== atShape[i])) {
      throw new ShapeError(`backward: the seed at ${this.layers[from].name} must have its output's shape ${formatShape(atShape)}, got ${formatShape(seed.shape)}`);
    }
    const rule = opts.rule ?? 'gradient';
    if (!BACKWARD_RULES.includes(rule)) throw new SpecError(`backward: unknown rule '${String(rule)}'; expected one of ${BACKWARD_RULES.join(', ')}`);
    const paramGrads = opts.paramGrads ?? true;
    const gradients: (Tensor | undefined)[] = new Array(this.layers.length).fill(undefined);
    let g = seed;
    for (let i = from; i >= 0; i--) {
      gradients[i] = g;
      g = this.layers[i].backward(g, trace.steps[i].cache, { paramGrads, rule }) as Tensor;
    }
    let input = new Tensor(g.shape, g.data.slice());
    const std = this.spec.normalize?.std;
    if (std !== undefined) for (let i = 0; i < input.size; i++) input.data[i] /= std;
    if (trace.deskewed) {
      const dRaw = new Tensor(input.shape);
      const [C, H, W] = this.spec.input as [number, number, number];
      deskewBackward(dRaw.data, input.data, trace.deskewed.params, input.n * C, H, W);
      input = dRaw;
    }
    return { input, gradients };
  }

  /**
   * The backward pass of a training step: dLoss/dOutput down to every parameter's grad. Unlike
   * backward() it keeps no gradients and skips the first layer's input gradient, which nothing needs.
   */
  backwardForTraining(trace: ForwardResult, dOutput: Tensor): void {
    // Below the lowest layer with parameters no gradient is needed (an MLP's first dense layer
    // sits on a flatten: its input gradient would be a batch × 784 product thrown away).
    const lowest = this.layers.findIndex((l) => l.params.length > 0);
    if (lowest < 0) return;
    let g: Tensor | null = dOutput;
    for (let i = this.layers.length - 1; i >= lowest && g; i--) {
      g = this.layers[i].backward(g, trace.steps[i].cache, { paramGrads: true, inputGrad: i > lowest });
    }
  }

  /** Class probabilities [N,classes] for raw input x (eval mode). */
  predict(x: Tensor): Tensor {
    return toProbabilities(this.forward(x).output, this.layers[this.layers.length - 1].kind);
  }

  /** A table of every layer's output shape and parameter count, and the totals. */
  summary(): string {
    const rows = [['#', 'layer', 'kind', 'output shape', 'params']];
    rows.push(['', 'input', '', formatShape(['N', ...this.spec.input]), '']);
    this.layers.forEach((l, i) => rows.push([String(i), l.name, l.kind, formatShape(['N', ...l.outShape]), paramCount(l).toLocaleString('en-US')]));
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((s, c) => (c === 4 ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ').trimEnd();
    const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
    out.push(`total params: ${this.paramCount.toLocaleString('en-US')}`);
    out.push(`multiply-adds per image: ${this.macsPerSample.toLocaleString('en-US')}`);
    return out.join('\n');
  }

  private deskew(x: Tensor): { image: Tensor; params: Float32Array } {
    const [C, H, W] = this.spec.input as [number, number, number];
    const image = new Tensor(x.shape);
    const params = deskewForward(image.data, x.data, x.n * C, H, W);
    return { image, params };
  }

  private normalize(x: Tensor): Tensor {
    const nz = this.spec.normalize;
    if (!nz) return x;
    const y = new Tensor(x.shape);
    const k = kernels();
    if (k.standardize) k.standardize(y.data, x.data, nz.mean, nz.std);
    else standardizeReference(y.data, x.data, nz.mean, nz.std);
    return y;
  }
}

/**
 * Turns a model's output into probabilities: logits get a softmax; a softmax output is already
 * probabilities; sigmoid outputs (the MLP lesson's) are scaled to sum to one.
 */
export function toProbabilities(output: Tensor, lastKind: LayerKind): Tensor {
  const [N, K] = [output.n, output.size / output.n];
  if (lastKind === 'softmax') return output;
  const p = new Tensor([N, K]);
  if (lastKind === 'sigmoid') {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += output.data[n * K + j];
      for (let j = 0; j < K; j++) p.data[n * K + j] = s > 0 ? output.data[n * K + j] / s : 1 / K;
    }
    return p;
  }
  softmaxRows(p.data, output.data, K);
  return p;
}
