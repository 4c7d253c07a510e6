/**
 * The shapes of what the benchmark measures, shared by convscope's side, the peers' child
 * processes (TF.js in Node, PyTorch in Python: same JSON field names) and the report. Also the
 * small timing helpers every side uses. No measuring loops live here.
 */

export const BENCH_MODELS = ['mlp', 'tiny', 'lenet'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

/**
 * Training throughput over `batches` timed batches after `warmup` untimed ones. The timed batches
 * are cut into up to TRAIN_WINDOWS consecutive windows; `imagesPerSecond` is the median window's
 * rate, so a burst of other work on a shared machine moves it less than the overall rate.
 */
export interface TrainFigure {
  batches: number;
  warmup: number;
  batchSize: number;
  seconds: number;
  /** the median window's images per second: the figure reported */
  imagesPerSecond: number;
  /** all timed batches' images over all their seconds */
  overallImagesPerSecond: number;
  /** images per second of each window, in order */
  windows: number[];
  /** loss of the first and last batch: shows the step really trains */
  firstLoss: number;
  lastLoss: number;
}

/** Inference throughput: median of `reps` forward passes over the same `batch` test images. */
export interface InferFigure {
  batch: number;
  reps: number;
  medianSeconds: number;
  imagesPerSecond: number;
}

/** One digit through the model, every layer's output kept. */
export interface LatencyFigure {
  runs: number;
  medianMs: number;
  minMs: number;
}

/** Why a figure is missing (the peer cannot run it, it was skipped, or it failed). */
export interface NotAvailable {
  na: string;
}

export type Figure<T> = T | NotAvailable;

export interface ModelFigures {
  train: Figure<TrainFigure>;
  infer: Figure<InferFigure>;
  latency: Figure<LatencyFigure>;
}

/** How much work each figure gets; one value per model for training batches. */
export interface Workload {
  batchSize: number;
  lr: number;
  momentum: number;
  /** untimed training batches before the timed ones */
  warmup: number;
  /** per-model warm-up where a step is too slow for `warmup` of them */
  warmupFor?: Partial<Record<BenchModel, number>>;
  trainBatches: Partial<Record<BenchModel, number>>;
  /** why a model with no training batches is not trained (shown as its n/a) */
  trainSkipped?: string;
  inferBatch: number;
  /** inference keeps repeating until this much time has passed (at least one timed pass) */
  inferBudgetMs: number;
  inferMaxReps: number;
  latencyRuns: number;
}

export function warmupOf(w: Workload, model: BenchModel): number {
  return w.warmupFor?.[model] ?? w.warmup;
}

export function isNa<T extends object>(f: Figure<T>): f is NotAvailable {
  return 'na' in f;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` (ms) after `warm` untimed calls, `minReps`..`maxReps` times, stopping once `budgetMs` is spent. */
export function repeatTimed(fn: (rep: number) => void, opts: { warm: number; minReps: number; maxReps: number; budgetMs: number }): number[] {
  for (let i = 0; i < opts.warm; i++) fn(i);
  const times: number[] = [];
  const start = performance.now();
  for (let r = 0; r < opts.maxReps; r++) {
    if (r >= opts.minReps && performance.now() - start > opts.budgetMs) break;
    const t0 = performance.now();
    fn(r);
    times.push(performance.now() - t0);
  }
  return times;
}

export const TRAIN_WINDOWS = 5;

/**
 * The training figure from the times (ms) at which the warm-up ended and each timed batch ended.
 * stamps[0] is the end of the warm-up; stamps[i] the end of timed batch i.
 */
export function trainFigure(stamps: readonly number[], batchSize: number, warmup: number, losses: readonly number[]): TrainFigure {
  const batches = stamps.length - 1;
  if (batches < 1) throw new RangeError(`trainFigure: needs at least one timed batch, got ${batches}`);
  const k = Math.min(TRAIN_WINDOWS, batches);
  const windows: number[] = [];
  for (let i = 0; i < k; i++) {
    const a = Math.round((i * batches) / k);
    const b = Math.round(((i + 1) * batches) / k);
    windows.push(((b - a) * batchSize) / ((stamps[b] - stamps[a]) / 1000));
  }
  const seconds = (stamps[batches] - stamps[0]) / 1000;
  return {
    batches,
    warmup,
    batchSize,
    seconds,
    imagesPerSecond: median(windows),
    overallImagesPerSecond: (batches * batchSize) / seconds,
    windows,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
  };
}

/** The figure of an inference run from per-pass times in ms. */
export function inferFigure(batch: number, timesMs: readonly number[]): InferFigure {
  const med = median(timesMs) / 1000;
  return { batch, reps: timesMs.length, medianSeconds: med, imagesPerSecond: batch / med };
}

export function latencyFigure(timesMs: readonly number[]): LatencyFigure {
  return { runs: timesMs.length, medianMs: median(timesMs), minMs: Math.min(...timesMs) };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
