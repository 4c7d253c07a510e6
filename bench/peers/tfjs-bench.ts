/**
 * TensorFlow.js side of `npm run bench`, run as a child process (one per backend, so the two
 * backends and convscope never share a heap or a thread pool): the zoo's mlp, tiny and lenet built
 * with tf.layers (NHWC, TF.js's native layout), trained with tf.train.momentum on the same MNIST
 * batches, plus inference at batch 1,000 and one digit with every layer's output read back.
 * Prints one JSON object on stdout. What a backend cannot run becomes `{ na: reason }`; it does
 * not decide what to skip beyond the workload it is given, and it formats nothing.
 *
 *   node --import tsx bench/peers/tfjs-bench.ts --backend cpu|wasm --data DIR --workload JSON --models mlp,tiny
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadDataset } from '../../src/data/node-source.js';
import { fillBatch, MNIST_NORMALIZE, type Split } from '../../src/data/dataset.js';
import {
  BENCH_MODELS,
  errorText,
  inferFigure,
  latencyFigure,
  repeatTimed,
  type BenchModel,
  type Figure,
  type InferFigure,
  type LatencyFigure,
  type ModelFigures,
  type TrainFigure,
  trainFigure,
  type Workload,
  warmupOf,
} from '../figures.js';

export type TfjsBackend = 'cpu' | 'wasm';

export interface TfjsReport {
  version: string;
  backend: string;
  threads: number;
  simd: boolean | null;
  notes: string[];
  models: Partial<Record<BenchModel, ModelFigures>>;
}

const IMAGE = 28 * 28;

/** The zoo's architectures in tf.layers, default (Glorot) initialisation. */
export function buildTfjsModel(name: BenchModel): tf.Sequential {
  const input = { inputShape: [28, 28, 1] };
  const L = tf.layers;
  switch (name) {
    case 'mlp':
      return tf.sequential({
        layers: [L.flatten(input), L.dense({ units: 16, activation: 'sigmoid' }), L.dense({ units: 16, activation: 'sigmoid' }), L.dense({ units: 10 })],
      });
    case 'tiny':
      return tf.sequential({
        layers: [
          L.conv2d({ ...input, filters: 2, kernelSize: 5, activation: 'relu' }),
          L.maxPooling2d({ poolSize: 2 }),
          L.conv2d({ filters: 4, kernelSize: 3, activation: 'sigmoid' }),
          L.maxPooling2d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 10 }),
        ],
      });
    case 'lenet':
      return tf.sequential({
        layers: [
          L.conv2d({ ...input, filters: 20, kernelSize: 5 }),
          L.maxPooling2d({ poolSize: 2 }),
          L.conv2d({ filters: 50, kernelSize: 5 }),
          L.maxPooling2d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 500, activation: 'relu' }),
          L.dense({ units: 10 }),
        ],
      });
  }
}

function trainThroughput(name: BenchModel, split: Split, w: Workload, batches: number): TrainFigure {
  const model = buildTfjsModel(name);
  const opt = tf.train.momentum(w.lr, w.momentum);
  const B = w.batchSize;
  const warmup = warmupOf(w, name);
  const total = warmup + batches;
  const order = tf.util.createShuffledIndices(split.n);
  const x = new Float32Array(B * IMAGE);
  const y = new Int32Array(B);
  const losses: number[] = [];
  const stamps: number[] = [];
  for (let b = 0; b < total; b++) {
    if (b === warmup) stamps.push(performance.now());
    fillBatch(x, y, split, order, b * B, B, MNIST_NORMALIZE);
    const loss = tf.tidy(() => {
      const xs = tf.tensor4d(x, [B, 28, 28, 1]);
      const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true);
      if (cost === null) throw new Error('optimizer returned no cost');
      return cost;
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    if (b >= warmup) stamps.push(performance.now());
  }
  opt.dispose();
  model.dispose();
  return trainFigure(stamps, B, warmup, losses);
}

function inferThroughput(name: BenchModel, split: Split, w: Workload): InferFigure {
  const model = buildTfjsModel(name);
  const B = w.inferBatch;
  const x = new Float32Array(B * IMAGE);
  const y = new Int32Array(B);
  const order = Uint32Array.from({ length: B }, (_, i) => i);
  const pass = (count: number): void => {
    fillBatch(x, y, split, order, 0, count, MNIST_NORMALIZE);
    const out = tf.tidy(() => model.predict(tf.tensor4d(x.subarray(0, count * IMAGE), [count, 28, 28, 1])) as tf.Tensor);
    out.dataSync();
    out.dispose();
  };
  pass(Math.min(B, 50));
  pass(Math.min(B, 50));
  const times = repeatTimed(() => pass(B), { warm: 0, minReps: 1, maxReps: w.inferMaxReps, budgetMs: w.inferBudgetMs });
  model.dispose();
  return inferFigure(B, times);
}

/** One digit, layer by layer, every layer's output read back: what convscope's trace holds. */
function digitLatency(name: BenchModel, split: Split, w: Workload): LatencyFigure {
  const model = buildTfjsModel(name);
  const x = new Float32Array(IMAGE);
  const y = new Int32Array(1);
  const order = Uint32Array.from({ length: 100 }, (_, i) => i);
  const one = (r: number): void => {
    fillBatch(x, y, split, order, r % 100, 1, MNIST_NORMALIZE);
    const trace = tf.tidy(() => {
      let h: tf.Tensor = tf.tensor4d(x, [1, 28, 28, 1]);
      const outs: tf.Tensor[] = [];
      for (const layer of model.layers) {
        h = layer.apply(h) as tf.Tensor;
        outs.push(h);
      }
      return outs;
    });
    for (const t of trace) t.dataSync();
    tf.dispose(trace);
  };
  const times = repeatTimed(one, { warm: 20, minReps: w.latencyRuns, maxReps: w.latencyRuns, budgetMs: Infinity });
  model.dispose();
  return latencyFigure(times);
}

function attempt<T extends object>(what: () => T): Figure<T> {
  try {
    return what();
  } catch (e) {
    return { na: errorText(e).split('\n')[0] };
  }
}

/** Sets up the backend: the wasm binaries come from the installed package's dist/ folder. */
async function initBackend(backend: TfjsBackend, threads: number, notes: string[]): Promise<void> {
  if (backend === 'wasm') {
    const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths({
      'tfjs-backend-wasm.wasm': join(dist, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': join(dist, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': join(dist, 'tfjs-backend-wasm-threaded-simd.wasm'),
    });
    setThreadsCount(threads);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend '${backend}' failed to initialise`);
  await tf.ready();
  if (backend === 'wasm' && !(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) {
    notes.push('the wasm backend runs one thread in Node: its threaded build starts workers from blob: URLs, which Node cannot');
  }
  if (backend === 'cpu') notes.push('the cpu backend is plain JavaScript on one thread; tfjs-node (native TensorFlow) is not installed');
}

export async function runTfjs(backend: TfjsBackend, dataDir: string, w: Workload, models: readonly BenchModel[]): Promise<TfjsReport> {
  const notes: string[] = [];
  const threads = backend === 'wasm' ? 2 : 1;
  await initBackend(backend, threads, notes);
  const data = await loadDataset({ dataset: 'mnist', dataDir });
  const report: TfjsReport = {
    version: tf.version.tfjs,
    backend: tf.getBackend(),
    threads: backend === 'wasm' && (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? threads : 1,
    simd: backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null,
    notes,
    models: {},
  };
  for (const name of models) {
    process.stderr.write(`  TF.js ${backend} ${name} ...\n`);
    const batches = w.trainBatches[name] ?? 0;
    report.models[name] = {
      train: batches > 0 ? attempt(() => trainThroughput(name, data.train, w, batches)) : { na: w.trainSkipped ?? 'not run in this workload' },
      infer: attempt(() => inferThroughput(name, data.test, w)),
      latency: attempt(() => digitLatency(name, data.test, w)),
    };
  }
  return report;
}

function argValue(argv: readonly string[], flag: string): string {
  const i = argv.indexOf(flag);
  if (i < 0 || i + 1 >= argv.length) throw new Error(`tfjs-bench: missing ${flag} VALUE`);
  return argv[i + 1];
}

async function main(argv: readonly string[]): Promise<void> {
  const backend = argValue(argv, '--backend');
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs-bench: --backend must be cpu or wasm, got ${JSON.stringify(backend)}`);
  const models = argValue(argv, '--models').split(',').filter((m) => m !== '');
  for (const m of models) {
    if (!(BENCH_MODELS as readonly string[]).includes(m)) throw new Error(`tfjs-bench: unknown model ${JSON.stringify(m)}, expected ${BENCH_MODELS.join(', ')}`);
  }
  const w = JSON.parse(argValue(argv, '--workload')) as Workload;
  const report = await runTfjs(backend, argValue(argv, '--data'), w, models as BenchModel[]);
  process.stdout.write(JSON.stringify(report) + '\n');
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  // TF.js prints a hint about tfjs-node through console.warn; keep stdout for the JSON alone.
  console.log = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`tfjs-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
