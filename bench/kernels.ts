/**
 * Micro-benchmark of the kernels (not a test): GFLOP/s of SGEMM at a few sizes, and the kernel
 * calls of one LeNet training step at batch 64 (conv1 without dx, as a first layer needs), for
 * the reference TS kernels and the WebAssembly SIMD kernels on 1 and 2 threads, the latter also
 * with every array in kernel buffers (no copies). Prints a table, writes bench/results/kernels.json.
 *
 *   npx tsx bench/kernels.ts [--quick] [--fma]
 *
 * --fma adds the relaxed-SIMD variant (only where the host supports it, e.g. Node with
 * --experimental-wasm-relaxed-simd: `node --experimental-wasm-relaxed-simd --import tsx bench/kernels.ts --fma`).
 * It measures kernels only: layers, losses and the optimizer are not part of the figures. Times
 * are wall-clock bests; on a machine busy with other work (the load is printed) they mean little.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { referenceKernels, type Conv2dDims, type GemmDims, type Kernels, type Pool2dDims } from '../src/engine/kernels/index.js';
import { createWasmKernels, type KernelBuffers } from '../src/engine/kernels/wasm/index.js';
import { spawnNodeWorker } from '../src/engine/kernels/wasm/node-threads.js';

const quick = process.argv.includes('--quick');
const withFma = process.argv.includes('--fma');
const BUDGET_MS = quick ? 150 : 600;

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** Best time per call in ms over several rounds of repeated calls. */
function time(fn: () => void, budgetMs = BUDGET_MS): number {
  fn();
  let best = Infinity;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    const r0 = performance.now();
    let reps = 0;
    do {
      fn();
      reps++;
    } while (performance.now() - r0 < 20);
    best = Math.min(best, (performance.now() - r0) / reps);
  }
  return best;
}

type GemmCase = GemmDims & { name: string };
const gemmCases: GemmCase[] = [
  { name: 'lenet conv2 fwd (M=50,K=500,N=64*64)', M: 50, N: 64 * 64, K: 500 },
  { name: 'dense fwd x·Wᵀ (64x800 · 500x800ᵀ)', M: 64, N: 500, K: 800, transB: true },
  { name: 'dense dW += dyᵀ·x (500x64ᵀ · 64x800)', M: 500, N: 800, K: 64, transA: true, accumulate: true },
  { name: '256³', M: 256, N: 256, K: 256 },
  { name: '512³', M: 512, N: 512, K: 512 },
];

const lenet = (N: number) => {
  const conv = (C: number, H: number, outC: number): Conv2dDims => ({
    N, C, H, W: H, outC, kH: 5, kW: 5, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, oH: H - 4, oW: H - 4,
  });
  const pool = (C: number, H: number): Pool2dDims => ({ N, C, H, W: H, size: 2, stride: 2, oH: H / 2, oW: H / 2 });
  return { c1: conv(1, 28, 20), p1: pool(20, 24), c2: conv(20, 12, 50), p2: pool(50, 8) };
};

/**
 * The kernel calls of one LeNet training step (forward and backward; no dx for conv1), on
 * arrays allocated once: ordinary ones, or kernel buffers when given.
 */
function lenetStep(k: Kernels, N: number, buf: KernelBuffers | null = null): () => void {
  const d = lenet(N);
  const f32 = (n: number): Float32Array => (buf ? buf.f32(n) : new Float32Array(n));
  const i32 = (n: number): Int32Array => (buf ? buf.i32(n) : new Int32Array(n));
  const r = (n: number, seed: number): Float32Array => {
    const a = f32(n);
    a.set(rand(n, seed));
    return a;
  };
  const x = r(N * 784, 1);
  const w1 = r(20 * 25, 2), b1 = r(20, 3), w2 = r(50 * 500, 4), b2 = r(50, 5);
  const w3 = r(500 * 800, 6), w4 = r(10 * 500, 7);
  const y1 = f32(N * 20 * 576), a1 = i32(N * 20 * 144), p1 = f32(N * 20 * 144);
  const y2 = f32(N * 50 * 64), a2 = i32(N * 50 * 16), p2 = f32(N * 800);
  const h = f32(N * 500), o = f32(N * 10);
  const dW1 = f32(w1.length), db1 = f32(20), dW2 = f32(w2.length), db2 = f32(50);
  const dW3 = f32(w3.length), dW4 = f32(w4.length);
  const dh = f32(N * 500), dp2 = f32(N * 800), dy2 = f32(y2.length);
  const dp1 = f32(p1.length), dy1 = f32(y1.length);
  const dout = r(N * 10, 8);
  return () => {
    k.conv2dForward(y1, x, w1, b1, d.c1);
    k.maxPoolForward(p1, a1, y1, d.p1);
    k.conv2dForward(y2, p1, w2, b2, d.c2);
    k.maxPoolForward(p2, a2, y2, d.p2);
    k.gemm(h, p2, w3, { M: N, N: 500, K: 800, transB: true });
    k.gemm(o, h, w4, { M: N, N: 10, K: 500, transB: true });
    k.gemm(dW4, dout, h, { M: 10, N: 500, K: N, transA: true, accumulate: true });
    k.gemm(dh, dout, w4, { M: N, N: 500, K: 10 });
    k.gemm(dW3, dh, p2, { M: 500, N: 800, K: N, transA: true, accumulate: true });
    k.gemm(dp2, dh, w3, { M: N, N: 800, K: 500 });
    k.maxPoolBackward(dy2, dp2, a2, d.p2);
    k.conv2dBackward(dp1, dW2, db2, dy2, p1, w2, d.c2);
    k.maxPoolBackward(dy1, dp1, a1, d.p1);
    k.conv2dBackward(null, dW1, db1, dy1, x, w1, d.c1);
  };
}

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  console.log(`node ${process.version}, load average ${load.toFixed(2)}${load > 1 ? ' (busy machine: figures are unreliable, 2-thread ones most)' : ''}`);
  const impls: { label: string; k: Kernels; buffers?: KernelBuffers | null; dispose?: () => Promise<void> }[] = [{ label: 'ts reference', k: referenceKernels }];
  for (const fma of withFma ? [false, true] : [false]) {
    for (const threads of [1, 2]) {
      const k = await createWasmKernels({ threads, spawnWorker: spawnNodeWorker, fma });
      if (k.fallback !== null) console.log(`note: ${k.fallback}`);
      if (k.name !== 'wasm' || k.threads !== threads || k.fma !== fma) {
        await k.dispose();
        continue;
      }
      impls.push({ label: `wasm ${threads}T${fma ? ' fma' : ''}`, k, buffers: k.buffers, dispose: () => k.dispose() });
    }
  }
  const results: Record<string, Record<string, number>> = {};
  console.log('\nSGEMM GFLOP/s (best of repeated calls, inputs copied in and out of wasm memory)');
  console.log(['case'.padEnd(42), ...impls.map((i) => i.label.padStart(14))].join(''));
  for (const g of gemmCases) {
    const a = rand(g.M * g.K, 1), b = rand(g.K * g.N, 2), c = new Float32Array(g.M * g.N);
    const row: string[] = [g.name.padEnd(42)];
    results[g.name] = {};
    for (const impl of impls) {
      if (impl.label === 'ts reference' && g.M * g.N * g.K > 2e7 && quick) {
        row.push('-'.padStart(14));
        continue;
      }
      const ms = time(() => impl.k.gemm(c, a, b, g));
      const gflops = (2 * g.M * g.N * g.K) / (ms * 1e6);
      results[g.name]![impl.label] = gflops;
      row.push(gflops.toFixed(1).padStart(14));
    }
    console.log(row.join(''));
  }
  const N = 64;
  console.log(`\nLeNet training step, kernels only, batch ${N}: ms per step and images/s`);
  results['lenet step ms'] = {};
  const steps: { label: string; step: () => void }[] = [];
  for (const impl of impls) {
    steps.push({ label: impl.label, step: lenetStep(impl.k, N) });
    if (impl.buffers) steps.push({ label: `${impl.label} in place`, step: lenetStep(impl.k, N, impl.buffers) });
  }
  for (const { label, step } of steps) {
    const ms = time(step, label === 'ts reference' ? 1500 : quick ? 600 : 2500);
    results['lenet step ms']![label] = ms;
    console.log(`${label.padEnd(22)} ${ms.toFixed(2).padStart(8)} ms  ${((N * 1000) / ms).toFixed(0).padStart(7)} images/s`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/kernels.json', JSON.stringify({ date: new Date().toISOString(), node: process.version, loadAverage: load, results }, null, 2));
  for (const impl of impls) await impl.dispose?.();
}

await main();
