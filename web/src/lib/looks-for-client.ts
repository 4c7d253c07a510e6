/**
 * The page's side of the "What it looks for" panel: asks the worker for what the panel shows and
 * keeps every answer, per model, for as long as the page lives (switching tabs, channels or models
 * and back costs nothing). It never computes. One client per page (lookForClient()), so results
 * outlive the panel; the port is injected, so tests connect it to LooksForJobs in the same process.
 */
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { ExcitingExample } from '../../../src/explain/maximize.js';
import type { DigitSet } from './looks-for-digits.js';
import type { FromWorker, LooksForRequest, ToWorker } from './looks-for-protocol.js';
import { LooksForJobs } from './looks-for-jobs.js';
import { loadDigitSet } from './looks-for-digits.js';
import { loadModel, modelKey } from './models.js';

export interface LooksForPort {
  post(msg: ToWorker): void;
  listen(on: (msg: FromWorker) => void): void;
}

export interface DreamImage {
  /** [28·28] in 0..1 */
  image: Float32Array;
  /** the class probabilities the image reaches */
  probabilities: Float32Array;
  /** the objective: the class's logit, or the feature map's mean */
  score: number;
}

export interface ModelResults {
  /** classes[d]: the image for class d, once computed */
  classes: (DreamImage | undefined)[];
  /** wall time of the last complete class row, ms */
  classesMs: number | null;
  /** "layer:channel" → its image */
  channels: Map<string, DreamImage & { ms: number | null }>;
  /** layer → lists[c], channel c's top digits */
  examples: Map<string, { lists: ExcitingExample[][]; ms: number | null }>;
}

/** A request still being worked on, in words, with how far it has got. */
export interface Activity {
  id: number;
  what: string;
  done: number;
  total: number;
}

interface Pending {
  key: string;
  req: LooksForRequest;
  what: string;
  done: number;
  total: number;
}

export { modelKey };

export class LooksForClient {
  digits: DigitSet | null = null;
  digitsProgress: { done: number; total: number } | null = null;
  engine: { label: string; inWorker: boolean } | null = null;
  /** the latest failure, in words */
  error: string | null = null;
  private nextId = 1;
  private readonly results = new Map<string, ModelResults>();
  /** every request sent, so that answers to cancelled ones are still kept */
  private readonly sent = new Map<number, { key: string; req: LooksForRequest }>();
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<() => void>();
  private digitsAsked = false;

  constructor(private readonly port: LooksForPort) {
    port.listen((m) => this.receive(m));
  }

  /** Calls `listener` after every answer; returns the unsubscribe function. */
  onchange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resultsFor(info: ModelInfo): ModelResults {
    return this.forKey(modelKey(info));
  }

  /** What is being computed now, oldest request first. */
  activity(): Activity[] {
    return [...this.pending.entries()].map(([id, p]) => ({ id, what: p.what, done: p.done, total: p.total }));
  }

  wantDigits(): void {
    if (this.digitsAsked) return;
    this.digitsAsked = true;
    this.port.post({ type: 'digits' });
  }

  /** Asks for the class images not yet computed nor asked for. */
  wantClasses(info: ModelInfo, count: number): void {
    const key = modelKey(info);
    const r = this.forKey(key);
    const asked = new Set<number>();
    for (const p of this.pending.values()) if (p.key === key && p.req.type === 'classes') p.req.targets.forEach((t) => asked.add(t));
    const targets = Array.from({ length: count }, (_, d) => d).filter((d) => !r.classes[d] && !asked.has(d));
    if (targets.length === 0) return;
    this.send(key, { type: 'classes', id: this.nextId++, model: info, targets }, `class images (${info.name})`, targets.length);
  }

  /** Asks for one channel's image, cancelling requests for channel images that are no longer wanted. */
  wantChannel(info: ModelInfo, layer: string, channel: number): void {
    const key = modelKey(info);
    const name = `${layer}:${channel}`;
    let asked = false;
    for (const [id, p] of this.pending) {
      if (p.req.type !== 'channel') continue;
      if (p.key === key && `${p.req.layer}:${p.req.channel}` === name) asked = true;
      else this.cancel(id);
    }
    if (asked || this.forKey(key).channels.has(name)) return;
    this.send(key, { type: 'channel', id: this.nextId++, model: info, layer, channel }, `${layer} channel ${channel}'s image (${info.name})`, 1);
  }

  /** Asks for the top digits of every channel of a layer. */
  wantExamples(info: ModelInfo, layer: string): void {
    const key = modelKey(info);
    this.wantDigits();
    for (const p of this.pending.values()) if (p.key === key && p.req.type === 'examples' && p.req.layer === layer) return;
    if (this.forKey(key).examples.has(layer)) return;
    this.send(key, { type: 'examples', id: this.nextId++, model: info, layer }, `the digits that excite ${layer} most (${info.name})`, 1);
  }

  /** Cancels every request for other models (switching models puts the new one first). */
  focusModel(info: ModelInfo): void {
    const key = modelKey(info);
    for (const [id, p] of this.pending) if (p.key !== key) this.cancel(id);
  }

  private forKey(key: string): ModelResults {
    let r = this.results.get(key);
    if (!r) {
      r = { classes: [], classesMs: null, channels: new Map(), examples: new Map() };
      this.results.set(key, r);
    }
    return r;
  }

  private send(key: string, req: LooksForRequest, what: string, total: number): void {
    this.sent.set(req.id, { key, req });
    this.pending.set(req.id, { key, req, what, done: 0, total });
    this.port.post(req);
    this.changed();
  }

  private cancel(id: number): void {
    this.pending.delete(id);
    this.port.post({ type: 'cancel', id });
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private receive(m: FromWorker): void {
    if (m.type === 'digits') {
      this.digits = m.set;
      this.digitsProgress = null;
    } else if (m.type === 'digits-progress') {
      this.digitsProgress = { done: m.done, total: m.total };
    } else if (m.type === 'engine') {
      this.engine = { label: m.label, inWorker: m.inWorker };
    } else if (m.type === 'error') {
      const s = m.id === null ? undefined : this.sent.get(m.id);
      this.error = s ? `${this.pending.get(m.id ?? -1)?.what ?? s.req.type}: ${m.message}` : m.message;
      if (m.id !== null) this.pending.delete(m.id);
    } else {
      const s = this.sent.get(m.id);
      if (!s) return;
      const r = this.forKey(s.key);
      const p = this.pending.get(m.id);
      if (m.type === 'class') {
        r.classes[m.target] = { image: m.image, probabilities: m.probabilities, score: m.score };
      } else if (m.type === 'channel' && s.req.type === 'channel') {
        r.channels.set(`${s.req.layer}:${s.req.channel}`, { image: m.image, probabilities: m.probabilities, score: m.score, ms: null });
      } else if (m.type === 'examples' && s.req.type === 'examples') {
        r.examples.set(s.req.layer, { lists: m.lists, ms: null });
      } else if (m.type === 'progress') {
        if (p) {
          p.done = m.done;
          p.total = m.total;
        }
      } else if (m.type === 'done') {
        this.pending.delete(m.id);
        if (s.req.type === 'classes' && s.req.targets.length === r.classes.filter(Boolean).length) r.classesMs = m.ms;
        if (s.req.type === 'channel') {
          const c = r.channels.get(`${s.req.layer}:${s.req.channel}`);
          if (c) c.ms = m.ms;
        }
        if (s.req.type === 'examples') {
          const e = r.examples.get(s.req.layer);
          if (e) e.ms = m.ms;
        }
      }
    }
    this.changed();
  }
}

/** A port to the panel's Web Worker (its own copy of the engine and the model). */
function workerPort(): LooksForPort {
  const w = new Worker(new URL('./looks-for-worker.ts', import.meta.url), { type: 'module', name: 'convscope-looks-for' });
  let on: ((m: FromWorker) => void) | null = null;
  w.addEventListener('message', (e: MessageEvent<FromWorker>) => on?.(e.data));
  w.addEventListener('error', (e) => on?.({ type: 'error', id: null, message: `the worker failed: ${e.message || 'it could not start'}` }));
  return { post: (m) => w.postMessage(m), listen: (l) => (on = l) };
}

/**
 * Where Web Workers are missing: the same jobs on the page, one unit (at most a few hundred
 * milliseconds) per task, so the page still answers between them.
 */
function inPagePort(reason: string): LooksForPort {
  let on: ((m: FromWorker) => void) | null = null;
  const jobs = new LooksForJobs({
    loadModel,
    loadDigits: (p) => loadDigitSet((url) => fetch(url), undefined, p),
    post: (m) => setTimeout(() => on?.(m), 0),
    pause: () => new Promise((r) => setTimeout(r, 0)),
    now: () => performance.now(),
  });
  setTimeout(() => on?.({ type: 'engine', label: `the page's kernels; no Web Worker: ${reason}`, inWorker: false }), 0);
  return { post: (m) => jobs.handle(m), listen: (l) => (on = l) };
}

let client: LooksForClient | null = null;

/** The page's one client, started (with its worker) on first use. */
export function looksForClient(): LooksForClient {
  if (!client) {
    let port: LooksForPort;
    try {
      port = workerPort();
    } catch (e) {
      port = inPagePort(e instanceof Error ? e.message : String(e));
    }
    client = new LooksForClient(port);
  }
  return client;
}
