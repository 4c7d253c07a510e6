/**
 * Optimisers with PyTorch's update rules, so recipes transfer: SGD (momentum, Nesterov, L2 weight
 * decay), Adam (L2 weight decay) and AdamW (decoupled weight decay). Weight decay touches only
 * parameters marked `decay` (weights, not biases or batch-norm scales). Their state is plain
 * Float32Arrays keyed by parameter name, so a checkpoint can save and restore it exactly. The
 * arithmetic runs in the kernels (sgdStep, adamStep), which agree with the reference bit for bit;
 * placeState() lets the state live in the kernels' memory for a training run.
 */
import type { Param } from '../nn/layer.js';
import { SpecError } from '../engine/errors.js';
import { adamStepReference, kernels, sgdStepReference } from '../engine/kernels/index.js';

export type OptimizerSpec =
  | { kind: 'sgd'; momentum?: number; nesterov?: boolean; weightDecay?: number }
  | { kind: 'adam'; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { kind: 'adamw'; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

export interface Optimizer {
  readonly spec: OptimizerSpec;
  /** number of steps taken so far */
  readonly steps: number;
  step(params: readonly Param[], lr: number): void;
  /** named state tensors (momentum buffers, moments) and the step count */
  state(): { steps: number; tensors: Record<string, Float32Array> };
  loadState(state: { steps: number; tensors: Record<string, Float32Array> }): void;
  /**
   * Moves the state into arrays from `alloc` (and allocates new state there) until the returned
   * function is called, which moves it back into ordinary arrays.
   */
  placeState(alloc: (n: number) => Float32Array): () => void;
}

abstract class BaseOptimizer implements Optimizer {
  steps = 0;
  protected readonly buffers = new Map<string, Float32Array>();
  private alloc: (n: number) => Float32Array = (n) => new Float32Array(n);
  constructor(readonly spec: OptimizerSpec) {}

  protected buffer(key: string, n: number): Float32Array {
    let b = this.buffers.get(key);
    if (!b) {
      b = this.alloc(n);
      this.buffers.set(key, b);
    }
    return b;
  }

  placeState(alloc: (n: number) => Float32Array): () => void {
    const move = (to: (n: number) => Float32Array): void => {
      for (const [k, v] of this.buffers) {
        const there = to(v.length);
        there.set(v);
        this.buffers.set(k, there);
      }
    };
    const home = new Map(this.buffers);
    try {
      move(alloc);
    } catch (e) {
      for (const [k, v] of home) this.buffers.set(k, v);
      throw e;
    }
    this.alloc = alloc;
    return () => {
      move((n) => new Float32Array(n));
      this.alloc = (n) => new Float32Array(n);
    };
  }

  abstract step(params: readonly Param[], lr: number): void;

  state(): { steps: number; tensors: Record<string, Float32Array> } {
    return { steps: this.steps, tensors: Object.fromEntries([...this.buffers].map(([k, v]) => [k, v.slice()])) };
  }

  loadState(state: { steps: number; tensors: Record<string, Float32Array> }): void {
    this.steps = state.steps;
    this.buffers.clear();
    for (const [k, v] of Object.entries(state.tensors)) this.buffers.set(k, v.slice());
  }
}

class Sgd extends BaseOptimizer {
  /** v = μ·v + (g + λw);  w −= lr·(nesterov ? g + λw + μ·v : v) */
  step(params: readonly Param[], lr: number): void {
    const spec = this.spec as Extract<OptimizerSpec, { kind: 'sgd' }>;
    const mu = spec.momentum ?? 0;
    const wd = spec.weightDecay ?? 0;
    const first = this.steps === 0;
    const k = kernels();
    for (const p of params) {
      const w = p.value.data;
      const v = mu === 0 ? null : this.buffer(`${p.name}.momentum`, w.length);
      const s = { lr, momentum: mu, weightDecay: p.decay ? wd : 0, nesterov: spec.nesterov ?? false, first };
      if (k.sgdStep) k.sgdStep(w, p.grad.data, v, s);
      else sgdStepReference(w, p.grad.data, v, s);
    }
    this.steps++;
  }
}

class Adam extends BaseOptimizer {
  /** m = β1·m + (1−β1)g;  v = β2·v + (1−β2)g²;  w −= lr·m̂/(√v̂ + ε), with L2 (adam) or decoupled (adamw) decay */
  step(params: readonly Param[], lr: number): void {
    const spec = this.spec as Extract<OptimizerSpec, { kind: 'adam' | 'adamw' }>;
    const b1 = spec.beta1 ?? 0.9;
    const b2 = spec.beta2 ?? 0.999;
    const eps = spec.eps ?? 1e-8;
    const wd = spec.weightDecay ?? (spec.kind === 'adamw' ? 0.01 : 0);
    const decoupled = spec.kind === 'adamw';
    this.steps++;
    const c1 = 1 / (1 - b1 ** this.steps);
    const c2 = 1 / (1 - b2 ** this.steps);
    const k = kernels();
    for (const p of params) {
      const w = p.value.data;
      const m = this.buffer(`${p.name}.m`, w.length);
      const v = this.buffer(`${p.name}.v`, w.length);
      const s = { lr, weightDecay: p.decay ? wd : 0, decoupled, beta1: b1, beta2: b2, eps, c1, c2 };
      if (k.adamStep) k.adamStep(w, p.grad.data, m, v, s);
      else adamStepReference(w, p.grad.data, m, v, s);
    }
  }
}

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  for (const [k, v] of Object.entries(spec)) {
    if (k !== 'kind' && k !== 'nesterov' && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new SpecError(`optimizer ${spec.kind}: '${k}' must be a non-negative number, got ${JSON.stringify(v)}`);
    }
  }
  switch (spec.kind) {
    case 'sgd':
      if (spec.nesterov && !(spec.momentum && spec.momentum > 0)) throw new SpecError('optimizer sgd: Nesterov needs momentum > 0');
      return new Sgd(spec);
    case 'adam':
    case 'adamw':
      return new Adam(spec);
    default:
      throw new SpecError(`unknown optimizer ${JSON.stringify((spec as { kind: unknown }).kind)}; expected sgd, adam or adamw`);
  }
}
