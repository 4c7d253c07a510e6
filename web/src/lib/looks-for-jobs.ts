/**
 * The work behind the "What it looks for" panel, as the worker runs it: a queue of requests, each
 * cut into units of a few hundred milliseconds at most (one class image, one channel image, one
 * chunk of digits searched), with a pause between units so that newer requests and cancellations
 * get in. The panel's current channel comes first (newest first), then top digits, then the class
 * row. The computing itself is src/explain's (maximizeActivation, topExcitingExamples); this file
 * only schedules it, and has no worker or DOM in it, so the tests run it in Node.
 */
import { Tensor } from '../../../src/engine/tensor.js';
import type { Sequential } from '../../../src/nn/model.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import { maximizeActivation, topExcitingExamples, type ExcitingExample } from '../../../src/explain/maximize.js';
import type { DigitSet } from './looks-for-digits.js';
import { DREAM_SEED, DREAM_STEPS, SCAN_CHUNK, TOP_K, type FromWorker, type LooksForRequest, type ToWorker } from './looks-for-protocol.js';

export interface JobsDeps {
  loadModel(info: ModelInfo): Promise<Sequential>;
  loadDigits(onProgress: (done: number, total: number) => void): Promise<DigitSet>;
  /** sends a message to the page; `transfer` lists buffers it may take over */
  post(msg: FromWorker, transfer: ArrayBuffer[]): void;
  /** lets waiting messages in (a zero timeout in a worker) */
  pause(): Promise<void>;
  now(): number;
}

interface Job {
  req: LooksForRequest;
  /** units done */
  next: number;
  total: number;
  started: number | null;
  /** examples: the best so far */
  lists?: ExcitingExample[][];
}

const PRIORITY: Record<LooksForRequest['type'], number> = { channel: 0, examples: 1, classes: 2 };

/**
 * Folds the top lists of a later chunk of images (indices from 0 within the chunk) into `into`,
 * keeping the k strongest per channel. Ties keep the earlier image, as topExcitingExamples does,
 * so folding chunk after chunk gives the lists one call over all the images would.
 */
export function mergeExamples(into: ExcitingExample[][], chunk: readonly ExcitingExample[][], offset: number, k: number): ExcitingExample[][] {
  return chunk.map((list, c) => {
    const shifted = list.map((e) => ({ ...e, image: e.image + offset }));
    // stable sort: equal values keep their order, earlier images first
    return [...(into[c] ?? []), ...shifted].sort((a, b) => b.value - a.value).slice(0, k);
  });
}

function copy(a: Float32Array): Float32Array {
  // a fresh buffer the page can take over (results may be views into the kernels' memory)
  return Float32Array.from(a);
}

export class LooksForJobs {
  private queue: Job[] = [];
  private running = false;
  private digits: DigitSet | null = null;
  private digitsLoading: Promise<void> | null = null;
  private readonly models = new Map<string, Promise<Sequential>>();

  constructor(private readonly deps: JobsDeps) {}

  handle(msg: ToWorker): void {
    if (msg.type === 'cancel') {
      this.queue = this.queue.filter((j) => j.req.id !== msg.id);
      return;
    }
    if (msg.type === 'digits') {
      this.loadDigits();
      return;
    }
    const total = msg.type === 'classes' ? msg.targets.length : 1;
    this.queue.push({ req: msg, next: 0, total, started: null });
    if (msg.type === 'examples') this.loadDigits();
    void this.run();
  }

  /** Resolves when the queue is empty and nothing runs (for tests). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) await this.deps.pause();
  }

  private loadDigits(): void {
    if (this.digitsLoading) return;
    this.digitsLoading = this.deps
      .loadDigits((done, total) => this.deps.post({ type: 'digits-progress', done, total }, []))
      .then((set) => {
        this.digits = set;
        const copySet: DigitSet = { ...set, pixels: set.pixels.slice(), labels: set.labels.slice() };
        this.deps.post({ type: 'digits', set: copySet }, [copySet.pixels.buffer as ArrayBuffer, copySet.labels.buffer as ArrayBuffer]);
        void this.run();
      })
      .catch((e: unknown) => {
        // the requests that needed them fail with the reason (loadDigitSet itself never throws)
        const message = `could not load the digits: ${e instanceof Error ? e.message : String(e)}`;
        for (const j of this.queue) if (j.req.type === 'examples') this.deps.post({ type: 'error', id: j.req.id, message }, []);
        this.queue = this.queue.filter((j) => j.req.type !== 'examples');
        this.digitsLoading = null;
      });
  }

  private model(info: ModelInfo): Promise<Sequential> {
    const key = `${info.name}|${info.file ?? 'untrained'}`;
    let p = this.models.get(key);
    if (!p) {
      p = this.deps.loadModel(info);
      p.catch(() => this.models.delete(key));
      this.models.set(key, p);
    }
    return p;
  }

  private ready(j: Job): boolean {
    return j.req.type !== 'examples' || this.digits !== null;
  }

  /** The next job to work on: by kind, newest first among channels and examples, oldest first among class rows. */
  private pick(): Job | undefined {
    let best: Job | undefined;
    for (const j of this.queue) {
      if (!this.ready(j)) continue;
      if (!best) {
        best = j;
        continue;
      }
      const d = PRIORITY[j.req.type] - PRIORITY[best.req.type];
      if (d < 0 || (d === 0 && j.req.type !== 'classes')) best = j;
    }
    return best;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.pick(); job; job = this.pick()) {
        await this.step(job);
        await this.deps.pause();
      }
    } finally {
      this.running = false;
    }
  }

  /** One unit of a job; the job leaves the queue when it is complete or fails. */
  private async step(job: Job): Promise<void> {
    const { req } = job;
    const finish = (): void => {
      this.queue = this.queue.filter((j) => j !== job);
    };
    try {
      const model = await this.model(req.model);
      job.started ??= this.deps.now();
      if (req.type === 'classes') {
        const target = req.targets[job.next];
        const r = maximizeActivation(model, { kind: 'class', target }, { steps: DREAM_STEPS, seed: DREAM_SEED });
        const image = copy(r.image);
        const probabilities = copy(r.probabilities);
        this.deps.post({ type: 'class', id: req.id, target, image, probabilities, score: r.score }, [image.buffer as ArrayBuffer, probabilities.buffer as ArrayBuffer]);
      } else if (req.type === 'channel') {
        const r = maximizeActivation(model, { kind: 'channel', layer: req.layer, channel: req.channel }, { steps: DREAM_STEPS, seed: DREAM_SEED });
        const image = copy(r.image);
        const probabilities = copy(r.probabilities);
        this.deps.post({ type: 'channel', id: req.id, image, probabilities, score: r.score }, [image.buffer as ArrayBuffer, probabilities.buffer as ArrayBuffer]);
      } else {
        const digits = this.digits;
        if (!digits) return;
        job.total = Math.ceil(digits.n / SCAN_CHUNK);
        const start = job.next * SCAN_CHUNK;
        const n = Math.min(SCAN_CHUNK, digits.n - start);
        const D = model.inputShape.reduce((a, b) => a * b, 1);
        const x = new Tensor([n, ...model.inputShape]);
        for (let i = 0; i < n * D; i++) x.data[i] = digits.pixels[start * D + i] / 255;
        const chunk = topExcitingExamples(model, x, req.layer, TOP_K);
        job.lists = mergeExamples(job.lists ?? [], chunk, start, TOP_K);
      }
      job.next++;
      this.deps.post({ type: 'progress', id: req.id, done: job.next, total: job.total }, []);
      if (job.next >= job.total) {
        if (req.type === 'examples') this.deps.post({ type: 'examples', id: req.id, lists: job.lists ?? [] }, []);
        this.deps.post({ type: 'done', id: req.id, ms: this.deps.now() - job.started }, []);
        finish();
      }
    } catch (e) {
      this.deps.post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) }, []);
      finish();
    }
  }
}
