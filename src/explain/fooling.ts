/**
 * Fooling images (after Nguyen et al. 2015): images that look like nothing — seeded uniform noise,
 * changed by at most `eps` per pixel — that the network nevertheless calls a chosen class with
 * near-certainty. First gradient-based (targeted PGD on the noise, ε widened step by step); where
 * gradients mislead (the mlp's deskew holds its shear fixed in the backward pass, and noise has
 * no stable shear), an evolution strategy within the same ε-ball takes over: it needs only the
 * network's answers, as Nguyen et al.'s evolved images did.
 */
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { SpecError, formatShape } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { attack, classProbabilities } from './adversarial.js';
import { targetsFor } from './score.js';

export interface FoolingOptions {
  /** the probability to reach; default 0.9999 */
  confidence?: number;
  /** the budgets tried in turn around the noise; default 0.1, 0.2, 0.3, 0.5 */
  epsilons?: readonly number[];
  /** PGD steps per budget; default 100 */
  steps?: number;
  /** evolution generations (64 mutants each) after the gradient attempts, if those fall short; default 300 */
  generations?: number;
  seed?: number;
}

export interface FoolingResult {
  target: number;
  image: Float32Array;
  /** the noise it started from */
  noise: Float32Array;
  /** the budget around the noise that the image keeps to */
  eps: number;
  /** the target's probability at the image */
  confidence: number;
  reached: boolean;
  /** how the image was found */
  method: 'gradient' | 'evolution';
}

/** (1 + λ) evolution inside the ε-ball around `noise`: mutate a few pixels, keep the best. */
function evolve(model: Sequential, start: Float32Array, noise: Float32Array, eps: number, target: number, confidence: number, generations: number, rng: Rng): { image: Float32Array; p: number } {
  const D = start.length;
  const lambda = 64;
  let best = start.slice();
  let bestP = classProbabilities(model, new Tensor([1, ...model.inputShape], best)).data[target];
  for (let g = 0; g < generations && bestP < confidence; g++) {
    const pop = new Tensor([lambda, ...model.inputShape]);
    for (let j = 0; j < lambda; j++) {
      const o = j * D;
      pop.data.set(best, o);
      const changes = 1 + rng.int(Math.max(1, Math.round(D * 0.03)));
      for (let c = 0; c < changes; c++) {
        const i = rng.int(D);
        const v = pop.data[o + i] + 0.5 * eps * rng.normal();
        const lo = Math.max(0, noise[i] - eps);
        const hi = Math.min(1, noise[i] + eps);
        pop.data[o + i] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    const p = classProbabilities(model, pop);
    const K = p.size / p.n;
    for (let j = 0; j < lambda; j++) {
      if (p.data[j * K + target] > bestP) {
        bestP = p.data[j * K + target];
        best = pop.data.slice(j * D, (j + 1) * D);
      }
    }
  }
  return { image: best, p: bestP };
}

export function foolingImage(model: Sequential, target: number, opts: FoolingOptions = {}): FoolingResult {
  if (model.inputShape.length !== 3) throw new SpecError(`fooling image: needs image input [C,H,W], the model takes ${formatShape(model.inputShape)}`);
  targetsFor(model, 1, target);
  const confidence = opts.confidence ?? 0.9999;
  if (!(confidence > 0 && confidence < 1)) throw new SpecError(`fooling image: confidence must be in (0, 1), got ${confidence}`);
  const epsilons = opts.epsilons ?? [0.1, 0.2, 0.3, 0.5];
  if (epsilons.length === 0 || epsilons.some((e) => !(e > 0 && e <= 1))) throw new SpecError(`fooling image: every ε must be in (0, 1], got ${epsilons.join(', ')}`);
  const D = model.inputShape.reduce((a, b) => a * b, 1);
  const rng = new Rng(opts.seed ?? 0);
  const noise = Float32Array.from({ length: D }, () => rng.next());
  const x = new Tensor([1, ...model.inputShape], noise.slice());
  let best: FoolingResult | null = null;
  for (const eps of epsilons) {
    // Many small steps, no random start: the image begins as the noise itself.
    const r = attack(model, x, { method: 'pgd', eps, target, steps: opts.steps ?? 100, stepSize: eps / 20, randomStart: false });
    const p = r.probabilities.data[target];
    if (!best || p > best.confidence) best = { target, image: r.adversarial.data, noise, eps, confidence: p, reached: p >= confidence, method: 'gradient' };
    if (best.reached) return best;
  }
  const found = best as FoolingResult;
  const eps = epsilons[epsilons.length - 1];
  const evolved = evolve(model, found.image, noise, eps, target, confidence, opts.generations ?? 300, rng);
  if (evolved.p <= found.confidence) return found;
  return { target, image: evolved.image, noise, eps, confidence: evolved.p, reached: evolved.p >= confidence, method: 'evolution' };
}
