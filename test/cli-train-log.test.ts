/**
 * `convscope train --log FILE`: the run's settings and curves in the explorer's run format,
 * written when the run ends, finished or failed; bad paths and lone --log-every refused up front.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { parseRunLog, RUN_LOG_FORMAT } from '../src/train/run-log.js';
import { captureIo, mnistDir, tempDir } from './helpers.js';

const work = tempDir();

async function cli(...argv: string[]) {
  const io = captureIo(work);
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('convscope train --log', () => {
  it('writes settings, a point every --log-every batches, test accuracy per epoch and the wall time', async () => {
    const out = join(work, 'tiny.safetensors');
    const log = join(work, 'runs', '..', 'tiny-run.json');
    const r = await cli('--kernels', 'ts', 'train', '--model', 'tiny', '--epochs', '2', '--limit', '1280', '--batch', '32', '--lr', '0.01', '--seed', '3',
      '--data', mnistDir(), '--out', out, '--no-calibrate', '--log', log, '--log-every', '15');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`run log written to ${join(work, 'tiny-run.json')}`);
    const run = parseRunLog(JSON.parse(readFileSync(log, 'utf8')), log);
    expect(run).toMatchObject({ format: RUN_LOG_FORMAT, name: 'tiny', dataset: 'mnist', kernels: 'ts', origin: 'cli', every: 15, completed: true });
    expect(run.recipe).toMatchObject({ epochs: 2, batchSize: 32, lr: 0.01, seed: 3, limit: 1280, optimizer: { kind: 'adam' } });
    expect(run.spec.layers.length).toBeGreaterThan(3);
    // 40 batches an epoch: points after 15 and 30, and the epoch's last 10 at its end
    expect(run.train.map((p) => p.step)).toEqual([15, 30, 40, 55, 70, 80]);
    expect(run.train.map((p) => p.epoch)).toEqual([0, 0, 0, 1, 1, 1]);
    for (const p of run.train) {
      expect(p.loss).toBeGreaterThan(0);
      expect(p.accuracy).toBeGreaterThan(0.05);
      expect(p.lr).toBe(0.01);
      expect(p.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(run.train[5]!.loss).toBeLessThan(run.train[0]!.loss); // it learns
    expect(run.test.map((p) => [p.step, p.epoch, p.scope, p.examples])).toEqual([[40, 0, 'epoch', 10000], [80, 1, 'epoch', 10000]]);
    expect(run.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    const meta = (await readModelFile(out)).metadata;
    expect(run.testAccuracy).toBe(meta.testAccuracy);
    expect(run.epochs.map((e) => e.testAccuracy)).toEqual(meta.testAccuracyByEpoch);
    expect(run.wallSeconds).toBeGreaterThan(0);
    expect(run.wallSeconds).toBeGreaterThanOrEqual(run.train[5]!.seconds);
    expect(Date.parse(run.startedAt)).toBeGreaterThan(Date.parse('2025-01-01'));
  }, 120_000);

  it('logs a run that diverges, with the reason, and says it did not complete', async () => {
    const log = join(work, 'wild.json');
    const r = await cli('--kernels', 'ts', 'train', '--model', 'tiny', '--epochs', '1', '--limit', '640', '--optimizer', 'sgd', '--lr', '1e38',
      '--data', mnistDir(), '--out', join(work, 'wild.safetensors'), '--no-calibrate', '--log', log);
    expect(r.code).not.toBe(0);
    expect(existsSync(join(work, 'wild.safetensors'))).toBe(false);
    const run = parseRunLog(JSON.parse(readFileSync(log, 'utf8')));
    expect(run.completed).toBe(false);
    expect(run.error).toMatch(/diverged at step \d+/);
  }, 60_000);

  it('refuses a log path that cannot be written before training, and --log-every without --log', async () => {
    const bad = await cli('train', '--model', 'tiny', '--epochs', '1', '--limit', '64', '--data', mnistDir(), '--out', join(work, 'x.safetensors'), '--log', join(work, 'no', 'such', 'dir', 'run.json'));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/no[/\\]such[/\\]dir/);
    expect(bad.err).not.toMatch(/epoch 1/);
    const lone = await cli('train', '--model', 'tiny', '--limit', '64', '--data', mnistDir(), '--log-every', '5');
    expect(lone.code).not.toBe(0);
    expect(lone.err).toMatch(/--log-every sets the points of the run log: it needs --log FILE/);
    const zero = await cli('train', '--model', 'tiny', '--log', join(work, 'z.json'), '--log-every', '0');
    expect(zero.err).toMatch(/--log-every must be an integer ≥ 1, got '0'/);
  });

  it('parseRunLog names what is wrong with a file that is not a run log', () => {
    expect(() => parseRunLog([], 'a.json')).toThrow('a.json: expected a JSON object');
    expect(() => parseRunLog({ format: 'x' }, 'a.json')).toThrow(`a.json: 'format' must be '${RUN_LOG_FORMAT}', got "x"`);
    const ok = { format: RUN_LOG_FORMAT, name: 'n', dataset: 'mnist', kernels: 'ts', startedAt: 't', origin: 'cli', train: [], test: [], epochs: [], recipe: {}, spec: {} };
    expect(parseRunLog(ok)).toMatchObject({ name: 'n' });
    expect(() => parseRunLog({ ...ok, train: [{ step: 1, epoch: 0, loss: 'x' }] })).toThrow("run log: train[0].loss must be a number");
    expect(() => parseRunLog({ ...ok, origin: 'web' })).toThrow(/'origin' must be 'cli' or 'browser', got "web"/);
  });
});
