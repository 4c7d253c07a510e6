/**
 * The README's library examples, run as written (against src/, which is what the package's
 * dist/ is compiled from), on real data but a small slice of it.
 */
import { describe, expect, it } from 'vitest';
import { Sequential, zooEntry, train, splitSource, loadDataset, predictDigit, writeModelFile, loadModel, type TrainEvent } from '../src/index.js';
import { join } from 'node:path';
import { mnistDir, tempDir } from './helpers.js';

describe('library API as the README shows it', () => {
  it('loads MNIST, trains with progress events, saves, loads and predicts with a trace', async () => {
    const data = await loadDataset({ dataset: 'mnist', dataDir: mnistDir() });
    const model = new Sequential(zooEntry('cnn').spec, 1);
    const events: TrainEvent[] = [];
    const losses: number[] = [];
    await train(
      model,
      splitSource(data.train, { limit: 3000 }),
      { epochs: 1, batchSize: 64, optimizer: { kind: 'adam' }, lr: 2e-3, schedule: { kind: 'cosine' }, loss: 'xent', seed: 1, augment: false },
      {
        test: splitSource(data.test, { limit: 1000 }),
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'batch') losses.push(e.loss);
        },
      },
    );
    const epoch = events.find((e) => e.type === 'epoch');
    expect(epoch && epoch.type === 'epoch' && epoch.testAccuracy).toBeGreaterThan(0.7);
    // the loss falls: the last ten batches average well below the first ten
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.5 * mean(losses.slice(0, 10)));

    const file = join(tempDir(), 'cnn.safetensors');
    await writeModelFile(file, model, { name: 'cnn' });
    const loaded = await loadModel(file);
    const image = data.test.images.subarray(0, 784);
    const pixels = Float32Array.from(image, (v) => v / 255);
    const { digit, probabilities, trace } = predictDigit(loaded, pixels);
    expect(digit).toBe(probabilities.indexOf(Math.max(...probabilities)));
    expect(trace.steps.map((s) => s.cache.y.shape)).toEqual([
      [1, 8, 24, 24], [1, 8, 24, 24], [1, 8, 12, 12], [1, 16, 8, 8], [1, 16, 8, 8], [1, 16, 4, 4], [1, 256], [1, 64], [1, 64], [1, 10],
    ]);
    // the same digit as a raw grayscale image of another size gives a valid prediction too
    const big = { width: 56, height: 56, data: new Uint8Array(56 * 56).map((_, i) => image[(Math.floor(i / 56 / 2)) * 28 + Math.floor((i % 56) / 2)]) };
    expect(predictDigit(loaded, big).digit).toBe(digit);
    expect(() => predictDigit(loaded, new Float32Array(100))).toThrow(/expected 784 values/);
  });
});
