/// <reference path="../../test/provided-context.d.ts" />
/**
 * GET /api/data and /api/data/NAME/FILE: the idx files for training in the page, found as the CLI
 * finds them and offered only once checked; bad names, paths, parameters and methods refused with
 * a JSON message; a missing or damaged set reported with how to get it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { startServer, type RunningServer } from './server.js';
import type { DataResponse } from './api-types.js';
import { DataFiles } from './data-files.js';

/** The MNIST directory test/global-setup.ts found (test/helpers.ts's mnistDir(), which src/ cannot import). */
function mnistDir(): string {
  const mnist = inject('mnist');
  if ('error' in mnist) throw new Error(mnist.error);
  return mnist.dir;
}
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'convscope-data-'));
const quiet = () => undefined;
/** nothing found beyond what a test names: no $CONVSCOPE_DATA, no system folders, an empty cache */
const hermetic = (cache: string) => ({ env: {}, systemDirs: { mnist: [], fashion: [] }, cacheDir: (d: string) => join(cache, d) });

let server: RunningServer;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mnistDir();
  server = await startServer({ port: 0, dataDir: dir, dataSearch: hermetic(tempDir()), log: quiet, webDir: tempDir() });
  base = server.url.replace(/\/$/, '');
});
afterAll(() => server?.close());

function rawGet(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function json(res: Response): Promise<{ error: string; code?: string } & Record<string, unknown>> {
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return (await res.json()) as { error: string };
}

describe('GET /api/data', () => {
  it('lists both sets: MNIST from --data with its files, Fashion-MNIST absent with the reason and how to get it', async () => {
    const res = await fetch(`${base}/api/data`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as DataResponse;
    const [mnist, fashion] = body.datasets;
    expect(mnist).toMatchObject({ name: 'mnist', title: 'MNIST', available: true, source: 'dir' });
    expect(mnist!.classNames).toHaveLength(10);
    const gz = readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), { flag: 'r' }).length;
    expect(mnist!.files!['test-labels']).toEqual({ url: '/api/data/mnist/test-labels', bytes: gz, gzip: true });
    expect(Object.keys(mnist!.files!).sort()).toEqual(['test-images', 'test-labels', 'train-images', 'train-labels']);
    expect(fashion).toMatchObject({ name: 'fashion', available: false });
    expect(fashion!.reason).toMatch(/holds MNIST, not Fashion-MNIST/);
    expect(fashion!.howTo).toMatch(/--data DIR.*CONVSCOPE_DATA.*--dataset fashion/);
    expect(fashion!.files).toBeUndefined();
  });

  it('is listed in the API index and refuses parameters', async () => {
    const index = (await (await fetch(`${base}/api`)).json()) as { routes: { path: string }[] };
    expect(index.routes.map((r) => r.path)).toContain('/api/data');
    const res = await fetch(`${base}/api/data?dataset=mnist`);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatch(/unknown parameter "dataset"; this route takes no parameters/);
  });
});

describe('GET /api/data/NAME/FILE', () => {
  it('streams the file as it is on disk, says whether it is gzipped, and answers a matching ETag with 304', async () => {
    const res = await fetch(`${base}/api/data/mnist/test-labels`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-convscope-gzip')).toBe('1');
    expect(res.headers.get('cross-origin-resource-policy') ?? res.headers.get('cross-origin-opener-policy')).toBeTruthy();
    const got = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(got).equals(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz')))).toBe(true);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${base}/api/data/mnist/test-labels`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    const head = await fetch(`${base}/api/data/mnist/train-images`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(readFileSync(join(dir, 'train-images-idx3-ubyte.gz')).length);
  });

  it.each([
    ['/api/data/nope/train-images', 404, /unknown data set "nope"; expected one of mnist, fashion/],
    ['/api/data/mnist/train-images.gz', 404, /unknown data file "train-images.gz"; expected one of train-images, train-labels, test-images, test-labels/],
    ['/api/data/mnist/t10k-images-idx3-ubyte', 404, /unknown data file/],
    ['/api/data/mnist', 404, /data files are \/api\/data\/NAME\/FILE/],
    ['/api/data/mnist/test-labels/extra', 404, /data files are \/api\/data\/NAME\/FILE/],
    ['/api/data/mnist/..%2f..%2fpackage.json', 400, /contains '\/'/],
    ['/api/data/mnist/%2e%2e/%2e%2e/etc/passwd', 400, /'\.\.' segments/],
    ['/api/data/mnist/test-labels?offset=3', 400, /unknown parameter "offset"/],
    ['/api/data/fashion/train-images', 404, /Fashion-MNIST is not available on this server: .*holds MNIST.*To add it, put the four idx files/s],
  ])('%s → %i with a message', async (path, status, message) => {
    // sent verbatim: fetch would tidy '..' away before the server saw it
    const res = await rawGet(server.port, path);
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/application\/json/);
    expect(JSON.parse(res.body).error).toMatch(message);
  });

  it('takes GET and HEAD only', async () => {
    const res = await fetch(`${base}/api/data/mnist/test-labels`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await json(res)).error).toMatch(/takes GET or HEAD, not POST/);
  });
});

describe('DataFiles', () => {
  it('finds a set through $CONVSCOPE_DATA as the CLI does when no --data was given', async () => {
    const files = new DataFiles({ ...hermetic(tempDir()), env: { CONVSCOPE_DATA: dir } });
    const [mnist] = await files.status();
    expect(mnist).toMatchObject({ available: true, source: 'env' });
    expect((await files.file('mnist', 'train-labels')).path).toBe(join(dir, 'train-labels-idx1-ubyte.gz'));
  });

  it('offers nothing from a folder with a damaged file, and says which file and why', async () => {
    const broken = tempDir();
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz']) copyFileSync(join(dir, f), join(broken, f));
    // a well-formed idx label file, but not MNIST's
    writeFileSync(join(broken, 'train-labels-idx1-ubyte'), Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 2]), Buffer.from([1, 2])]));
    const files = new DataFiles({ ...hermetic(tempDir()), dataDir: broken });
    const [mnist] = await files.status();
    expect(mnist!.available).toBe(false);
    expect(mnist!.reason).toMatch(/train-labels-idx1-ubyte: uncompressed content has MD5 [0-9a-f]{32}, expected a25bea736e30d166cdddb491f175f624/);
    await expect(files.file('mnist', 'train-labels')).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/not available on this server/) });
  });

  it('reports an empty search with every place it looked', async () => {
    const files = new DataFiles(hermetic(tempDir()));
    const [mnist] = await files.status();
    expect(mnist!.available).toBe(false);
    expect(mnist!.reason).toMatch(/CONVSCOPE_DATA: not set/);
    expect(mnist!.howTo).toMatch(/convscope train --model tiny --epochs 1/);
  });
});
