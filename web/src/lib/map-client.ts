/**
 * The page's side of the Map view: asks the worker for the map on screen and keeps every answer,
 * per model, layer and digit count, for as long as the page lives (switching layers, methods,
 * tabs or models and back costs nothing). It never computes. Placing the drawn digit on a UMAP map
 * is latest-wins: one placement in flight, and of the activations drawn meanwhile only the newest
 * is sent next. One client per page (mapClient()); the port is injected, so tests connect it to
 * MapJobs in the same process.
 */
import type { DigitSet } from './looks-for-digits.js';
import { loadDigitSet } from './looks-for-digits.js';
import { loadModel, modelKey } from './models.js';
import { MapJobs } from './map-jobs.js';
import type { Placement } from './map-space.js';
import { SYNTHETIC_MAP_DIGITS, mapKey, type FromMapWorker, type MapMethod, type MapTarget, type PcaMap, type ToMapWorker, type UmapMap } from './map-protocol.js';

export interface MapPort {
  post(msg: ToMapWorker, transfer: ArrayBuffer[]): void;
  listen(on: (msg: FromMapWorker) => void): void;
}

/** A request being worked on, with its current stage in words. */
export interface MapActivity {
  id: number;
  type: 'pca' | 'umap';
  stage: string;
  done: number;
  /** 0: no count (one long step) */
  total: number;
  /** when it was sent (performance.now()) */
  since: number;
}

interface Sent {
  key: string;
  type: 'pca' | 'umap' | 'place';
  target: MapTarget;
}

export function targetKey(t: MapTarget): string {
  return mapKey(modelKey(t.model), t.layer, t.count);
}

export class MapClient {
  readonly digits = new Map<number, DigitSet>();
  digitsProgress: { count: number; done: number; total: number } | null = null;
  engine: { label: string; inWorker: boolean } | null = null;
  /** the latest failure, in words */
  error: string | null = null;
  private nextId = 1;
  private readonly pcaMaps = new Map<string, PcaMap>();
  private readonly umapMaps = new Map<string, UmapMap>();
  private readonly placements = new Map<string, Placement>();
  private readonly sent = new Map<number, Sent>();
  private readonly pending = new Map<number, MapActivity & { key: string }>();
  private readonly listeners = new Set<() => void>();
  private placing = false;
  private nextPlace: { target: MapTarget; activation: Float32Array } | null = null;

  constructor(
    private readonly port: MapPort,
    private readonly now: () => number = () => performance.now(),
  ) {
    port.listen((m) => this.receive(m));
  }

  /** Calls `listener` after every answer; returns the unsubscribe function. */
  onchange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pcaFor(t: MapTarget): PcaMap | null {
    return this.pcaMaps.get(targetKey(t)) ?? null;
  }

  umapFor(t: MapTarget): UmapMap | null {
    return this.umapMaps.get(targetKey(t)) ?? null;
  }

  /** The drawn digit's latest place on target's UMAP map, or null before the first answer. */
  placementFor(t: MapTarget): Placement | null {
    return this.placements.get(targetKey(t)) ?? null;
  }

  /** What is being computed now, oldest request first. */
  activity(): MapActivity[] {
    return [...this.pending.values()].map(({ key: _key, ...a }) => a);
  }

  /**
   * Asks for target's PCA map, and its UMAP map when `method` is umap, unless they are here or on the
   * way; cancels requests for other maps (a UMAP map of this one asked before is kept going).
   */
  want(target: MapTarget, method: MapMethod): void {
    const key = targetKey(target);
    for (const [id, p] of this.pending) {
      if (p.key !== key) {
        this.pending.delete(id);
        this.port.post({ type: 'cancel', id }, []);
      }
    }
    const asked = (type: 'pca' | 'umap'): boolean => [...this.pending.values()].some((p) => p.key === key && p.type === type);
    if (!this.pcaMaps.has(key) && !asked('pca')) this.send(key, 'pca', target);
    if (method === 'umap' && !this.umapMaps.has(key) && !asked('umap')) this.send(key, 'umap', target);
    this.changed();
  }

  /** Sends the drawn digit's activation at target.layer to be placed on its UMAP map (latest wins). */
  place(target: MapTarget, activation: Float32Array): void {
    if (this.placing) {
      this.nextPlace = { target, activation };
      return;
    }
    this.placing = true;
    const id = this.nextId++;
    const a = Float32Array.from(activation);
    this.sent.set(id, { key: targetKey(target), type: 'place', target });
    this.port.post({ type: 'place', id, model: target.model, layer: target.layer, count: target.count, activation: a }, [a.buffer as ArrayBuffer]);
  }

  private send(key: string, type: 'pca' | 'umap', t: MapTarget): void {
    const id = this.nextId++;
    this.sent.set(id, { key, type, target: t });
    this.pending.set(id, { id, key, type, stage: type === 'pca' ? 'waiting for the model and the digits' : 'UMAP: waiting for its turn', done: 0, total: 0, since: this.now() });
    this.port.post({ type, id, model: t.model, layer: t.layer, count: t.count }, []);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private receive(m: FromMapWorker): void {
    switch (m.type) {
      case 'digits':
        this.digits.set(m.count, m.set);
        this.digitsProgress = null;
        break;
      case 'digits-progress':
        this.digitsProgress = { count: m.count, done: m.done, total: m.total };
        break;
      case 'engine':
        this.engine = { label: m.label, inWorker: m.inWorker };
        break;
      case 'progress': {
        const p = this.pending.get(m.id);
        if (p) Object.assign(p, { stage: m.stage, done: m.done, total: m.total });
        break;
      }
      case 'pca': {
        const s = this.sent.get(m.id);
        if (s) this.pcaMaps.set(s.key, m.map);
        break;
      }
      case 'umap': {
        const s = this.sent.get(m.id);
        if (s) this.umapMaps.set(s.key, m.map);
        break;
      }
      case 'done':
        this.pending.delete(m.id);
        this.sent.delete(m.id);
        break;
      case 'error': {
        const s = m.id === null ? undefined : this.sent.get(m.id);
        this.error = s ? `the ${s.type === 'place' ? 'placing of your digit' : `${s.type.toUpperCase()} map`}: ${m.message}` : m.message;
        if (m.id !== null) {
          this.pending.delete(m.id);
          this.sent.delete(m.id);
        }
        if (s?.type === 'place') this.placed();
        break;
      }
      case 'placed': {
        const s = this.sent.get(m.id);
        this.sent.delete(m.id);
        if (s && m.missing) {
          // the worker dropped that map's space: ask again (same seed, same map); placing resumes after
          this.umapMaps.delete(s.key);
          if (![...this.pending.values()].some((p) => p.key === s.key && p.type === 'umap')) this.send(s.key, 'umap', s.target);
        } else if (s) {
          this.placements.set(s.key, { x: m.x, y: m.y, nearest: m.nearest, exact: m.exact });
        }
        this.placed();
        break;
      }
    }
    this.changed();
  }

  private placed(): void {
    this.placing = false;
    const next = this.nextPlace;
    this.nextPlace = null;
    if (next) this.place(next.target, next.activation);
  }
}

/** A port to the view's Web Worker (its own copy of the engine and the model). */
function workerPort(): MapPort {
  const w = new Worker(new URL('./map-worker.ts', import.meta.url), { type: 'module', name: 'convscope-map' });
  let on: ((m: FromMapWorker) => void) | null = null;
  w.addEventListener('message', (e: MessageEvent<FromMapWorker>) => on?.(e.data));
  w.addEventListener('error', (e) => on?.({ type: 'error', id: null, message: `the worker failed: ${e.message || 'it could not start'}` }));
  return { post: (m, transfer) => w.postMessage(m, transfer), listen: (l) => (on = l) };
}

/** Where Web Workers are missing: the same jobs on the page, one batch of digits per task. */
function inPagePort(reason: string): MapPort {
  let on: ((m: FromMapWorker) => void) | null = null;
  const jobs = new MapJobs({
    loadModel,
    loadDigits: (count, p) => loadDigitSet((url) => fetch(url), count, p, SYNTHETIC_MAP_DIGITS),
    post: (m) => setTimeout(() => on?.(m), 0),
    pause: () => new Promise((r) => setTimeout(r, 0)),
    now: () => performance.now(),
  });
  setTimeout(() => on?.({ type: 'engine', label: `the page's kernels; no Web Worker: ${reason}`, inWorker: false }), 0);
  return { post: (m) => jobs.handle(m), listen: (l) => (on = l) };
}

let client: MapClient | null = null;

/** The page's one client, started (with its worker) on first use. */
export function mapClient(): MapClient {
  if (!client) {
    let port: MapPort;
    try {
      port = workerPort();
    } catch (e) {
      port = inPagePort(e instanceof Error ? e.message : String(e));
    }
    client = new MapClient(port);
  }
  return client;
}
