/**
 * convscope's side of the benchmark: training throughput through the real training loop
 * (train() with SGD + momentum on real MNIST batches), inference throughput at a large batch, and
 * the latency of one digit with its full trace, all with whatever kernels are installed now.
 * It measures one model at a time; choosing kernels, peers and reporting live elsewhere.
 */
import { Tensor } from '../src/engine/tensor.js';
import { withKernelScratch } from '../src/engine/kernels/index.js';
import { Sequential } from '../src/nn/model.js';
import { zooEntry } from '../src/models/zoo.js';
import type { ModelSpec } from '../src/nn/spec.js';
import { train } from '../src/train/trainer.js';
import type { BatchSource } from '../src/train/batch-source.js';
import {
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
} from './figures.js';

/**
 * The zoo's architecture as the peers run it: the shipped mlp deskews its input first, which
 * PyTorch's and TF.js's copies do not, so the race leaves that step out.
 */
export function benchSpec(name: string): ModelSpec {
  const { deskew: _deskew, ...spec } = zooEntry(name).spec;
  return spec;
}

export interface BenchData {
  train: BatchSource;
  test: BatchSource;
}

const SEED = 1;

/** Images per second of `batches` training steps after `warmup` untimed ones. */
export async function trainThroughput(name: BenchModel, data: BenchData, w: Workload, batches: number): Promise<TrainFigure> {
  const model = new Sequential(benchSpec(name), SEED);
  const warmup = warmupOf(w, name);
  const total = warmup + batches;
  if (total * w.batchSize > data.train.size) {
    throw new RangeError(`${name}: ${total} batches of ${w.batchSize} need ${total * w.batchSize} training images, the set has ${data.train.size}`);
  }
  let started = 0;
  const stamps: number[] = [];
  const losses: number[] = [];
  await train(
    model,
    data.train,
    {
      epochs: 1,
      batchSize: w.batchSize,
      optimizer: { kind: 'sgd', momentum: w.momentum },
      lr: w.lr,
      schedule: { kind: 'constant' },
      loss: 'xent',
      seed: SEED,
      augment: false,
      limit: total * w.batchSize,
    },
    {
      onEvent: (e) => {
        if (e.type === 'start') started = performance.now();
        else if (e.type === 'batch') {
          stamps.push(performance.now());
          losses.push(e.loss);
        }
      },
    },
  );
  const timed = [warmup === 0 ? started : stamps[warmup - 1], ...stamps.slice(warmup)];
  return trainFigure(timed, w.batchSize, warmup, losses);
}

/** Eval-mode forward passes over the first `w.inferBatch` test images, batch filling included. */
export function inferThroughput(name: BenchModel, data: BenchData, w: Workload): InferFigure {
  const model = new Sequential(benchSpec(name), SEED);
  const B = w.inferBatch;
  const y = new Int32Array(B);
  const order = Uint32Array.from({ length: B }, (_, i) => i);
  const pass = (count: number): void => {
    // as evaluate() does: the batch and its tensors live in the kernels' memory, freed after it
    withKernelScratch(() => {
      const input = new Tensor([count, ...data.test.shape]);
      data.test.fill(input.data, y, order, 0, count, null);
      model.forward(input);
    });
  };
  // Warm the JIT on a small batch: a warm-up pass at full size would cost seconds with the TS kernels.
  pass(Math.min(B, 50));
  pass(Math.min(B, 50));
  const times = repeatTimed(() => pass(B), { warm: 0, minReps: 1, maxReps: w.inferMaxReps, budgetMs: w.inferBudgetMs });
  return inferFigure(B, times);
}

/** One test digit at a time through model.forward, which returns the trace of every layer. */
export function digitLatency(name: BenchModel, data: BenchData, w: Workload): LatencyFigure {
  const model = new Sequential(benchSpec(name), SEED);
  const per = data.test.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(per);
  const y = new Int32Array(1);
  const order = Uint32Array.from({ length: 100 }, (_, i) => i);
  let steps = 0;
  const one = (r: number): void => {
    data.test.fill(x, y, order, r % 100, 1, null);
    steps += model.forward(new Tensor([1, ...data.test.shape], x)).steps.length;
  };
  const times = repeatTimed(one, { warm: 20, minReps: w.latencyRuns, maxReps: w.latencyRuns, budgetMs: Infinity });
  if (steps !== (20 + w.latencyRuns) * model.layers.length) throw new Error(`${name}: the trace lacks layers`);
  return latencyFigure(times);
}

async function attempt<T extends object>(what: () => T | Promise<T>): Promise<Figure<T>> {
  try {
    return await what();
  } catch (e) {
    return { na: `failed: ${errorText(e)}` };
  }
}

/** All three figures of one model with the installed kernels; a figure that throws becomes n/a with the reason. */
export async function benchConvscopeModel(name: BenchModel, data: BenchData, w: Workload): Promise<ModelFigures> {
  const batches = w.trainBatches[name] ?? 0;
  return {
    train: batches > 0 ? await attempt(() => trainThroughput(name, data, w, batches)) : { na: w.trainSkipped ?? 'not run in this workload' },
    infer: await attempt(() => inferThroughput(name, data, w)),
    latency: await attempt(() => digitLatency(name, data, w)),
  };
}
