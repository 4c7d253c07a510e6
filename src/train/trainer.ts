/**
 * The training loop: shuffled mini-batches, forward, loss, backward, optimiser step, evaluation
 * after each epoch. It does no I/O: progress goes out as events, and a stop request (AbortSignal)
 * ends it between batches with a state that `resume` continues from, bit for bit; so does the
 * state handed to `onCheckpoint` at the end of every `checkpointEvery` epochs.
 *
 * Divergence (divergence.ts) is caught in the step it happens: a non-finite loss, gradient or
 * weight, or a loss that stays far above where the run started, throws DivergenceError naming
 * the step and the parameter's layer. A bad loss or gradient stops the run before the optimizer
 * applies it, so the model keeps the last good weights; bad weights are those of the failed update.
 *
 * Determinism: epoch e's order is a permutation drawn from Rng(seed, e); augmentation and dropout
 * draw from one training Rng whose state is part of the checkpoint.
 */
import { Rng, type RngState } from '../engine/rng.js';
import { Tensor } from '../engine/tensor.js';
import { kernels, withKernelScratch } from '../engine/kernels/index.js';
import { SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { computeLoss, distillationLoss, type LossName } from '../nn/losses.js';
import { argmax } from '../nn/predict.js';
import { createOptimizer, type Optimizer, type OptimizerSpec } from './optimizers.js';
import { learningRateAt, type ScheduleSpec } from './schedules.js';
import type { BatchSource } from './batch-source.js';
import { evaluate } from './metrics.js';
import { DEFAULT_LOSS_EXPLOSION, DivergenceError, firstNonFinite, firstNonFiniteOutput, watchLoss, type LossExplosion, type LossWatch } from './divergence.js';

export interface Recipe {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  lr: number;
  schedule: ScheduleSpec;
  loss: LossName;
  seed: number;
  /** random distortions of training images: true for the data source's defaults, or explicit limits */
  augment: boolean | AugmentSpec;
  /** train on the first `limit` examples only */
  limit?: number;
  /** knowledge distillation from a teacher model (given to train() as `teacher`) */
  distill?: { teacher: string; temperature: number; alpha: number };
}

/** Limits of the random affine distortion (shift in pixels, rotation in degrees, scale factor range). */
export interface AugmentSpec {
  maxShift: number;
  maxRotateDeg: number;
  minScale: number;
  maxScale: number;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
}

export type TrainEvent =
  | { type: 'start'; epochs: number; stepsPerEpoch: number; totalSteps: number; examples: number }
  /** images and correct: running counts of the epoch so far (so any window's accuracy is a difference) */
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; loss: number; lr: number; images: number; correct: number; elapsedMs: number }
  | ({ type: 'epoch' } & EpochStats)
  | { type: 'stopped'; epoch: number; batch: number };

/** Everything needed to continue training exactly where it stopped. */
export interface TrainState {
  /** epoch and batch to run next */
  epoch: number;
  batch: number;
  step: number;
  rng: { words: RngState; spare: number | null };
  optimizer: { steps: number; tensors: Record<string, Float32Array> };
  history: EpochStats[];
  /** running sums of the interrupted epoch */
  epochLoss: number;
  epochCorrect: number;
  epochSeen: number;
  epochSeconds: number;
  /** the loss-explosion check's memory (divergence.ts) */
  lossWatch: LossWatch;
}

export interface TrainOptions {
  test?: BatchSource;
  onEvent?: (e: TrainEvent) => void | Promise<void>;
  /** an AbortSignal, or anything with `aborted`: checked between batches */
  signal?: { readonly aborted: boolean };
  resume?: TrainState;
  /** the trained model whose outputs the student learns from, when the recipe distils */
  teacher?: Sequential;
  /** wall clock in ms (injected so the loop stays free of platform APIs) */
  now?: () => number;
  /**
   * Called with the state at the end of every `checkpointEvery`-th epoch (default every epoch)
   * except the last, whose state the result carries; awaited before the next epoch starts.
   */
  onCheckpoint?: (state: TrainState) => void | Promise<void>;
  checkpointEvery?: number;
  /** when a finite loss counts as exploded (default 10× the first batch's for 5 batches); false: never */
  lossExplosion?: LossExplosion | false;
}

export interface TrainResult {
  completed: boolean;
  state: TrainState;
  history: EpochStats[];
}

export function checkRecipe(r: Recipe): void {
  const positiveInt = (k: keyof Recipe) => {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new SpecError(`recipe: '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
  };
  positiveInt('epochs');
  positiveInt('batchSize');
  if (r.limit !== undefined) positiveInt('limit');
  if (!(typeof r.lr === 'number' && r.lr > 0 && Number.isFinite(r.lr))) throw new SpecError(`recipe: 'lr' must be a positive number, got ${JSON.stringify(r.lr)}`);
  if (!Number.isInteger(r.seed)) throw new SpecError(`recipe: 'seed' must be an integer, got ${JSON.stringify(r.seed)}`);
  if (r.loss !== 'xent' && r.loss !== 'mse') throw new SpecError(`recipe: 'loss' must be 'xent' or 'mse', got ${JSON.stringify(r.loss)}`);
}

/** The order of epoch `epoch`'s examples: fixed by seed and epoch alone, so a resumed run sees the same. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  return new Rng(seed).fork(1000 + epoch).permutation(n);
}

function checkOptions(o: TrainOptions): void {
  if (o.checkpointEvery !== undefined && !(Number.isInteger(o.checkpointEvery) && o.checkpointEvery >= 1)) {
    throw new SpecError(`train: 'checkpointEvery' must be a positive integer (epochs), got ${o.checkpointEvery}`);
  }
  const e = o.lossExplosion;
  if (e !== undefined && e !== false && !(e.factor > 1 && Number.isFinite(e.factor) && Number.isInteger(e.batches) && e.batches >= 1)) {
    throw new SpecError(`train: 'lossExplosion' needs a finite factor > 1 and a positive whole number of batches, got factor ${e.factor}, batches ${e.batches}`);
  }
}

export async function train(model: Sequential, data: BatchSource, recipe: Recipe, opts: TrainOptions = {}): Promise<TrainResult> {
  checkRecipe(recipe);
  checkOptions(opts);
  const optimizer = createOptimizer(recipe.optimizer);
  if (recipe.distill && !opts.teacher) throw new SpecError(`recipe: distillation from ${recipe.distill.teacher} needs the teacher model`);
  const rng = new Rng(recipe.seed).fork(2);
  const s: TrainState = opts.resume
    ? { ...opts.resume, history: [...opts.resume.history], lossWatch: { ...opts.resume.lossWatch } }
    : {
        epoch: 0, batch: 0, step: 0, rng: rng.getState(), optimizer: optimizer.state(), history: [],
        epochLoss: 0, epochCorrect: 0, epochSeen: 0, epochSeconds: 0, lossWatch: { startLoss: null, above: 0 },
      };
  rng.setState(s.rng);
  optimizer.loadState(s.optimizer);

  // With fast kernels that own memory, the run's parameters, gradients, optimizer state and
  // batch buffer live there (the kernels and the optimizer use them in place) and go back to
  // ordinary arrays when it ends; each step's tensors live there too and are freed after the
  // step. One run at a time holds that memory: it is a stack, and two interleaved runs
  // (training is async) would free each other's buffers.
  const buffers = placementHeld ? null : (kernels().buffers ?? null);
  if (!buffers) return trainLoop(model, data, recipe, opts, optimizer, rng, s, null);
  placementHeld = true;
  const mark = buffers.mark();
  const alloc = (k: number): Float32Array => buffers.f32(k);
  let restoreParams = (): void => {};
  let restoreState = (): void => {};
  try {
    restoreParams = model.placeParams(alloc);
    restoreState = optimizer.placeState(alloc);
    return await trainLoop(model, data, recipe, opts, optimizer, rng, s, alloc);
  } finally {
    restoreState();
    restoreParams();
    buffers.release(mark);
    placementHeld = false;
  }
}

let placementHeld = false;

async function trainLoop(
  model: Sequential,
  data: BatchSource,
  recipe: Recipe,
  opts: TrainOptions,
  optimizer: Optimizer,
  rng: Rng,
  s: TrainState,
  alloc: ((n: number) => Float32Array) | null,
): Promise<TrainResult> {
  const now = opts.now ?? (() => Date.now());
  const n = Math.min(data.size, recipe.limit ?? data.size);
  const B = recipe.batchSize;
  const stepsPerEpoch = Math.ceil(n / B);
  const totalSteps = stepsPerEpoch * recipe.epochs;
  const per = data.shape.reduce((a, b) => a * b, 1);
  const x = alloc ? alloc(B * per) : new Float32Array(B * per);
  const y = new Int32Array(B);
  const params = model.params;
  const K = model.outputShape.reduce((a, b) => a * b, 1);
  const emit = async (e: TrainEvent) => {
    if (opts.onEvent) await opts.onEvent(e);
  };
  const snapshot = (): TrainState => ({ ...s, rng: rng.getState(), optimizer: optimizer.state(), history: [...s.history], lossWatch: { ...s.lossWatch } });
  const explosion = opts.lossExplosion ?? DEFAULT_LOSS_EXPLOSION;
  const checkpointEvery = opts.checkpointEvery ?? 1;

  await emit({ type: 'start', epochs: recipe.epochs, stepsPerEpoch, totalSteps, examples: n });
  for (; s.epoch < recipe.epochs; s.epoch++, s.batch = 0) {
    const order = epochOrder(n, recipe.seed, s.epoch);
    let t0 = now();
    for (; s.batch < stepsPerEpoch; s.batch++) {
      if (opts.signal?.aborted) {
        s.epochSeconds += (now() - t0) / 1000;
        await emit({ type: 'stopped', epoch: s.epoch, batch: s.batch });
        return { completed: false, state: snapshot(), history: s.history };
      }
      const start = s.batch * B;
      const count = Math.min(B, n - start);
      data.fill(x, y, order, start, count, recipe.augment ? rng : null);
      const input = new Tensor([count, ...data.shape], x.subarray(0, count * per));
      const labels = y.subarray(0, count);
      const { loss, badOutput } = withKernelScratch(() => {
        model.zeroGrads();
        const trace = model.forward(input, { mode: 'train', rng });
        // A non-finite output makes the loss non-finite (the losses refuse it): look for where it
        // went wrong now, while the trace still exists.
        if (!Number.isFinite(kernels().sumSquares(trace.output.data))) return { loss: NaN, badOutput: firstNonFiniteOutput(trace) };
        const result =
          recipe.distill && opts.teacher
            ? distillationLoss(trace.output, opts.teacher.forward(input).output, labels, recipe.distill.temperature, recipe.distill.alpha)
            : computeLoss(recipe.loss, trace.output, labels);
        model.backwardForTraining(trace, result.dy);
        const out = trace.output.data;
        for (let i = 0; i < count; i++) if (argmax(out.subarray(i * K, (i + 1) * K)) === labels[i]) s.epochCorrect++;
        return { loss: result.loss, badOutput: undefined };
      });
      const at = { step: s.step + 1, epoch: s.epoch, batch: s.batch, loss };
      if (!Number.isFinite(loss)) throw new DivergenceError({ kind: 'loss', ...at, ...(badOutput !== undefined ? { layer: badOutput } : {}) });
      const exploded = watchLoss(s.lossWatch, loss, explosion);
      if (exploded) throw new DivergenceError({ kind: 'exploding-loss', ...at, ...exploded });
      const badGrad = firstNonFinite(model, 'grad');
      if (badGrad) throw new DivergenceError({ kind: 'gradient', ...at, ...badGrad });
      const lr = learningRateAt(recipe.schedule, recipe.lr, s.step, stepsPerEpoch, totalSteps);
      optimizer.step(params, lr);
      const badValue = firstNonFinite(model, 'value');
      if (badValue) throw new DivergenceError({ kind: 'weights', ...at, ...badValue });
      s.step++;
      s.epochLoss += loss * count;
      s.epochSeen += count;
      await emit({ type: 'batch', epoch: s.epoch, batch: s.batch, batches: stepsPerEpoch, step: s.step, loss, lr, images: s.epochSeen, correct: s.epochCorrect, elapsedMs: s.epochSeconds * 1000 + now() - t0 });
    }
    const seconds = s.epochSeconds + (now() - t0) / 1000;
    const stats: EpochStats = {
      epoch: s.epoch,
      trainLoss: s.epochLoss / s.epochSeen,
      trainAccuracy: s.epochCorrect / s.epochSeen,
      seconds,
      imagesPerSecond: s.epochSeen / Math.max(seconds, 1e-9),
    };
    if (opts.test) stats.testAccuracy = evaluate(model, opts.test, { worst: 0 }).accuracy;
    s.history.push(stats);
    s.epochLoss = 0;
    s.epochCorrect = 0;
    s.epochSeen = 0;
    s.epochSeconds = 0;
    await emit({ type: 'epoch', ...stats });
    if (opts.onCheckpoint && (s.epoch + 1) % checkpointEvery === 0 && s.epoch + 1 < recipe.epochs) {
      await opts.onCheckpoint({ ...snapshot(), epoch: s.epoch + 1, batch: 0 });
    }
    t0 = now();
  }
  return { completed: true, state: snapshot(), history: s.history };
}
