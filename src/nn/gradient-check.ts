/**
 * Finite-difference gradient checking: compares a layer's backward pass against central
 * differences of L = Σ r ⊙ forward(x) for a random upstream gradient r. Every layer and loss is
 * checked with it; learners can use it on layers of their own.
 */
import { Rng } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import type { Layer, Mode } from './layer.js';

export interface GradientCheckResult {
  /** worst |analytic − numeric| / (atol + rtol·|numeric|) over inputs and params; ≤ 1 passes */
  worst: number;
  where: string;
}

export interface GradientCheckOptions {
  mode?: Mode;
  /** seed for layers that draw random numbers (dropout): each forward gets a fresh Rng(seed) */
  seed?: number;
  h?: number;
  atol?: number;
  rtol?: number;
  /** check at most this many entries per tensor (chosen at random) to keep big layers quick */
  maxEntries?: number;
}

export function checkLayerGradients(layer: Layer, x: Tensor, opts: GradientCheckOptions = {}): GradientCheckResult {
  const mode = opts.mode ?? 'train';
  const seed = opts.seed ?? 1;
  const h = opts.h ?? 1e-2;
  const atol = opts.atol ?? 2e-3;
  const rtol = opts.rtol ?? 1e-2;
  const pick = new Rng(seed + 7);
  const run = () => layer.forward(x, { mode, rng: new Rng(seed) });
  const first = run();
  const r = new Tensor(first.y.shape);
  for (let i = 0; i < r.size; i++) r.data[i] = pick.uniform(-1, 1);
  const loss = () => {
    const y = run().y.data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r.data[i];
    return s;
  };
  for (const p of layer.params) p.grad.data.fill(0);
  const dx = layer.backward(r, first, { paramGrads: true }) as Tensor;

  let worst = 0;
  let where = '';
  const compare = (label: string, values: Float32Array, analytic: Float32Array) => {
    const n = values.length;
    const count = Math.min(n, opts.maxEntries ?? 64);
    const idx = count === n ? [...Array(n).keys()] : Array.from({ length: count }, () => pick.int(n));
    for (const i of idx) {
      const keep = values[i];
      values[i] = keep + h;
      const up = loss();
      values[i] = keep - h;
      const down = loss();
      values[i] = keep;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(analytic[i] - numeric) / (atol + rtol * Math.abs(numeric));
      if (err > worst) {
        worst = err;
        where = `${label}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`;
      }
    }
  };
  compare(`${layer.name} dx`, x.data, dx.data);
  for (const p of layer.params) compare(`d${p.name}`, p.value.data, p.grad.data.slice());
  return { worst, where };
}
