/**
 * The generated check sets against the shipped models: cnn and lenet must read 1,000 synthetic
 * digits (handwriting that is not MNIST, src/data/synthetic-digits.ts) well above chance, and the
 * share of non-digits (src/data/non-digits.ts) that they call some digit with > 99% probability is
 * printed: an MNIST classifier has no "none of these" answer, so that share is what a not-a-digit
 * detector has to catch. The figures are printed, with the accuracy by style and the confident
 * share by kind, so a change to the templates or the models shows up in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Tensor } from '../src/engine/tensor.js';
import { referenceKernels, setKernels } from '../src/engine/kernels/index.js';
import { selectNodeKernels } from '../src/engine/kernels/wasm/node-kernels.js';
import type { FastKernels } from '../src/engine/kernels/wasm/index.js';
import { predict } from '../src/nn/predict.js';
import type { Sequential } from '../src/nn/model.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { syntheticDigits } from '../src/data/synthetic-digits.js';
import { nonDigitImages } from '../src/data/non-digits.js';
import { REPO_ROOT } from './helpers.js';

const NAMES = ['cnn', 'lenet'] as const;
const COUNT = 1000;
const SEED = 1;
const models: Record<string, Sequential> = {};
let fast: FastKernels | null = null;
const digits = syntheticDigits({ count: COUNT, seed: SEED });
const others = nonDigitImages({ count: COUNT, seed: SEED });

beforeAll(async () => {
  fast = (await selectNodeKernels('wasm')) ?? null;
  for (const name of NAMES) models[name] = (await readModelFile(join(REPO_ROOT, 'models', `${name}.safetensors`))).model;
});

afterAll(async () => {
  await fast?.dispose();
  setKernels(referenceKernels);
});

/** Class probabilities [N,10] of the images, in batches of 100. */
function probabilities(model: Sequential, images: Float32Array): Float32Array {
  const N = images.length / 784;
  const out = new Float32Array(N * 10);
  for (let n0 = 0; n0 < N; n0 += 100) {
    const n1 = Math.min(N, n0 + 100);
    const batch = new Tensor([n1 - n0, 1, 28, 28], images.slice(n0 * 784, n1 * 784));
    out.set(predict(model, batch).probabilities.data, n0 * 10);
  }
  return out;
}

const argmax = (p: Float32Array, n: number) => {
  let best = 0;
  for (let k = 1; k < 10; k++) if (p[n * 10 + k] > p[n * 10 + best]) best = k;
  return best;
};
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** "name 93.0% (40/43)" for each group, worst first. */
function byGroup(groups: string[], hit: (n: number) => boolean): string {
  const tally = new Map<string, { hits: number; total: number }>();
  groups.forEach((g, n) => {
    const t = tally.get(g) ?? { hits: 0, total: 0 };
    t.total++;
    if (hit(n)) t.hits++;
    tally.set(g, t);
  });
  return [...tally]
    .sort((a, b) => a[1].hits / a[1].total - b[1].hits / b[1].total)
    .map(([g, t]) => `${g} ${pct(t.hits / t.total)}`)
    .join(', ');
}

describe(`shipped models on the generated check sets (seed ${SEED}, ${COUNT} each)`, () => {
  for (const name of NAMES) {
    it(`${name} reads the synthetic digits well above chance (> 50%)`, () => {
      const p = probabilities(models[name], digits.images);
      let correct = 0;
      for (let n = 0; n < COUNT; n++) if (argmax(p, n) === digits.labels[n]) correct++;
      const accuracy = correct / COUNT;
      console.log(`${name}: synthetic digits ${pct(accuracy)} (${correct}/${COUNT}); by style, worst first: ${byGroup(digits.styles, (n) => argmax(p, n) === digits.labels[n])}`);
      expect(accuracy).toBeGreaterThan(0.5);
    }, 120_000);

    it(`${name}: the share of non-digits called a digit with > 99% probability (printed)`, () => {
      const p = probabilities(models[name], others.images);
      const confident = (n: number) => p[n * 10 + argmax(p, n)] > 0.99;
      let count = 0;
      for (let n = 0; n < COUNT; n++) if (confident(n)) count++;
      console.log(`${name}: non-digits called a digit at > 99%: ${pct(count / COUNT)} (${count}/${COUNT}); by kind: ${byGroup(others.kinds, confident)}; by variant: ${byGroup(others.variants, confident)}`);
      expect(p.every((v) => Number.isFinite(v))).toBe(true);
    }, 120_000);
  }
});
