/**
 * `npm run bench`: convscope against PyTorch and TF.js in one run on one machine. For the zoo's
 * mlp, tiny and lenet it measures training throughput (SGD + momentum, batches of 64 real MNIST
 * images, after a warm-up), inference throughput at batch 1,000 and the latency of one digit with
 * its full trace; with --time-to-99, also the wall time to 99% test accuracy from scratch. Prints a
 * Markdown table and writes bench/results/<YYYY-MM-DD>.json (merged with the day's file, so
 * sections run separately end up together).
 *
 *   npm run bench [-- --quick] [--time-to-99] [--only convscope,torch,tfjs] [--models mlp,tiny]
 *                 [--data DIR] [--no-fma] [--no-save] [--no-throughput] [--out FILE] [--rounds N]
 *
 * The fast runners run in N interleaved rounds (default 3, 1 with --quick) and each figure is the
 * median round; the reference kernels and TF.js cpu (minutes per round) run once.
 *
 * The SIMD kernels fuse multiply-adds (relaxed SIMD) as the library does by default; --no-fma
 * measures their plain mul + add build instead.
 * bench/README.md says what each figure means and how the peers are set up.
 *
 * It orchestrates and records; the measuring is in convscope.ts, peers/ and time-to-99.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/node-source.js';
import { splitSource } from '../src/data/split-source.js';
import { benchConvscopeModel, type BenchData } from './convscope.js';
import { BENCH_MODELS, errorText, type BenchModel, type Workload } from './figures.js';
import { finishRun, machineInfo, startRun } from './machine.js';
import { runTfjsBackend, runTorch, TORCH_ENVS } from './peers/run-peers.js';
import { computeRatios, markdownTable, medianOfRounds, naNotes, type RunnerResult } from './report.js';
import { runTimeTo99, TIME_TO_99_RECIPE } from './time-to-99.js';
import { kernelLabel, useKernels, type KernelRequest } from './use-kernels.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');
const GROUPS = ['convscope', 'torch', 'tfjs'] as const;
type Group = (typeof GROUPS)[number];

export interface Workloads {
  /** convscope's fast kernels and PyTorch */
  base: Workload;
  /** the reference TS kernels: about 50× slower, fewer batches */
  ts: Workload;
  /** TF.js cpu: a LeNet step takes about 25 s */
  tfjsCpu: Workload;
  tfjsWasm: Workload;
}

export function workloads(quick: boolean): Workloads {
  const base: Workload = {
    batchSize: 64,
    lr: 0.01,
    momentum: 0.9,
    warmup: quick ? 2 : 5,
    trainBatches: quick ? { mlp: 60, tiny: 30, lenet: 8 } : { mlp: 400, tiny: 200, lenet: 60 },
    inferBatch: 1000,
    inferBudgetMs: quick ? 300 : 2000,
    inferMaxReps: quick ? 3 : 10,
    latencyRuns: quick ? 50 : 300,
  };
  return {
    base,
    ts: {
      ...base,
      warmup: 1,
      trainBatches: quick ? { mlp: 20, tiny: 4, lenet: 2 } : { mlp: 100, tiny: 30, lenet: 5 },
      inferBatch: quick ? 100 : 1000,
      inferMaxReps: quick ? 1 : 3,
      latencyRuns: quick ? 10 : 100,
    },
    tfjsCpu: {
      ...base,
      warmupFor: { tiny: 2, lenet: 1 },
      trainBatches: quick ? { mlp: 60, tiny: 3 } : { mlp: 400, tiny: 10, lenet: 1 },
      ...(quick ? { trainSkipped: 'skipped in --quick (a LeNet step takes about 25 s)' } : {}),
      inferMaxReps: quick ? 1 : 3,
    },
    tfjsWasm: base,
  };
}

export const KERNEL_CONFIGS = (fma: boolean): KernelRequest[] => [
  { kind: 'ts', threads: 1, fma: false },
  { kind: 'wasm', threads: 1, fma },
  { kind: 'wasm', threads: 2, fma },
];

/** convscope with one kernel configuration, model by model. */
export async function runConvscope(
  req: KernelRequest,
  data: BenchData,
  w: Workload,
  models: readonly BenchModel[],
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<RunnerResult> {
  const label = `convscope ${kernelLabel(req)}`;
  const installed = await useKernels(req);
  const result: RunnerResult = { id: label.replace(/\s+/g, '-'), label, group: 'convscope', detail: { kernels: installed.info }, models: {} };
  try {
    if (installed.info.name !== req.kind) {
      result.na = `kernels '${req.kind}' unavailable: ${installed.info.fallback ?? 'unknown reason'}`;
      return result;
    }
    for (const m of models) {
      log(`  ${label} ${m} ...`);
      result.models[m] = await benchConvscopeModel(m, data, w);
    }
  } finally {
    await installed.release();
  }
  return result;
}

function naRunner(id: string, label: string, group: RunnerResult['group'], why: string): RunnerResult {
  return { id, label, group, detail: {}, models: {}, na: why };
}

export interface Options {
  quick: boolean;
  timeTo99: boolean;
  throughput: boolean;
  groups: Group[];
  models: BenchModel[];
  dataDir: string;
  fma: boolean;
  save: boolean;
  out: string | null;
  /** rounds of the fast runners (default 3; 1 with --quick) */
  rounds: number;
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'time-to-99': { type: 'boolean', default: false },
      'no-throughput': { type: 'boolean', default: false },
      only: { type: 'string', default: GROUPS.join(',') },
      models: { type: 'string', default: BENCH_MODELS.join(',') },
      data: { type: 'string', default: process.env['CONVSCOPE_DATA'] ?? join(REPO_ROOT, '..', 'shared', 'mnist') },
      'no-fma': { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      out: { type: 'string' },
      rounds: { type: 'string' },
    },
    strict: true,
  });
  const list = <T extends string>(text: string, allowed: readonly T[], flag: string): T[] =>
    text
      .split(',')
      .filter((s) => s !== '')
      .map((s) => {
        if (!(allowed as readonly string[]).includes(s)) throw new Error(`${flag}: unknown ${JSON.stringify(s)}, expected some of ${allowed.join(', ')}`);
        return s as T;
      });
  return {
    quick: values.quick ?? false,
    timeTo99: values['time-to-99'] ?? false,
    throughput: !(values['no-throughput'] ?? false),
    groups: list(values.only ?? '', GROUPS, '--only'),
    models: list(values.models ?? '', BENCH_MODELS, '--models'),
    dataDir: resolve(values.data ?? ''),
    fma: !(values['no-fma'] ?? false),
    save: !(values['no-save'] ?? false),
    out: values.out ?? null,
    rounds: roundsOf(values.rounds, values.quick ?? false),
  };
}

function roundsOf(text: string | undefined, quick: boolean): number {
  if (text === undefined) return quick ? 1 : 3;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`--rounds: expected a whole number from 1 to 20, got ${JSON.stringify(text)}`);
  return n;
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A runner to start: slow ones (the reference kernels, TF.js cpu) run in the first round only. */
interface RunnerJob {
  repeat: boolean;
  run: () => Promise<RunnerResult>;
}

function runnerJobs(o: Options, wl: Workloads, bench: BenchData | null): RunnerJob[] {
  const jobs: RunnerJob[] = [];
  if (bench) {
    for (const req of KERNEL_CONFIGS(o.fma)) {
      jobs.push({ repeat: req.kind !== 'ts', run: () => runConvscope(req, bench, req.kind === 'ts' ? wl.ts : wl.base, o.models) });
    }
  }
  if (o.groups.includes('torch')) {
    for (const [variant, env] of Object.entries(TORCH_ENVS)) {
      jobs.push({
        repeat: true,
        run: async () => {
          const id = `torch-${variant}`;
          const suffix = variant === 'default' ? '' : ` ${variant}`;
          process.stderr.write(`  PyTorch${suffix} (child process${suffix ? `, ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}) ...\n`);
          const t = await runTorch(o.dataDir, wl.base, o.models, 2, env);
          return 'na' in t
            ? naRunner(id, `PyTorch 2T${suffix}`, 'torch', t.na)
            : { id, label: `PyTorch ${t.threads}T${suffix}`, group: 'torch', detail: { ...t, env, models: undefined }, models: t.models };
        },
      });
    }
  }
  if (o.groups.includes('tfjs')) {
    for (const backend of ['cpu', 'wasm'] as const) {
      jobs.push({
        repeat: backend === 'wasm',
        run: async () => {
          process.stderr.write(`  TF.js ${backend} (child process) ...\n`);
          const t = await runTfjsBackend(backend, o.dataDir, backend === 'cpu' ? wl.tfjsCpu : wl.tfjsWasm, o.models);
          const id = `tfjs-${backend}`;
          return 'na' in t
            ? naRunner(id, `TF.js ${backend}`, 'tfjs', t.na)
            : { id, label: `TF.js ${backend}${backend === 'wasm' ? ` ${t.threads}T` : ''}`, group: 'tfjs', detail: { ...t, models: undefined }, models: t.models };
        },
      });
    }
  }
  return jobs;
}

/**
 * Runs the throughput section: every runner in turn, never two at once, in `o.rounds` rounds so
 * that a burst of someone else's work on the machine hits one round of each runner rather than
 * one runner's only measurement; each figure is then the median round (medianOfRounds).
 */
export async function throughputSection(o: Options): Promise<RunnerResult[]> {
  const wl = workloads(o.quick);
  let bench: BenchData | null = null;
  if (o.groups.includes('convscope')) {
    const data = await loadDataset({ dataset: 'mnist', dataDir: o.dataDir, download: false });
    bench = { train: splitSource(data.train), test: splitSource(data.test) };
  }
  const jobs = runnerJobs(o, wl, bench);
  const byJob: RunnerResult[][] = jobs.map(() => []);
  for (let round = 0; round < o.rounds; round++) {
    if (o.rounds > 1) process.stderr.write(`round ${round + 1} of ${o.rounds}\n`);
    for (const [i, job] of jobs.entries()) {
      if (round === 0 || job.repeat) byJob[i]!.push(await job.run());
    }
  }
  return byJob.map((rounds) => medianOfRounds(rounds));
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const machine = machineInfo();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  process.stderr.write(`${command}\non ${machine.cpu} (${machine.cpuId ?? '?'}), ${machine.cores} cores, Node ${machine.node}\n`);
  const report: Record<string, unknown> = { machine };

  if (o.throughput) {
    const run = startRun(command);
    process.stderr.write(`throughput: load average ${run.loadAverage.start.toFixed(2)} on ${machine.cores} cores\n`);
    const runners = await throughputSection(o);
    const table = markdownTable(runners, o.models);
    const notes = naNotes(runners, o.models);
    const torch = runners.find((r) => r.group === 'torch' && r.na === undefined);
    if (torch) machine.torch = String(torch.detail['version']);
    report['throughput'] = { run: finishRun(run), quick: o.quick, rounds: o.rounds, workloads: workloads(o.quick), runners, ratios: computeRatios(runners, o.models), table, notes };
    console.log(`\n${table}\n`);
    for (const n of notes) console.log(`- ${n}`);
    for (const r of runners) {
      const fallback = (r.detail['kernels'] as { fallback?: string | null } | undefined)?.fallback;
      if (fallback) console.log(`- ${r.label}: ${fallback}`);
    }
    if (o.rounds > 1) console.log(`- each figure is the median of ${o.rounds} interleaved rounds (convscope ts and TF.js cpu: one); every round's value is in the JSON`);
    console.log(`- load average ${run.loadAverage.start.toFixed(2)} → ${run.loadAverage.end?.toFixed(2)} on ${machine.cores} cores`);
  }
  if (o.timeTo99) {
    const run = startRun(command);
    process.stderr.write(`time to 99%: load average ${run.loadAverage.start.toFixed(2)} on ${machine.cores} cores\n`);
    const data = await loadDataset({ dataset: 'mnist', dataDir: o.dataDir, download: false });
    const t = await runTimeTo99(TIME_TO_99_RECIPE, { train: splitSource(data.train), test: splitSource(data.test) }, o.fma);
    report['timeTo99'] = { run: finishRun(run), ...t };
    console.log(
      `\ntime to ${(t.target * 100).toFixed(1)}% test accuracy: ${t.reached ? `${t.seconds?.toFixed(1)} s` : `not reached (best ${(t.bestAccuracy * 100).toFixed(2)}%)`}` +
        ` — ${t.model}, ${t.description}, kernels ${t.kernels.name} ${t.kernels.threads}T` +
        ` (${t.cpuSeconds.toFixed(1)} CPU s in ${t.totalSeconds.toFixed(1)} s; load average ${run.loadAverage.start.toFixed(2)} → ${run.loadAverage.end?.toFixed(2)} on ${machine.cores} cores)`,
    );
    for (const e of t.evaluations) console.log(`  epoch ${e.epoch.toFixed(2)}  ${e.seconds.toFixed(1)} s  ${(e.accuracy * 100).toFixed(2)}%`);
  }
  if (o.save) {
    const file = o.out ?? join(BENCH_DIR, 'results', `${today()}${o.quick ? '.quick' : ''}.json`);
    mkdirSync(dirname(file), { recursive: true });
    // Sections run separately end up in one file; each keeps its own run info.
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const merged = { ...previous, ...report, machine: { ...(previous['machine'] as object | undefined), ...machine } };
    writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
    console.log(`\nwrote ${relative(process.cwd(), file)}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`bench: ${errorText(e)}`);
    process.exit(1);
  });
}
