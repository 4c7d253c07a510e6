/**
 * Adversarial examples under an L∞ budget ε on raw pixels (0..1): FGSM (Goodfellow et al. 2015),
 * one step of ε·sign(∇loss); PGD (Madry et al. 2018), many smaller steps projected back into the
 * ε-ball and the image range, from a random start. Untargeted attacks raise the cross-entropy of
 * the true (or predicted) class; targeted ones lower that of the chosen class. Also the smallest ε
 * that flips an answer and accuracy as ε grows. Batched throughout.
 */
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { argmax } from '../nn/predict.js';
import { checkInput, logitLayer, logitsOf, predictedClasses, targetsFor } from './score.js';

export type AttackMethod = 'fgsm' | 'pgd';

export interface AttackOptions {
  method?: AttackMethod;
  /** L∞ budget in pixel units (0..1) */
  eps: number;
  /** targeted: the class to push toward (one for all, or one each) */
  target?: number | ArrayLike<number>;
  /** the true labels for an untargeted attack; default: the predicted classes */
  labels?: ArrayLike<number>;
  /** PGD: default 40 */
  steps?: number;
  /** PGD: default 2.5·ε/steps (Madry et al.) */
  stepSize?: number;
  /** PGD: start uniformly inside the ε-ball; default true */
  randomStart?: boolean;
  seed?: number;
}

export interface AttackResult {
  /** the adversarial images [N,...input], within ε of x and inside 0..1 */
  adversarial: Tensor;
  /** adversarial − x */
  perturbation: Tensor;
  before: Int32Array;
  after: Int32Array;
  /** probabilities after the attack [N,K] */
  probabilities: Tensor;
}

function checkEps(eps: number, where: string): void {
  if (!(Number.isFinite(eps) && eps >= 0 && eps <= 1)) throw new SpecError(`${where}: ε must be in 0..1 (pixel units), got ${eps}`);
}

function softmax(logits: Tensor): Tensor {
  const K = logits.size / logits.n;
  const p = new Tensor([logits.n, K]);
  for (let n = 0; n < logits.n; n++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits.data[n * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += p.data[n * K + k] = Math.exp(logits.data[n * K + k] - max);
    for (let k = 0; k < K; k++) p.data[n * K + k] /= s;
  }
  return p;
}

/** Probabilities [N,K] from the logits (softmax), whatever the model's last layer. */
export function classProbabilities(model: Sequential, x: Tensor): Tensor {
  return softmax(logitsOf(model, model.forward(x)));
}

/** d(cross-entropy of `labels`)/dx for a batch, and the probabilities at x. */
export function lossGradient(model: Sequential, x: Tensor, labels: Int32Array): { grad: Tensor; probabilities: Tensor } {
  const trace = model.forward(x);
  const from = logitLayer(model);
  const p = softmax(trace.steps[from].cache.y);
  const K = p.size / p.n;
  const seed = new Tensor(p.shape, p.data.slice());
  for (let n = 0; n < p.n; n++) seed.data[n * K + labels[n]] -= 1;
  return { grad: model.backward(trace, seed, { from, paramGrads: false }).input, probabilities: p };
}

export function attack(model: Sequential, x: Tensor, opts: AttackOptions): AttackResult {
  checkInput(model, x, 'attack');
  const method = opts.method ?? 'fgsm';
  if (method !== 'fgsm' && method !== 'pgd') throw new SpecError(`attack: unknown method '${String(method)}'; expected fgsm or pgd`);
  checkEps(opts.eps, 'attack');
  const eps = opts.eps;
  const N = x.n;
  const before = predictedClasses(model, model.forward(x));
  const targeted = opts.target !== undefined;
  const labels = targeted ? targetsFor(model, N, opts.target as number | ArrayLike<number>) : opts.labels ? targetsFor(model, N, opts.labels) : before;
  // Untargeted: climb the loss of the label; targeted: descend the loss of the target.
  const direction = targeted ? -1 : 1;
  const steps = method === 'fgsm' ? 1 : (opts.steps ?? 40);
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000) throw new SpecError(`attack: steps must be an integer in 1..10000, got ${steps}`);
  const stepSize = method === 'fgsm' ? eps : (opts.stepSize ?? (2.5 * eps) / steps);
  if (!(stepSize > 0) && eps > 0) throw new SpecError(`attack: step size must be positive, got ${stepSize}`);
  const adv = x.clone();
  if (method === 'pgd' && (opts.randomStart ?? true)) {
    const rng = new Rng(opts.seed ?? 0);
    for (let i = 0; i < adv.size; i++) adv.data[i] = clamp01(x.data[i] + rng.uniform(-eps, eps));
  }
  for (let s = 0; s < steps && eps > 0; s++) {
    const { grad } = lossGradient(model, adv, labels);
    for (let i = 0; i < adv.size; i++) {
      const v = adv.data[i] + direction * stepSize * Math.sign(grad.data[i]);
      const lo = x.data[i] - eps;
      const hi = x.data[i] + eps;
      adv.data[i] = clamp01(v < lo ? lo : v > hi ? hi : v);
    }
  }
  const probabilities = classProbabilities(model, adv);
  const after = argmaxRows(probabilities);
  const perturbation = new Tensor(x.shape);
  for (let i = 0; i < x.size; i++) perturbation.data[i] = adv.data[i] - x.data[i];
  return { adversarial: adv, perturbation, before, after, probabilities };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** The most probable class of each row of p[N,K]. */
export function argmaxRows(p: Tensor): Int32Array {
  const K = p.size / p.n;
  return Int32Array.from({ length: p.n }, (_, n) => argmax(p.data.subarray(n * K, (n + 1) * K)));
}

export interface MinimalEpsilonResult {
  /** the smallest ε found that flips the answer (to the target, when given), or null if even maxEps does not */
  eps: number | null;
  adversarial: Tensor | null;
  before: number;
  after: number | null;
}

/**
 * The smallest ε (to `precision`) at which the attack flips one image's answer, by bisection.
 * With FGSM success is not monotone in ε, so this is the smallest flipping ε the bisection finds.
 */
export function minimalEpsilon(model: Sequential, x: Tensor, opts: Omit<AttackOptions, 'eps'> & { maxEps?: number; precision?: number } = {}): MinimalEpsilonResult {
  checkInput(model, x, 'minimal ε');
  if (x.n !== 1) throw new SpecError(`minimal ε: takes one image, got a batch of ${x.n}`);
  const maxEps = opts.maxEps ?? 1;
  checkEps(maxEps, 'minimal ε');
  const precision = opts.precision ?? 1 / 512;
  const target = opts.target === undefined ? null : targetsFor(model, 1, opts.target)[0];
  const flips = (r: AttackResult): boolean => (target === null ? r.after[0] !== r.before[0] : r.after[0] === target);
  let hi = attack(model, x, { ...opts, eps: maxEps });
  const before = hi.before[0];
  if (!flips(hi)) return { eps: null, adversarial: null, before, after: null };
  let lo = 0;
  let hiEps = maxEps;
  while (hiEps - lo > precision) {
    const mid = (lo + hiEps) / 2;
    const r = attack(model, x, { ...opts, eps: mid });
    if (flips(r)) {
      hiEps = mid;
      hi = r;
    } else lo = mid;
  }
  return { eps: hiEps, adversarial: hi.adversarial, before, after: hi.after[0] };
}

export interface RobustnessPoint {
  eps: number;
  accuracy: number;
}

/** Accuracy on (images, labels) under the attack at each ε (untargeted, against the true labels). */
export function robustnessCurve(model: Sequential, images: Tensor, labels: ArrayLike<number>, epsilons: readonly number[], opts: Omit<AttackOptions, 'eps' | 'target' | 'labels'> & { batch?: number } = {}): RobustnessPoint[] {
  checkInput(model, images, 'robustness');
  const y = targetsFor(model, images.n, labels);
  const batch = opts.batch ?? 250;
  const D = images.size / images.n;
  return epsilons.map((eps) => {
    checkEps(eps, 'robustness');
    let correct = 0;
    for (let s = 0; s < images.n; s += batch) {
      const b = Math.min(batch, images.n - s);
      const x = new Tensor([b, ...model.inputShape], images.data.slice(s * D, (s + b) * D));
      const r = attack(model, x, { ...opts, eps, labels: y.subarray(s, s + b) });
      for (let j = 0; j < b; j++) if (r.after[j] === y[s + j]) correct++;
    }
    return { eps, accuracy: correct / images.n };
  });
}
