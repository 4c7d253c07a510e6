/// <reference path="../../test/provided-context.d.ts" />
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DATASETS, IDX_FILE_NAMES } from './catalog.js';
import { DataError } from './errors.js';
import { encodeIdx } from './idx.js';
import { findDataset, formatProgress, loadDataset, type DataProgress } from './node-source.js';

/**
 * The real MNIST, found once by test/global-setup.ts as the CLI finds it (test/helpers.ts's
 * mnistDir(), which src/ cannot import). Without data it throws the loader's message, so the
 * tests that need MNIST fail with it; those about damaged or missing files use fixtures instead.
 */
function mnistDir(): string {
  const mnist = inject('mnist');
  if ('error' in mnist) throw new Error(mnist.error);
  return mnist.dir;
}
const NAMES = Object.values(IDX_FILE_NAMES);
const NO_ENV = { HOME: '/nonexistent-home' };
const FASHION_SYSTEM = '/usr/share/datasets/fashion-mnist';

let tmp = '';
let server: Server;
let base = '';
const hits: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'convscope-data-'));
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    hits.push(url);
    const [, mode, file] = url.split('/');
    if (mode === 'good') {
      // the tests that download call mnistDir() first, so without data they fail before asking
      Promise.resolve().then(() => readFile(join(mnistDir(), file))).then(
        (b) => res.writeHead(200, { 'content-length': b.length }).end(b),
        () => res.writeHead(404).end(),
      );
    } else if (mode === 'corrupt') {
      res.writeHead(200).end(gzipSync(Buffer.alloc(100, 7)));
    } else if (mode === 'truncated') {
      res.writeHead(200, { 'content-length': 100000 });
      res.write(Buffer.alloc(5000, 1), () => res.destroy());
    } else {
      res.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh folder with the real MNIST files linked in, minus `without`. */
async function linkedDir(name: string, without: string[] = []): Promise<string> {
  const mnist = mnistDir();
  const d = join(tmp, name);
  await mkdir(d, { recursive: true });
  for (const n of NAMES) if (!without.includes(n)) await symlink(join(mnist, `${n}.gz`), join(d, `${n}.gz`));
  return d;
}

/**
 * A fresh folder of four small valid idx files that are not MNIST (each one label, gzipped),
 * with `files` written over them: for the errors that need no real data.
 */
async function fixtureDir(name: string, files: Record<string, Uint8Array> = {}): Promise<string> {
  const d = join(tmp, name);
  await mkdir(d, { recursive: true });
  for (const n of NAMES) await writeFile(join(d, `${n}.gz`), gzipSync(encodeIdx([1], new Uint8Array([3]))));
  for (const [file, bytes] of Object.entries(files)) await writeFile(join(d, file), bytes);
  return d;
}

async function failure(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe('loadDataset from directories', () => {
  it('loads the real MNIST: 60000/10000 examples, checksums match the published values', async () => {
    const MNIST = mnistDir();
    const t0 = performance.now();
    const ds = await loadDataset({ dataset: 'mnist', dataDir: MNIST });
    const ms = performance.now() - t0;
    expect([ds.train.n, ds.test.n, ds.train.rows, ds.train.cols]).toEqual([60000, 10000, 28, 28]);
    expect(ds.train.images.length).toBe(60000 * 784);
    expect(ds.test.labels.length).toBe(10000);
    expect(Array.from(ds.train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(ds.test.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
    expect(ds.checksums).toEqual({
      'train-images-idx3-ubyte': '6bbc9ace898e44ae57da46a324031adb',
      'train-labels-idx1-ubyte': 'a25bea736e30d166cdddb491f175f624',
      't10k-images-idx3-ubyte': '2646ac647ad5339dbf082846283269ea',
      't10k-labels-idx1-ubyte': '27ae3e4e09519cfbb04c329615203637',
    });
    expect(ds.source).toEqual({ kind: 'dir', dir: MNIST });
    expect(ms).toBeLessThan(5000); // about 0.6 s alone; generous for a shared machine
  });

  it('uses $CONVSCOPE_DATA when no directory is named', async () => {
    const ds = await loadDataset({ dataset: 'mnist', env: { ...NO_ENV, CONVSCOPE_DATA: mnistDir() }, download: false });
    expect(ds.source.kind).toBe('env');
  });

  it('findDataset says where loadDataset would load from, without decoding', async () => {
    const cacheDir = await linkedDir('find-cache');
    expect(await findDataset({ dataset: 'mnist', env: NO_ENV, cacheDir, download: false })).toEqual({ kind: 'cache', dir: cacheDir });
  });

  it('accepts raw (uncompressed) files and dotted names beside gzipped ones', async () => {
    const d = await linkedDir('mixed', ['t10k-labels-idx1-ubyte', 'train-images-idx3-ubyte']);
    await writeFile(join(d, 't10k-labels-idx1-ubyte'), gunzipSync(await readFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'))));
    await symlink(join(mnistDir(), 'train-images-idx3-ubyte.gz'), join(d, 'train-images.idx3-ubyte.gz'));
    const ds = await loadDataset({ dataset: 'mnist', dataDir: d });
    expect(ds.test.labels[0]).toBe(7);
  });

  it('refuses a named directory that does not exist, saying what it should hold', async () => {
    const e = await failure(loadDataset({ dataset: 'mnist', dataDir: join(tmp, 'nowhere') }));
    expect(e.message).toBe(
      `data directory ${join(tmp, 'nowhere')} does not exist or is not a directory; expected a folder holding the four idx files ` +
        'train-labels-idx1-ubyte, t10k-labels-idx1-ubyte, t10k-images-idx3-ubyte, train-images-idx3-ubyte (each gzipped as .gz or not)',
    );
  });

  it('refuses a named directory missing a file, naming it and the names looked for', async () => {
    const d = await fixtureDir('partial');
    await rm(join(d, 't10k-images-idx3-ubyte.gz'));
    const e = await failure(loadDataset({ dataset: 'mnist', dataDir: d }));
    expect(e.message).toContain(
      `data directory ${d} lacks t10k-images-idx3-ubyte (looked for t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte, t10k-images.idx3-ubyte.gz)`,
    );
  });

  it('refuses a corrupted file, naming it and both MD5s', async () => {
    const labels = new Uint8Array(60000).map((_, i) => (i * 7) % 10); // a valid idx file of MNIST's size, but not MNIST's
    const d = await fixtureDir('corrupt', { 'train-labels-idx1-ubyte.gz': gzipSync(encodeIdx([60000], labels)) });
    const e = await failure(loadDataset({ dataset: 'mnist', dataDir: d }));
    expect(e.message).toMatch(
      new RegExp(
        `^${join(d, 'train-labels-idx1-ubyte.gz')}: uncompressed content has MD5 [0-9a-f]{32}, expected a25bea736e30d166cdddb491f175f624 for MNIST \\(60008 bytes;`,
      ),
    );
  });

  it('refuses a truncated gzip file', async () => {
    const gz = gzipSync(encodeIdx([10000], new Uint8Array(10000).map((_, i) => (i * i) % 10)));
    const d = await fixtureDir('truncated', { 't10k-labels-idx1-ubyte.gz': gz.subarray(0, gz.length >> 1) });
    const e = await failure(loadDataset({ dataset: 'mnist', dataDir: d }));
    expect(e.message).toMatch(/t10k-labels-idx1-ubyte\.gz: cannot decompress it \(truncated or damaged gzip\): unexpected end of file/);
  });

  it.skipIf(!existsSync(FASHION_SYSTEM))('finds Fashion-MNIST in the Debian package directory', async () => {
    const ds = await loadDataset({ dataset: 'fashion', env: NO_ENV, cacheDir: join(tmp, 'unused'), download: false });
    expect(ds.source).toEqual({ kind: 'system', dir: FASHION_SYSTEM });
    expect([ds.train.n, ds.test.n]).toEqual([60000, 10000]);
    expect(Array.from(ds.train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  });

  it('says a named directory holds the other data set', async () => {
    const e = await failure(loadDataset({ dataset: 'fashion', dataDir: mnistDir(), systemDirs: [] }));
    expect(e.message).toMatch(/train-labels-idx1-ubyte\.gz holds MNIST, not Fashion-MNIST \(MD5 a25bea736e30d166cdddb491f175f624\)$/);
  });

  it('offline with no data: says where it looked and how to get the data', async () => {
    const MNIST = mnistDir();
    const progress: DataProgress[] = [];
    const e = await failure(
      loadDataset({
        dataset: 'fashion',
        env: { ...NO_ENV, CONVSCOPE_DATA: MNIST },
        systemDirs: [join(tmp, 'no-system')],
        cacheDir: join(tmp, 'empty-cache'),
        download: false,
        onProgress: (p) => progress.push(p),
      }),
    );
    expect(e.message).toBe(
      [
        'Fashion-MNIST not found.',
        'Looked in:',
        `  - $CONVSCOPE_DATA ${MNIST}: ${join(MNIST, 'train-labels-idx1-ubyte.gz')} holds MNIST, not Fashion-MNIST (MD5 a25bea736e30d166cdddb491f175f624)`,
        `  - ${join(tmp, 'no-system')}: not a directory`,
        `  - cache ${join(tmp, 'empty-cache')}: empty`,
        'Downloading is turned off.',
        'To get it:',
        '  - pass --data DIR, a folder holding the four idx files train-labels-idx1-ubyte, t10k-labels-idx1-ubyte, t10k-images-idx3-ubyte, train-images-idx3-ubyte (each gzipped as .gz or not)',
        '  - set CONVSCOPE_DATA=DIR',
        '  - connect to the internet so it can be downloaded into the cache',
        '  - or install it system-wide: apt-get install dataset-fashion-mnist',
      ].join('\n'),
    );
    expect(progress.map((p) => p.kind)).toEqual(['skip', 'skip']);
  });
});

describe('loadDataset downloads', () => {
  it('falls back past a corrupt mirror, writes the cache atomically, then loads from the cache', async () => {
    mnistDir(); // served by the local mirror
    const cacheDir = join(tmp, 'xdg', 'convscope', 'mnist');
    const progress: DataProgress[] = [];
    hits.length = 0;
    const ds = await loadDataset({
      dataset: 'mnist',
      env: { ...NO_ENV, XDG_CACHE_HOME: join(tmp, 'xdg') },
      mirrors: [`${base}/corrupt/`, `${base}/good/`],
      onProgress: (p) => progress.push(p),
    });
    expect(ds.source).toEqual({ kind: 'download', dir: cacheDir });
    expect(ds.train.n).toBe(60000);
    expect(ds.checksums['train-images-idx3-ubyte']).toBe(DATASETS.mnist.md5.trainImages);
    expect((await readdir(cacheDir)).sort()).toEqual(NAMES.map((n) => `${n}.gz`).sort());
    expect(hits.filter((h) => h.startsWith('/corrupt/')).length).toBe(4);
    const last = progress.filter((p) => p.kind === 'download').at(-1);
    expect(last).toMatchObject({ receivedBytes: 9719438, totalBytes: 9719438, url: `${base}/good/train-images-idx3-ubyte.gz` });
    expect(formatProgress(last as DataProgress)).toBe(`downloading ${base}/good/train-images-idx3-ubyte.gz: 9.7 of 9.7 MB`);

    hits.length = 0;
    const again = await loadDataset({ dataset: 'mnist', env: { ...NO_ENV, XDG_CACHE_HOME: join(tmp, 'xdg') }, mirrors: [`${base}/good/`] });
    expect(again.source.kind).toBe('cache');
    expect(hits).toEqual([]);
  }, 30_000);

  it('when every mirror fails: lists each failure and leaves nothing in the cache', async () => {
    const cacheDir = join(tmp, 'failed-cache');
    const e = await failure(
      loadDataset({
        dataset: 'mnist',
        cacheDir,
        env: NO_ENV,
        mirrors: [`${base}/corrupt/`, `${base}/truncated/`, `${base}/missing/`, 'http://127.0.0.1:9/'],
      }),
    );
    const f = `${base}/%s/train-labels-idx1-ubyte.gz`;
    expect(e.message).toMatch(/^MNIST not found\.\nLooked in:\n  - \$CONVSCOPE_DATA: not set\n  - cache .*: empty\nDownloading failed: could not download train-labels-idx1-ubyte:\n/);
    expect(e.message).toContain(`${f.replace('%s', 'corrupt')}: content has MD5 `);
    expect(e.message).toContain(`${f.replace('%s', 'truncated')}: `);
    expect(e.message).toContain(`${f.replace('%s', 'missing')}: HTTP 404 Not Found`);
    expect(e.message).toContain('http://127.0.0.1:9/train-labels-idx1-ubyte.gz: fetch failed');
    expect(e.message).toContain('connect to the internet so it can be downloaded into the cache');
    expect(await readdir(cacheDir).catch(() => [])).toEqual([]);
  });

  it('re-downloads a corrupted cache file, or refuses it when downloads are off', async () => {
    const cacheDir = await linkedDir('cache-bad', ['t10k-labels-idx1-ubyte']);
    await writeFile(join(cacheDir, 't10k-labels-idx1-ubyte.gz'), gzipSync(Buffer.alloc(10008, 1)));
    const e = await failure(loadDataset({ dataset: 'mnist', cacheDir, env: NO_ENV, download: false }));
    expect(e.message).toMatch(/t10k-labels-idx1-ubyte\.gz: uncompressed content has MD5 .*; delete it to download it again, or pass --data DIR$/);

    hits.length = 0;
    const ds = await loadDataset({ dataset: 'mnist', cacheDir, env: NO_ENV, mirrors: [`${base}/good/`] });
    expect(hits).toEqual(['/good/t10k-labels-idx1-ubyte.gz']);
    expect(ds.test.labels[0]).toBe(7);
  }, 30_000);
});
