/**
 * A run to profile, and a summary of the profile: trains one zoo model for a number of batches of
 * 64 (or, with `infer`, runs that many eval passes at batch 1,000) with the chosen kernels, under
 * `node --cpu-prof`; then (with --summarise) prints the functions with the most self time. Its
 * figures are only a sanity check (profiling slows things down); `npm run bench` measures.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts lenet wasm 1 60 [infer]
 *   npx tsx bench/profile.ts --summarise /tmp/prof/CPU.*.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatProgress, loadDataset } from '../src/data/node-source.js';
import { splitSource } from '../src/data/split-source.js';
import { BENCH_MODELS, type BenchModel } from './figures.js';
import { inferThroughput, trainThroughput } from './convscope.js';
import { useKernels, type KernelKind } from './use-kernels.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/** Self time per function (summed over call sites), largest first. */
export function selfTimes(p: CpuProfile): SelfTime[] {
  const byNode = new Map<number, number>();
  p.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, SelfTime>();
  for (const n of p.nodes) {
    const us = byNode.get(n.id) ?? 0;
    if (us === 0) continue;
    const f = n.callFrame;
    const where = f.url === '' ? '' : `${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const key = `${f.functionName}|${where}`;
    const e = byFn.get(key) ?? { name: f.functionName || '(anonymous)', where, ms: 0, share: 0 };
    e.ms += us / 1000;
    byFn.set(key, e);
  }
  return [...byFn.values()].map((e) => ({ ...e, share: e.ms / (total / 1000) })).sort((a, b) => b.ms - a.ms);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--summarise') {
    const top = Number(argv[2] ?? 25);
    const rows = selfTimes(JSON.parse(readFileSync(resolve(argv[1]), 'utf8')) as CpuProfile).slice(0, top);
    for (const r of rows) console.log(`${(r.share * 100).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}  ${r.where}`);
    return;
  }
  const [model = 'lenet', kind = 'wasm', threads = '1', batches = '60', what = 'train'] = argv;
  if (!(BENCH_MODELS as readonly string[]).includes(model)) throw new Error(`profile: unknown model ${JSON.stringify(model)}, expected ${BENCH_MODELS.join(', ')}`);
  if (kind !== 'ts' && kind !== 'wasm') throw new Error(`profile: kernels must be ts or wasm, got ${JSON.stringify(kind)}`);
  const data = await loadDataset({ dataset: 'mnist', onProgress: (p) => console.error(formatProgress(p)) });
  const installed = await useKernels({ kind: kind as KernelKind, threads: Number(threads), fma: process.env['CONVSCOPE_FMA'] !== 'off' });
  try {
    // One training run covers at most the 60,000 training images; longer profiles repeat it.
    const bench = { train: splitSource(data.train), test: splitSource(data.test) };
    const w = { batchSize: 64, lr: 0.01, momentum: 0.9, warmup: 3, trainBatches: {}, inferBatch: 1000, inferBudgetMs: 0, inferMaxReps: 1, latencyRuns: 1 };
    if (what === 'infer') {
      const f = inferThroughput(model as BenchModel, bench, { ...w, inferBudgetMs: Infinity, inferMaxReps: Number(batches) });
      console.log(`${model} ${kind} ${installed.info.threads}T: inference ${Math.round(f.imagesPerSecond)} img/s over ${f.reps} passes of ${f.batch}`);
      return;
    }
    const perRun = Math.floor(data.train.n / 64) - w.warmup;
    for (let left = Number(batches); left > 0; left -= perRun) {
      const f = await trainThroughput(model as BenchModel, bench, w, Math.min(left, perRun));
      console.log(`${model} ${kind} ${installed.info.threads}T: ${Math.round(f.imagesPerSecond)} img/s over ${f.batches} batches`);
    }
  } finally {
    await installed.release();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`profile: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
