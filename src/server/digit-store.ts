/**
 * Example digits for the gallery: the MNIST idx files of a data directory (plain or .gz), each
 * read by the data layer's checked loader (readIdxChecked: streamed, inflation capped at
 * MAX_IDX_BYTES, MD5 against the catalog), off the request path: the test split starts loading
 * when the server starts, the training split on first use, and a request for one never holds up
 * another route. A load's outcome, the digits or the error, is kept until the split's files change
 * on disk (name, size, mtime), so a broken file costs one read and one line in the log, not one per
 * request. Each model's predictions are computed only as far as a request needs (a page of
 * misclassified digits scans until it has found enough) and remembered until the model file
 * changes; scanning yields to the event loop between batches. It never downloads: without a data
 * directory it says how to add one.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor } from '../engine/tensor.js';
import { predict } from '../nn/predict.js';
import { IDX_FILE_NAMES, type IdxFileKey } from '../data/catalog.js';
import { decodeImages, decodeLabels } from '../data/idx.js';
import { readIdxChecked } from '../data/node-source.js';
import { HttpError } from './http-util.js';
import type { RegisteredModel } from './model-registry.js';

const PIXELS = 28 * 28;
const SCAN_BATCH = 100;

export type SplitName = 'test' | 'train';

export interface DigitSplit {
  /** [n,28,28] 0..255 */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

interface Predictions {
  stamp: string;
  /** the split these predictions are of (a reloaded split starts afresh) */
  split: DigitSplit;
  /** predicted class per digit, -1 where not yet computed */
  predicted: Int8Array;
  confidence: Float32Array;
  /** digits [0, scanned) have predictions */
  scanned: number;
  /** indices of misclassified digits among the scanned ones, ascending */
  wrong: number[];
}

export const NO_DATA_MESSAGE =
  'no MNIST data directory is configured, so there are no example digits; start the server with --data DIR ' +
  '(or set CONVSCOPE_DATA=DIR) where DIR holds t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (gzipped or not). ' +
  'Drawing and every other view work without it.';

export interface DigitStoreOptions {
  /** The MD5 each uncompressed file must have. Default MNIST's (src/data/catalog.ts); tests pass their fixture's. */
  checksums?: Partial<Record<IdxFileKey, string>>;
  /** Told once per failed load. Default: nowhere. */
  log?: (line: string) => void;
}

const SPLIT_FILES: Readonly<Record<SplitName, { images: IdxFileKey; labels: IdxFileKey }>> = {
  test: { images: 'testImages', labels: 'testLabels' },
  train: { images: 'trainImages', labels: 'trainLabels' },
};

type Outcome = { ok: true; split: DigitSplit } | { ok: false; error: HttpError };

interface Located {
  key: IdxFileKey;
  /** the file found (raw first, then .gz), or null */
  path: string | null;
}

export class DigitStore {
  private readonly loads = new Map<SplitName, { stamp: string; outcome: Promise<Outcome> }>();
  private readonly predictions = new Map<string, Predictions>();
  /** Loads started so far; a remembered outcome starts none (the tests count them). */
  loadsStarted = 0;

  constructor(
    readonly dataDir: string | undefined,
    private readonly opts: DigitStoreOptions = {},
  ) {}

  get hasData(): boolean {
    return this.dataDir !== undefined;
  }

  /** Starts loading the test split in the background; its outcome waits for the first request. */
  warm(): void {
    if (this.dataDir !== undefined) void this.outcome('test', this.dataDir);
  }

  async split(name: SplitName): Promise<DigitSplit> {
    const dir = this.dataDir;
    if (dir === undefined) throw new HttpError(404, 'no-data', NO_DATA_MESSAGE);
    const o = await this.outcome(name, dir);
    if (!o.ok) throw o.error;
    return o.split;
  }

  /** The remembered outcome for the split's files as they are now on disk, or a new load. */
  private async outcome(name: SplitName, dir: string): Promise<Outcome> {
    const keys = SPLIT_FILES[name];
    const located: Located[] = [];
    const stamps: string[] = [];
    for (const key of [keys.labels, keys.images]) {
      let found: Located = { key, path: null };
      for (const file of [IDX_FILE_NAMES[key], `${IDX_FILE_NAMES[key]}.gz`]) {
        const st = await stat(join(dir, file)).catch(() => null);
        if (st && st.isFile()) {
          found = { key, path: join(dir, file) };
          stamps.push(`${file}:${st.size}:${st.mtimeMs}`);
          break;
        }
      }
      if (found.path === null) stamps.push(`${IDX_FILE_NAMES[key]}:missing`);
      located.push(found);
    }
    const stamp = stamps.join('|');
    const hit = this.loads.get(name);
    if (hit && hit.stamp === stamp) return hit.outcome;
    this.loadsStarted++;
    const outcome = this.load(dir, located).then(
      (split): Outcome => ({ ok: true, split }),
      (e: unknown): Outcome => {
        const error = e instanceof HttpError ? e : new HttpError(500, 'bad-data', `${(e as Error).message}; the server tries again once the data directory's files change`);
        if (error.code !== 'no-data') this.opts.log?.(`convscope server: the ${name} digits of ${dir} cannot be used: ${error.message}`);
        return { ok: false, error };
      },
    );
    this.loads.set(name, { stamp, outcome });
    return outcome;
  }

  private async load(dir: string, located: readonly Located[]): Promise<DigitSplit> {
    const arrays = [];
    for (const { key, path } of located) {
      const base = IDX_FILE_NAMES[key];
      if (path === null) throw new HttpError(404, 'no-data', `the data directory ${dir} has no ${base} (nor ${base}.gz); ${NO_DATA_MESSAGE}`);
      const r = await readIdxChecked(path, key, 'mnist', this.opts.checksums?.[key]);
      if (typeof r === 'string') throw new Error(r);
      arrays.push({ path, bytes: r.bytes });
    }
    const [lbl, img] = arrays;
    const labels = decodeLabels(lbl.bytes, lbl.path);
    const images = decodeImages(img.bytes, img.path);
    if (images.dims[1] !== 28 || images.dims[2] !== 28) throw new Error(`${img.path}: images are ${images.dims.slice(1).join('×')}, expected 28×28`);
    if (images.dims[0] !== labels.dims[0]) throw new Error(`${img.path} has ${images.dims[0]} images but ${lbl.path} has ${labels.dims[0]} labels`);
    return { images: images.data, labels: labels.data, n: images.dims[0] };
  }

  /** The predicted class and its probability for each of the given digits of a split (one batch). */
  predict(m: RegisteredModel, split: DigitSplit, indices: readonly number[]): { predicted: number; confidence: number }[] {
    const out: { predicted: number; confidence: number }[] = [];
    if (indices.length === 0) return out;
    const x = new Tensor([indices.length, ...m.model.inputShape]);
    indices.forEach((idx, k) => {
      for (let i = 0; i < PIXELS; i++) x.data[k * PIXELS + i] = split.images[idx * PIXELS + i] / 255;
    });
    const { probabilities, digits } = predict(m.model, x);
    const K = probabilities.size / indices.length;
    digits.forEach((d, k) => out.push({ predicted: d, confidence: probabilities.data[k * K + d] }));
    return out;
  }

  /**
   * Misclassified digits number offset..offset+limit-1 (in split order), scanning further as needed.
   * Returns them with how far the scan has got and, once it has reached the end, the total.
   */
  async misclassified(
    m: RegisteredModel,
    splitName: SplitName,
    offset: number,
    limit: number,
  ): Promise<{ items: { index: number; predicted: number; confidence: number }[]; scanned: number; total: number | null }> {
    const split = await this.split(splitName);
    const key = `${m.info.name}|${splitName}`;
    let p = this.predictions.get(key);
    if (!p || p.stamp !== m.stamp || p.split !== split) {
      p = { stamp: m.stamp, split, predicted: new Int8Array(split.n).fill(-1), confidence: new Float32Array(split.n), scanned: 0, wrong: [] };
      this.predictions.set(key, p);
    }
    const want = offset + limit;
    while (p.wrong.length < want && p.scanned < split.n) {
      const start = p.scanned;
      const idx = Array.from({ length: Math.min(SCAN_BATCH, split.n - start) }, (_, k) => start + k);
      const preds = this.predict(m, split, idx);
      preds.forEach((r, k) => {
        const i = start + k;
        p.predicted[i] = r.predicted;
        p.confidence[i] = r.confidence;
        if (r.predicted !== split.labels[i]) p.wrong.push(i);
      });
      p.scanned = start + idx.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const items = p.wrong.slice(offset, want).map((index) => ({ index, predicted: p.predicted[index], confidence: p.confidence[index] }));
    return { items, scanned: p.scanned, total: p.scanned === split.n ? p.wrong.length : null };
  }
}

export function pixelsBase64(split: DigitSplit, index: number): string {
  return Buffer.from(split.images.buffer, split.images.byteOffset + index * PIXELS, PIXELS).toString('base64');
}
