/**
 * Example digits for the gallery: the MNIST idx files of a data directory (plain or .gz), read
 * lazily, one split at a time, and each model's predictions on them, computed only as far as a
 * request needs (a page of misclassified digits scans until it has found enough) and remembered
 * until the model file changes. Scanning yields to the event loop between batches so the server
 * keeps answering. It never downloads: without a data directory it says how to add one.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Tensor } from '../engine/tensor.js';
import { predict } from '../nn/predict.js';
import { IDX_FILE_NAMES } from '../data/catalog.js';
import { decodeImages, decodeLabels } from '../data/idx.js';
import { HttpError } from './http-util.js';
import type { RegisteredModel } from './model-registry.js';

const gunzipAsync = promisify(gunzip);
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

async function readIdx(dir: string, base: string): Promise<{ bytes: Uint8Array; name: string }> {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    if (!st || !st.isFile()) continue;
    const raw = await readFile(path);
    const bytes = name.endsWith('.gz') ? await gunzipAsync(raw) : raw;
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name };
  }
  throw new HttpError(404, 'no-data', `the data directory ${dir} has no ${base} (nor ${base}.gz); ${NO_DATA_MESSAGE}`);
}

export class DigitStore {
  private readonly splits = new Map<SplitName, Promise<DigitSplit>>();
  private readonly predictions = new Map<string, Predictions>();

  constructor(readonly dataDir: string | undefined) {}

  get hasData(): boolean {
    return this.dataDir !== undefined;
  }

  split(name: SplitName): Promise<DigitSplit> {
    const dir = this.dataDir;
    if (dir === undefined) return Promise.reject(new HttpError(404, 'no-data', NO_DATA_MESSAGE));
    let p = this.splits.get(name);
    if (!p) {
      p = (async () => {
        const imgBase = name === 'test' ? IDX_FILE_NAMES.testImages : IDX_FILE_NAMES.trainImages;
        const lblBase = name === 'test' ? IDX_FILE_NAMES.testLabels : IDX_FILE_NAMES.trainLabels;
        const img = await readIdx(dir, imgBase);
        const lbl = await readIdx(dir, lblBase);
        const images = decodeImages(img.bytes, img.name);
        const labels = decodeLabels(lbl.bytes, lbl.name);
        if (images.dims[1] !== 28 || images.dims[2] !== 28) {
          throw new HttpError(500, 'bad-data', `${img.name}: images are ${images.dims.slice(1).join('×')}, expected 28×28`);
        }
        if (images.dims[0] !== labels.dims[0]) {
          throw new HttpError(500, 'bad-data', `${img.name} has ${images.dims[0]} images but ${lbl.name} has ${labels.dims[0]} labels`);
        }
        return { images: images.data, labels: labels.data, n: images.dims[0] };
      })();
      // a failed load is not cached: the files may be added while the server runs
      p.catch(() => this.splits.delete(name));
      this.splits.set(name, p);
    }
    return p;
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
    if (!p || p.stamp !== m.stamp) {
      p = { stamp: m.stamp, predicted: new Int8Array(split.n).fill(-1), confidence: new Float32Array(split.n), scanned: 0, wrong: [] };
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
