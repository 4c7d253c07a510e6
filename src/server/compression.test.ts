/**
 * Compression end to end over real HTTP on a free port: brotli or gzip chosen by Accept-Encoding
 * (q-values included), bodies that decompress to the file byte for byte, per-encoding ETags and
 * Vary, hashed assets cached as immutable, model weights never compressed (the explorer shows
 * their download against Content-Length), JSON replies compressed too; and chooseEncoding alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { encodeModelFile } from '../io/model-file.js';
import { startServer, type RunningServer } from './server.js';
import { CompressedFiles, FAST_BROTLI_QUALITY, chooseEncoding, compress, isCompressible } from './compression.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** node:http, not fetch: fetch would decompress and hide what came over the wire. */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SCRIPT = Buffer.from(`export const lines = [\n${Array.from({ length: 2000 }, (_, i) => `  "line ${i} of a script that repeats itself",`).join('\n')}\n];\n`);
let tmp: string;
let server: RunningServer;
let modelBytes: Uint8Array;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'convscope-compress-'));
  mkdirSync(join(tmp, 'web', 'assets'), { recursive: true });
  mkdirSync(join(tmp, 'models'));
  writeFileSync(join(tmp, 'web', 'index.html'), `<!doctype html><title>explorer</title>${'<p>hello</p>'.repeat(200)}`);
  writeFileSync(join(tmp, 'web', 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(join(tmp, 'web', 'assets', 'tiny-abc123.js'), 'export {};\n');
  modelBytes = encodeModelFile(new Sequential(ZOO['tiny'].spec, 3), { testAccuracy: 0.5 });
  writeFileSync(join(tmp, 'models', 'tiny.safetensors'), modelBytes);
  server = await startServer({ port: 0, webDir: join(tmp, 'web'), modelsDir: join(tmp, 'models'), uploads: false, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the server compresses what it serves', () => {
  it('sends a hashed script brotli-compressed to "gzip, deflate, br", gzip to "gzip", each decompressing to the file', async () => {
    const br = await get(server.port, '/assets/index-abc123.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toBe('Accept-Encoding');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(brotliDecompressSync(br.body).equals(SCRIPT)).toBe(true);

    const gz = await get(server.port, '/assets/index-abc123.js', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(SCRIPT)).toBe(true);
    expect(gz.headers['etag']).not.toBe(br.headers['etag']);
  });

  it('sends the file as it is to a client that accepts no encoding, with its own ETag', async () => {
    const plain = await get(server.port, '/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(SCRIPT)).toBe(true);
    const refused = await get(server.port, '/assets/index-abc123.js', { 'Accept-Encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.headers['etag']).toBe(plain.headers['etag']);
  });

  it('answers a matching per-encoding ETag with 304, and HEAD with the compressed length and no body', async () => {
    const br = await get(server.port, '/', { 'Accept-Encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('no-cache');
    const again = await get(server.port, '/', { 'Accept-Encoding': 'br', 'If-None-Match': String(br.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await get(server.port, '/', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.body.length).toBe(0);
    // the compressed length (the better brotli copy may have replaced the first by now: never longer)
    expect(head.headers['content-encoding']).toBe('br');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(Number(head.headers['content-length'])).toBeLessThanOrEqual(Number(br.headers['content-length']));
  });

  it('leaves tiny files and model weights alone (weights barely shrink; the app shows their download against Content-Length)', async () => {
    const tiny = await get(server.port, '/assets/tiny-abc123.js', { 'Accept-Encoding': 'br, gzip' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    const model = await get(server.port, '/models/tiny.safetensors', { 'Accept-Encoding': 'br, gzip' });
    expect(model.status).toBe(200);
    expect(model.headers['content-encoding']).toBeUndefined();
    expect(Number(model.headers['content-length'])).toBe(modelBytes.length);
  });

  it('compresses JSON replies of the API: /api/models decompresses to the same JSON as the plain reply', async () => {
    const plain = await get(server.port, '/api/models');
    const gz = await get(server.port, '/api/models', { 'Accept-Encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.length).toBeLessThan(plain.body.length);
    expect(JSON.parse(gunzipSync(gz.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
  });
});

describe('CompressedFiles', () => {
  it('answers a file\'s first request with the fast brotli copy, later ones with brotli 11 once it is made, reading the file once', async () => {
    const cache = new CompressedFiles();
    const file = { path: '/x/app.js', size: SCRIPT.length, mtimeMs: 1 };
    let reads = 0;
    const read = async () => {
      reads++;
      return SCRIPT;
    };
    const fast = await compress(SCRIPT, 'br', FAST_BROTLI_QUALITY);
    const best = await compress(SCRIPT, 'br', 11);
    expect((await cache.get(file, 'br', read)).equals(fast)).toBe(true);
    let later = await cache.get(file, 'br', read);
    for (let i = 0; i < 100 && !later.equals(best); i++) {
      await new Promise((r) => setTimeout(r, 50));
      later = await cache.get(file, 'br', read);
    }
    expect(later.equals(best)).toBe(true);
    expect(brotliDecompressSync(later).equals(SCRIPT)).toBe(true);
    expect(reads).toBe(1);
    // a changed file (new mtime) is another entry
    await cache.get({ ...file, mtimeMs: 2 }, 'br', read);
    expect(reads).toBe(2);
  });

  it('drops the oldest copies past its byte budget', async () => {
    const cache = new CompressedFiles(1);
    let reads = 0;
    const read = async () => {
      reads++;
      return SCRIPT;
    };
    await cache.get({ path: '/a.js', size: 1, mtimeMs: 1 }, 'gzip', read);
    await cache.get({ path: '/b.js', size: 1, mtimeMs: 1 }, 'gzip', read);
    await cache.get({ path: '/a.js', size: 1, mtimeMs: 1 }, 'gzip', read);
    expect(reads).toBe(3);
  });
});

describe('chooseEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['br;q=0, *', 'gzip'],
    ['identity', null],
    ['deflate', null],
    ['', null],
    ['gzip;q=0', null],
    ['BR', 'br'],
  ] as const)('Accept-Encoding %j → %s', (header, want) => {
    expect(chooseEncoding(header)).toBe(want);
  });

  it('reads a missing header as identity and joins repeated ones', () => {
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding(['identity', 'gzip'])).toBe('gzip');
  });

  it('compresses text, JSON, scripts, wasm and SVG, not PNGs or model files', () => {
    expect(['text/html; charset=utf-8', 'text/javascript; charset=utf-8', 'application/json', 'application/wasm', 'image/svg+xml'].every(isCompressible)).toBe(true);
    expect(['image/png', 'application/octet-stream', 'font/woff2'].some(isCompressible)).toBe(false);
  });
});
