/**
 * Telling a run that blew up from one that is merely noisy, within the step it happens in. The
 * training loop asks three things of every step:
 * - is the model's output finite? (one reduction over the logits; a non-finite output is the
 *   only way to a non-finite loss, which the losses refuse)
 * - are the gradients finite, before the optimizer uses them, and the weights, after?
 *   One reduction per array (the kernels' sumSquares: Σx² in double precision, finite exactly
 *   when every value is; ~0.2 ms for LeNet's 431k weights on the SIMD kernels, in place), and the
 *   first array whose sum is not finite names the parameter and its layer;
 * - has the loss exploded? The batch loss above `factor` × the run's first batch loss (the loss of
 *   the initial weights: ln 10 ≈ 2.3 for cross-entropy over ten classes) for `batches`
 *   consecutive batches. Consecutive rather than rising: a blown-up run's loss jumps and then
 *   drifts (tiny at lr 1e6: 2.41, then 4.3e7, 6.4e7, … 1.3e6 a hundred batches later, never below
 *   4e5 again), while a healthy run's spikes last a batch or two. A loss bounded by construction
 *   (mse on probabilities) cannot trip it; the finiteness checks still apply there.
 * A failed check throws DivergenceError with the facts (kind, step, epoch, batch, parameter and
 * layer, the loss and where it started). It does not repair or roll back anything: the caller
 * keeps its last good file and the loop writes none.
 */
import { NumericError } from '../engine/errors.js';
import { kernels } from '../engine/kernels/index.js';
import type { Sequential } from '../nn/model.js';
import type { ForwardResult } from '../nn/model.js';

/** When a finite loss counts as exploded; `false` in TrainOptions turns this check off. */
export interface LossExplosion {
  /** how many times the first batch's loss */
  factor: number;
  /** for how many consecutive batches */
  batches: number;
}

export const DEFAULT_LOSS_EXPLOSION: LossExplosion = { factor: 10, batches: 5 };

/** What the loss check remembers between steps (and checkpoints carry, so a resumed run flags the same step). */
export interface LossWatch {
  /** the first batch's loss; null before the first step */
  startLoss: number | null;
  /** consecutive batches so far above factor × startLoss */
  above: number;
}

export type DivergenceKind = 'loss' | 'gradient' | 'weights' | 'exploding-loss';

export interface DivergenceFacts {
  kind: DivergenceKind;
  /** the step that failed, counted from 1 as the progress events count */
  step: number;
  /** 0-based, as in TrainState */
  epoch: number;
  batch: number;
  /** the batch's loss; NaN when the output was not finite (kind 'loss') */
  loss: number;
  /** the first parameter with a non-finite value or gradient (gradient, weights) */
  param?: string;
  /** its layer, or (kind 'loss') the first layer whose output is not finite ('the input' when that is) */
  layer?: string;
  /** Σx² of that parameter's values or gradient: NaN or Infinity */
  sumSquares?: number;
  /** the first batch's loss, the factor and the limit it stayed above, for how many batches (exploding-loss) */
  startLoss?: number;
  factor?: number;
  limit?: number;
  batches?: number;
}

/** Four significant digits, in exponent form when large or small: 2.296, 22.96, 4.854e+7. */
function num(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

const where = (f: DivergenceFacts): string => `step ${f.step} (epoch ${f.epoch + 1}, batch ${f.batch + 1})`;

function describe(f: DivergenceFacts): string {
  switch (f.kind) {
    case 'loss':
      return `training diverged at ${where(f)}: the model's output holds NaN or ±∞, so the loss cannot be computed; the first layer with a non-finite output is ${f.layer ?? 'the last'}`;
    case 'gradient':
      return `training diverged at ${where(f)}: the gradient of ${f.param} (layer ${f.layer}) holds non-finite values (Σg² = ${f.sumSquares}); the step was not applied (loss ${num(f.loss)})`;
    case 'weights':
      return `training diverged at ${where(f)}: the update made ${f.param} (layer ${f.layer}) non-finite (Σw² = ${f.sumSquares}); loss before it ${num(f.loss)}`;
    case 'exploding-loss':
      return `training diverged at ${where(f)}: the loss has stayed above ${num(f.limit!)} (${f.factor}× the first batch's ${num(f.startLoss!)}) for ${f.batches} batches, now ${num(f.loss)}`;
  }
}

/**
 * A training run that blew up: the message says where; `facts` carries the same for programs. A
 * caller that knows more (what was kept on disk) passes a longer message with the same facts.
 */
export class DivergenceError extends NumericError {
  constructor(
    readonly facts: DivergenceFacts,
    message = describe(facts),
  ) {
    super(message);
  }
}

/**
 * The first parameter, in layer order, whose values (or gradients) hold NaN or ±∞; null when all
 * are finite. Values include the state buffers (batch norm's running statistics), which are
 * saved with the weights.
 */
export function firstNonFinite(model: Sequential, what: 'value' | 'grad'): { param: string; layer: string; sumSquares: number } | null {
  const k = kernels();
  for (const layer of model.layers) {
    const arrays = what === 'grad' ? layer.params.map((p) => ({ name: p.name, data: p.grad.data })) : [...layer.params, ...layer.buffers].map((p) => ({ name: p.name, data: p.value.data }));
    for (const a of arrays) {
      const s = k.sumSquares(a.data);
      if (!Number.isFinite(s)) return { param: a.name, layer: layer.name, sumSquares: s };
    }
  }
  return null;
}

/** The first layer of a forward trace whose output holds NaN or ±∞ (only looked for once the loss is not finite). */
export function firstNonFiniteOutput(trace: ForwardResult): string | undefined {
  const k = kernels();
  if (!Number.isFinite(k.sumSquares(trace.normalized.data))) return 'the input';
  return trace.steps.find((st) => !Number.isFinite(k.sumSquares(st.cache.y.data)))?.layer.name;
}

/**
 * Updates the watch with this step's finite loss and says whether it has now exploded: returns
 * the facts' explosion part, or null.
 */
export function watchLoss(watch: LossWatch, loss: number, rule: LossExplosion | false): Pick<DivergenceFacts, 'startLoss' | 'factor' | 'limit' | 'batches'> | null {
  if (watch.startLoss === null) {
    watch.startLoss = loss;
    return null;
  }
  // a run that starts at a loss of 0 has nothing to explode from
  if (rule === false || !(watch.startLoss > 0)) return null;
  const limit = rule.factor * watch.startLoss;
  watch.above = loss > limit ? watch.above + 1 : 0;
  return watch.above >= rule.batches ? { startLoss: watch.startLoss, factor: rule.factor, limit, batches: watch.above } : null;
}
