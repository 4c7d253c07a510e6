/**
 * The gallery's data directory, through the store and over HTTP: files are read by the data layer's
 * checked loader (a decompression bomb stops at MAX_IDX_BYTES, MD5s against the catalog), a load's
 * outcome is kept until the files change (one load and one log line for any number of requests),
 * and loading never holds up other routes. Fixtures are made here; no MNIST download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../data/idx.js';
import { MAX_IDX_BYTES } from '../data/node-idx-file.js';
import { DigitStore } from './digit-store.js';
import { HttpError } from './http-util.js';
import { startServer } from './server.js';

const N = 30;
const images = encodeIdx([N, 28, 28], new Uint8Array(N * 784).map((_, i) => (i * 13) % 256));
const labels = encodeIdx([N], new Uint8Array(N).map((_, i) => i % 10));
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const checksums = { testImages: md5(images), testLabels: md5(labels) };

let tmp: string;
/** 65 KB of gzip that inflates to 1 MB past the limit (the probe's 3 MB inflated to 3 GB: the same, longer) */
let bomb: Buffer;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'convscope-digits-'));
  bomb = gzipSync(Buffer.alloc(MAX_IDX_BYTES + (1 << 20)), { level: 9 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dataDir(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, f), b);
  return dir;
}

async function failure(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('DigitStore', () => {
  it('loads a split whose files match the checksums, once for any number of requests', async () => {
    const store = new DigitStore(dataDir('good', { 't10k-images-idx3-ubyte.gz': gzipSync(images), 't10k-labels-idx1-ubyte': labels }), { checksums });
    const [a, b] = await Promise.all([store.split('test'), store.split('test')]);
    expect(a.n).toBe(N);
    expect(b).toBe(a);
    expect(await store.split('test')).toBe(a);
    expect(store.loadsStarted).toBe(1);
  });

  it("refuses files that are not MNIST by the catalog's MD5, saying which and what was expected", async () => {
    const dir = dataDir('not-mnist', { 't10k-images-idx3-ubyte': images, 't10k-labels-idx1-ubyte': labels });
    const e = await failure(new DigitStore(dir).split('test'));
    expect(e.status).toBe(500);
    expect(e.code).toBe('bad-data');
    expect(e.message).toBe(
      `${join(dir, 't10k-labels-idx1-ubyte')}: uncompressed content has MD5 ${md5(labels)}, expected 27ae3e4e09519cfbb04c329615203637 for MNIST ` +
        `(${labels.length} bytes; damaged, truncated or a different file); the server tries again once the data directory's files change`,
    );
  });

  it('stops a decompression bomb at the limit, remembers the error (one load, one log line) until the file changes', async () => {
    const dir = dataDir('bomb', { 't10k-images-idx3-ubyte.gz': bomb, 't10k-labels-idx1-ubyte': labels });
    const lines: string[] = [];
    const store = new DigitStore(dir, { checksums, log: (l) => lines.push(l) });
    const before = process.memoryUsage().arrayBuffers;
    const first = await failure(store.split('test'));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 * MAX_IDX_BYTES);
    expect(first.message).toContain(`${join(dir, 't10k-images-idx3-ubyte.gz')}: inflates to more than ${MAX_IDX_BYTES} bytes`);
    for (let i = 0; i < 5; i++) expect((await failure(store.split('test'))).message).toBe(first.message);
    expect(store.loadsStarted).toBe(1);
    expect(lines).toEqual([`convscope server: the test digits of ${dir} cannot be used: ${first.message}`]);
    // replacing the file is a change on disk: the next request loads again, and succeeds
    rmSync(join(dir, 't10k-images-idx3-ubyte.gz'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
    expect((await store.split('test')).n).toBe(N);
    expect(store.loadsStarted).toBe(2);
  });

  it('says which file is missing, and finds it once it is added', async () => {
    const dir = dataDir('half', { 't10k-labels-idx1-ubyte': labels });
    const store = new DigitStore(dir, { checksums });
    const e = await failure(store.split('test'));
    expect([e.status, e.code]).toEqual([404, 'no-data']);
    expect(e.message).toContain(`the data directory ${dir} has no t10k-images-idx3-ubyte (nor t10k-images-idx3-ubyte.gz)`);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
    expect((await store.split('test')).n).toBe(N);
  });
});

describe('the server with a decompression bomb in --data', () => {
  it('answers /api/digits with one clear JSON error, and /api/models is not held up meanwhile', async () => {
    const dir = dataDir('bomb-http', { 't10k-images-idx3-ubyte.gz': bomb, 't10k-labels-idx1-ubyte': labels });
    const lines: string[] = [];
    const server = await startServer({ port: 0, webDir: join(tmp, 'no-web'), dataDir: dir, dataChecksums: checksums, log: (l) => lines.push(l) });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const digits = fetch(`${base}/api/digits`);
      // while the bomb is being inflated (in the background since start-up), other routes answer
      const t0 = performance.now();
      const models = await fetch(`${base}/api`);
      expect(models.status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(1000);
      const r = await digits;
      expect(r.status).toBe(500);
      const body = (await r.json()) as { code: string; error: string };
      expect(body.code).toBe('bad-data');
      expect(body.error).toContain('inflates to more than 67108864 bytes');
      for (let i = 0; i < 3; i++) expect(((await (await fetch(`${base}/api/digits?limit=5`)).json()) as { error: string }).error).toBe(body.error);
      expect(lines.filter((l) => l.includes('cannot be used'))).toHaveLength(1);
      expect(lines.join('\n')).not.toMatch(/\n\s+at /);
    } finally {
      await server.close();
    }
  });
});
