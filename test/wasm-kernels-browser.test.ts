/**
 * The SIMD kernels in a real browser (Debian's Chromium): on a cross-origin isolated page they
 * run on 2 threads through Web Workers (web-threads.ts), with the page's main thread spinning
 * instead of blocking, and agree with the reference kernels; on a page that is not isolated
 * there is no SharedArrayBuffer and they fall back to one thread, saying why. Chromium also
 * runs the relaxed-SIMD (FMA) builds, which Node 20 cannot without a flag.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './e2e/browser.js';
import { REPO_ROOT } from './helpers.js';

const ENTRY = `
import { createWasmKernels } from './src/engine/kernels/wasm/index.ts';
import { spawnWebWorker } from './src/engine/kernels/wasm/web-threads.ts';
import { gemmReference } from './src/engine/kernels/gemm.ts';
import { conv2dForwardReference, conv2dBackwardReference } from './src/engine/kernels/conv.ts';

function rand(n, seed) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; a[i] = seed / 2 ** 31 - 1; }
  return a;
}
function maxRel(got, want) {
  let d = 0, s = 1e-6;
  for (let i = 0; i < want.length; i++) { d = Math.max(d, Math.abs(got[i] - want[i])); s = Math.max(s, Math.abs(want[i])); }
  return d / s;
}
async function check(k) {
  const errs = {};
  const a = rand(67 * 45, 1), b = rand(45 * 33, 2);
  const c1 = new Float32Array(67 * 33), c2 = new Float32Array(67 * 33);
  gemmReference(c1, a, b, { M: 67, N: 33, K: 45 });
  k.gemm(c2, a, b, { M: 67, N: 33, K: 45 });
  errs.gemm = maxRel(c2, c1);
  const d = { N: 3, C: 4, H: 12, W: 10, outC: 6, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, oH: 12, oW: 10 };
  const x = rand(3 * 4 * 120, 3), w = rand(6 * 36, 4), bias = rand(6, 5), dy = rand(3 * 6 * 120, 6);
  const y1 = new Float32Array(3 * 6 * 120), y2 = new Float32Array(y1.length);
  conv2dForwardReference(y1, x, w, bias, d);
  k.conv2dForward(y2, x, w, bias, d);
  errs.conv = maxRel(y2, y1);
  const dx1 = new Float32Array(x.length), dx2 = new Float32Array(x.length), dw1 = new Float32Array(w.length), dw2 = new Float32Array(w.length);
  conv2dBackwardReference(dx1, dw1, null, dy, x, w, d);
  k.conv2dBackward(dx2, dw2, null, dy, x, w, d);
  errs.dx = maxRel(dx2, dx1);
  errs.dw = maxRel(dw2, dw1);
  await k.dispose();
  return { name: k.name, threads: k.threads, fma: k.fma, fallback: k.fallback, errs };
}
window.__result = (async () => {
  const plain = await check(await createWasmKernels({ threads: 2, spawnWorker: spawnWebWorker, minParallelWork: 0 }));
  const fma = await check(await createWasmKernels({ threads: 2, spawnWorker: spawnWebWorker, minParallelWork: 0, fma: true }));
  return { ...plain, isolated: globalThis.crossOriginIsolated === true, withFma: fma };
})().catch((e) => ({ error: String(e && e.stack || e) }));
`;

interface KernelsResult {
  name?: string;
  threads?: number;
  fma?: boolean;
  fallback?: string | null;
  errs?: Record<string, number>;
}
interface PageResult extends KernelsResult {
  isolated?: boolean;
  withFma?: KernelsResult;
  error?: string;
}

let server: Server;
let base = '';
let browser: Browser;

beforeAll(async () => {
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
    target: 'es2022',
    logLevel: 'silent',
  });
  const bundle = out.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/kernels.js"></script>';
  server = createServer((req, res) => {
    const isolate = req.url?.startsWith('/isolated') === true;
    const headers: Record<string, string> = isolate ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
    if (req.url?.endsWith('/kernels.js')) {
      res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers, 'Cross-Origin-Resource-Policy': 'same-origin' });
      res.end(bundle);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html', ...headers });
      res.end(html);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function run(path: string): Promise<PageResult> {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}${path}`);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined);
    return await page.evaluate(() => (window as unknown as { __result: Promise<PageResult> }).__result);
  } finally {
    await page.close();
  }
}

test('cross-origin isolated page: 2 threads through Web Workers, agreeing with the reference', async () => {
  const r = await run('/isolated/');
  expect(r.error).toBeUndefined();
  expect(r.isolated).toBe(true);
  expect(r).toMatchObject({ name: 'wasm', threads: 2, fallback: null });
  for (const [op, e] of Object.entries(r.errs ?? {})) expect(e, op).toBeLessThan(1e-5);
  expect(Object.keys(r.errs ?? {})).toEqual(['gemm', 'conv', 'dx', 'dw']);
});

test('relaxed-SIMD FMA, which Chromium has without flags: 2 threads, agreeing with the reference', async () => {
  const r = await run('/isolated/');
  expect(r.withFma).toMatchObject({ name: 'wasm', threads: 2, fma: true, fallback: null });
  for (const [op, e] of Object.entries(r.withFma?.errs ?? {})) expect(e, op).toBeLessThan(1e-5);
  expect(Object.keys(r.withFma?.errs ?? {})).toHaveLength(4);
});

test('page without isolation: no SharedArrayBuffer, so one thread, and the reason', async () => {
  const r = await run('/plain/');
  expect(r.error).toBeUndefined();
  expect(r.isolated).toBe(false);
  expect(r.name).toBe('wasm');
  expect(r.threads).toBe(1);
  expect(r.fallback).toMatch(/^threads: SharedArrayBuffer is unavailable/);
  for (const [op, e] of Object.entries(r.errs ?? {})) expect(e, op).toBeLessThan(1e-5);
});
