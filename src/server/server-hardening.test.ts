/**
 * The server against clients that misbehave, over raw sockets so nothing is tidied on the way:
 * bodies over the limit (declared or chunked) refused without being read, Content-Lengths that lie,
 * slow headers and stalled bodies, idle keep-alives, more connections than allowed, methods that do
 * not fit, aborted uploads; and POST /api/models uploads: validated before anything is stored,
 * stored atomically under a name made from their hash. Each is answered with its 4xx or closed, and
 * the server keeps answering. Timeouts are shortened so the test runs in seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { encodeModelFile } from '../io/model-file.js';
import { exportOnnx } from '../io/onnx/onnx-export.js';
import { startServer, type RunningServer } from './server.js';
import { MAX_UPLOAD_BYTES } from './model-upload.js';
import type { ModelsResponse, UploadResponse } from './api-types.js';

interface Exchange {
  /** everything the server sent */
  text: string;
  /** the status of the first response, or 0 */
  status: number;
  /** whether the server closed the connection within the wait */
  closed: boolean;
  ms: number;
}

/**
 * Opens a connection, sends `parts` (strings or bytes; a number is a pause in ms), and waits up to
 * `waitMs` after the last part for the server to close. Never sends more than it is told to.
 */
function exchange(port: number, parts: (string | Buffer | number)[], waitMs = 3000): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : 0, closed, ms: performance.now() - t0 });
    };
    let timer: NodeJS.Timeout = setTimeout(() => finish(false), 60_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const p of parts) {
        if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
        else if (!socket.destroyed) socket.write(p);
      }
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), waitMs);
    });
  });
}

const request = (method: string, path: string, headers: Record<string, string | number>, body = ''): string =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;

let tmp: string;
let models: string;
let server: RunningServer;
let readOnly: RunningServer;
const lines: string[] = [];
const PIXELS = JSON.stringify({ model: 'mlp', pixels: Array(784).fill(0) });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'convscope-hardening-'));
  models = join(tmp, 'models');
  mkdirSync(models);
  server = await startServer({
    port: 0,
    webDir: join(tmp, 'no-web'),
    modelsDir: models,
    timeouts: { headersMs: 500, requestMs: 1000, keepAliveMs: 400 },
    maxConnections: 8,
    log: (l) => lines.push(l),
  });
  readOnly = await startServer({ port: 0, webDir: join(tmp, 'no-web'), log: () => {} });
});
afterAll(async () => {
  await server?.close();
  await readOnly?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function stillUp(port = server.port): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/api/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: PIXELS });
  expect(r.status).toBe(200);
}

describe('bodies', () => {
  it('refuses a Content-Length over the limit with 413 at once and closes, without reading the body', async () => {
    const r = await exchange(server.port, [request('POST', '/api/predict', { 'Content-Type': 'application/json', 'Content-Length': 1_000_000_000 }, '{"model":')], 1500);
    expect(r.status).toBe(413);
    expect(r.text).toContain('"code":"body-too-large"');
    expect(r.text).toContain('Connection: close');
    expect(r.closed).toBe(true);
    await stillUp();
  });

  it('cuts a chunked body off at the 64 KiB limit with 413 and closes', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    const chunked = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const r = await exchange(server.port, [request('POST', '/api/predict', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), ...Array(5).fill(chunked(chunk))], 1500);
    expect(r.status).toBe(413);
    expect(r.text).toContain('request body exceeds 65536 bytes');
    expect(r.closed).toBe(true);
    await stillUp();
  });

  it('answers a Content-Length longer than the body sent (a stalled body) with 408 once the request deadline passes', async () => {
    const r = await exchange(server.port, [request('POST', '/api/predict', { 'Content-Type': 'application/json', 'Content-Length': 100 }, '{"model":')], 4000);
    expect(r.status).toBe(408);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(3500);
    await stillUp();
  });

  it('reads only Content-Length bytes when more are sent: the rest is a malformed next request, answered 400 and closed', async () => {
    const r = await exchange(server.port, [request('POST', '/api/predict', { 'Content-Type': 'application/json', 'Content-Length': 2 }, '{}garbage that is no request\r\n\r\n')], 1500);
    expect(r.status).toBe(400);
    expect(r.closed).toBe(true);
    await stillUp();
  });

  it('refuses malformed JSON with 400 and another content type with 415, closing when the body was left unread', async () => {
    const bad = await exchange(server.port, [request('POST', '/api/predict', { 'Content-Type': 'application/json', 'Content-Length': 9 }, '{"model":')], 300);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('request body is not valid JSON');
    const type = await exchange(server.port, [request('POST', '/api/predict', { 'Content-Type': 'text/plain', 'Content-Length': 1_000_000 }, 'x')], 1500);
    expect(type.status).toBe(415);
    expect(type.closed).toBe(true);
  });
});

describe('slow and idle clients', () => {
  it('closes a connection whose headers do not arrive in time (slowloris) with 408', async () => {
    const r = await exchange(server.port, ['GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n', 200, 'X-Slow: 1\r\n', 200, 'X-Slow: 2\r\n', 200, 'X-Slow: 3\r\n'], 2500);
    expect(r.status).toBe(408);
    expect(r.closed).toBe(true);
    await stillUp();
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    const r = await exchange(server.port, [request('GET', '/api', {})], 2000);
    expect(r.status).toBe(200);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(1500);
  });

  it('closes connections beyond maxConnections as they arrive, and serves again once they are gone', async () => {
    const idle = await Promise.all(
      Array.from({ length: 8 }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
        const s = connect(server.port, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
      })),
    );
    await new Promise((r) => setTimeout(r, 50));
    const extra = await exchange(server.port, [request('GET', '/api', {})], 1000);
    expect(extra.status).toBe(0);
    expect(extra.closed).toBe(true);
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await stillUp();
  });
});

describe('methods and paths', () => {
  const cases: [string, string, number, string | null][] = [
    ['DELETE', '/api/models', 405, 'GET, HEAD, POST'],
    ['PUT', '/api/predict', 405, 'POST'],
    ['HEAD', '/api/predict', 405, 'POST'],
    ['OPTIONS', '/index.html', 405, 'GET, HEAD'],
    ['PATCH', '/models/mlp.safetensors', 405, 'GET, HEAD'],
    ['BREW', '/', 400, null],
    ['GET', '/models/..%2f..%2fetc%2fpasswd', 400, null],
    ['GET', '/models/%2e%2e/%2e%2e/etc/passwd', 400, null],
  ];
  for (const [method, path, status, allow] of cases) {
    it(`${method} ${path} → ${status}${allow ? ` with Allow: ${allow}` : ''}`, async () => {
      const r = await exchange(server.port, [request(method, path, {})], 300);
      expect(r.status).toBe(status);
      if (allow) expect(r.text).toContain(`Allow: ${allow}\r\n`);
      expect(r.text).not.toContain('root:');
      await stillUp();
    });
  }
});

describe('POST /api/models (uploads)', () => {
  const tiny = new Sequential(ZOO['tiny'].spec, 9);
  const safetensors = encodeModelFile(tiny, { name: 'uploaded tiny', testAccuracy: 0.5 });
  const onnx = exportOnnx(new Sequential(ZOO['tiny'].spec, 10));
  const upload = (bytes: Uint8Array | string, type = 'application/octet-stream', port = server.port) =>
    fetch(`http://127.0.0.1:${port}/api/models`, { method: 'POST', headers: { 'Content-Type': type }, body: typeof bytes === 'string' ? bytes : Buffer.from(bytes) });
  const stored = () => readdirSync(models).sort();

  it('stores a safetensors model under a name made from its hash, lists it and runs it; the same file again is the same model', async () => {
    const r = await upload(safetensors);
    expect(r.status).toBe(201);
    const body = (await r.json()) as UploadResponse;
    expect(body.created).toBe(true);
    expect(body.model.name).toMatch(/^upload-[0-9a-f]{12}$/);
    expect(body.model).toMatchObject({ trained: true, fileFormat: 'safetensors', title: 'uploaded tiny', testAccuracy: 0.5, params: tiny.paramCount });
    expect(r.headers.get('location')).toBe(`/models/${body.model.name}.safetensors`);
    expect(stored()).toEqual([`${body.model.name}.safetensors`]);
    expect(Buffer.compare(readFileSync(join(models, `${body.model.name}.safetensors`)), Buffer.from(safetensors))).toBe(0);
    const list = (await (await fetch(`http://127.0.0.1:${server.port}/api/models`)).json()) as ModelsResponse;
    expect(list.models.map((m) => m.name)).toContain(body.model.name);
    const p = await fetch(`http://127.0.0.1:${server.port}/api/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: body.model.name, pixels: Array(784).fill(0.5) }) });
    expect(p.status).toBe(200);
    const again = await upload(safetensors);
    expect(again.status).toBe(200);
    expect(((await again.json()) as UploadResponse)).toMatchObject({ created: false, model: { name: body.model.name } });
    expect(stored()).toHaveLength(1);
  });

  it('stores an ONNX model as .onnx and serves it converted', async () => {
    const r = await upload(onnx);
    expect(r.status).toBe(201);
    const body = (await r.json()) as UploadResponse;
    expect(body.model).toMatchObject({ fileFormat: 'onnx', file: `/models/${body.model.name}.safetensors` });
    expect(existsSync(join(models, `${body.model.name}.onnx`))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${server.port}${body.model.file}`)).status).toBe(200);
  });

  const refusals: [string, Uint8Array | string, string, number, string][] = [
    ['an empty body', '', 'application/octet-stream', 400, 'the request body is empty'],
    ['bytes that are no model', 'hello, this is not a model file at all', 'application/octet-stream', 422, 'not a safetensors model file'],
    ['a model with three classes', encodeModelFile(new Sequential({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }] }, 1), {}), 'application/octet-stream', 422, 'the explorer needs ten classes'],
    ['a model on 32×32 images', encodeModelFile(new Sequential({ input: [1, 32, 32], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] }, 1), {}), 'application/octet-stream', 422, 'the model takes input [1,32,32]'],
    ['JSON', '{"model": "x"}', 'application/json', 415, 'expected Content-Type: application/octet-stream'],
  ];
  for (const [what, bytes, type, status, message] of refusals) {
    it(`refuses ${what} with ${status}, storing nothing`, async () => {
      const before = stored();
      const r = await upload(bytes, type);
      expect(r.status).toBe(status);
      expect(((await r.json()) as { error: string }).error).toContain(message);
      expect(stored()).toEqual(before);
    });
  }

  it('refuses a body over the limit by its Content-Length before reading it', async () => {
    const r = await exchange(server.port, [request('POST', '/api/models', { 'Content-Type': 'application/octet-stream', 'Content-Length': MAX_UPLOAD_BYTES + 1 }, 'x')], 1500);
    expect(r.status).toBe(413);
    expect(r.closed).toBe(true);
  });

  it('logs an aborted upload in one line without a stack trace, and stores nothing', async () => {
    const before = stored();
    lines.length = 0;
    await exchange(server.port, [request('POST', '/api/models', { 'Content-Type': 'application/octet-stream', 'Content-Length': safetensors.length }), Buffer.from(safetensors.subarray(0, 1000)), 100], 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`convscope server: POST /api/models: the body stopped after 1000 of ${safetensors.length} bytes: the client went away or missed the request deadline (aborted)`);
    expect(stored()).toEqual(before);
    await stillUp();
  });

  it('refuses uploads on a server without its own models directory (the shipped models/ is never written)', async () => {
    const r = await upload(safetensors, 'application/octet-stream', readOnly.port);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { code: string }).code).toBe('uploads-off');
  });
});
