/**
 * Keeps the benchmark harness from rotting: convscope's part runs on real MNIST for 2 batches
 * (reference and WebAssembly kernels), the report turns figures into ratios and a table, and
 * the options reject what they do not know. No timing is asserted: speed is the benchmark's job.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/node-source.js';
import { splitSource } from '../src/data/split-source.js';
import { mnistDir } from '../test/helpers.js';
import type { BenchData } from './convscope.js';
import { isNa, trainFigure, type ModelFigures, type TrainFigure, type Workload } from './figures.js';
import { computeRatios, markdownTable, medianOfRounds, naNotes, type RunnerResult } from './report.js';
import { parseOptions, runConvscope, workloads } from './run.js';

const tiny: Workload = {
  batchSize: 16,
  lr: 0.01,
  momentum: 0.9,
  warmup: 1,
  trainBatches: { mlp: 2, tiny: 2, lenet: 2 },
  inferBatch: 8,
  inferBudgetMs: 0,
  inferMaxReps: 1,
  latencyRuns: 2,
};

function expectMeasured(f: ModelFigures | undefined, batches: number): void {
  expect(f).toBeDefined();
  const m = f as ModelFigures;
  expect(isNa(m.train), JSON.stringify(m.train)).toBe(false);
  const t = m.train as TrainFigure;
  expect(t.batches).toBe(batches);
  expect(t.imagesPerSecond).toBeGreaterThan(0);
  expect(Number.isFinite(t.firstLoss) && Number.isFinite(t.lastLoss)).toBe(true);
  expect(isNa(m.infer) ? m.infer.na : m.infer.batch).toBe(8);
  expect(isNa(m.infer) ? 0 : m.infer.imagesPerSecond).toBeGreaterThan(0);
  expect(isNa(m.latency) ? m.latency.na : m.latency.runs).toBe(2);
}

describe('convscope part of the benchmark, 2 batches', () => {
  let bench: BenchData;
  beforeAll(async () => {
    const data = await loadDataset({ dataset: 'mnist', dataDir: mnistDir(), download: false });
    bench = { train: splitSource(data.train), test: splitSource(data.test) };
  });
  const lines: string[] = [];
  const log = (s: string) => lines.push(s);

  it('kernels=ts: mlp, tiny and lenet train, infer and give a traced digit', async () => {
    const r = await runConvscope({ kind: 'ts', threads: 1, fma: false }, bench, tiny, ['mlp', 'tiny', 'lenet'], log);
    expect(r.na).toBeUndefined();
    expect(r.label).toBe('convscope ts');
    for (const m of ['mlp', 'tiny', 'lenet'] as const) expectMeasured(r.models[m], 2);
    expect(lines).toContain('  convscope ts lenet ...');
  });

  it('kernels=wasm threads=2: the same figures, and the kernels it really got', async () => {
    const r = await runConvscope({ kind: 'wasm', threads: 2, fma: false }, bench, tiny, ['tiny'], log);
    expect(r.na).toBeUndefined();
    expect((r.detail['kernels'] as { name: string }).name).toBe('wasm');
    expectMeasured(r.models.tiny, 2);
  });

  it('asking for more training images than the set holds is an n/a with the reason, not a crash', async () => {
    const r = await runConvscope({ kind: 'ts', threads: 1, fma: false }, bench, { ...tiny, batchSize: 60000, trainBatches: { mlp: 2 } }, ['mlp'], log);
    const train = r.models.mlp?.train;
    expect(train && isNa(train) ? train.na : 'measured').toMatch(/mlp: 3 batches of 60000 need 180000 training images, the set has 60000/);
  });
});

describe('trainFigure', () => {
  it('10 batches of 64 → 5 windows of 2; the median window is the figure, the overall rate is kept', () => {
    // batch ends every 10 ms, except one slow 110 ms batch (someone else took the core)
    const stamps = [0, 10, 20, 30, 40, 150, 160, 170, 180, 190, 200];
    const f = trainFigure(stamps, 64, 3, [2.3, 2.0, 1.5]);
    expect(f.windows.map(Math.round)).toEqual([6400, 6400, 1067, 6400, 6400]);
    expect(f.imagesPerSecond).toBeCloseTo(6400);
    expect(f.overallImagesPerSecond).toBeCloseTo(3200);
    expect(f).toMatchObject({ batches: 10, warmup: 3, batchSize: 64, seconds: 0.2, firstLoss: 2.3, lastLoss: 1.5 });
  });

  it('fewer batches than windows: one window per batch; no timed batch is an error', () => {
    expect(trainFigure([0, 1000, 3000], 8, 1, [1, 1]).windows).toEqual([8, 4]);
    expect(() => trainFigure([5], 64, 1, [])).toThrow('trainFigure: needs at least one timed batch, got 0');
  });
});

describe('report', () => {
  const fig = (train: number, infer: number, ms: number): ModelFigures => ({
    train: { batches: 1, warmup: 0, batchSize: 64, seconds: 64 / train, imagesPerSecond: train, overallImagesPerSecond: train, windows: [train], firstLoss: 2.3, lastLoss: 2.2 },
    infer: { batch: 1000, reps: 1, medianSeconds: 1000 / infer, imagesPerSecond: infer },
    latency: { runs: 1, medianMs: ms, minMs: ms },
  });
  const runners: RunnerResult[] = [
    { id: 'a', label: 'convscope wasm 1T', group: 'convscope', detail: {}, models: { mlp: fig(4000, 9000, 0.5) } },
    { id: 'b', label: 'convscope wasm 2T', group: 'convscope', detail: {}, models: { mlp: fig(6000, 8000, 0.4) } },
    { id: 'c', label: 'PyTorch 2T', group: 'torch', detail: {}, models: { mlp: fig(2000, 10000, 0.2) } },
    { id: 'd', label: 'TF.js cpu', group: 'tfjs', detail: {}, models: { mlp: { ...fig(100, 500, 2), train: { na: 'cannot train' } } } },
    { id: 'e', label: 'TF.js wasm', group: 'tfjs', detail: {}, models: {}, na: 'not installed' },
  ];

  it('ratios take convscope’s best per figure; latency ratios are peer ÷ convscope', () => {
    const r = computeRatios(runners, ['mlp']).mlp;
    expect(r?.train.best).toEqual({ runner: 'convscope wasm 2T', value: 6000 });
    expect(r?.train.vsTorch).toBeCloseTo(3);
    expect(r?.train.vsTfjs).toBeNull();
    expect(r?.infer.vsTorch).toBeCloseTo(0.9);
    expect(r?.infer.vsTfjs).toBeCloseTo(18);
    expect(r?.latency.best?.value).toBe(0.4);
    expect(r?.latency.vsTorch).toBeCloseTo(0.5);
    expect(r?.latency.vsTfjs).toBeCloseTo(5);
  });

  it('the table has a row per figure, n/a where a peer has none, and notes say why', () => {
    const table = markdownTable(runners, ['mlp']);
    const rows = table.split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toMatch(/^\| mlp\s+\| train img\/s\s+\|\s+4,000 \|\s+6,000 \|\s+2,000 \|\s+n\/a \|\s+n\/a \|\s+3\.00× \|\s+n\/a \|$/);
    expect(rows[4]).toContain('0.400');
    expect(naNotes(runners, ['mlp'])).toEqual(['TF.js cpu, mlp train: cannot train', 'TF.js wasm: not installed']);
  });

  it('rounds: each figure is the median round, every round kept; latency’s median is by time; an n/a round is skipped', () => {
    const round = (train: number, infer: number, ms: number): RunnerResult => ({ id: 'a', label: 'convscope wasm 1T', group: 'convscope', detail: { kernels: 'wasm' }, models: { mlp: fig(train, infer, ms) } });
    const merged = medianOfRounds([round(4000, 9000, 0.5), round(1000, 9500, 0.9), round(5000, 3000, 0.3)]);
    expect(merged.models.mlp?.train).toMatchObject({ imagesPerSecond: 4000 });
    expect(merged.models.mlp?.infer).toMatchObject({ imagesPerSecond: 9000 });
    expect(merged.models.mlp?.latency).toMatchObject({ medianMs: 0.5 });
    expect(merged.detail).toEqual({ kernels: 'wasm', rounds: { mlp: { train: [4000, 1000, 5000], infer: [9000, 9500, 3000], latency: [0.5, 0.9, 0.3] } } });
    // an even count takes the lower middle: never the luckiest round
    expect(medianOfRounds([round(4000, 1, 1), round(1000, 1, 1)]).models.mlp?.train).toMatchObject({ imagesPerSecond: 1000 });
    const failed: RunnerResult = { ...round(0, 0, 0), models: { mlp: { ...fig(1, 1, 1), train: { na: 'failed: boom' } } } };
    expect(medianOfRounds([failed, round(3000, 1, 1), round(2000, 1, 1)]).models.mlp?.train).toMatchObject({ imagesPerSecond: 2000 });
    expect(medianOfRounds([failed]).models.mlp?.train).toEqual({ na: 'failed: boom' });
    expect(medianOfRounds([failed, failed]).models.mlp?.train).toEqual({ na: 'failed: boom' });
    expect(() => medianOfRounds([round(1, 1, 1), { ...round(1, 1, 1), id: 'b' }])).toThrow('medianOfRounds: rounds of different runners (a, b)');
  });
});

describe('options and workloads', () => {
  it('rejects unknown sections and models, naming the flag and what is allowed', () => {
    expect(() => parseOptions(['--only', 'convscope,jax'])).toThrow('--only: unknown "jax", expected some of convscope, torch, tfjs');
    expect(() => parseOptions(['--models', 'resnet'])).toThrow('--models: unknown "resnet", expected some of mlp, tiny, lenet');
    expect(() => parseOptions(['--fast'])).toThrow(/--fast/);
  });

  it('reads the flags', () => {
    const o = parseOptions(['--quick', '--time-to-99', '--only', 'torch', '--models', 'lenet', '--data', '/tmp/mnist', '--no-save']);
    expect(o).toMatchObject({ quick: true, timeTo99: true, groups: ['torch'], models: ['lenet'], dataDir: '/tmp/mnist', save: false, rounds: 1 });
    expect(parseOptions([]).rounds).toBe(3);
    expect(parseOptions(['--rounds', '5']).rounds).toBe(5);
    expect(() => parseOptions(['--rounds', '0'])).toThrow('--rounds: expected a whole number from 1 to 20, got "0"');
    expect(() => parseOptions(['--rounds', '2.5'])).toThrow('--rounds: expected a whole number from 1 to 20, got "2.5"');
  });

  it('--quick does less of everything, and TF.js cpu never trains LeNet with more than a batch', () => {
    const [q, full] = [workloads(true), workloads(false)];
    for (const k of ['base', 'ts', 'tfjsCpu'] as const) {
      for (const m of ['mlp', 'tiny', 'lenet'] as const) expect(q[k].trainBatches[m] ?? 0).toBeLessThanOrEqual(full[k].trainBatches[m] ?? 0);
    }
    expect(full.tfjsCpu.trainBatches.lenet).toBe(1);
    expect(q.tfjsCpu.trainSkipped).toMatch(/quick/);
    expect(full.base.trainBatches).toEqual({ mlp: 400, tiny: 200, lenet: 60 });
  });
});
