/**
 * The server over real HTTP on a free port: static files and their confinement (traversal in every
 * spelling, symlinks, dotfiles), the security headers on every reply, and the JSON API with its
 * refusals. Data and models are small files made here, so the test needs no MNIST download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { encodeModelFile, decodeModelFile } from '../io/model-file.js';
import { encodeIdx } from '../data/idx.js';
import { Tensor } from '../engine/tensor.js';
import { calibrateOod } from '../explain/ood.js';
import { predict as predictLocally } from '../nn/predict.js';
import { startServer, type RunningServer } from './server.js';
import type { DigitsResponse, ModelsResponse, PredictResponse } from './api-types.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json(): unknown;
}

/** A request whose path goes on the wire exactly as written (fetch would normalise '..' away). */
function raw(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) as unknown });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const N_DIGITS = 40;

let tmp: string;
let server: RunningServer;
let bare: RunningServer;
/** a server whose only model file (mlp) carries a "not a digit" calibration */
let calibrated: RunningServer;
let calibratedMlp: Sequential;
let images: Uint8Array;
let labels: Uint8Array;
let mlpBytes: Uint8Array;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'convscope-server-'));
  const web = join(tmp, 'web');
  const models = join(tmp, 'models');
  const data = join(tmp, 'data');
  mkdirSync(join(web, 'assets'), { recursive: true });
  mkdirSync(models);
  mkdirSync(data);
  writeFileSync(join(tmp, 'secret.txt'), SECRET);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>explorer</title>');
  writeFileSync(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(web, '.env'), SECRET);
  symlinkSync(join(tmp, 'secret.txt'), join(web, 'leak.txt'));
  symlinkSync(join(tmp), join(web, 'up'));
  symlinkSync(join(web, 'index.html'), join(web, 'alias.html'));

  const mlp = new Sequential(ZOO['mlp'].spec, 7);
  mlpBytes = encodeModelFile(mlp, { name: 'mlp', testAccuracy: 0.9512, command: 'convscope train --model mlp' });
  writeFileSync(join(models, 'mlp.safetensors'), mlpBytes);
  const custom = new Sequential({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] }, 3);
  writeFileSync(join(models, 'custom.safetensors'), encodeModelFile(custom, { name: 'custom' }));
  writeFileSync(join(models, 'broken.safetensors'), 'not a model at all');
  writeFileSync(join(models, 'cnn.safetensors'), 'also not a model');

  images = new Uint8Array(N_DIGITS * 784);
  labels = new Uint8Array(N_DIGITS);
  for (let i = 0; i < N_DIGITS; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = (i * 31 + p * 7) % 256;
  }
  const imageFile = encodeIdx([N_DIGITS, 28, 28], images);
  const labelFile = encodeIdx([N_DIGITS], labels);
  writeFileSync(join(data, 't10k-images-idx3-ubyte.gz'), gzipSync(imageFile));
  writeFileSync(join(data, 't10k-labels-idx1-ubyte'), labelFile);
  // the server checks data files against MNIST's MD5s; this fixture brings its own
  const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
  const dataChecksums = { testImages: md5(imageFile), testLabels: md5(labelFile) };

  // a calibration fitted on the fixture digits themselves (all ten labels occur): what is tested is
  // that the server reports the model file's calibration, not how good it is
  const oodModels = join(tmp, 'models-ood');
  mkdirSync(oodModels);
  calibratedMlp = new Sequential(ZOO['mlp'].spec, 11);
  const x = new Tensor([N_DIGITS, 1, 28, 28], Float32Array.from(images, (v) => v / 255));
  calibratedMlp.ood = calibrateOod(calibratedMlp, { images: x, labels }, x);
  writeFileSync(join(oodModels, 'mlp.safetensors'), encodeModelFile(calibratedMlp, { name: 'mlp' }));

  const quiet = () => {};
  server = await startServer({ port: 0, webDir: web, modelsDir: models, dataDir: data, dataChecksums, log: quiet });
  bare = await startServer({ port: 0, webDir: join(tmp, 'no-such-web'), modelsDir: join(tmp, 'models'), log: quiet });
  calibrated = await startServer({ port: 0, webDir: join(tmp, 'no-such-web'), modelsDir: oodModels, log: quiet });
});

afterAll(async () => {
  await server?.close();
  await bare?.close();
  await calibrated?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function expectIsolated(r: Reply): void {
  expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
}

describe('static files', () => {
  it('serves index.html at / with the isolation headers', async () => {
    const r = await raw(server.port, 'GET', '/');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<title>explorer</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expectIsolated(r);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('caches hashed assets forever and answers a matching ETag with 304', async () => {
    const r = await raw(server.port, 'GET', '/assets/app-1234.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toContain('immutable');
    const again = await raw(server.port, 'GET', '/assets/app-1234.js', { headers: { 'If-None-Match': String(r.headers['etag']) } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expectIsolated(again);
  });

  it('answers HEAD with headers and no body', async () => {
    const r = await raw(server.port, 'HEAD', '/index.html');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
  });

  const escapes: [string, number][] = [
    ['/../secret.txt', 400],
    ['/assets/../../secret.txt', 400],
    ['/%2e%2e/secret.txt', 400],
    ['/%2E%2E/secret.txt', 400],
    ['/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 400],
    ['/..%2fsecret.txt', 400],
    ['/..%5csecret.txt', 400],
    ['/index.html%00.js', 400],
    ['/models/../secret.txt', 400],
    ['/models/%2e%2e/secret.txt', 400],
    ['/api/../secret.txt', 400],
    ['/.env', 404],
    ['/%2eenv', 404],
    ['/leak.txt', 404],
    ['/up/secret.txt', 404],
    ['//secret.txt', 404],
    [`/${'a'.repeat(20)}/secret.txt`, 404],
  ];
  for (const [path, status] of escapes) {
    it(`never serves files outside its directories: GET ${path} → ${status}`, async () => {
      const r = await raw(server.port, 'GET', path);
      expect(r.status).toBe(status);
      expect(r.text).not.toContain(SECRET);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expectIsolated(r);
    });
  }

  it('follows a symlink that stays inside the web directory', async () => {
    const r = await raw(server.port, 'GET', '/alias.html');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<title>explorer</title>');
  });

  it('says which segment has a malformed percent-escape', async () => {
    const r = await raw(server.port, 'GET', '/assets/%zz.js');
    expect(r.status).toBe(400);
    expect((r.json() as { error: string }).error).toBe('request path has a malformed percent-escape in segment "%zz.js"');
  });

  it('refuses methods other than GET and HEAD on files, with Allow', async () => {
    const r = await raw(server.port, 'POST', '/index.html', { body: 'x' });
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('GET, HEAD');
    expectIsolated(r);
  });

  it('refuses absurdly long URLs with 414', async () => {
    const r = await raw(server.port, 'GET', `/api/digits?x=${'a'.repeat(5000)}`);
    expect(r.status).toBe(414);
  });

  it('explains how to build the app when web/dist is missing', async () => {
    const r = await raw(bare.port, 'GET', '/');
    expect(r.status).toBe(503);
    expect(r.text).toContain('npm run build:web');
    expectIsolated(r);
  });

  it('serves model files byte for byte from the models directory', async () => {
    const r = await raw(server.port, 'GET', '/models/mlp.safetensors');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.compare(r.body, Buffer.from(mlpBytes))).toBe(0);
    expect(decodeModelFile(new Uint8Array(r.body), 'mlp').metadata.testAccuracy).toBe(0.9512);
    expect((await raw(server.port, 'GET', '/models/none.safetensors')).status).toBe(404);
  });
});

describe('GET /api/models', () => {
  it('lists the zoo (trained where a file exists) and other model files, with the broken ones as problems', async () => {
    const r = await raw(server.port, 'GET', '/api/models');
    expect(r.status).toBe(200);
    expectIsolated(r);
    const body = r.json() as ModelsResponse;
    expect(body.models.map((m) => m.name)).toEqual(['mlp', 'tiny', 'lenet', 'cnn', 'custom']);
    const mlp = body.models[0];
    expect(mlp).toMatchObject({ trained: true, testAccuracy: 0.9512, params: 13002, file: '/models/mlp.safetensors', command: 'convscope train --model mlp' });
    const lenet = body.models[2];
    expect(lenet).toMatchObject({ trained: false, file: null, testAccuracy: null, params: 431080, macs: 2307720 });
    expect(lenet.spec.layers[0]).toEqual({ kind: 'conv2d', outC: 20, k: 5 });
    const cnn = body.models[3];
    expect(cnn.trained).toBe(false);
    expect(cnn.error).toContain('cnn.safetensors');
    expect(body.models[4]).toMatchObject({ name: 'custom', trained: true, params: 7850 });
    expect(body.problems.map((p) => p.file).sort()).toEqual(['broken.safetensors', 'cnn.safetensors']);
  });

  it('refuses query parameters it does not take', async () => {
    const r = await raw(server.port, 'GET', '/api/models?x=1');
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: 'unknown parameter "x"; this route takes no parameters', code: 'bad-param', status: 400 });
  });
});

describe('GET /api/digits', () => {
  it('returns a page of digits with labels and their exact pixels', async () => {
    const r = await raw(server.port, 'GET', '/api/digits?split=test&offset=3&limit=5');
    expect(r.status).toBe(200);
    const body = r.json() as DigitsResponse;
    expect(body).toMatchObject({ split: 'test', kind: 'all', offset: 3, limit: 5, total: N_DIGITS, splitSize: N_DIGITS, model: null });
    expect(body.items.map((d) => d.index)).toEqual([3, 4, 5, 6, 7]);
    for (const d of body.items) {
      expect(d.label).toBe(labels[d.index]);
      const px = Buffer.from(d.pixels, 'base64');
      expect(px.length).toBe(784);
      expect(Buffer.compare(px, Buffer.from(images.subarray(d.index * 784, (d.index + 1) * 784)))).toBe(0);
      expect(d.predicted).toBeUndefined();
    }
  });

  it('stops at the end of the split', async () => {
    const body = (await raw(server.port, 'GET', `/api/digits?offset=${N_DIGITS - 2}&limit=10`)).json() as DigitsResponse;
    expect(body.items.map((d) => d.index)).toEqual([N_DIGITS - 2, N_DIGITS - 1]);
  });

  it('adds predictions when a model is named, and they agree with POST /api/predict', async () => {
    const body = (await raw(server.port, 'GET', '/api/digits?model=lenet&limit=3')).json() as DigitsResponse;
    for (const d of body.items) {
      const pixels = Array.from(Buffer.from(d.pixels, 'base64'), (v) => v / 255);
      const p = (await raw(server.port, 'POST', '/api/predict', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'lenet', pixels }) })).json() as PredictResponse;
      expect(d.predicted).toBe(p.predicted);
      expect(d.confidence).toBeCloseTo(p.probabilities[p.predicted], 5);
    }
  });

  it('pages through misclassified digits only, and gives the total once the scan is complete', async () => {
    const first = (await raw(server.port, 'GET', '/api/digits?kind=misclassified&model=mlp&limit=4')).json() as DigitsResponse;
    expect(first.items.length).toBeGreaterThan(0);
    for (const d of first.items) expect(d.predicted).not.toBe(d.label);
    const all = (await raw(server.port, 'GET', `/api/digits?kind=misclassified&model=mlp&limit=100`)).json() as DigitsResponse;
    expect(all.scanned).toBe(N_DIGITS);
    expect(all.total).toBe(all.items.length);
    expect(all.items.slice(0, first.items.length)).toEqual(first.items);
    const indices = all.items.map((d) => d.index);
    expect([...indices].sort((a, b) => a - b)).toEqual(indices);
    // every digit left out was classified correctly
    const page = (await raw(server.port, 'GET', `/api/digits?model=mlp&limit=100`)).json() as DigitsResponse;
    expect(page.items.filter((d) => d.predicted !== d.label).map((d) => d.index)).toEqual(indices);
  });

  const bad: [string, string][] = [
    ['limit=0', "'limit' must be an integer in 1..100; got \"0\""],
    ['limit=101', "'limit' must be an integer in 1..100; got \"101\""],
    ['limit=2.5', "'limit' must be an integer in 1..100; got \"2.5\""],
    ['offset=-1', "'offset' must be an integer ≥ 0; got \"-1\""],
    ['offset=abc', "'offset' must be an integer ≥ 0; got \"abc\""],
    ['offset=41', "'offset' is 41 but the test split has only 40 digits"],
    ['kind=wrong', "'kind' must be one of all, misclassified; got \"wrong\""],
    ['split=valid', "'split' must be one of test, train; got \"valid\""],
    ['limit=1&limit=2', "parameter 'limit' is given more than once"],
    ['page=2', 'unknown parameter "page"; expected split, kind, model, offset, limit'],
    ['kind=misclassified', 'kind=misclassified needs a model: add &model=NAME (see /api/models)'],
    ['model=resnet', 'unknown model "resnet" in \'model\'; the models are mlp, tiny, lenet, cnn, custom'],
    ['model=..%2Fsecret', 'unknown model "../secret" in \'model\'; the models are mlp, tiny, lenet, cnn, custom'],
  ];
  for (const [query, message] of bad) {
    it(`refuses ?${query} with 400 and says why`, async () => {
      const r = await raw(server.port, 'GET', `/api/digits?${query}`);
      expect(r.status).toBe(400);
      expect(r.json()).toEqual({ error: message, code: 'bad-param', status: 400 });
      expectIsolated(r);
    });
  }

  it('says how to add data when the server has none', async () => {
    const r = await raw(bare.port, 'GET', '/api/digits');
    expect(r.status).toBe(404);
    const body = r.json() as { error: string; code: string };
    expect(body.code).toBe('no-data');
    expect(body.error).toContain('--data DIR');
    expect(body.error).toContain('CONVSCOPE_DATA');
  });
});

describe('POST /api/predict', () => {
  const post = (body: string, type = 'application/json') => raw(server.port, 'POST', '/api/predict', { headers: { 'Content-Type': type }, body });

  it('returns ten probabilities that sum to one and the arg max', async () => {
    const pixels = Array.from({ length: 784 }, (_, i) => ((i * 13) % 29) / 29);
    const r = await post(JSON.stringify({ model: 'mlp', pixels }));
    expect(r.status).toBe(200);
    const body = r.json() as PredictResponse;
    expect(body.trained).toBe(true);
    expect(body.probabilities).toHaveLength(10);
    expect(body.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(body.predicted).toBe(body.probabilities.indexOf(Math.max(...body.probabilities)));
  });

  it('leaves out notDigit and ood when the model file has no "not a digit" calibration', async () => {
    const r = await post(JSON.stringify({ model: 'mlp', pixels: Array(784).fill(0.5) }));
    expect(r.status).toBe(200);
    const body = r.json() as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['model', 'predicted', 'probabilities', 'trained']);
  });

  it('adds notDigit and the score, threshold and method from a calibrated model file (mlp, combined), as predict() computes them', async () => {
    expect(calibratedMlp.ood?.method).toBe('combined');
    const threshold = calibratedMlp.ood?.threshold ?? NaN;
    const verdicts = new Set<boolean>();
    for (let i = 0; i < N_DIGITS; i++) {
      const pixels = Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
      const r = await raw(calibrated.port, 'POST', '/api/predict', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'mlp', pixels }) });
      expect(r.status).toBe(200);
      const body = r.json() as PredictResponse;
      const local = predictLocally(calibratedMlp, Float32Array.from(pixels));
      const want = local.ood?.[0];
      expect(want).toBeDefined();
      expect(body.ood?.method).toBe('combined');
      expect(body.ood?.threshold).toBeCloseTo(threshold, 6);
      expect(body.ood?.score).toBeCloseTo(want?.score ?? NaN, 5);
      expect(body.notDigit).toBe(local.notDigit[0]);
      expect(body.notDigit).toBe((body.ood?.score ?? NaN) > (body.ood?.threshold ?? NaN));
      verdicts.add(body.notDigit ?? false);
    }
    // the threshold accepts 95% of these digits: 38 under it, 2 above, so both answers occur
    expect([...verdicts].sort()).toEqual([false, true]);
  });

  const refusals: [string, string, number, string][] = [
    ['not json', '{"model":', 400, 'request body is not valid JSON'],
    ['an array', '[]', 400, 'expected a JSON object {"model": NAME, "pixels": [784 numbers]}, got an array'],
    ['no model', JSON.stringify({ pixels: [] }), 400, '"model" must be a model name (string), got nothing'],
    ['short pixels', JSON.stringify({ model: 'mlp', pixels: [0, 1] }), 400, '"pixels" must be an array of 784 numbers (28×28, row-major), got 2 values'],
    ['a pixel out of range', JSON.stringify({ model: 'mlp', pixels: [...Array(783).fill(0), 2] }), 400, '"pixels"[783] is 2; every pixel must be a number in 0..1'],
    ['a string pixel', JSON.stringify({ model: 'mlp', pixels: ['0', ...Array(783).fill(0)] }), 400, '"pixels"[0] is "0"; every pixel must be a number in 0..1'],
    ['an extra field', JSON.stringify({ model: 'mlp', pixels: [], eval: 1 }), 400, 'unknown field "eval"; expected only "model" and "pixels"'],
    ['an unknown model', JSON.stringify({ model: 'nope', pixels: Array(784).fill(0) }), 400, 'unknown model "nope"; the models are'],
  ];
  for (const [what, body, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const r = await post(body);
      expect(r.status).toBe(status);
      expect((r.json() as { error: string }).error).toContain(message);
    });
  }

  it('refuses other content types with 415', async () => {
    const r = await post('{}', 'text/plain');
    expect(r.status).toBe(415);
    expect((r.json() as { error: string }).error).toBe('expected Content-Type: application/json, got "text/plain"');
  });

  it('refuses a body over 64 KiB with 413 before reading it', async () => {
    const r = await post(JSON.stringify({ model: 'mlp', pixels: Array(784).fill(0.123456789012345), pad: 'x'.repeat(70_000) }));
    expect(r.status).toBe(413);
    expect((r.json() as { code: string }).code).toBe('body-too-large');
  });

  it('refuses GET with 405 and Allow: POST', async () => {
    const r = await raw(server.port, 'GET', '/api/predict');
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('POST');
  });
});

describe('the API around the routes', () => {
  it('answers an unknown route with a JSON 404 that lists the routes', async () => {
    const r = await raw(server.port, 'GET', '/api/nothing');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ error: 'no API route /api/nothing; the routes are /api, /api/models, /api/digits, /api/data, /api/predict', code: 'not-found', status: 404 });
    expectIsolated(r);
  });

  it('describes itself at /api', async () => {
    const body = (await raw(server.port, 'GET', '/api')).json() as { routes: { path: string }[] };
    expect(body.routes.map((x) => x.path)).toEqual(['/api', '/api/models', '/api/digits', '/api/data', '/api/predict']);
  });
});

describe('startServer', () => {
  it('refuses a data directory that does not exist, naming it', async () => {
    await expect(startServer({ port: 0, dataDir: join(tmp, 'nope') })).rejects.toThrow(`server: the data directory (--data) ${join(tmp, 'nope')} does not exist`);
  });

  it('says when the port is taken', async () => {
    await expect(startServer({ port: server.port })).rejects.toThrow(`server: port ${server.port} on 127.0.0.1 is in use; pick another with --port`);
  });

  it('refuses a port out of range', async () => {
    await expect(startServer({ port: 70000 })).rejects.toThrow('server: port must be an integer in 0..65535, got 70000');
  });
});
