/**
 * The Train view's run bookkeeping: one TrainClient (the worker owns the model), the state the
 * view draws (position, curves, latest test, kernels, images/s), the runs kept for comparison,
 * live snapshots into the other views, downloads, rewind and fine-tuning on drawn digits. Svelte
 * state, no markup: TrainView.svelte draws it. Snapshots are model files (the CLI's codec) decoded
 * with the same checks as any file, so what the views show is what downloads.
 */
import { TrainClient, type TrainClientEvent } from './train-client.js';
import type { ConvWeights, RunLog, SessionPosition, SessionState, TrainSettings } from './train-protocol.js';
import type { SessionEvent } from '../../../src/train/session-protocol.js';
import { RunRecorder } from '../../../src/train/run-log.js';
import type { Recipe } from '../../../src/train/trainer.js';
import { decodeModelFile, encodeModelFile } from '../../../src/io/model-file.js';
import type { Sequential } from '../../../src/nn/model.js';
import type { ModelSpec } from '../../../src/nn/spec.js';
import { ZOO } from '../../../src/models/zoo.js';
import { makeLocalModel, localName, type LocalModel } from './local-models.js';
import type { KeptRun } from './train-runs.js';
import { toArrays, type DrawnDigit } from './drawn-digits.js';
import { accuracyOn, splitDigits, type FineTuneResult } from './drawn-digits-split.js';
import { downloadBytes } from './download.js';

export type TestEvent = Extract<SessionEvent, { type: 'test' }>;

/** How often, at most, a live run replaces the model the views show (each is a decode and a redraw of every view). */
const LIVE_EVERY_MS = 1000;
/** Reports: every 10 batches; a 1,000-image test every 100 batches (about 5% of the time); kernels every 10 batches. */
const CADENCE = { progressEvery: 10, testEvery: 100, testSubset: 1000, weightsEvery: 10 } as const;
/** progress reports the images/s figure averages over */
const RATE_WINDOW = 10;

export class TrainRun {
  readonly client: TrainClient;
  state = $state<SessionState>('idle');
  position = $state.raw<SessionPosition | null>(null);
  log = $state.raw<RunLog | null>(null);
  lastTest = $state.raw<TestEvent | null>(null);
  weights = $state.raw<ConvWeights[]>([]);
  weightsStep = $state<number | null>(null);
  imagesPerSecond = $state<number | null>(null);
  engine = $state<string | null>(null);
  error = $state<string | null>(null);
  note = $state<string | null>(null);
  live = $state(true);
  runs = $state.raw<KeptRun[]>([]);
  currentId = $state<number | null>(null);
  lastSettings = $state.raw<{ name: string; settings: TrainSettings; spec: ModelSpec } | null>(null);
  fineTuneResult = $state.raw<FineTuneResult | null>(null);

  private recorder: RunRecorder | null = null;
  private nextId = 1;
  private name = 'model';
  private dataName = '';
  private snapshotting = false;
  private lastLiveAt = 0;
  private local: LocalModel | null = null;
  private fineTuneTest: DrawnDigit[] | null = null;
  private readonly off: () => void;

  constructor(
    private onuse: (m: LocalModel) => void,
    client: TrainClient = new TrainClient(),
  ) {
    this.client = client;
    this.off = client.onEvent((e) => this.receive(e));
  }

  get stateText(): string {
    const p = this.position;
    const epochs = p && p.stepsPerEpoch > 0 ? Math.max(1, Math.ceil(p.totalSteps / p.stepsPerEpoch)) : 0;
    const where = p && p.totalSteps > 0 ? ` · epoch ${Math.min(p.epoch + 1, epochs)} of ${epochs}, batch ${p.step.toLocaleString('en-US')} of ${p.totalSteps.toLocaleString('en-US')}` : '';
    const words: Record<SessionState, string> = { idle: 'not started', running: 'training', paused: 'paused', finished: 'finished', stopped: 'stopped', failed: 'failed' };
    return `${words[this.state]}${where}`;
  }

  /** Starts a run; `spec` is the network's (for the run's record). */
  start(name: string, settings: TrainSettings, spec?: ModelSpec): void {
    const full: TrainSettings = { ...settings, cadence: { ...CADENCE, ...settings.cadence } };
    const netSpec = spec ?? (settings.model.kind === 'zoo' ? ZOO[settings.model.name].spec : settings.model.kind === 'spec' ? settings.model.spec : decodeModelFile(settings.model.bytes).model.spec);
    this.lastSettings = { name, settings: full, spec: netSpec };
    if (settings.data.kind !== 'drawn') this.fineTuneTest = null;
    this.name = name;
    this.error = null;
    this.note = null;
    this.lastTest = null;
    this.weights = [];
    this.weightsStep = null;
    this.imagesPerSecond = null;
    const recipe: Recipe = {
      epochs: full.epochs,
      batchSize: full.batchSize,
      optimizer: full.optimizer,
      lr: full.lr,
      schedule: full.schedule,
      loss: 'xent',
      seed: full.seed,
      augment: full.augment,
      ...(full.data.kind === 'served' && full.data.limit !== undefined ? { limit: full.data.limit } : {}),
    };
    this.dataName = full.data.kind === 'served' ? full.data.dataset : full.data.mix ? `drawn+${full.data.mix.dataset}` : 'drawn';
    this.recorder = new RunRecorder({ name, spec: netSpec, recipe, dataset: this.dataName, kernels: '', origin: 'browser', every: CADENCE.progressEvery });
    this.currentId = this.nextId++;
    this.runs = [...this.runs, { id: this.currentId, log: this.currentLog()!, visible: true }];
    this.log = this.currentLog();
    this.client.start(full);
  }

  /** The same settings again: the same seed gives the same run, batch for batch. */
  rewind(): void {
    const last = this.lastSettings;
    if (last) this.start(last.name, last.settings, last.spec);
  }

  /** The model shown, as the model file a run continues from. */
  shownSource(model: Sequential, name: string): TrainSettings['model'] {
    return { kind: 'file', bytes: encodeModelFile(model, { name }), name };
  }

  /** Trains the model shown on your digits (and some MNIST when `mix` names it), measuring it on the held-out ones before and after. */
  fineTune(model: Sequential, modelName: string, digits: readonly DrawnDigit[], mix: 'mnist' | null): void {
    const split = splitDigits(digits);
    let before: FineTuneResult['before'];
    try {
      before = accuracyOn(model, split.test);
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    this.fineTuneResult = { before, after: null, heldOut: split.heldOut };
    const name = `${localName(modelName).replace(/^trained-/, '')}-yours`;
    const settings: TrainSettings = {
      model: this.shownSource(model, name),
      data: { kind: 'drawn', digits: toArrays(split.train), test: toArrays(split.test), ...(mix ? { mix: { dataset: mix, images: 6000 } } : {}) },
      optimizer: { kind: 'adam', weightDecay: 0 },
      lr: 5e-4,
      schedule: { kind: 'constant' },
      batchSize: 32,
      epochs: mix ? 1 : 8,
      augment: true,
      seed: 1,
    };
    this.start(name, settings, model.spec);
    this.fineTuneTest = split.test;
  }

  /** Takes the model as it is now and shows it in every view. */
  async pushSnapshot(): Promise<Sequential | null> {
    if (this.snapshotting) return null;
    this.snapshotting = true;
    this.lastLiveAt = performance.now();
    try {
      const s = await this.client.snapshot();
      const loaded = decodeModelFile(s.bytes, `${this.name} at batch ${s.step}`);
      const local = makeLocalModel(`trained-${localName(this.name)}`, `${this.name}, trained here (batch ${s.step})`, s.bytes, loaded, this.local);
      this.local = local;
      this.onuse(local);
      return loaded.model;
    } catch (e) {
      this.note = `could not take a snapshot: ${(e as Error).message}`;
      return null;
    } finally {
      this.snapshotting = false;
    }
  }

  async download(): Promise<void> {
    try {
      const s = await this.client.snapshot();
      const tested = this.lastTest?.scope === 'epoch' && this.lastTest.step === s.step ? ` (test accuracy ${(this.lastTest.accuracy * 100).toFixed(2)}% on the whole test set)` : '';
      downloadBytes(s.bytes, `${localName(this.name)}-batch${s.step}.safetensors`);
      this.note = `downloaded the weights after batch ${s.step}${tested}; \`convscope evaluate --model FILE\` reads it`;
    } catch (e) {
      this.error = `could not download the model: ${(e as Error).message}`;
    }
  }

  toggle(id: number): void {
    this.runs = this.runs.map((r) => (r.id === id ? { ...r, visible: !r.visible } : r));
  }

  remove(id: number): void {
    this.runs = this.runs.filter((r) => r.id !== id);
  }

  addImported(log: RunLog): void {
    this.runs = [...this.runs, { id: this.nextId++, log, visible: true }];
  }

  /** Where snapshots go (the app's handler, given again each time the view mounts). */
  setOnuse(onuse: (m: LocalModel) => void): void {
    this.onuse = onuse;
  }

  dispose(): void {
    this.off();
    this.client.dispose();
  }

  private currentLog(): RunLog | null {
    const l = this.recorder?.log();
    return l ? { ...l, kernels: this.engine ?? '', dataset: this.dataName } : null;
  }

  private refreshRun(): void {
    const l = this.currentLog();
    this.log = l;
    if (!l) return;
    this.runs = this.runs.map((r) => (r.id === this.currentId ? { ...r, log: l } : r));
  }

  private receive(e: TrainClientEvent): void {
    switch (e.type) {
      case 'engine':
        this.engine = e.fallback ? `${e.label} (${e.fallback})` : e.label;
        return;
      case 'loading':
        this.note = `loading ${e.progress.file}: ${(e.progress.loaded / 1e6).toFixed(1)}${e.progress.total ? ` of ${(e.progress.total / 1e6).toFixed(1)}` : ''} MB`;
        return;
      case 'data': {
        this.dataName = e.name;
        const last = this.lastSettings?.settings;
        if (last) {
          const stepsPerEpoch = Math.ceil(e.train / last.batchSize);
          this.position = { step: 0, epoch: 0, batch: 0, ...this.position, stepsPerEpoch, totalSteps: stepsPerEpoch * last.epochs };
        }
        this.note = `training on ${e.train.toLocaleString('en-US')} images (${e.name}), testing on ${e.test.toLocaleString('en-US')}`;
        return;
      }
    }
    this.recorder?.add(e);
    switch (e.type) {
      case 'state':
        this.state = e.state;
        this.position = e.position.totalSteps > 0 || !this.position ? e.position : { ...this.position, step: e.position.step, epoch: e.position.epoch, batch: e.position.batch };
        if (e.state === 'finished' || e.state === 'stopped' || e.state === 'failed') this.ended(e.state);
        break;
      case 'progress':
        this.imagesPerSecond = this.smoothedRate(e);
        if (this.position) this.position = { ...this.position, step: e.step, epoch: e.epoch, batch: e.batch };
        if (this.live && !this.fineTuneTest && performance.now() - this.lastLiveAt > LIVE_EVERY_MS) void this.pushSnapshot();
        break;
      case 'test':
        this.lastTest = e;
        break;
      case 'weights':
        this.weights = e.layers;
        this.weightsStep = e.step;
        break;
      case 'error':
        this.error = e.message;
        break;
      default:
        break;
    }
    this.refreshRun();
  }

  /**
   * Images per second over the last RATE_WINDOW progress reports: one report covers ten batches,
   * a fraction of a second, and on a shared machine its rate jumps around by a factor of ten.
   */
  private smoothedRate(e: Extract<SessionEvent, { type: 'progress' }>): number {
    const pts = this.recorder?.log().train ?? [];
    const from = pts[Math.max(0, pts.length - 1 - RATE_WINDOW)];
    const batch = this.lastSettings?.settings.batchSize;
    if (!from || !batch || from.step >= e.step || e.seconds <= from.seconds) return e.imagesPerSecond;
    return ((e.step - from.step) * batch) / (e.seconds - from.seconds);
  }

  private ended(state: SessionState): void {
    const test = this.fineTuneTest;
    this.fineTuneTest = null;
    if (state === 'failed') return;
    if (test) {
      void this.pushSnapshot().then((m) => {
        if (m && this.fineTuneResult) this.fineTuneResult = { ...this.fineTuneResult, after: accuracyOn(m, test) };
      });
    } else if (this.live) {
      // the final weights, whatever the live cadence skipped; wait for a snapshot still in flight
      const push = (): void => void (this.snapshotting ? setTimeout(push, 50) : this.pushSnapshot());
      push();
    }
  }
}

let shared: TrainRun | null = null;

/**
 * The page's one training run: made when the Train view first opens and kept while the page
 * lives, so a run goes on (and live snapshots keep coming) while another view is open.
 */
export function sharedTrainRun(onuse: (m: LocalModel) => void): TrainRun {
  if (shared) shared.setOnuse(onuse);
  else shared = new TrainRun(onuse);
  return shared;
}
