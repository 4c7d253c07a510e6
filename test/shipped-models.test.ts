/**
 * The shipped models in models/ are what the README promises: each reproduces, on the 10,000 test
 * images, exactly the accuracy recorded in its metadata, and meets its target; each carries a
 * "not a digit" calibration whose report records how well it rejects Fashion-MNIST.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { ZOO } from '../src/models/zoo.js';
import { captureIo, mnistDir, REPO_ROOT } from './helpers.js';

const TARGETS: Record<string, number> = { mlp: 0.965, tiny: 0.97, lenet: 0.991, cnn: 0.988 };

describe('shipped models', () => {
  for (const [name, target] of Object.entries(TARGETS)) {
    it(`models/${name}.safetensors reproduces its recorded accuracy (≥ ${(target * 100).toFixed(1)}%)`, async () => {
      const file = join(REPO_ROOT, 'models', `${name}.safetensors`);
      expect(existsSync(file), `${file} is missing`).toBe(true);
      const { model, metadata } = await readModelFile(file);
      expect(metadata.name).toBe(name);
      expect(model.spec).toEqual(ZOO[name].spec);
      // global options (--threads, --kernels) may come before the command
      expect(metadata.command).toMatch(new RegExp(`^convscope (--[a-z]+ \\S+ )*train --model ${name} `));
      expect(metadata.dataset?.checksums['t10k-images-idx3-ubyte']).toBe('2646ac647ad5339dbf082846283269ea');
      const io = captureIo(REPO_ROOT);
      const code = await runCli(['evaluate', '--model', file, '--data', mnistDir(), '--json', '--worst', '0'], io);
      expect(code, io.stderr).toBe(0);
      const ev = JSON.parse(io.stdout);
      expect(ev.total).toBe(10000);
      expect(ev.accuracy).toBe(metadata.testAccuracy);
      expect(ev.accuracy).toBeGreaterThanOrEqual(target);
      // convscope calibrate --model <name> --data ../shared/mnist
      expect(model.ood?.method).toBe('combined');
      const fashion = (model.ood?.report?.['sets'] as Record<string, { auroc?: unknown }> | undefined)?.['fashion'];
      expect(fashion?.auroc, `${file} has no calibration report with a Fashion-MNIST AUROC`).toBeTypeOf('number');
      expect(fashion?.auroc).toBeGreaterThan(0.85);
    }, 120_000);
  }
});
