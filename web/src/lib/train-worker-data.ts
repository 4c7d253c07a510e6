/**
 * The training worker's data: the served idx files (GET /api/data/NAME/FILE, src/server/data-routes.ts)
 * fetched once per data set and kept, inflated with DecompressionStream when gzipped and decoded
 * by the data layer's idx codec; and the sources a run trains and tests on: a served set, drawn
 * digits, or drawn digits mixed with a served set.
 */
import { decodeImages, decodeLabels } from '../../../src/data/idx.js';
import { makeSplit, type Split } from '../../../src/data/dataset.js';
import { DATASETS, IDX_FILE_KEYS, IDX_FILE_NAMES } from '../../../src/data/catalog.js';
import { splitSource, type SplitSource } from '../../../src/data/split-source.js';
import { concatSources } from '../../../src/data/concat-source.js';
import { digitsSplit } from '../../../src/data/digits-split.js';
import { DEFAULT_AUGMENT, type AugmentOptions } from '../../../src/data/augment.js';
import type { ModelMetadata } from '../../../src/io/model-file.js';
import type { DataFileName, DataResponse } from '../../../src/server/api-types.js';
import type { DataLoading, ServedDataset, TrainData } from './train-protocol.js';

export interface ServedSet {
  train: Split;
  test: Split;
}

export interface RunData {
  /** e.g. 'mnist', 'drawn', 'drawn+mnist' */
  name: string;
  train: SplitSource;
  test: SplitSource;
  /** what a model file records about its data (catalog MD5s of the served files, which the server checked) */
  provenance: NonNullable<ModelMetadata['dataset']>;
}

const FILES: readonly DataFileName[] = ['train-labels', 'test-labels', 'test-images', 'train-images'];

async function readAll(res: Response, file: string, onProgress: (p: DataLoading) => void): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length')) || null;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress({ file, loaded, total });
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Inflates gzip (recognised by its magic bytes, whatever the server said) with the browser's own inflater. */
export async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export class ServedData {
  private readonly sets = new Map<ServedDataset, Promise<ServedSet>>();

  constructor(private readonly base: string) {}

  /** The set's two splits, fetched on first use; a failed fetch is forgotten so a later run tries again. */
  get(dataset: ServedDataset, onProgress: (p: DataLoading) => void): Promise<ServedSet> {
    let p = this.sets.get(dataset);
    if (!p) {
      p = this.fetchSet(dataset, onProgress);
      this.sets.set(dataset, p);
      p.catch(() => this.sets.delete(dataset));
    }
    return p;
  }

  private async fetchSet(dataset: ServedDataset, onProgress: (p: DataLoading) => void): Promise<ServedSet> {
    const title = DATASETS[dataset].title;
    const index = await fetch(new URL('/api/data', this.base)).catch((e: unknown) => {
      throw new Error(`cannot reach the server for ${title}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!index.ok) throw new Error(`GET /api/data answered ${index.status}; this server cannot serve data sets for training`);
    const status = ((await index.json()) as DataResponse).datasets.find((d) => d.name === dataset);
    if (!status?.available || !status.files) throw new Error(`${title} is not available on this server${status?.reason ? `: ${status.reason}` : ''}. ${status?.howTo ? `To add it, ${status.howTo}.` : ''}`.trim());
    const bytes: Partial<Record<DataFileName, Uint8Array>> = {};
    for (const file of FILES) {
      const res = await fetch(new URL(status.files[file].url, this.base));
      if (!res.ok) {
        const why = await res.json().then((j: { error?: string }) => j.error ?? '', () => '');
        throw new Error(`GET ${status.files[file].url} answered ${res.status}${why ? `: ${why}` : ''}`);
      }
      bytes[file] = await gunzipIfNeeded(await readAll(res, file, onProgress));
    }
    const name = (f: DataFileName) => `${dataset}/${f}`;
    return {
      train: makeSplit(decodeImages(bytes['train-images']!, name('train-images')), decodeLabels(bytes['train-labels']!, name('train-labels')), name('train-images'), name('train-labels')),
      test: makeSplit(decodeImages(bytes['test-images']!, name('test-images')), decodeLabels(bytes['test-labels']!, name('test-labels')), name('test-images'), name('test-labels')),
    };
  }
}

function servedProvenance(dataset: ServedDataset): NonNullable<ModelMetadata['dataset']> {
  const md5 = DATASETS[dataset].md5;
  return { name: dataset, checksums: Object.fromEntries(IDX_FILE_KEYS.map((k) => [IDX_FILE_NAMES[k], md5[k]])) };
}

/** The run's train and test sources for the settings' data, on a model with `classes` outputs. */
export async function runData(
  data: TrainData,
  classes: number,
  augment: boolean | AugmentOptions,
  served: ServedData,
  onProgress: (p: DataLoading) => void,
): Promise<RunData> {
  const options = { augment: typeof augment === 'object' ? augment : DEFAULT_AUGMENT };
  if (data.kind === 'served') {
    const set = await served.get(data.dataset, onProgress);
    return {
      name: data.dataset,
      train: splitSource(set.train, { ...options, ...(data.limit !== undefined ? { limit: data.limit } : {}) }),
      test: splitSource(set.test),
      provenance: servedProvenance(data.dataset),
    };
  }
  const drawn = splitSource(digitsSplit(data.digits.images, data.digits.labels, classes), options);
  const ownTest = data.test ? splitSource(digitsSplit(data.test.images, data.test.labels, classes, 'drawn test digits')) : null;
  if (!data.mix) return { name: 'drawn', train: drawn, test: ownTest ?? splitSource(digitsSplit(data.digits.images, data.digits.labels, classes)), provenance: { name: 'drawn', checksums: {} } };
  const { dataset, images } = data.mix;
  if (!Number.isInteger(images) || images < 1) throw new Error(`mixing with ${dataset}: 'images' must be a positive whole number, got ${images}`);
  const set = await served.get(dataset, onProgress);
  const others = splitSource(set.train, { ...options, limit: Math.min(images, set.train.n) });
  // the drawn digits make up at least a tenth of each epoch, so they are not drowned out
  const repeat = Math.max(1, Math.ceil(others.size / 9 / drawn.size));
  return {
    name: `drawn+${dataset}`,
    train: concatSources([{ source: drawn, repeat }, { source: others }]),
    test: ownTest ?? splitSource(set.test),
    provenance: { name: `drawn+${dataset}`, checksums: {} },
  };
}
