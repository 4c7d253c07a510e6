/**
 * The record of one training run: its settings and its curves. `convscope train --log FILE`
 * writes one, and the explorer keeps one per run in the page, in this same shape, so runs from
 * either can be overlaid in one plot. RunRecorder builds it from a session's events.
 */
import type { ModelSpec } from '../nn/spec.js';
import type { EpochStats, Recipe } from './trainer.js';
import type { SessionEvent } from './session-protocol.js';
import type { Kernels } from '../engine/kernels/index.js';

/** e.g. 'wasm (2 threads)' or 'ts', for a log's `kernels` */
export function kernelsLabel(k: Kernels): string {
  const threads = 'threads' in k && typeof k.threads === 'number' ? k.threads : null;
  return threads !== null && k.name !== 'ts' ? `${k.name} (${threads} thread${threads === 1 ? '' : 's'})` : k.name;
}

export const RUN_LOG_FORMAT = 'convscope-run/1';

/** One point of the training curve: the batches since the previous point. */
export interface RunTrainPoint {
  step: number;
  epoch: number;
  loss: number;
  /** 0..1 */
  accuracy: number;
  lr: number;
  imagesPerSecond: number;
  /** seconds of training up to this point */
  seconds: number;
}

export interface RunTestPoint {
  step: number;
  epoch: number;
  scope: 'epoch' | 'subset';
  /** 0..1 */
  accuracy: number;
  examples: number;
}

export type RunEpoch = Omit<EpochStats, 'testAccuracy'> & { testAccuracy: number | null };

export interface RunLog {
  format: typeof RUN_LOG_FORMAT;
  /** the model's name: zoo name, spec file name or the user's label */
  name: string;
  spec: ModelSpec;
  recipe: Recipe;
  /** what it trained on, e.g. 'mnist', 'fashion', 'drawn', 'drawn+mnist' */
  dataset: string;
  /** the kernels, e.g. 'wasm (2 threads)' or 'ts' */
  kernels: string;
  /** where it ran */
  origin: 'cli' | 'browser';
  /** ISO 8601 */
  startedAt: string;
  /** wall-clock seconds from start to end, pauses included */
  wallSeconds: number;
  /** false when stopped early or failed */
  completed: boolean;
  /** batches between training points */
  every: number;
  train: RunTrainPoint[];
  test: RunTestPoint[];
  epochs: RunEpoch[];
  /** the last whole-test-set accuracy, or null */
  testAccuracy: number | null;
  /** why the run ended early, if it failed */
  error?: string;
}

export type RunHeader = Pick<RunLog, 'name' | 'spec' | 'recipe' | 'dataset' | 'kernels' | 'origin' | 'every'>;

/** Collects a run's events into a RunLog; `log()` may be called at any time (a run in progress). */
export class RunRecorder {
  private readonly started: number;
  private readonly startedAt: string;
  private readonly trainPoints: RunTrainPoint[] = [];
  private readonly testPoints: RunTestPoint[] = [];
  private readonly epochList: RunEpoch[] = [];
  private completed = false;
  private error: string | undefined;
  private endedAt: number | null = null;

  constructor(
    private readonly header: RunHeader,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.started = now();
    this.startedAt = new Date().toISOString();
  }

  /** Takes any session event; those a log does not keep (weights, states but the last) are ignored. */
  add(e: SessionEvent): void {
    if (e.type === 'progress') {
      const { step, epoch, loss, accuracy, lr, imagesPerSecond, seconds } = e;
      this.trainPoints.push({ step, epoch, loss, accuracy, lr, imagesPerSecond, seconds });
    } else if (e.type === 'test') {
      const { step, epoch, scope, accuracy, examples } = e;
      this.addTest({ step, epoch, scope, accuracy, examples });
    } else if (e.type === 'epoch') {
      this.epochList.push({ ...e.stats });
    } else if (e.type === 'error') {
      this.error = e.message;
    } else if (e.type === 'state' && (e.state === 'finished' || e.state === 'stopped' || e.state === 'failed')) {
      this.end(e.state);
    }
  }

  addTest(p: RunTestPoint): void {
    this.testPoints.push({ ...p });
  }

  /** The run is over: wall time stops here. */
  end(state: 'finished' | 'stopped' | 'failed', error?: string): void {
    this.completed = state === 'finished';
    this.endedAt = this.now();
    if (error !== undefined) this.error = error;
  }

  log(): RunLog {
    const lastEpochTest = [...this.testPoints].reverse().find((p) => p.scope === 'epoch');
    return {
      format: RUN_LOG_FORMAT,
      ...this.header,
      startedAt: this.startedAt,
      wallSeconds: ((this.endedAt ?? this.now()) - this.started) / 1000,
      completed: this.completed,
      train: [...this.trainPoints],
      test: [...this.testPoints],
      epochs: [...this.epochList],
      testAccuracy: lastEpochTest?.accuracy ?? null,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}

/** Checks that parsed JSON is a run log (e.g. a file a user dropped on the page); throws saying what is wrong. */
export function parseRunLog(json: unknown, where = 'run log'): RunLog {
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('expected a JSON object');
  const o = json as Record<string, unknown>;
  if (o.format !== RUN_LOG_FORMAT) fail(`'format' must be '${RUN_LOG_FORMAT}', got ${JSON.stringify(o.format)}`);
  for (const k of ['name', 'dataset', 'kernels', 'startedAt'] as const) if (typeof o[k] !== 'string') fail(`'${k}' must be a string`);
  if (o.origin !== 'cli' && o.origin !== 'browser') fail(`'origin' must be 'cli' or 'browser', got ${JSON.stringify(o.origin)}`);
  for (const k of ['train', 'test', 'epochs'] as const) if (!Array.isArray(o[k])) fail(`'${k}' must be an array`);
  for (const [k, fields] of [
    ['train', ['step', 'epoch', 'loss', 'accuracy', 'lr', 'imagesPerSecond', 'seconds']],
    ['test', ['step', 'epoch', 'accuracy', 'examples']],
  ] as const) {
    (o[k] as unknown[]).forEach((p, i) => {
      if (typeof p !== 'object' || p === null) fail(`${k}[${i}] must be an object`);
      for (const f of fields) if (typeof (p as Record<string, unknown>)[f] !== 'number') fail(`${k}[${i}].${f} must be a number`);
    });
  }
  if (typeof o.recipe !== 'object' || o.recipe === null) fail(`'recipe' must be an object`);
  if (typeof o.spec !== 'object' || o.spec === null) fail(`'spec' must be an object`);
  return o as unknown as RunLog;
}
