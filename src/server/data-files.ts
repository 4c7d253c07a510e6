/**
 * The MNIST and Fashion-MNIST idx files the server hands to the page for training in the browser,
 * found the way the CLI finds them (src/data/node-source.ts: the data directory the server was
 * given, then $CONVSCOPE_DATA, the system folders and the download cache), each file checked
 * against the catalog's MD5 before it is offered. It never downloads. The files go out as they
 * are on disk, gzipped or not; the page inflates them. Where a set was found is remembered until
 * one of its files changes on disk (size, mtime); where it was not, the search is repeated at most
 * every RETRY_MS, so a set added while the server runs shows up.
 */
import { stat } from 'node:fs/promises';
import { DATASETS, DATASET_NAMES, IDX_FILE_NAMES, type DatasetName, type IdxFileKey } from '../data/catalog.js';
import { findDataset, locateIdxFiles, SYSTEM_DIRS, type SourceKind } from '../data/node-source.js';
import type { DataFileName, DataSetStatus } from './api-types.js';
import { HttpError } from './http-util.js';

export const DATA_FILE_KEYS: Readonly<Record<DataFileName, IdxFileKey>> = {
  'train-images': 'trainImages',
  'train-labels': 'trainLabels',
  'test-images': 'testImages',
  'test-labels': 'testLabels',
};
export const DATA_FILE_NAMES = Object.keys(DATA_FILE_KEYS) as DataFileName[];

const RETRY_MS = 5000;

export interface DataFilesOptions {
  /** the server's --data directory, searched first */
  dataDir?: string;
  /** where $CONVSCOPE_DATA, $XDG_CACHE_HOME and $HOME are read (default process.env) */
  env?: Record<string, string | undefined>;
  /** default the loader's (SYSTEM_DIRS) */
  systemDirs?: Partial<Record<DatasetName, readonly string[]>>;
  /** default the loader's (~/.cache/convscope/NAME) */
  cacheDir?: (dataset: DatasetName) => string;
}

interface ServedFile {
  path: string;
  size: number;
  mtimeMs: number;
  gzip: boolean;
}

type Found =
  | { ok: true; source: SourceKind; dir: string; files: Record<DataFileName, ServedFile> }
  | { ok: false; reason: string; at: number };

export function howToGetData(dataset: DatasetName): string {
  const dl = dataset === 'mnist' ? 'convscope train --model tiny --epochs 1' : 'convscope train --model tiny --epochs 1 --dataset fashion';
  return (
    `put the four idx files (${Object.values(IDX_FILE_NAMES).join(', ')}, gzipped or not) of ${DATASETS[dataset].title} in a folder and start the server with ` +
    `--data DIR (or set CONVSCOPE_DATA=DIR), or let the CLI download them into its cache once (e.g. \`${dl}\`) and restart the server`
  );
}

export class DataFiles {
  private readonly found = new Map<DatasetName, Promise<Found>>();

  constructor(private readonly opts: DataFilesOptions = {}) {}

  /** What each data set is and whether it can be had, with the routes of its files. */
  async status(): Promise<DataSetStatus[]> {
    return Promise.all(
      DATASET_NAMES.map(async (name): Promise<DataSetStatus> => {
        const f = await this.lookup(name);
        const base = { name, title: DATASETS[name].title, classNames: [...DATASETS[name].classNames] };
        if (!f.ok) return { ...base, available: false, reason: f.reason, howTo: howToGetData(name) };
        const files = Object.fromEntries(
          DATA_FILE_NAMES.map((k) => [k, { url: `/api/data/${name}/${k}`, bytes: f.files[k].size, gzip: f.files[k].gzip }]),
        ) as NonNullable<DataSetStatus['files']>;
        return { ...base, available: true, source: f.source, files };
      }),
    );
  }

  /** The file to send for a data set's idx file, or a 404 saying why there is none and how to get one. */
  async file(dataset: DatasetName, name: DataFileName): Promise<ServedFile> {
    const f = await this.lookup(dataset);
    if (!f.ok) throw new HttpError(404, 'no-data', `${DATASETS[dataset].title} is not available on this server: ${f.reason}. To add it, ${howToGetData(dataset)}`);
    return f.files[name];
  }

  private async lookup(dataset: DatasetName): Promise<Found> {
    const cached = this.found.get(dataset);
    if (cached) {
      const f = await cached;
      if (f.ok ? await unchanged(f.files) : Date.now() - f.at < RETRY_MS) return f;
    }
    const next = this.search(dataset);
    this.found.set(dataset, next);
    return next;
  }

  private async search(dataset: DatasetName): Promise<Found> {
    const { env = process.env, dataDir } = this.opts;
    const common = {
      dataset,
      env,
      download: false,
      ...(this.opts.systemDirs?.[dataset] ? { systemDirs: this.opts.systemDirs[dataset] } : { systemDirs: SYSTEM_DIRS[dataset] }),
      ...(this.opts.cacheDir ? { cacheDir: this.opts.cacheDir(dataset) } : {}),
    };
    const reasons: string[] = [];
    // the server's --data directory first (it may hold the other data set), then the CLI's search
    const attempts = dataDir !== undefined ? [{ ...common, dataDir }, common] : [common];
    for (const opts of attempts) {
      try {
        const source = await findDataset(opts);
        const files = await filesIn(source.dir);
        if (files) return { ok: true, source: source.kind, dir: source.dir, files };
        reasons.push(`${source.dir} changed while it was read`);
      } catch (e) {
        reasons.push(e instanceof Error ? e.message : String(e));
      }
    }
    return { ok: false, reason: reasons.join('; '), at: Date.now() };
  }
}

/** The four files of a checked directory (the ones the loader read), or null if one has gone. */
async function filesIn(dir: string): Promise<Record<DataFileName, ServedFile> | null> {
  const located = await locateIdxFiles(dir);
  const out: Partial<Record<DataFileName, ServedFile>> = {};
  for (const name of DATA_FILE_NAMES) {
    const path = located[DATA_FILE_KEYS[name]];
    const st = path === null ? null : await stat(path).catch(() => null);
    if (path === null || !st?.isFile()) return null;
    out[name] = { path, size: st.size, mtimeMs: st.mtimeMs, gzip: path.endsWith('.gz') };
  }
  return out as Record<DataFileName, ServedFile>;
}

async function unchanged(files: Record<DataFileName, ServedFile>): Promise<boolean> {
  for (const f of Object.values(files)) {
    const st = await stat(f.path).catch(() => null);
    if (!st || st.size !== f.size || st.mtimeMs !== f.mtimeMs) return false;
  }
  return true;
}
