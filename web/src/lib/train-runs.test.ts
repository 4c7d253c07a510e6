import { describe, expect, it } from 'vitest';
import { RUN_LOG_FORMAT, type RunLog } from '../../../src/train/run-log.js';
import { ZOO } from '../../../src/models/zoo.js';
import { bestTest, importRunLog, overlayData, runCurve, runLabel, runLogFileName } from './train-runs.js';

function log(name: string, lr: number, train: [number, number][], test: [number, number][]): RunLog {
  return {
    format: RUN_LOG_FORMAT,
    name,
    spec: ZOO['cnn'].spec,
    recipe: { epochs: 2, batchSize: 64, optimizer: { kind: 'adam' }, lr, schedule: { kind: 'onecycle' }, loss: 'xent', seed: 1, augment: false },
    dataset: 'mnist',
    kernels: 'wasm (2 threads)',
    origin: 'browser',
    startedAt: '2026-12-01T20:48:37.123Z',
    wallSeconds: 10,
    completed: true,
    every: 10,
    train: train.map(([step, loss]) => ({ step, epoch: 0, loss, accuracy: 1 - loss, lr, imagesPerSecond: 1000, seconds: step / 10 })),
    test: test.map(([step, accuracy]) => ({ step, epoch: 0, scope: 'subset' as const, accuracy, examples: 1000 })),
    epochs: [],
    testAccuracy: null,
  };
}

describe('train-runs', () => {
  const a = log('cnn', 0.003, [[10, 0.9], [20, 0.5], [30, 0.3]], [[20, 0.9], [30, 0.95]]);
  const b = log('lenet', 0.01, [[10, 0.8], [25, 0.4]], [[25, 0.97]]);

  it('labels a run by what sets it apart', () => {
    expect(runLabel(a)).toBe('cnn · adam lr 0.003 onecycle · batch 64 · 2 epochs · seed 1 · mnist (browser)');
  });

  it('a run curve per metric and axis', () => {
    expect(runCurve(a, 'trainLoss', 'step')).toEqual({ x: [10, 20, 30], y: [0.9, 0.5, 0.3] });
    expect(runCurve(a, 'lr', 'seconds')).toEqual({ x: [1, 2, 3], y: [0.003, 0.003, 0.003] });
    // test points take the time of the training point at their step
    expect(runCurve(a, 'testAccuracy', 'seconds')).toEqual({ x: [2, 3], y: [0.9, 0.95] });
  });

  it('overlays runs on the union of their x, null where a run has no point', () => {
    expect(overlayData([a, b], 'trainLoss', 'step')).toEqual([
      [10, 20, 25, 30],
      [0.9, 0.5, null, 0.3],
      [0.8, null, 0.4, null],
    ]);
    expect(overlayData([], 'trainLoss', 'step')).toEqual([[]]);
  });

  it('imports a CLI log and refuses what is not one, naming the file', () => {
    const back = importRunLog(JSON.stringify({ ...a, origin: 'cli' }), 'cnn.log.json');
    expect(back.origin).toBe('cli');
    expect(back.train).toHaveLength(3);
    expect(() => importRunLog('{"format": "convscope-run/1"', 'cut.json')).toThrow(/^cut\.json: not JSON \(.*\); expected the file `convscope train --log FILE` writes$/);
    expect(() => importRunLog('{"format": "other"}', 'x.json')).toThrow(`x.json: 'format' must be '${RUN_LOG_FORMAT}', got "other"`);
    expect(() => importRunLog(JSON.stringify({ ...a, train: [{ step: 'ten' }] }), 'y.json')).toThrow('y.json: train[0].step must be a number');
  });

  it('names a log download by model and start time; best test point', () => {
    expect(runLogFileName(a)).toBe('cnn-run-2026-12-01T20-48-37.json');
    expect(bestTest(a)).toEqual({ accuracy: 0.95, step: 30 });
    expect(bestTest(log('x', 1, [], []))).toBeNull();
  });
});
