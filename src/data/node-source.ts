/**
 * Finds, checks and loads a data set (MNIST or Fashion-MNIST) in Node. Looks, in order, in the
 * directory the user named (and nowhere else if one was named), $CONVSCOPE_DATA, the system
 * install (Debian's dataset-fashion-mnist), the cache, and finally downloads into the cache.
 * Every file found is checked against the MD5 of its uncompressed content; a mismatch is an error,
 * never a silent skip. It does not batch or augment (dataset.ts does).
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, datasetOfChecksum, IDX_FILE_KEYS, IDX_FILE_NAMES, type DatasetName, type IdxFileKey } from './catalog.js';
import { makeSplit, type Dataset } from './dataset.js';
import { DataError } from './errors.js';
import { decodeImages, decodeLabels } from './idx.js';
import { DownloadFailed, downloadIdx, type DownloadProgress } from './node-download.js';
import { readIdxFile } from './node-idx-file.js';

export type SourceKind = 'dir' | 'env' | 'system' | 'cache' | 'download';

export type DataProgress =
  | DownloadProgress
  | { kind: 'skip'; source: SourceKind; dir: string; reason: string }
  | { kind: 'found'; source: SourceKind; dir: string };

/** One line for a person: what the loader is doing. Download events come per chunk; throttle if printing them. */
export function formatProgress(p: DataProgress): string {
  switch (p.kind) {
    case 'download': {
      const mb = (n: number): string => (n / 1e6).toFixed(1);
      return `downloading ${p.url}: ${mb(p.receivedBytes)}${p.totalBytes === null ? '' : ` of ${mb(p.totalBytes)}`} MB`;
    }
    case 'skip':
      return `skipping ${p.dir}: ${p.reason}`;
    case 'found':
      return `using ${p.source === 'download' ? 'downloaded data in' : 'data in'} ${p.dir}`;
  }
}

export interface LoadDatasetOptions {
  dataset: DatasetName;
  /** A directory holding the four idx files (gzipped or not). When given, the only place looked. */
  dataDir?: string;
  /** Where downloads go and are looked for. Default `$XDG_CACHE_HOME/convscope/<dataset>` or `~/.cache/convscope/<dataset>`. */
  cacheDir?: string;
  /** Download what is missing from the cache. Default true. */
  download?: boolean;
  onProgress?: (p: DataProgress) => void;
  /** Base URLs to download from instead of the public mirrors (a local mirror; tests). */
  mirrors?: readonly string[];
  /** Where CONVSCOPE_DATA, XDG_CACHE_HOME and HOME are read. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** System-wide install directories. Default: /usr/share/datasets/fashion-mnist for fashion, none for mnist. */
  systemDirs?: readonly string[];
}

export interface LoadedDataset extends Dataset {
  source: { kind: SourceKind; dir: string };
}

export const SYSTEM_DIRS: Readonly<Record<DatasetName, readonly string[]>> = {
  mnist: [],
  fashion: ['/usr/share/datasets/fashion-mnist'],
};

type Raw = Record<IdxFileKey, { bytes: Uint8Array; md5: string }>;

export async function loadDataset(opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const { source, raw } = await findRaw(opts);
  return { ...assemble(opts.dataset, raw, source.dir), source };
}

/**
 * Where loadDataset would take the data set from, with the same search, checks, download and
 * errors, but without decoding it: for callers that hand the directory on (a CLI run, a server,
 * a test suite resolving its data once).
 */
export async function findDataset(opts: LoadDatasetOptions): Promise<LoadedDataset['source']> {
  return (await findRaw(opts)).source;
}

async function findRaw(opts: LoadDatasetOptions): Promise<{ source: LoadedDataset['source']; raw: Raw }> {
  const { dataset } = opts;
  const info = DATASETS[dataset];
  if (!info) throw new DataError(`unknown data set '${String(dataset)}'; expected one of: ${Object.keys(DATASETS).join(', ')}`);
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => undefined);
  const finish = (kind: SourceKind, dir: string, raw: Raw): { source: LoadedDataset['source']; raw: Raw } => {
    progress({ kind: 'found', source: kind, dir });
    return { source: { kind, dir }, raw };
  };

  if (opts.dataDir !== undefined) {
    const raw = await fromDir(opts.dataDir, dataset, true);
    if (typeof raw === 'string') throw new DataError(raw); // strict: fromDir throws its own, more specific errors first
    return finish('dir', opts.dataDir, raw);
  }

  const looked: string[] = [];
  const places: [SourceKind, string | undefined][] = [
    ['env', env.CONVSCOPE_DATA || undefined],
    ...(opts.systemDirs ?? SYSTEM_DIRS[dataset]).map((d): [SourceKind, string] => ['system', d]),
  ];
  if (!env.CONVSCOPE_DATA) looked.push('$CONVSCOPE_DATA: not set');
  for (const [kind, dir] of places) {
    if (dir === undefined) continue;
    const raw = await fromDir(dir, dataset, false);
    if (typeof raw === 'string') {
      looked.push(`${kind === 'env' ? '$CONVSCOPE_DATA ' : ''}${dir}: ${raw}`);
      progress({ kind: 'skip', source: kind, dir, reason: raw });
      continue;
    }
    return finish(kind, dir, raw);
  }

  const cacheDir = opts.cacheDir ?? join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'convscope', dataset);
  const raw: Partial<Raw> = {};
  const missing: IdxFileKey[] = [];
  const found = await locate(cacheDir);
  const checked = await Promise.all(IDX_FILE_KEYS.map((k) => (found[k] === null ? null : readIdxChecked(found[k] as string, k, dataset))));
  IDX_FILE_KEYS.forEach((key, i) => {
    const r = checked[i];
    if (r === null) missing.push(key);
    else if (typeof r !== 'string') raw[key] = r;
    else if (opts.download === false) throw new DataError(`${r}; delete it to download it again, or pass --data DIR`);
    else {
      progress({ kind: 'skip', source: 'cache', dir: cacheDir, reason: r });
      missing.push(key);
    }
  });
  if (missing.length === 0) return finish('cache', cacheDir, raw as Raw);
  looked.push(`cache ${cacheDir}: ${missing.length === 4 ? 'empty' : `missing ${missing.map((k) => IDX_FILE_NAMES[k]).join(', ')}`}`);

  if (opts.download === false) throw notFound(dataset, looked, 'Downloading is turned off.');
  const mirrors = opts.mirrors ?? info.mirrors;
  try {
    // One at a time, smallest first: an unreachable mirror fails fast, and two cores gain nothing here.
    for (const key of missing) {
      const d = await downloadIdx({ mirrors, file: IDX_FILE_NAMES[key], md5: info.md5[key], dir: cacheDir, onProgress: progress });
      raw[key] = d;
    }
  } catch (e) {
    if (e instanceof DownloadFailed) throw notFound(dataset, looked, `Downloading failed: ${e.message}`);
    throw e;
  }
  return finish('download', cacheDir, raw as Raw);
}

/**
 * The four files of `dir`, verified. When not `strict`, returns the reason instead when the place
 * does not hold this data set (no such folder, files missing, the other data set). Damaged files
 * always throw.
 */
async function fromDir(dir: string, dataset: DatasetName, strict: boolean): Promise<Raw | string> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) {
    if (strict) throw new DataError(`data directory ${dir} does not exist or is not a directory; expected a folder holding ${fileList()}`);
    return 'not a directory';
  }
  const found = await locate(dir);
  const missing = IDX_FILE_KEYS.filter((k) => found[k] === null);
  if (missing.length > 0) {
    const what = missing.map((k) => `${IDX_FILE_NAMES[k]}${missing.length === 4 ? '' : ` (looked for ${candidates(k).join(', ')})`}`);
    if (strict) throw new DataError(`data directory ${dir} lacks ${what.join('; ')}; expected ${fileList()}`);
    return missing.length === 4 ? 'no idx files' : `missing ${missing.map((k) => IDX_FILE_NAMES[k]).join(', ')}`;
  }
  const raw: Partial<Raw> = {};
  // Labels first: they are tiny, so a folder of the wrong data set is told apart at once.
  for (const group of [IDX_FILE_KEYS.slice(0, 2), IDX_FILE_KEYS.slice(2)]) {
    const results = await Promise.all(group.map((k) => readIdxChecked(found[k] as string, k, dataset)));
    for (let i = 0; i < group.length; i++) {
      const r = results[i];
      if (typeof r !== 'string') raw[group[i]] = r;
      else if (!strict && r.includes(' holds ')) return r;
      else throw new DataError(r);
    }
  }
  return raw as Raw;
}

/**
 * Reads, inflates and checks one file against the catalog's MD5 (or `want`, for a data set of one's
 * own); returns a message saying what is wrong instead of throwing for a mismatch. Unreadable,
 * damaged or oversized files throw DataError (readIdxFile: streamed, capped at MAX_IDX_BYTES).
 */
export async function readIdxChecked(
  path: string,
  key: IdxFileKey,
  dataset: DatasetName,
  want = DATASETS[dataset].md5[key],
): Promise<{ bytes: Uint8Array; md5: string } | string> {
  const { bytes, md5 } = await readIdxFile(path);
  if (md5 === want) return { bytes, md5 };
  const other = datasetOfChecksum(key, md5);
  if (other !== null) return `${path} holds ${DATASETS[other].title}, not ${DATASETS[dataset].title} (MD5 ${md5})`;
  return `${path}: uncompressed content has MD5 ${md5}, expected ${want} for ${DATASETS[dataset].title} (${bytes.length} bytes; damaged, truncated or a different file)`;
}

function assemble(dataset: DatasetName, raw: Raw, dir: string): Dataset {
  const name = (k: IdxFileKey): string => join(dir, IDX_FILE_NAMES[k]);
  const split = (img: IdxFileKey, lab: IdxFileKey) =>
    makeSplit(decodeImages(raw[img].bytes, name(img)), decodeLabels(raw[lab].bytes, name(lab)), name(img), name(lab));
  const checksums: Record<string, string> = {};
  for (const k of IDX_FILE_KEYS) checksums[IDX_FILE_NAMES[k]] = raw[k].md5;
  return { name: dataset, train: split('trainImages', 'trainLabels'), test: split('testImages', 'testLabels'), checksums };
}

/** The names a file goes by: canonical or with a dot (train-images.idx3-ubyte, as some mirrors have it), each raw or .gz. */
function candidates(key: IdxFileKey): string[] {
  const base = IDX_FILE_NAMES[key];
  const dotted = base.replace('-idx', '.idx');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

/** Where each of the four files is in `dir` (the first of its candidate names that exists), or null. */
export async function locateIdxFiles(dir: string): Promise<Record<IdxFileKey, string | null>> {
  return locate(dir);
}

async function locate(dir: string): Promise<Record<IdxFileKey, string | null>> {
  const out = {} as Record<IdxFileKey, string | null>;
  for (const key of IDX_FILE_KEYS) {
    out[key] = null;
    for (const c of candidates(key)) {
      const p = join(dir, c);
      if (await stat(p).then((s) => s.isFile(), () => false)) {
        out[key] = p;
        break;
      }
    }
  }
  return out;
}

function fileList(): string {
  return `the four idx files ${IDX_FILE_KEYS.map((k) => IDX_FILE_NAMES[k]).join(', ')} (each gzipped as .gz or not)`;
}

function notFound(dataset: DatasetName, looked: readonly string[], why: string): DataError {
  const title = DATASETS[dataset].title;
  const ways = [
    `pass --data DIR, a folder holding ${fileList()}`,
    'set CONVSCOPE_DATA=DIR',
    'connect to the internet so it can be downloaded into the cache',
  ];
  if (dataset === 'fashion') ways.push('or install it system-wide: apt-get install dataset-fashion-mnist');
  const list = (xs: readonly string[]): string => xs.map((x) => `  - ${x}`).join('\n');
  return new DataError(`${title} not found.\nLooked in:\n${list(looked)}\n${why}\nTo get it:\n${list(ways)}`);
}
