/**
 * Shape inference over a model spec by arithmetic alone: each layer's name, output shape,
 * parameter and buffer tensors (names and shapes) and multiply-adds, before a single array is
 * allocated. parseModelSpec runs it on every spec, so the size limits below refuse a hostile spec
 * in microseconds (a 136-byte file claiming a 10⁹-unit layer used to cost a minute and gigabytes
 * before it was refused), and the model-file loader compares the stored tensors with these shapes
 * before it builds anything. The layers compute the same shapes when built; a test holds them to it.
 * It does not check field types (spec.ts does that first) and builds nothing.
 */
import { SpecError, formatShape } from '../engine/errors.js';
import type { LayerKind, LayerSpec, ModelSpec, Padding } from './spec.js';

/**
 * What a spec may ask for. Far above every model this project trains (LeNet: 431,080 parameters,
 * 2.3 M multiply-adds, 11,520 values in its largest activation) and far below what would exhaust
 * memory or stall a prediction for minutes.
 */
export const SPEC_LIMITS = {
  /** layers in one model */
  layers: 1000,
  /** dimensions of the per-sample input shape */
  inputRank: 4,
  /** any one input dimension */
  inputDim: 65_536,
  /** dense units, conv output channels */
  width: 65_536,
  /** a kernel or pooling window side, a stride, a dilation, an explicit pad */
  window: 1024,
  /** parameter and buffer values in the whole model: 2^26 float32 = 256 MiB (twice that with gradients) */
  values: 2 ** 26,
  /** values per sample in the input, in any one layer's output, and in a conv's unfolded input (im2col): 64 MiB of float32 */
  activation: 2 ** 24,
  /** values per sample over every layer's output together, since a trace keeps them all: 256 MiB of float32 */
  trace: 2 ** 26,
  /** multiply-adds per sample in one forward pass (seconds for one digit on the reference kernels) */
  macs: 2 ** 32,
  /** entries in 'labels' */
  labels: 65_536,
  /** characters in one label, and in one layer name */
  text: 256,
} as const;

export interface TensorPlan {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface LayerPlan {
  readonly index: number;
  readonly kind: LayerKind;
  readonly name: string;
  /** per-sample shapes, no batch dimension */
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly params: readonly TensorPlan[];
  readonly buffers: readonly TensorPlan[];
  readonly macsPerSample: number;
}

export interface ModelPlan {
  readonly layers: readonly LayerPlan[];
  /** per-sample output shape of the last layer */
  readonly outShape: readonly number[];
  /** trainable parameter values (what Sequential.paramCount reports) */
  readonly paramCount: number;
  /** parameter and buffer values: what a model file stores */
  readonly storedValues: number;
  readonly macsPerSample: number;
}

/** Default layer names: conv1, pool1, dense1, … counted per prefix, as model files name tensors. */
export const NAME_PREFIX: Readonly<Record<LayerKind, string>> = {
  dense: 'dense', conv2d: 'conv', maxpool2d: 'pool', avgpool2d: 'pool', relu: 'relu', leakyrelu: 'lrelu', sigmoid: 'sigmoid',
  tanh: 'tanh', softmax: 'softmax', flatten: 'flatten', dropout: 'dropout', batchnorm: 'bn',
};

function pair(v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** 1234567 → "1,234,567"; powers of two over 2^16 also as 2^k, since the limits are. */
function count(n: number): string {
  const s = n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const k = Math.log2(n);
  return Number.isInteger(k) && k > 16 ? `${s} (2^${k})` : s;
}

/** Resolves a padding spec to [top, left, bottom, right]. 'same' puts any odd pixel at the end (ONNX SAME_UPPER, TF). */
export function resolvePadding(pad: Padding | undefined, H: number, W: number, k: [number, number], s: [number, number], dil: [number, number]): [number, number, number, number] {
  if (pad === undefined || pad === 'valid') return [0, 0, 0, 0];
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  if (pad === 'same') {
    const total = (size: number, kk: number, ss: number, dd: number) => Math.max((Math.ceil(size / ss) - 1) * ss + (kk - 1) * dd + 1 - size, 0);
    const th = total(H, k[0], s[0], dil[0]);
    const tw = total(W, k[1], s[1], dil[1]);
    return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  }
  if (pad.length === 2) return [pad[0], pad[1], pad[0], pad[1]];
  return [pad[0], pad[1], pad[2], pad[3]];
}

interface Step {
  outShape: number[];
  params: TensorPlan[];
  buffers: TensorPlan[];
  macs: number;
  /** values of a conv's unfolded input per sample, checked against the activation limit */
  unfolded?: number;
}

/** One layer's arithmetic; throws a plain message (the caller adds where) when it cannot follow `inShape`. */
function stepOf(ls: LayerSpec, name: string, inShape: readonly number[], fail: (msg: string) => never): Step {
  const windowed = (what: string, v: number): void => {
    if (v > SPEC_LIMITS.window) fail(`${name}: ${what} ${count(v)} is over the limit of ${count(SPEC_LIMITS.window)}`);
  };
  switch (ls.kind) {
    case 'dense': {
      if (inShape.length !== 1) fail(`${name}: dense takes flat input [N,features], got per-sample ${formatShape(inShape)}; add a flatten layer before it`);
      if (ls.units > SPEC_LIMITS.width) fail(`${name}: ${count(ls.units)} units is over the limit of ${count(SPEC_LIMITS.width)}`);
      const inF = inShape[0];
      const params = [{ name: `${name}.weight`, shape: [ls.units, inF] }];
      if (ls.bias !== false) params.push({ name: `${name}.bias`, shape: [ls.units] });
      return { outShape: [ls.units], params, buffers: [], macs: ls.units * inF };
    }
    case 'conv2d': {
      if (inShape.length !== 3) fail(`${name}: conv2d takes input [N,C,H,W], got per-sample ${formatShape(inShape)}`);
      if (ls.outC > SPEC_LIMITS.width) fail(`${name}: ${count(ls.outC)} output channels is over the limit of ${count(SPEC_LIMITS.width)}`);
      const [C, H, W] = inShape as [number, number, number];
      const [kH, kW] = pair(ls.k, 1);
      const [sH, sW] = pair(ls.stride, 1);
      const [dH, dW] = pair(ls.dilation, 1);
      windowed('kernel side', Math.max(kH, kW));
      windowed('stride', Math.max(sH, sW));
      windowed('dilation', Math.max(dH, dW));
      const pads = resolvePadding(ls.pad, H, W, [kH, kW], [sH, sW], [dH, dW]);
      if (ls.pad !== 'same') windowed('padding', Math.max(...pads));
      const oH = Math.floor((H + pads[0] + pads[2] - dH * (kH - 1) - 1) / sH) + 1;
      const oW = Math.floor((W + pads[1] + pads[3] - dW * (kW - 1) - 1) / sW) + 1;
      if (oH < 1 || oW < 1) fail(`${name}: a ${kH}×${kW} kernel (dilation ${dH}×${dW}) does not fit input ${H}×${W} with padding ${JSON.stringify(pads)}`);
      return {
        outShape: [ls.outC, oH, oW],
        params: [{ name: `${name}.weight`, shape: [ls.outC, C, kH, kW] }, { name: `${name}.bias`, shape: [ls.outC] }],
        buffers: [],
        macs: ls.outC * oH * oW * C * kH * kW,
        unfolded: C * kH * kW * oH * oW,
      };
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      if (inShape.length !== 3) fail(`${name}: pooling takes input [N,C,H,W], got per-sample ${formatShape(inShape)}`);
      const [C, H, W] = inShape as [number, number, number];
      const size = ls.size;
      const stride = ls.stride ?? size;
      windowed('window side', size);
      windowed('stride', stride);
      if (size > H || size > W) fail(`${name}: a ${size}×${size} window does not fit input ${H}×${W}`);
      const oH = Math.floor((H - size) / stride) + 1;
      const oW = Math.floor((W - size) / stride) + 1;
      return { outShape: [C, oH, oW], params: [], buffers: [], macs: C * oH * oW * size * size };
    }
    case 'batchnorm': {
      if (inShape.length !== 1 && inShape.length !== 3) fail(`${name}: batchnorm takes [N,F] or [N,C,H,W], got per-sample ${formatShape(inShape)}`);
      const C = [inShape[0]];
      return {
        outShape: [...inShape],
        params: [{ name: `${name}.weight`, shape: C }, { name: `${name}.bias`, shape: C }],
        buffers: [{ name: `${name}.running_mean`, shape: C }, { name: `${name}.running_var`, shape: C }],
        macs: 2 * product(inShape),
      };
    }
    case 'flatten':
      return { outShape: [product(inShape)], params: [], buffers: [], macs: 0 };
    default:
      return { outShape: [...inShape], params: [], buffers: [], macs: 0 };
  }
}

/**
 * Every layer's shapes and tensors, and the totals, for a spec whose fields parseModelSpec has
 * type-checked; a SpecError naming the layer and the limit when the layers do not fit together
 * or the model would be too large. Allocates nothing that grows with the model's sizes.
 */
export function planModel(spec: ModelSpec, where = 'model spec'): ModelPlan {
  const L = SPEC_LIMITS;
  if (spec.layers.length > L.layers) throw new SpecError(`${where}: ${count(spec.layers.length)} layers is over the limit of ${count(L.layers)}`);
  const input = spec.input;
  if (input.length > L.inputRank) throw new SpecError(`${where}: 'input' ${formatShape(input)} has ${input.length} dimensions, over the limit of ${L.inputRank}`);
  const bigDim = input.findIndex((d) => d > L.inputDim);
  if (bigDim >= 0) throw new SpecError(`${where}: 'input'[${bigDim}] is ${count(input[bigDim])}, over the limit of ${count(L.inputDim)} per dimension`);
  if (product(input) > L.activation) throw new SpecError(`${where}: 'input' ${formatShape(input)} is ${count(product(input))} values per sample, over the limit of ${count(L.activation)}`);
  if (spec.deskew && input.length !== 3) throw new SpecError(`${where}: 'deskew' needs image input [C,H,W], got ${formatShape(input)}`);

  const counters = new Map<string, number>();
  const names = new Set<string>();
  const layers: LayerPlan[] = [];
  let shape: readonly number[] = input;
  let stored = 0;
  let params = 0;
  let macs = 0;
  let trace = product(input);
  spec.layers.forEach((ls, i) => {
    const prefix = NAME_PREFIX[ls.kind];
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    const name = ls.name ?? `${prefix}${n}`;
    const at = `${where}: layers[${i}] (${ls.kind})`;
    const fail = (msg: string): never => {
      throw new SpecError(`${at}: ${msg}`);
    };
    if (names.has(name)) fail(`layer name '${name}' is used twice`);
    names.add(name);
    const step = stepOf(ls, name, shape, fail);
    const out = product(step.outShape);
    if (out > L.activation) fail(`${name}: its output ${formatShape(step.outShape)} is ${count(out)} values per sample, over the limit of ${count(L.activation)}`);
    if (step.unfolded !== undefined && step.unfolded > L.activation) {
      fail(`${name}: its unfolded input (C·kH·kW × oH·oW) is ${count(step.unfolded)} values per sample, over the limit of ${count(L.activation)}`);
    }
    const own = step.params.reduce((s, t) => s + product(t.shape), 0);
    const held = own + step.buffers.reduce((s, t) => s + product(t.shape), 0);
    if (stored + held > L.values) {
      const biggest = [...step.params, ...step.buffers].reduce((a, b) => (product(b.shape) > product(a.shape) ? b : a));
      fail(`${name}: its ${biggest.name.slice(name.length + 1)} ${formatShape(biggest.shape)} brings the model to ${count(stored + held)} parameter values, over the limit of ${count(L.values)} (256 MiB of float32)`);
    }
    if (macs + step.macs > L.macs) fail(`${name}: it brings the model to ${count(macs + step.macs)} multiply-adds per sample, over the limit of ${count(L.macs)}`);
    trace += out;
    if (trace > L.trace) fail(`${name}: the layers' outputs reach ${count(trace)} values per sample together, over the limit of ${count(L.trace)} (a trace keeps every one)`);
    stored += held;
    params += own;
    macs += step.macs;
    layers.push({ index: i, kind: ls.kind, name, inShape: shape, outShape: step.outShape, params: step.params, buffers: step.buffers, macsPerSample: step.macs });
    shape = step.outShape;
  });
  const labels = spec.labels;
  if (labels !== undefined && labels.length !== product(shape)) {
    const last = layers[layers.length - 1];
    throw new SpecError(
      `${where}: 'labels' names ${count(labels.length)} classes but the last layer (${last.name}) gives ${count(product(shape))} values per sample ${formatShape(shape)}; a classifier has one output per label`,
    );
  }
  return { layers, outShape: shape, paramCount: params, storedValues: stored, macsPerSample: macs };
}
