/**
 * Optimisers with PyTorch's update rules, so recipes transfer: SGD (momentum, Nesterov, L2 weight
 * decay), Adam (L2 weight decay) and AdamW (decoupled weight decay). Weight decay touches only
 * parameters marked `decay` (weights, not biases or batch-norm scales). Their state is plain
 * Float32Arrays keyed by parameter name, so a checkpoint can save and restore it exactly.
 */
import type { Param } from '../nn/layer.js';
import { SpecError } from '../engine/errors.js';

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
}

abstract class BaseOptimizer implements Optimizer {
  steps = 0;
  protected readonly buffers = new Map<string, Float32Array>();
  constructor(readonly spec: OptimizerSpec) {}

  protected buffer(key: string, n: number): Float32Array {
    let b = this.buffers.get(key);
    if (!b) {
      b = new Float32Array(n);
      this.buffers.set(key, b);
    }
    return b;
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
    for (const p of params) {
      const w = p.value.data;
      const g = p.grad.data;
      const lambda = p.decay ? wd : 0;
      if (mu === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + lambda * w[i]);
        continue;
      }
      const v = this.buffer(`${p.name}.momentum`, w.length);
      // Branches hoisted out of the loops: this runs once per parameter per step.
      if (first) for (let i = 0; i < w.length; i++) v[i] = g[i] + lambda * w[i];
      else for (let i = 0; i < w.length; i++) v[i] = mu * v[i] + (g[i] + lambda * w[i]);
      if (spec.nesterov) {
        // w has not moved since v's update, so g + λw is the same value v was built from
        for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + lambda * w[i] + mu * v[i]);
      } else {
        for (let i = 0; i < w.length; i++) w[i] -= lr * v[i];
      }
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
    for (const p of params) {
      const w = p.value.data;
      const g = p.grad.data;
      const lambda = p.decay ? wd : 0;
      const m = this.buffer(`${p.name}.m`, w.length);
      const v = this.buffer(`${p.name}.v`, w.length);
      for (let i = 0; i < w.length; i++) {
        if (decoupled) w[i] -= lr * lambda * w[i];
        const gi = decoupled ? g[i] : g[i] + lambda * w[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        w[i] -= (lr * (m[i] * c1)) / (Math.sqrt(v[i] * c2) + eps);
      }
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
