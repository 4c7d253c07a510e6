/**
 * The work behind the Map view, as its worker runs it: for one model, layer and digit count, the
 * activations of every digit (a forward batch of MAP_CHUNK at a time, with a pause between batches
 * so that cancellations and placements get in), the PCA map with the class distances, and on
 * request the UMAP map. The computing is the library's (predict, collectActivations, pca, umap,
 * classGeometry); this file feeds it and schedules it, and has no worker or DOM in it, so the tests
 * run it in Node. PCA maps come before UMAP maps, newest first: the view asks for what it shows and
 * cancels what it no longer shows.
 */
import { Tensor, sizeOf } from '../../../src/engine/tensor.js';
import type { Sequential } from '../../../src/nn/model.js';
import { predict } from '../../../src/nn/predict.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import { collectActivations } from '../../../src/explain/activations.js';
import { pca, umap } from '../../../src/explain/projection.js';
import { classGeometry } from '../../../src/explain/class-geometry.js';
import type { DigitSet } from './looks-for-digits.js';
import { modelKey } from './models.js';
import { placeByNeighbours, projectOnAxes, projectSparse, sparseProjection, type SparseProjection } from './map-space.js';
import {
  INPUT_LAYER,
  MAP_CHUNK,
  PCA_FIT_DIGITS,
  PCA_FIT_VALUES,
  PCA_ITERATIONS,
  PLACE_NEIGHBOURS,
  UMAP_DIMS,
  UMAP_MAX_FEATURES,
  UMAP_SEED,
  mapKey,
  type FromMapWorker,
  type MapRequest,
  type MapTarget,
  type PcaMap,
  type ToMapWorker,
} from './map-protocol.js';

export interface MapJobsDeps {
  loadModel(info: ModelInfo): Promise<Sequential>;
  loadDigits(count: number, onProgress: (done: number, total: number) => void): Promise<DigitSet>;
  /** sends a message to the page; `transfer` lists buffers it may take over */
  post(msg: FromMapWorker, transfer: ArrayBuffer[]): void;
  /** lets waiting messages in (a zero timeout in a worker) */
  pause(): Promise<void>;
  now(): number;
}

/** What a UMAP map was made from, kept to place new digits on it. */
interface Space {
  key: string;
  /** [N×D] */
  data: Float32Array;
  N: number;
  D: number;
  F: number;
  points: Float32Array;
  projection: SparseProjection | null;
}

/** How many UMAP spaces are kept for placing digits (each up to N × 1,024 floats). */
const KEPT_SPACES = 4;
const DIGIT_CLASSES = 10;

/** The index of a map layer by name (−1 for the input pixels), or an error that lists the choices. */
export function mapLayerIndex(model: Sequential, layer: string): number {
  if (layer === INPUT_LAYER) return -1;
  const i = model.layers.findIndex((l) => l.name === layer);
  if (i < 0) throw new Error(`map: the model has no layer '${layer}'; its layers are ${INPUT_LAYER}, ${model.layers.map((l) => l.name).join(', ')}`);
  return i;
}

/** Features per digit at a map layer. */
export function mapFeatures(model: Sequential, li: number): number {
  return li < 0 ? sizeOf(model.inputShape) : sizeOf(model.layers[li].outShape);
}

/** How many of N digits fit PCA's axes at a layer F wide (see PCA_FIT_DIGITS); at least 50, so every class is there. */
export function fitCount(N: number, F: number): number {
  return Math.min(N, PCA_FIT_DIGITS, Math.max(50, Math.floor(PCA_FIT_VALUES / F)));
}

export class MapJobs {
  private queue: MapRequest[] = [];
  private running = false;
  private readonly cancelled = new Set<number>();
  private readonly models = new Map<string, Promise<Sequential>>();
  private readonly digitSets = new Map<number, Promise<DigitSet>>();
  /** most recently made last */
  private readonly spaces: Space[] = [];

  constructor(private readonly deps: MapJobsDeps) {}

  handle(msg: ToMapWorker): void {
    if (msg.type === 'cancel') {
      this.queue = this.queue.filter((r) => r.id !== msg.id);
      this.cancelled.add(msg.id);
      return;
    }
    if (msg.type === 'place') {
      this.place(msg);
      return;
    }
    this.queue.push(msg);
    void this.run();
  }

  /** Resolves when the queue is empty and nothing runs (for tests). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) await this.deps.pause();
  }

  private model(info: ModelInfo): Promise<Sequential> {
    const key = modelKey(info);
    let p = this.models.get(key);
    if (!p) {
      p = this.deps.loadModel(info);
      p.catch(() => this.models.delete(key));
      this.models.set(key, p);
    }
    return p;
  }

  private digits(count: number): Promise<DigitSet> {
    let p = this.digitSets.get(count);
    if (!p) {
      p = this.deps.loadDigits(count, (done, total) => this.deps.post({ type: 'digits-progress', count, done, total }, []));
      p.then(
        (set) => {
          const copy: DigitSet = { ...set, pixels: set.pixels.slice(), labels: set.labels.slice() };
          this.deps.post({ type: 'digits', count, set: copy }, [copy.pixels.buffer as ArrayBuffer, copy.labels.buffer as ArrayBuffer]);
        },
        () => this.digitSets.delete(count),
      );
      this.digitSets.set(count, p);
    }
    return p;
  }

  /** PCA maps first (they are quick and carry the distances), newest first within each kind. */
  private pick(): MapRequest | undefined {
    for (const type of ['pca', 'umap'] as const) {
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].type === type) return this.queue.splice(i, 1)[0];
    }
    return undefined;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      // requests sent together (a PCA and a UMAP map) are all queued before the first is picked
      await this.deps.pause();
      for (let req = this.pick(); req; req = this.pick()) {
        const id = req.id;
        const t0 = this.deps.now();
        try {
          const done = req.type === 'pca' ? await this.pcaMap(req) : await this.umapMap(req);
          if (done) this.deps.post({ type: 'done', id, ms: this.deps.now() - t0 }, []);
        } catch (e) {
          this.deps.post({ type: 'error', id, message: e instanceof Error ? e.message : String(e) }, []);
        }
        this.cancelled.delete(id);
        await this.deps.pause();
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Every digit through the model, MAP_CHUNK at a time: `take(rows, start, n, predicted)` gets the
   * chunk's activations at layer li ([n×F], valid only during the call) and, when asked, its answers.
   * False when the request was cancelled on the way.
   */
  private async pass(req: MapRequest, model: Sequential, set: DigitSet, li: number, stage: string, withAnswers: boolean, take: (rows: Float32Array, start: number, n: number, predicted: Int32Array | null) => void): Promise<boolean> {
    const N = set.n;
    const P = sizeOf(model.inputShape);
    if (P !== 28 * 28) throw new Error(`map: the digits are 28×28 but the model takes ${model.inputShape.join('×')}`);
    const F = mapFeatures(model, li);
    for (let s = 0; s < N; s += MAP_CHUNK) {
      if (this.cancelled.has(req.id)) return false;
      const n = Math.min(MAP_CHUNK, N - s);
      const x = new Tensor([n, ...model.inputShape]);
      for (let i = 0; i < n * P; i++) x.data[i] = set.pixels[s * P + i] / 255;
      if (withAnswers) {
        const r = predict(model, x);
        take(li < 0 ? x.data : r.trace.steps[li].cache.y.data.subarray(0, n * F), s, n, r.digits);
      } else {
        take(li < 0 ? x.data : collectActivations(model, x, li, { batch: n }).data, s, n, null);
      }
      this.deps.post({ type: 'progress', id: req.id, stage, done: s + n, total: N }, []);
      await this.deps.pause();
    }
    return !this.cancelled.has(req.id);
  }

  private async pcaMap(req: MapRequest): Promise<boolean> {
    const [model, set] = await Promise.all([this.model(req.model), this.digits(req.count)]);
    const t0 = this.deps.now();
    const li = mapLayerIndex(model, req.layer);
    const F = mapFeatures(model, li);
    if (F < 2) throw new Error(`map: ${req.layer} has ${F} feature; a map needs at least 2`);
    const N = set.n;
    const fitN = fitCount(N, F);
    const fit = new Float32Array(fitN * F);
    const points = new Float32Array(N * 2);
    const predicted = new Uint8Array(N);
    let basis: { mean: Float32Array; components: Float32Array; explained: [number, number] } | null = null;
    let geometry: { euclidean: Float64Array; cosine: Float64Array } | null = null;
    let pcaMs = 0;
    const name = li < 0 ? 'the pixels' : req.layer;
    const ok = await this.pass(req, model, set, li, `activations of ${name} for ${N.toLocaleString('en-US')} digits`, true, (rows, start, n, answers) => {
      if (answers) for (let r = 0; r < n; r++) predicted[start + r] = answers[r];
      for (let r = 0; r < n; r++) {
        const g = start + r;
        const row = rows.subarray(r * F, (r + 1) * F);
        if (g < fitN) {
          fit.set(row, g * F);
          if (g === fitN - 1) {
            // every fitting digit is in: the axes, then the fitted digits' places on them
            this.deps.post({ type: 'progress', id: req.id, stage: `PCA of ${fitN.toLocaleString('en-US')} digits × ${F.toLocaleString('en-US')} features`, done: 0, total: 0 }, []);
            const t = this.deps.now();
            const p = pca(fit, fitN, F, 2, { iterations: PCA_ITERATIONS });
            pcaMs = this.deps.now() - t;
            basis = { mean: Float32Array.from(p.mean), components: Float32Array.from(p.components), explained: [p.explained[0], p.explained[1]] };
            for (let i = 0; i < fitN; i++) [points[i * 2], points[i * 2 + 1]] = projectOnAxes(fit.subarray(i * F, (i + 1) * F), basis.mean, basis.components, F);
            const geo = classGeometry(fit, fitN, F, set.labels.subarray(0, fitN), DIGIT_CLASSES);
            geometry = { euclidean: geo.euclidean, cosine: geo.cosine };
          }
        } else if (basis) {
          const b: { mean: Float32Array; components: Float32Array } = basis;
          [points[g * 2], points[g * 2 + 1]] = projectOnAxes(row, b.mean, b.components, F);
        }
      }
    });
    const b = basis as { mean: Float32Array; components: Float32Array; explained: [number, number] } | null;
    const geo = geometry as { euclidean: Float64Array; cosine: Float64Array } | null;
    if (!ok || !b || !geo) return false;
    const total = this.deps.now() - t0;
    const map: PcaMap = {
      layer: req.layer,
      layerIndex: li,
      F,
      N,
      fitN,
      points,
      mean: b.mean,
      components: b.components,
      explained: b.explained,
      euclidean: geo.euclidean,
      cosine: geo.cosine,
      K: DIGIT_CLASSES,
      predicted,
      ms: { activations: total - pcaMs, pca: pcaMs, total },
    };
    const buffers = [points, b.mean, b.components, geo.euclidean, geo.cosine, predicted].map((a) => a.buffer as ArrayBuffer);
    this.deps.post({ type: 'pca', id: req.id, map }, buffers);
    return true;
  }

  private async umapMap(req: MapRequest): Promise<boolean> {
    const [model, set] = await Promise.all([this.model(req.model), this.digits(req.count)]);
    const t0 = this.deps.now();
    const li = mapLayerIndex(model, req.layer);
    const F = mapFeatures(model, li);
    const N = set.n;
    const D = F <= UMAP_MAX_FEATURES ? F : UMAP_DIMS;
    const projection = D < F ? sparseProjection(F, D, UMAP_SEED) : null;
    const space = new Float32Array(N * D);
    const name = li < 0 ? 'the pixels' : req.layer;
    const ok = await this.pass(req, model, set, li, `activations of ${name} for UMAP`, false, (rows, start, n) => {
      for (let r = 0; r < n; r++) {
        if (projection) projectSparse(space, (start + r) * D, projection, rows, r * F);
        else space.set(rows.subarray(r * F, (r + 1) * F), (start + r) * D);
      }
    });
    if (!ok) return false;
    const tu = this.deps.now();
    const what = projection ? `, ${F.toLocaleString('en-US')} features projected to ${D}` : '';
    this.deps.post({ type: 'progress', id: req.id, stage: `UMAP of ${N.toLocaleString('en-US')} digits${what}`, done: 0, total: 0 }, []);
    // one long synchronous step: the page keeps drawing, this worker answers placements after it
    const points = umap(space, N, D, { seed: UMAP_SEED });
    const end = this.deps.now();
    this.keep({ key: mapKey(modelKey(req.model), req.layer, req.count), data: space, N, D, F, points: points.slice(), projection });
    this.deps.post({ type: 'umap', id: req.id, map: { points, D, F, ms: { activations: tu - t0, umap: end - tu, total: end - t0 } } }, [points.buffer as ArrayBuffer]);
    return true;
  }

  private keep(space: Space): void {
    const at = this.spaces.findIndex((s) => s.key === space.key);
    if (at >= 0) this.spaces.splice(at, 1);
    this.spaces.push(space);
    if (this.spaces.length > KEPT_SPACES) this.spaces.shift();
  }

  /** Answers at once: where the activation goes on a UMAP map this worker made (or that it no longer holds it). */
  private place(msg: { id: number; activation: Float32Array } & MapTarget): void {
    const key = mapKey(modelKey(msg.model), msg.layer, msg.count);
    const sp = this.spaces.find((s) => s.key === key);
    if (!sp) {
      this.deps.post({ type: 'placed', id: msg.id, x: NaN, y: NaN, nearest: new Int32Array(0), exact: false, missing: true }, []);
      return;
    }
    if (msg.activation.length !== sp.F) {
      this.deps.post({ type: 'error', id: msg.id, message: `map: an activation of ${msg.activation.length} values for ${msg.layer}, which has ${sp.F}` }, []);
      return;
    }
    let q: Float32Array = msg.activation;
    if (sp.projection) {
      q = new Float32Array(sp.D);
      projectSparse(q, 0, sp.projection, msg.activation);
    }
    const p = placeByNeighbours(sp.data, sp.points, sp.N, sp.D, q, PLACE_NEIGHBOURS);
    this.deps.post({ type: 'placed', id: msg.id, x: p.x, y: p.y, nearest: p.nearest, exact: p.exact, missing: false }, [p.nearest.buffer as ArrayBuffer]);
  }
}
