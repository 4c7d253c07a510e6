/**
 * The explanation methods on the shipped models, with the checks their literature asks for:
 * integrated gradients' completeness on every model; the model-randomisation test (Adebayo et al.
 * 2018) and the deletion curve, each shown to fail for a deliberately broken method; activation
 * maximisation reaching ≥ 99% from noise; PGD at ε = 0.3 taking LeNet below 5% on 1,000 test
 * digits (Madry et al. 2018: an undefended MNIST CNN falls to a few percent); fooling images at
 * ≥ 99.99% for every class (Nguyen et al. 2015). Inputs: the examples/ digits drawn by the project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Tensor } from '../src/engine/tensor.js';
import { setKernels, referenceKernels } from '../src/engine/kernels/index.js';
import { selectNodeKernels } from '../src/engine/kernels/wasm/node-kernels.js';
import type { FastKernels } from '../src/engine/kernels/wasm/index.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { readImageFile } from '../src/data/node-image.js';
import { preprocessDigit } from '../src/data/preprocess.js';
import { loadDataset } from '../src/data/node-source.js';
import type { Sequential } from '../src/nn/model.js';
import {
  attribute,
  deletionCurve,
  foolingImage,
  gradcam,
  integratedGradients,
  maximizeActivation,
  minimalEpsilon,
  modelRandomizationTest,
  randomAttribution,
  robustnessCurve,
  saliency,
  topExcitingExamples,
} from '../src/explain/index.js';
import { mnistDir, REPO_ROOT } from './helpers.js';

const NAMES = ['mlp', 'tiny', 'lenet', 'cnn'] as const;
const models: Record<string, Sequential> = {};
const digits = new Tensor([10, 1, 28, 28]);
const TARGETS = Array.from({ length: 10 }, (_, i) => i);
let fast: FastKernels | null = null;

beforeAll(async () => {
  fast = (await selectNodeKernels('wasm')) ?? null;
  for (const name of NAMES) models[name] = (await readModelFile(join(REPO_ROOT, 'models', `${name}.safetensors`))).model;
  for (let d = 0; d < 10; d++) {
    const image = await readImageFile(join(REPO_ROOT, 'examples', `${d}.png`));
    digits.data.set(preprocessDigit(image, { range: '0..255' }).pixels, d * 784);
  }
});

afterAll(async () => {
  await fast?.dispose();
  setKernels(referenceKernels);
});

describe('integrated gradients: completeness on every shipped model', () => {
  for (const name of NAMES) {
    it(`${name}: Σ attributions = logit(x) − logit(black) within 1% on the ten example digits`, () => {
      const r = integratedGradients(models[name], digits, { target: TARGETS });
      for (let n = 0; n < 10; n++) {
        const sum = r.map.data.subarray(n * 784, (n + 1) * 784).reduce((a, b) => a + b, 0);
        const diff = r.scores[n] - r.baselineScores[n];
        expect(Math.abs(sum - diff) / Math.abs(diff), `digit ${n}: Σ ${sum} vs ${diff} (${r.steps[n]} steps)`).toBeLessThan(0.01);
      }
    });
  }
});

describe('model randomisation (cascading, from the top): the maps must change when the weights do', () => {
  const finalCorrelation = (mapOf: (m: Sequential, x: Tensor) => Tensor): number => {
    const steps = modelRandomizationTest(models['lenet'], digits, mapOf);
    expect(steps.map((s) => s.layer)).toEqual(['dense2', 'dense1', 'conv2', 'conv1']);
    return steps[steps.length - 1].spearmanAbs;
  };
  it('saliency and Grad-CAM change (Spearman of |map| < 0.6 and < 0.3 once every layer is random)', () => {
    expect(finalCorrelation((m, x) => saliency(m, x, { target: TARGETS }).map)).toBeLessThan(0.6);
    expect(finalCorrelation((m, x) => gradcam(m, x, { target: TARGETS }).map)).toBeLessThan(0.3);
  });
  it('a broken method that returns the input (an edge detector in disguise) fails: its map does not change', () => {
    expect(finalCorrelation((_m, x) => x.clone())).toBeGreaterThan(0.99);
  });
});

describe('deletion: removing pixels in attribution order lowers the class probability faster than a random order', () => {
  const random = (): number => deletionCurve(models['lenet'], digits, randomAttribution(digits, 3), TARGETS).area;
  for (const method of ['saliency', 'gradient-x-input', 'integrated-gradients', 'occlusion'] as const) {
    it(`${method} beats a random order on lenet`, () => {
      const a = attribute(models['lenet'], digits, method, { target: TARGETS });
      const curve = deletionCurve(models['lenet'], digits, a.map, TARGETS);
      expect(curve.probabilities[0]).toBeGreaterThan(0.9);
      expect(curve.area).toBeLessThan(random() * 0.75);
    });
  }
  it('a broken method (integrated gradients negated: the least important pixels first) does not', () => {
    const a = integratedGradients(models['lenet'], digits, { target: TARGETS }).map;
    const broken = new Tensor(a.shape, a.data.map((v) => -v));
    expect(deletionCurve(models['lenet'], digits, broken, TARGETS).area).toBeGreaterThan(random());
  });
});

describe('what a unit looks for', () => {
  for (const name of ['tiny', 'cnn', 'lenet'] as const) {
    it(`${name}: activation maximisation from noise makes every class ≥ 99% probable`, () => {
      for (let c = 0; c < 10; c++) {
        const r = maximizeActivation(models[name], { kind: 'class', target: c }, { seed: c });
        expect(r.probabilities[c], `class ${c}`).toBeGreaterThanOrEqual(0.99);
        expect(r.history[r.history.length - 1]).toBeGreaterThan(r.history[0]);
        expect(r.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      }
    });
  }
  it('is deterministic from its seed, and maximises a conv channel', () => {
    const a = maximizeActivation(models['cnn'], { kind: 'channel', layer: 'conv2', channel: 3 }, { seed: 5, steps: 64 });
    const b = maximizeActivation(models['cnn'], { kind: 'channel', layer: 'conv2', channel: 3 }, { seed: 5, steps: 64 });
    expect(Array.from(a.image)).toEqual(Array.from(b.image));
    expect(a.score).toBeGreaterThan(a.history[0]);
  });
  it('dataset examples: the digits that excite a channel most, strongest first, with their receptive field', () => {
    const top = topExcitingExamples(models['lenet'], digits, 'conv2', 3);
    expect(top).toHaveLength(50);
    for (const list of top) {
      expect(list).toHaveLength(3);
      expect(list[0].value).toBeGreaterThanOrEqual(list[1].value);
      const f = list[0].at!.field;
      expect([f.y1 - f.y0 + 1, f.x1 - f.x0 + 1]).toEqual([14, 14]); // two 5×5 convs and a 2×2 pool
    }
  });
  it('refuses a channel the layer does not have, and a class outside 0..9', () => {
    expect(() => maximizeActivation(models['cnn'], { kind: 'channel', layer: 'conv2', channel: 16 }, { steps: 1 })).toThrow(/channel 16 is not in 0..15 of conv2/);
    expect(() => maximizeActivation(models['cnn'], { kind: 'class', target: 10 }, { steps: 1 })).toThrow(/target class 10 is not one of the model's classes 0..9/);
    expect(() => maximizeActivation(models['cnn'], { kind: 'channel', layer: 'dense1', channel: 0 }, { steps: 1 })).toThrow(/dense1 has no feature maps/);
  });
});

describe('adversarial examples', () => {
  it('PGD at ε = 0.3 brings lenet below 5% on 1,000 test digits; clean accuracy ≥ 99%', async () => {
    const data = await loadDataset({ dataset: 'mnist', dataDir: mnistDir() });
    const n = 1000;
    const x = new Tensor([n, 1, 28, 28], Float32Array.from(data.test.images.subarray(0, n * 784), (v) => v / 255));
    const curve = robustnessCurve(models['lenet'], x, data.test.labels.subarray(0, n), [0, 0.3], { method: 'pgd', steps: 20 });
    expect(curve[0].accuracy).toBeGreaterThanOrEqual(0.99);
    expect(curve[1].accuracy).toBeLessThan(0.05);
  }, 300_000);
  it('the minimal flipping ε is found by bisection: at it the answer flips, well below it it does not', () => {
    const one = new Tensor([1, 1, 28, 28], digits.data.slice(0, 784));
    const r = minimalEpsilon(models['lenet'], one, { method: 'pgd', steps: 20 });
    expect(r.eps).not.toBeNull();
    expect(r.after).not.toBe(r.before);
    const below = minimalEpsilon(models['lenet'], one, { method: 'pgd', steps: 20, maxEps: (r.eps as number) / 2 });
    expect(below.eps).toBeNull();
  });
});

describe('fooling images', () => {
  for (const name of ['lenet', 'cnn', 'tiny'] as const) {
    it(`${name}: noise that it calls each digit with ≥ 99.99% confidence, within ε ≤ 0.5 of the noise`, () => {
      for (let c = 0; c < 10; c++) {
        const r = foolingImage(models[name], c, { seed: c });
        expect(r.confidence, `class ${c}`).toBeGreaterThanOrEqual(0.9999);
        let far = 0;
        for (let i = 0; i < 784; i++) far = Math.max(far, Math.abs(r.image[i] - r.noise[i]));
        expect(far).toBeLessThanOrEqual(r.eps + 1e-6);
        expect(r.eps).toBeLessThanOrEqual(0.5);
      }
    });
  }
});
