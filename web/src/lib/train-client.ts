/**
 * The page's handle on training: one Web Worker (train-worker.ts) that owns the model being
 * trained, driven by start / pause / resume / step / stop, reporting through one event stream.
 * The page never blocks on it; the model comes back as model-file bytes (snapshot()), which
 * decodeModelFile turns into a Sequential for the other views, or which download as-is.
 *
 *   const trainer = new TrainClient();
 *   const off = trainer.onEvent((e) => { if (e.type === 'progress') plot(e.step, e.loss); });
 *   trainer.start({ model: { kind: 'zoo', name: 'cnn' }, data: { kind: 'served', dataset: 'mnist' }, ...trainDefaults('cnn') });  // train-settings.ts
 *   trainer.pause(); trainer.step(); trainer.resume();
 *   const bytes = await trainer.snapshot();   // safetensors, the CLI's format
 *   trainer.start(sameSettings);              // "rewind": a new run from the same seed is the same run
 *
 * start() while a run is going stops that run first. The worker keeps the served data sets it
 * has fetched, so a second run starts at once.
 */
import type { DataLoading, RunLog, SessionEvent, SessionState, TrainReply, TrainRequest, TrainSettings } from './train-protocol.js';

export type { TrainSettings } from './train-protocol.js';

/** Everything the client reports: the session's events and what the worker adds about itself. */
export type TrainClientEvent =
  | SessionEvent
  /** the kernels in use, e.g. 'WebAssembly SIMD, 2 threads', and why not faster (null: nothing missing) */
  | { type: 'engine'; label: string; fallback: string | null }
  /** data being fetched */
  | { type: 'loading'; progress: DataLoading }
  /** the data is ready: example counts and a name like 'mnist' or 'drawn+mnist' */
  | { type: 'data'; train: number; test: number; name: string };

export type TrainEventListener = (e: TrainClientEvent) => void;

export interface Snapshot {
  /** a model file (safetensors with spec and recipe), as `convscope train` writes */
  bytes: Uint8Array;
  /** optimizer steps done when it was taken */
  step: number;
}

export class TrainClient {
  private worker: Worker | null = null;
  private readonly listeners = new Set<TrainEventListener>();
  private readonly waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private lastId = 0;
  private current: SessionState = 'idle';

  /** `makeWorker` replaces the default module worker (tests). */
  constructor(private readonly makeWorker: () => Worker = () => new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module', name: 'train' })) {}

  /** The session's state as last reported ('idle' before any run). */
  get state(): SessionState {
    return this.current;
  }

  /** Starts a run with these settings, stopping the one going (if any). Problems come back as an 'error' event. */
  start(settings: TrainSettings): void {
    this.current = 'idle';
    this.send({ kind: 'start', settings });
  }

  /** Pauses between two batches. */
  pause(): void {
    this.send({ kind: 'pause' });
  }

  resume(): void {
    this.send({ kind: 'resume' });
  }

  /** Runs exactly one batch, then pauses (pausing first if the run was going). */
  step(): void {
    this.send({ kind: 'step' });
  }

  /** Stops after the current batch; the model stays, and snapshot() still gives it. */
  stop(): void {
    this.send({ kind: 'stop' });
  }

  /** The model as it is now (between two batches), as model-file bytes. Rejects when no run has started. */
  snapshot(): Promise<Snapshot> {
    return this.ask<Snapshot>((id) => ({ kind: 'snapshot', id }));
  }

  /** The run's record so far (settings and curves), the shape `convscope train --log` writes. */
  log(): Promise<RunLog> {
    return this.ask<RunLog>((id) => ({ kind: 'log', id }));
  }

  /** Adds a listener for every event; returns the function that removes it. */
  onEvent(listener: TrainEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the worker (and any run); a later start() makes a new one. */
  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(new Error('the training worker was closed'));
    this.waiting.clear();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = this.makeWorker();
    w.onmessage = (e: MessageEvent<TrainReply>) => this.receive(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      this.emit({ type: 'error', kind: 'internal', message: e.message || 'the training worker stopped', step: 0 });
    };
    this.worker = w;
    return w;
  }

  private send(req: TrainRequest): void {
    this.ensureWorker().postMessage(req);
  }

  private ask<T>(make: (id: number) => TrainRequest): Promise<T> {
    const id = ++this.lastId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: never) => void, reject });
      this.send(make(id));
    });
  }

  private settle(id: number | null, value: unknown, error?: string): boolean {
    if (id === null) return false;
    const w = this.waiting.get(id);
    if (!w) return false;
    this.waiting.delete(id);
    if (error !== undefined) w.reject(new Error(error));
    else w.resolve(value as never);
    return true;
  }

  private receive(m: TrainReply): void {
    switch (m.kind) {
      case 'event':
        if (m.event.type === 'state') this.current = m.event.state;
        this.emit(m.event);
        break;
      case 'engine':
        this.emit({ type: 'engine', label: m.label, fallback: m.fallback });
        break;
      case 'loading':
        this.emit({ type: 'loading', progress: m.progress });
        break;
      case 'data':
        this.emit({ type: 'data', train: m.train, test: m.test, name: m.name });
        break;
      case 'snapshot':
        this.settle(m.id, { bytes: m.bytes, step: m.step } satisfies Snapshot);
        break;
      case 'log':
        this.settle(m.id, m.log);
        break;
      case 'failed':
        if (!this.settle(m.id, null, m.message)) this.emit({ type: 'error', kind: 'settings', message: m.message, step: 0 });
        break;
    }
  }

  private emit(e: TrainClientEvent): void {
    for (const l of this.listeners) l(e);
  }
}
