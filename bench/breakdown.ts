/**
 * Where one training step's time goes, by phase and by layer, split into time inside the kernels
 * and the JavaScript around them (allocation, elementwise loops, copies). It replays the training
 * loop's calls (fill, zeroGrads, forward, loss, backward, optimizer step) with timers around each
 * (its tensors placed in kernel memory as train() places them)
 * layer and each kernel call; the timers cost a little, so its totals run slightly below
 * `npm run bench`'s throughput. A diagnostic, not a benchmark: nothing is compared or saved.
 *
 *   npx tsx bench/breakdown.ts [mlp|tiny|lenet|cnn] [ts|wasm] [threads] [batches]
 */
import { kernels, setKernels, withKernelScratch, type Kernels } from '../src/engine/kernels/index.js';
import { Tensor } from '../src/engine/tensor.js';
import { formatProgress, loadDataset } from '../src/data/node-source.js';
import { splitSource } from '../src/data/split-source.js';
import { Sequential } from '../src/nn/model.js';
import { computeLoss } from '../src/nn/losses.js';
import { benchSpec } from './convscope.js';
import type { Layer } from '../src/nn/layer.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { epochOrder } from '../src/train/trainer.js';
import { useKernels, type KernelKind } from './use-kernels.js';

type Timers = Map<string, number>;

function add(t: Timers, key: string, ms: number): void {
  t.set(key, (t.get(key) ?? 0) + ms);
}

/** Wraps every kernel so the time inside it is charged to the layer/phase that is running. */
function timedKernels(k: Kernels, t: Timers, current: { key: string }): Kernels {
  const wrap = <A extends unknown[]>(f: (...a: A) => void) => (...a: A): void => {
    const t0 = performance.now();
    f(...a);
    add(t, `${current.key} kernels`, performance.now() - t0);
  };
  // Keep everything the kernels offer (their buffers, the optional elementwise ops) and time each op.
  const optional = <F extends (...a: never[]) => void>(f: F | undefined) => (f ? (wrap(f.bind(k) as (...a: unknown[]) => void) as unknown as F) : undefined);
  const relu = { reluForward: optional(k.reluForward), reluBackward: optional(k.reluBackward) };
  const sigmoid = { sigmoidForward: optional(k.sigmoidForward), sigmoidBackward: optional(k.sigmoidBackward) };
  const input = { standardize: optional(k.standardize), scaleBytes: optional(k.scaleBytes) };
  const optimizer = { sgdStep: optional(k.sgdStep), adamStep: optional(k.adamStep) };
  return {
    ...k,
    ...Object.fromEntries(Object.entries({ ...relu, ...sigmoid, ...input, ...optimizer }).filter(([, f]) => f !== undefined)),
    name: k.name,
    gemm: wrap(k.gemm.bind(k)),
    conv2dForward: wrap(k.conv2dForward.bind(k)),
    conv2dBackward: wrap(k.conv2dBackward.bind(k)),
    maxPoolForward: wrap(k.maxPoolForward.bind(k)),
    maxPoolBackward: wrap(k.maxPoolBackward.bind(k)),
    avgPoolForward: wrap(k.avgPoolForward.bind(k)),
    avgPoolBackward: wrap(k.avgPoolBackward.bind(k)),
  };
}

/** Wraps a layer's forward and backward with timers (the layer object is patched in place). */
function timeLayer(layer: Layer, t: Timers, current: { key: string }): void {
  const fwd = layer.forward.bind(layer);
  const bwd = layer.backward.bind(layer);
  layer.forward = (x, ctx) => {
    current.key = `${layer.name} fwd`;
    const t0 = performance.now();
    const r = fwd(x, ctx);
    add(t, current.key, performance.now() - t0);
    return r;
  };
  layer.backward = (dy, cache, opts) => {
    current.key = `${layer.name} bwd`;
    const t0 = performance.now();
    const r = bwd(dy, cache, opts);
    add(t, current.key, performance.now() - t0);
    return r;
  };
}

async function main(argv: string[]): Promise<void> {
  const [name = 'tiny', kind = 'wasm', threads = '1', batchesText = '300'] = argv;
  if (kind !== 'ts' && kind !== 'wasm') throw new Error(`breakdown: kernels must be ts or wasm, got ${JSON.stringify(kind)}`);
  const data = await loadDataset({ dataset: 'mnist', onProgress: (p) => console.error(formatProgress(p)) });
  const source = splitSource(data.train);
  const installed = await useKernels({ kind: kind as KernelKind, threads: Number(threads), fma: process.env['CONVSCOPE_FMA'] !== 'off' });
  const t: Timers = new Map();
  const current = { key: '' };
  setKernels(timedKernels(kernels(), t, current));
  try {
    const model = new Sequential(benchSpec(name), 1);
    for (const l of model.layers) timeLayer(l, t, current);
    const opt = createOptimizer({ kind: 'sgd', momentum: 0.9 });
    // as train() does: parameters, gradients, optimizer state and the batch in kernel memory
    const buffers = kernels().buffers ?? null;
    if (buffers) {
      model.placeParams((n) => buffers.f32(n));
      opt.placeState((n) => buffers.f32(n));
    }
    const B = 64;
    const batches = Math.min(Number(batchesText), Math.floor(source.size / B));
    const order = epochOrder(source.size, 1, 0);
    const x = buffers ? buffers.f32(B * 784) : new Float32Array(B * 784);
    const y = new Int32Array(B);
    const params = model.params;
    const warm = 10;
    const phase = (key: string, f: () => void): void => {
      current.key = key;
      const t0 = performance.now();
      f();
      add(t, key, performance.now() - t0);
    };
    let total = 0;
    for (let b = 0; b < batches; b++) {
      if (b === warm) t.clear();
      const s0 = performance.now();
      phase('fill batch', () => source.fill(x, y, order, b * B, B, null));
      phase('zero grads', () => model.zeroGrads());
      // as train() does: the step's tensors live in the kernels' memory, no input gradient at the bottom
      withKernelScratch(() => {
        const trace = model.forward(new Tensor([B, 1, 28, 28], x), { mode: 'train' });
        let dy = trace.output;
        phase('loss', () => (dy = computeLoss('xent', trace.output, y).dy));
        model.backwardForTraining(trace, dy);
      });
      phase('optimizer step', () => opt.step(params, 0.01));
      if (b >= warm) total += performance.now() - s0;
    }
    const steps = batches - warm;
    const layerTotal = (k: string) => (t.get(k) ?? 0) - (t.get(`${k} kernels`) ?? 0);
    const rows: [string, number, number][] = [];
    for (const key of [...t.keys()].filter((k) => !k.endsWith(' kernels'))) rows.push([key, t.get(`${key} kernels`) ?? 0, layerTotal(key)]);
    const accounted = rows.reduce((s, r) => s + r[1] + r[2], 0);
    console.log(`${name}, ${installed.info.name} ${installed.info.threads}T, batch ${B}: ${(total / steps).toFixed(3)} ms a step, ${Math.round((B * steps) / (total / 1000))} img/s`);
    console.log('part                 kernels ms   other ms   share');
    for (const [key, kern, other] of rows.sort((a, b) => b[1] + b[2] - (a[1] + a[2]))) {
      console.log(`${key.padEnd(20)} ${(kern / steps).toFixed(3).padStart(10)} ${(other / steps).toFixed(3).padStart(10)} ${(((kern + other) / total) * 100).toFixed(1).padStart(6)}%`);
    }
    const kern = rows.reduce((s, r) => s + r[1], 0);
    console.log(`${'in kernels'.padEnd(20)} ${(kern / steps).toFixed(3).padStart(10)} ${''.padStart(10)} ${((kern / total) * 100).toFixed(1).padStart(6)}%`);
    console.log(`${'outside kernels'.padEnd(20)} ${''.padStart(10)} ${((total - kern) / steps).toFixed(3).padStart(10)} ${(((total - kern) / total) * 100).toFixed(1).padStart(6)}%`);
    console.log(`${'(untimed glue)'.padEnd(20)} ${''.padStart(10)} ${((total - accounted) / steps).toFixed(3).padStart(10)} ${(((total - accounted) / total) * 100).toFixed(1).padStart(6)}%`);
  } finally {
    await installed.release();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`breakdown: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
