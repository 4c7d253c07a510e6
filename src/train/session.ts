/**
 * A training run you can drive: start, pause, resume, step one batch, stop, and take the model as
 * model-file bytes at any moment, around the unchanged train() loop. Pausing is waiting inside the
 * loop's event callback, which train() awaits between batches, so the loop's order, random draws
 * and state are exactly those of an uninterrupted run: same seed, same data, same kernels → the
 * same parameters, however often it was paused or stepped.
 *
 * The session owns its model while it runs (one owner per thread): others get copies, as events
 * (session-protocol.ts) or snapshot() bytes. Time spent paused, testing or reporting is kept out
 * of the loop's clock, so images per second measure training alone.
 */
import { Tensor } from '../engine/tensor.js';
import { ConvscopeError, SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { encodeModelFile, type ModelMetadata } from '../io/model-file.js';
import type { BatchSource } from './batch-source.js';
import { evaluate } from './metrics.js';
import { DivergenceError } from './divergence.js';
import { train, type Recipe, type TrainEvent } from './trainer.js';
import { ProgressWindow } from './progress-window.js';
import { DEFAULT_CADENCE, type ConvWeights, type SessionCadence, type SessionEvent, type SessionPosition, type SessionState } from './session-protocol.js';

export interface SessionSetup {
  model: Sequential;
  train: BatchSource;
  /** evaluated at the end of every epoch (the whole set) and every cadence.testEvery batches (a subset) */
  test?: BatchSource;
  recipe: Recipe;
  cadence?: Partial<SessionCadence>;
  /** recorded in snapshots: the model's name and what it trained on */
  name: string;
  dataset?: ModelMetadata['dataset'];
  teacher?: Sequential;
  /** wall clock in ms (default Date.now) */
  now?: () => number;
  /**
   * Lets the host's other work in (a worker's messages); called between batches at most every
   * `yieldEveryMs` (default 15) while running. Without it nothing else runs until the session pauses.
   */
  yieldToHost?: () => Promise<void>;
  yieldEveryMs?: number;
}

type Listener = (e: SessionEvent) => void;

export function checkCadence(c: SessionCadence): void {
  for (const k of ['progressEvery', 'testEvery', 'testSubset', 'weightsEvery'] as const) {
    const v = c[k];
    if (!(Number.isInteger(v) && v >= 0)) throw new SpecError(`cadence: '${k}' must be a whole number ≥ 0 (batches; 0 turns it off), got ${JSON.stringify(v)}`);
  }
  if (c.testEvery > 0 && c.testSubset < 1) throw new SpecError(`cadence: 'testSubset' must be at least 1 when 'testEvery' is set, got ${c.testSubset}`);
}

export class TrainingSession {
  private readonly cadence: SessionCadence;
  private readonly listeners = new Set<Listener>();
  private readonly wall: () => number;
  private current: SessionState = 'idle';
  private pos: SessionPosition = { step: 0, epoch: 0, batch: 0, totalSteps: 0, stepsPerEpoch: 0 };
  private pauseRequested = false;
  private wake: (() => void) | null = null;
  private readonly abort = { aborted: false };
  /** ms of wall time kept out of the loop's clock (paused, testing, reporting) */
  private excludedMs = 0;
  private lastYield = 0;
  private run: Promise<void> | null = null;
  /** the batches since the last 'progress' event */
  private window: ProgressWindow;
  private readonly testByEpoch: (number | null)[] = [];

  constructor(private readonly setup: SessionSetup) {
    this.cadence = { ...DEFAULT_CADENCE, ...setup.cadence };
    checkCadence(this.cadence);
    this.wall = setup.now ?? (() => Date.now());
    this.window = new ProgressWindow(this.cadence.progressEvery, 0);
  }

  get state(): SessionState {
    return this.current;
  }

  get position(): SessionPosition {
    return { ...this.pos };
  }

  get model(): Sequential {
    return this.setup.model;
  }

  /** Adds a listener; returns the function that removes it. Listeners must not throw. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts the run (paused before its first batch with `paused`) and resolves when it has ended:
   * finished, stopped or failed (an error becomes an 'error' event and the 'failed' state, never
   * a rejection). Starting twice is an error.
   */
  start(opts: { paused?: boolean } = {}): Promise<void> {
    if (this.run) throw new ConvscopeError(`this training session has already started (it is ${this.current}); make a new one for a new run`);
    this.pauseRequested = opts.paused === true;
    this.run = this.execute();
    return this.run;
  }

  /** Pauses between two batches (the next boundary). */
  pause(): void {
    if (this.isOver()) return;
    this.pauseRequested = true;
  }

  resume(): void {
    if (this.isOver()) return;
    this.pauseRequested = false;
    if (this.wake) this.setState('running');
    this.release();
  }

  /** Runs one batch and pauses again; while running it only pauses. */
  step(): void {
    if (this.isOver()) return;
    const paused = this.wake !== null;
    this.pauseRequested = true;
    if (paused) this.release();
  }

  /** Stops at the next boundary; the model keeps what it has learnt. Resolves when the run has ended. */
  async stop(): Promise<void> {
    this.abort.aborted = true;
    this.release();
    await this.run;
  }

  /** The model now, as a model-file (the CLI's codec), with the recipe and test accuracies so far. */
  snapshot(): Uint8Array {
    const last = [...this.testByEpoch].reverse().find((a) => a !== null);
    const meta: ModelMetadata = {
      name: this.setup.name,
      recipe: this.setup.recipe,
      seed: this.setup.recipe.seed,
      ...(this.setup.dataset ? { dataset: this.setup.dataset } : {}),
      ...(last !== undefined && last !== null ? { testAccuracy: last } : {}),
      ...(this.testByEpoch.length ? { testAccuracyByEpoch: [...this.testByEpoch] } : {}),
    };
    return encodeModelFile(this.setup.model, meta);
  }

  private isOver(): boolean {
    return this.current === 'finished' || this.current === 'stopped' || this.current === 'failed';
  }

  private release(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private emit(e: SessionEvent): void {
    for (const l of this.listeners) l(e);
  }

  private setState(state: SessionState): void {
    this.current = state;
    this.emit({ type: 'state', state, position: this.position });
  }

  /** the loop's clock: wall time less what was kept out */
  private readonly activeNow = (): number => this.wall() - this.excludedMs;

  private async execute(): Promise<void> {
    const { model, recipe } = this.setup;
    try {
      this.setState('running');
      const result = await train(model, this.setup.train, recipe, {
        onEvent: (e) => this.onTrainEvent(e),
        signal: this.abort,
        now: this.activeNow,
        ...(this.setup.teacher ? { teacher: this.setup.teacher } : {}),
      });
      this.flushProgress();
      this.emitWeights();
      this.setState(result.completed ? 'finished' : 'stopped');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const kind = e instanceof DivergenceError ? 'divergence' : e instanceof SpecError ? 'settings' : 'internal';
      this.emit({ type: 'error', kind, message, step: this.pos.step });
      this.setState('failed');
    }
  }

  private async onTrainEvent(e: TrainEvent): Promise<void> {
    const t0 = this.wall();
    try {
      if (e.type === 'start') {
        this.pos = { step: 0, epoch: 0, batch: 0, totalSteps: e.totalSteps, stepsPerEpoch: e.stepsPerEpoch };
        this.window = new ProgressWindow(this.cadence.progressEvery, this.activeNowAt(t0));
        this.emitWeights();
      } else if (e.type === 'batch') {
        this.onBatch(e, t0);
      } else if (e.type === 'epoch') {
        this.flushProgress(t0);
        const test = this.runTest('epoch');
        this.testByEpoch.push(test);
        const { type: _epoch, ...stats } = e;
        this.emit({ type: 'epoch', stats: { ...stats, testAccuracy: test } });
        this.window.epochEnded();
        return;
      } else return;
      await this.boundary();
    } finally {
      this.excludedMs += this.wall() - t0;
    }
  }

  private activeNowAt(wallMs: number): number {
    return wallMs - this.excludedMs;
  }

  private onBatch(e: Extract<TrainEvent, { type: 'batch' }>, t0: number): void {
    const last = e.batch + 1 === e.batches;
    this.pos = { ...this.pos, step: e.step, epoch: last ? e.epoch + 1 : e.epoch, batch: last ? 0 : e.batch + 1 };
    const report = this.window.batch(e, this.activeNowAt(t0));
    if (report) this.emit(report);
    const { testEvery, weightsEvery } = this.cadence;
    if (testEvery > 0 && e.step % testEvery === 0) this.runTest('subset');
    if (weightsEvery > 0 && e.step % weightsEvery === 0) this.emitWeights();
  }

  /** Sends the progress window (if any batches are in it) and opens a new one. */
  private flushProgress(wallMs = this.wall()): void {
    const report = this.window.flush(this.activeNowAt(wallMs));
    if (report) this.emit(report);
  }

  /** the epoch of the last batch done (the position is the next batch's) */
  private lastDoneEpoch(): number {
    return this.pos.batch === 0 && this.pos.step > 0 ? this.pos.epoch - 1 : this.pos.epoch;
  }

  /** Evaluates on the test set (all of it, or the first testSubset images) and reports; null without a test set. */
  private runTest(scope: 'epoch' | 'subset'): number | null {
    const test = this.setup.test;
    if (!test) return null;
    const limit = scope === 'subset' ? Math.min(this.cadence.testSubset, test.size) : test.size;
    const r = evaluate(this.setup.model, test, { worst: 0, limit });
    this.emit({ type: 'test', step: this.pos.step, epoch: this.lastDoneEpoch(), scope, accuracy: r.accuracy, loss: r.loss, examples: r.total, confusion: r.confusion });
    return r.accuracy;
  }

  private emitWeights(): void {
    if (this.cadence.weightsEvery === 0) return;
    const layers: ConvWeights[] = [];
    this.setup.model.layers.forEach((layer, index) => {
      if (layer.kind !== 'conv2d' || (layers.length > 0 && !this.cadence.allConvWeights)) return;
      const [w, b] = layer.params;
      const shape = w.value.shape as unknown as [number, number, number, number];
      layers.push({ layer: layer.name, index, shape: [...shape], weight: copy(w.value), bias: b ? copy(b.value) : null });
    });
    if (layers.length) this.emit({ type: 'weights', step: this.pos.step, layers });
  }

  /** Between two batches: pause if asked (until resumed, stepped or stopped), else let the host in now and then. */
  private async boundary(): Promise<void> {
    if (this.abort.aborted) return;
    if (this.pauseRequested) {
      this.flushProgress();
      this.setState('paused');
      await new Promise<void>((resolve) => (this.wake = resolve));
      return;
    }
    const yieldToHost = this.setup.yieldToHost;
    if (yieldToHost && this.wall() - this.lastYield >= (this.setup.yieldEveryMs ?? 15)) {
      await yieldToHost();
      this.lastYield = this.wall();
    }
  }
}

/** A copy that outlives the kernels' memory (where parameters live during a run). */
function copy(t: Tensor): Float32Array {
  return t.data.slice();
}
