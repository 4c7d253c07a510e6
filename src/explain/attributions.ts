/**
 * Attribution maps on the model's input: which pixels pushed a class's logit up or down. Each
 * method is a seed and a walk over the trace (score.ts); integrated gradients, with its quadrature
 * and completeness gap, lives in integrated-gradients.ts. All take a batch x[N,...input] of raw
 * pixels (0..1, ink = 1) and return maps of the same shape. Showing them is the caller's job.
 */
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { SpecError, formatShape } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import type { BackwardRule } from '../nn/layer.js';
import { checkInput, layerIndex, objectiveSeed, predictedClasses, scoreGradient, targetsFor, type Objective } from './score.js';
import { resizeBilinear } from './image-ops.js';
import { integratedGradients, type IntegratedGradientsOptions, type IntegratedGradientsResult } from './integrated-gradients.js';

export const ATTRIBUTION_METHODS = [
  'saliency',
  'gradient-x-input',
  'smoothgrad',
  'integrated-gradients',
  'occlusion',
  'gradcam',
  'guided-backprop',
  'deconvnet',
] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

export interface AttributionResult {
  method: AttributionMethod;
  /** the class each map explains */
  targets: Int32Array;
  /** [N,...input] */
  map: Tensor;
}

export interface TargetOption {
  /** default: each image's predicted class */
  target?: number | ArrayLike<number>;
}

function resolveTargets(model: Sequential, x: Tensor, target: TargetOption['target']): Int32Array {
  return target === undefined ? predictedClasses(model, model.forward(x)) : targetsFor(model, x.n, target);
}

/** |dLogit/dx| (Simonyan et al. 2014). */
export function saliency(model: Sequential, x: Tensor, opts: TargetOption = {}): AttributionResult {
  checkInput(model, x, 'saliency');
  const targets = resolveTargets(model, x, opts.target);
  const { grad } = scoreGradient(model, x, { kind: 'class', target: targets });
  for (let i = 0; i < grad.size; i++) grad.data[i] = Math.abs(grad.data[i]);
  return { method: 'saliency', targets, map: grad };
}

/** dLogit/dx ⊙ x (Shrikumar et al. 2016): on a linear model, each pixel's exact share of the logit. */
export function gradientTimesInput(model: Sequential, x: Tensor, opts: TargetOption = {}): AttributionResult {
  checkInput(model, x, 'gradient × input');
  const targets = resolveTargets(model, x, opts.target);
  const { grad } = scoreGradient(model, x, { kind: 'class', target: targets });
  for (let i = 0; i < grad.size; i++) grad.data[i] *= x.data[i];
  return { method: 'gradient-x-input', targets, map: grad };
}

export interface SmoothGradOptions extends TargetOption {
  /** noise standard deviation as a fraction of the input's range (max − min, 1 for an empty image); default 0.15 */
  noise?: number;
  /** noisy copies per image; default 50 */
  samples?: number;
  /** 'smoothgrad' averages the gradients, 'smoothgrad-sq' their squares, 'vargrad' gives their variance */
  variant?: 'smoothgrad' | 'smoothgrad-sq' | 'vargrad';
  seed?: number;
  batch?: number;
}

/** The gradient averaged over noisy copies of the input (Smilkov et al. 2017). */
export function smoothGrad(model: Sequential, x: Tensor, opts: SmoothGradOptions = {}): AttributionResult {
  checkInput(model, x, 'smoothgrad');
  const noise = opts.noise ?? 0.15;
  const samples = opts.samples ?? 50;
  const variant = opts.variant ?? 'smoothgrad';
  if (!(noise >= 0 && noise <= 10)) throw new SpecError(`smoothgrad: noise must be in 0..10 (a fraction of the input range), got ${noise}`);
  if (!Number.isInteger(samples) || samples < 1 || samples > 10_000) throw new SpecError(`smoothgrad: samples must be an integer in 1..10000, got ${samples}`);
  if (!['smoothgrad', 'smoothgrad-sq', 'vargrad'].includes(variant)) throw new SpecError(`smoothgrad: unknown variant '${variant}'; expected smoothgrad, smoothgrad-sq or vargrad`);
  const targets = resolveTargets(model, x, opts.target);
  const rng = new Rng(opts.seed ?? 0);
  const batch = opts.batch ?? 64;
  const N = x.n;
  const D = x.size / N;
  const map = new Tensor(x.shape);
  for (let n = 0; n < N; n++) {
    const xi = x.data.subarray(n * D, (n + 1) * D);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of xi) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const sigma = noise * (hi > lo ? hi - lo : 1);
    const sum = new Float64Array(D);
    const sumSq = new Float64Array(D);
    for (let s = 0; s < samples; s += batch) {
      const b = Math.min(batch, samples - s);
      const noisy = new Tensor([b, ...model.inputShape]);
      for (let j = 0; j < b; j++) for (let i = 0; i < D; i++) noisy.data[j * D + i] = xi[i] + sigma * rng.normal();
      const g = scoreGradient(model, noisy, { kind: 'class', target: targets[n] }).grad.data;
      for (let j = 0; j < b; j++) {
        for (let i = 0; i < D; i++) {
          const v = g[j * D + i];
          sum[i] += v;
          sumSq[i] += v * v;
        }
      }
    }
    for (let i = 0; i < D; i++) {
      const mean = sum[i] / samples;
      const meanSq = sumSq[i] / samples;
      map.data[n * D + i] = variant === 'smoothgrad' ? mean : variant === 'smoothgrad-sq' ? meanSq : Math.max(0, meanSq - mean * mean);
    }
  }
  return { method: 'smoothgrad', targets, map };
}

export interface OcclusionOptions extends TargetOption {
  /** square window side in pixels; default 4 */
  window?: number;
  /** default 2 */
  stride?: number;
  /** what the window is filled with (raw pixel value); default 0, the background */
  fill?: number;
  batch?: number;
}

/** Window start positions covering 0..n−1, the last flush with the edge. */
function windowStarts(n: number, window: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s + window <= n; s += stride) starts.push(s);
  if (starts[starts.length - 1] !== n - window) starts.push(n - window);
  return starts;
}

/**
 * The drop of the logit when a window is covered (Zeiler & Fergus 2014), each pixel getting the
 * mean drop of the windows that cover it (Captum's convention). `onWindow` sees every window's
 * drop as it is computed, for showing the sweep.
 */
export function occlusion(model: Sequential, x: Tensor, opts: OcclusionOptions = {}, onWindow?: (n: number, y: number, x: number, drop: number) => void): AttributionResult {
  checkInput(model, x, 'occlusion');
  if (model.inputShape.length !== 3) throw new SpecError(`occlusion: needs image input [C,H,W], the model takes ${formatShape(model.inputShape)}`);
  const [C, H, W] = model.inputShape as [number, number, number];
  const window = opts.window ?? 4;
  const stride = opts.stride ?? 2;
  const fill = opts.fill ?? 0;
  if (!Number.isInteger(window) || window < 1 || window > Math.min(H, W)) throw new SpecError(`occlusion: window must be an integer in 1..${Math.min(H, W)}, got ${window}`);
  if (!Number.isInteger(stride) || stride < 1) throw new SpecError(`occlusion: stride must be a positive integer, got ${stride}`);
  const targets = resolveTargets(model, x, opts.target);
  const batch = opts.batch ?? 128;
  const N = x.n;
  const D = C * H * W;
  const ys = windowStarts(H, window, stride);
  const xs = windowStarts(W, window, stride);
  const positions = ys.flatMap((y) => xs.map((xx) => [y, xx] as const));
  const map = new Tensor(x.shape);
  for (let n = 0; n < N; n++) {
    const xi = x.data.subarray(n * D, (n + 1) * D);
    const t = targets[n];
    const base = objectiveSeed(model, model.forward(new Tensor([1, C, H, W], xi)), { kind: 'class', target: t }).scores[0];
    const total = new Float64Array(H * W);
    const count = new Float64Array(H * W);
    for (let s = 0; s < positions.length; s += batch) {
      const chunk = positions.slice(s, s + batch);
      const imgs = new Tensor([chunk.length, C, H, W]);
      chunk.forEach(([y0, x0], j) => {
        imgs.data.set(xi, j * D);
        for (let c = 0; c < C; c++) for (let y = y0; y < y0 + window; y++) imgs.data.fill(fill, j * D + (c * H + y) * W + x0, j * D + (c * H + y) * W + x0 + window);
      });
      const scores = objectiveSeed(model, model.forward(imgs), { kind: 'class', target: t }).scores;
      chunk.forEach(([y0, x0], j) => {
        const drop = base - scores[j];
        onWindow?.(n, y0, x0, drop);
        for (let y = y0; y < y0 + window; y++) {
          for (let xx = x0; xx < x0 + window; xx++) {
            total[y * W + xx] += drop;
            count[y * W + xx] += 1;
          }
        }
      });
    }
    for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) map.data[n * D + c * H * W + i] = total[i] / count[i];
  }
  return { method: 'occlusion', targets, map };
}

/** Layers Grad-CAM can use: any with feature maps [C,H,W] after the input. */
export function gradcamLayers(model: Sequential): string[] {
  return model.layers.filter((l) => l.outShape.length === 3).map((l) => l.name);
}

/** The default Grad-CAM layer: the last convolution, or the activation right after it. */
export function defaultGradcamLayer(model: Sequential): string {
  let best = -1;
  model.layers.forEach((l, i) => {
    if (l.kind === 'conv2d') best = i;
  });
  if (best < 0) throw new SpecError(`gradcam: the model has no convolution layer (its layers are ${model.layers.map((l) => `${l.name} (${l.kind})`).join(', ')})`);
  const next = model.layers[best + 1];
  if (next && ['relu', 'leakyrelu', 'sigmoid', 'tanh', 'batchnorm'].includes(next.kind)) return next.name;
  return model.layers[best].name;
}

export interface GradcamOptions extends TargetOption {
  /** a layer with feature maps; default: defaultGradcamLayer */
  layer?: string | number;
}

export interface GradcamResult extends AttributionResult {
  layer: string;
  /** the map at the layer's resolution, after the ReLU [N,h,w] */
  coarse: Tensor;
  /** each channel's weight: the mean gradient over its map [N,C] */
  weights: Tensor;
}

/** ReLU(Σ_c mean(dLogit/dA_c) · A_c) at a conv layer, upsampled bilinearly to the input (Selvaraju et al. 2017). */
export function gradcam(model: Sequential, x: Tensor, opts: GradcamOptions = {}): GradcamResult {
  checkInput(model, x, 'gradcam');
  if (model.inputShape.length !== 3) throw new SpecError(`gradcam: needs image input [C,H,W], the model takes ${formatShape(model.inputShape)}`);
  const li = layerIndex(model, opts.layer ?? defaultGradcamLayer(model));
  const layer = model.layers[li];
  if (layer.outShape.length !== 3) {
    throw new SpecError(`gradcam: layer '${layer.name}' (${layer.kind}) has no feature maps: its output is ${formatShape(layer.outShape)}; pick one of ${gradcamLayers(model).join(', ')}`);
  }
  const targets = resolveTargets(model, x, opts.target);
  const trace = model.forward(x);
  const { from, seed } = objectiveSeed(model, trace, { kind: 'class', target: targets });
  const back = model.backward(trace, seed, { from, paramGrads: false });
  const A = trace.steps[li].cache.y;
  const dA = back.gradients[li] as Tensor;
  const [C, h, w] = layer.outShape as [number, number, number];
  const [inC, H, W] = model.inputShape as [number, number, number];
  const N = x.n;
  const coarse = new Tensor([N, h, w]);
  const weights = new Tensor([N, C]);
  const map = new Tensor(x.shape);
  for (let n = 0; n < N; n++) {
    const cam = coarse.data.subarray(n * h * w, (n + 1) * h * w);
    for (let c = 0; c < C; c++) {
      const o = (n * C + c) * h * w;
      let g = 0;
      for (let i = 0; i < h * w; i++) g += dA.data[o + i];
      g /= h * w;
      weights.data[n * C + c] = g;
      for (let i = 0; i < h * w; i++) cam[i] += g * A.data[o + i];
    }
    for (let i = 0; i < cam.length; i++) if (cam[i] < 0) cam[i] = 0;
    const up = resizeBilinear(cam, h, w, H, W);
    for (let c = 0; c < inC; c++) map.data.set(up, (n * inC + c) * H * W);
  }
  return { method: 'gradcam', targets, map, layer: layer.name, coarse, weights };
}

export interface ProjectionOptions extends TargetOption {
  /** project a unit or a whole feature map instead of a class's logit */
  objective?: Exclude<Objective, { kind: 'class' }>;
}

function projectBack(model: Sequential, x: Tensor, rule: BackwardRule, method: 'guided-backprop' | 'deconvnet', opts: ProjectionOptions): AttributionResult {
  checkInput(model, x, method);
  const targets = resolveTargets(model, x, opts.target);
  if (opts.objective?.kind === 'channel') {
    // Zeiler–Fergus project a feature map's own activations back: the seed is the map itself.
    const trace = model.forward(x);
    const from = layerIndex(model, opts.objective.layer);
    const { seed } = objectiveSeed(model, trace, opts.objective);
    const y = trace.steps[from].cache.y;
    for (let i = 0; i < seed.size; i++) if (seed.data[i] !== 0) seed.data[i] = Math.max(0, y.data[i]);
    return { method, targets, map: model.backward(trace, seed, { from, paramGrads: false, rule }).input };
  }
  const objective: Objective = opts.objective ?? { kind: 'class', target: targets };
  return { method, targets, map: scoreGradient(model, x, objective, rule).grad };
}

/** Guided backpropagation (Springenberg et al. 2015): only positive signal through active ReLUs. */
export function guidedBackprop(model: Sequential, x: Tensor, opts: ProjectionOptions = {}): AttributionResult {
  return projectBack(model, x, 'guided', 'guided-backprop', opts);
}

/** Deconvnet (Zeiler & Fergus 2014): the ReLUs rectify the signal coming down. */
export function deconvnet(model: Sequential, x: Tensor, opts: ProjectionOptions = {}): AttributionResult {
  return projectBack(model, x, 'deconvnet', 'deconvnet', opts);
}

export type AttributeOptions = TargetOption &
  SmoothGradOptions &
  OcclusionOptions &
  GradcamOptions &
  ProjectionOptions &
  Omit<IntegratedGradientsOptions, 'target'>;

export function isAttributionMethod(m: string): m is AttributionMethod {
  return (ATTRIBUTION_METHODS as readonly string[]).includes(m);
}

/** Any method by name (the CLI's --method and the explorer's picker). */
export function attribute(model: Sequential, x: Tensor, method: AttributionMethod, opts: AttributeOptions = {}): AttributionResult | IntegratedGradientsResult | GradcamResult {
  switch (method) {
    case 'saliency':
      return saliency(model, x, opts);
    case 'gradient-x-input':
      return gradientTimesInput(model, x, opts);
    case 'smoothgrad':
      return smoothGrad(model, x, opts);
    case 'integrated-gradients':
      return integratedGradients(model, x, opts);
    case 'occlusion':
      return occlusion(model, x, opts);
    case 'gradcam':
      return gradcam(model, x, opts);
    case 'guided-backprop':
      return guidedBackprop(model, x, opts);
    case 'deconvnet':
      return deconvnet(model, x, opts);
    default:
      throw new SpecError(`explain: unknown method '${String(method)}'; expected one of ${ATTRIBUTION_METHODS.join(', ')}`);
  }
}
