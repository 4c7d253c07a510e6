/**
 * The backward rules (`model.backward(..., { rule })`) against PyTorch: plain gradient, guided
 * backpropagation and deconvnet maps of a small CNN (C > 1, H ≠ W, two max pools, normalisation in
 * the spec) in fixtures/backprop-rules.json, made by make-backprop-rules-fixture.py with Captum's
 * definition (a backward hook on every nn.ReLU, every other layer its ordinary gradient). Seeds: each
 * image's target logit, and one whole channel of the second conv's ReLU ("a feature map projected
 * back to pixels"). Run under the reference kernels and the WebAssembly ones (direct convolution
 * and im2col + GEMM). Also a ReLU by hand for each rule, a sigmoid that no rule touches, and the
 * error for an unknown rule. It does not run PyTorch.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../engine/tensor.js';
import { referenceKernels, setKernels, type Kernels } from '../engine/kernels/index.js';
import { createWasmKernels, type FastKernels } from '../engine/kernels/wasm/index.js';
import { Sequential } from '../nn/model.js';
import { BACKWARD_RULES, type BackwardRule } from '../nn/layer.js';
import type { ModelSpec } from '../nn/spec.js';

// ---------------------------------------------------------------- the fixture

interface Dumped {
  shape: number[];
  data: number[];
}

interface Fixture {
  torch: string;
  spec: ModelSpec;
  weights: Record<string, Dumped>;
  input: Dumped;
  logits: Dumped;
  targets: number[];
  target: Record<BackwardRule, Dumped>;
  feature: { from: number; channels: number[]; maps: Record<BackwardRule, Dumped> };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dumped(v: unknown, where: string): Dumped {
  if (!isRecord(v) || !Array.isArray(v['shape']) || !Array.isArray(v['data'])) throw new Error(`backprop-rules.json: ${where} must be {shape, data}`);
  const shape = v['shape'] as number[];
  const data = v['data'] as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length || !data.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`backprop-rules.json: ${where} has shape [${shape.join(',')}] (${size} values) but ${data.length} values, or a non-number`);
  }
  return { shape, data };
}

function rules(v: unknown, where: string): Record<BackwardRule, Dumped> {
  if (!isRecord(v)) throw new Error(`backprop-rules.json: ${where} must be an object of maps by rule`);
  return Object.fromEntries(BACKWARD_RULES.map((r) => [r, dumped(v[r], `${where}.${r}`)])) as Record<BackwardRule, Dumped>;
}

function loadFixture(): Fixture {
  const json: unknown = JSON.parse(readFileSync(new URL('./fixtures/backprop-rules.json', import.meta.url), 'utf8'));
  if (!isRecord(json) || !isRecord(json['weights']) || !isRecord(json['feature'])) throw new Error('backprop-rules.json: expected spec, weights, maps');
  const feature = json['feature'];
  return {
    torch: String(json['torch']),
    // Sequential's constructor checks the spec through parseModelSpec.
    spec: json['spec'] as ModelSpec,
    weights: Object.fromEntries(Object.entries(json['weights']).map(([k, t]) => [k, dumped(t, `weights.${k}`)])),
    input: dumped(json['input'], 'input'),
    logits: dumped(json['logits'], 'logits'),
    targets: json['targets'] as number[],
    target: rules(json['target'], 'target'),
    feature: { from: feature['from'] as number, channels: feature['channels'] as number[], maps: rules(feature['maps'], 'feature.maps') },
  };
}

const fx = loadFixture();

// ---------------------------------------------------------------- comparing

const ATOL = 1e-5;
const RTOL = 1e-4;

/**
 * Every element within ATOL·scale + RTOL·|want|, scale = max |want| of the map (float32 sums in
 * another order err in proportion to the terms summed, not to the result). Returns the worst
 * ratio of error to tolerance (≤ 1 agrees), the max abs difference and a sentence for the message.
 */
function agreement(got: Float32Array, want: readonly number[]): { worst: number; maxAbs: number; where: string } {
  let scale = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  let worst = 0;
  let maxAbs = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const ratio = Number.isNaN(err) ? Infinity : err / (ATOL * scale + RTOL * Math.abs(want[i]));
    maxAbs = Math.max(maxAbs, err);
    if (ratio > worst) [worst, at] = [ratio, i];
  }
  return { worst, maxAbs, where: `element ${at}: got ${got[at]}, PyTorch ${want[at]} (max |diff| ${maxAbs.toExponential(2)}, scale ${scale.toExponential(2)})` };
}

function expectMatches(got: Tensor, want: Dumped, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const a = agreement(got.data, want.data);
  expect(a.worst, `${label}: ${a.where}`).toBeLessThanOrEqual(1);
}

function build(): Sequential {
  const model = new Sequential(fx.spec, 1);
  expect(model.params.map((p) => p.name).sort(), 'parameter names').toEqual(Object.keys(fx.weights).sort());
  for (const p of model.params) {
    const w = fx.weights[p.name];
    expect(p.value.shape, `${p.name} shape`).toEqual(w.shape);
    p.value.data.set(w.data);
  }
  return model;
}

/** seed[n, target[n]] = 1: the sum of each image's target logit. */
function targetSeed(N: number, K: number): Tensor {
  const seed = new Tensor([N, K]);
  fx.targets.forEach((t, n) => (seed.data[n * K + t] = 1));
  return seed;
}

/** Ones over channel channels[n] of image n: the sum of one whole feature map per image. */
function featureSeed(shape: readonly number[]): Tensor {
  const seed = new Tensor(shape);
  const [, C, H, W] = shape as [number, number, number, number];
  fx.feature.channels.forEach((c, n) => seed.data.fill(1, (n * C + c) * H * W, (n * C + c + 1) * H * W));
  return seed;
}

// ---------------------------------------------------------------- against PyTorch

let wasmAuto: FastKernels;
let wasmGemm: FastKernels;
beforeAll(async () => {
  wasmAuto = await createWasmKernels();
  wasmGemm = await createWasmKernels({ directConv: 'never' });
});
afterAll(async () => {
  await wasmAuto.dispose();
  await wasmGemm.dispose();
});

const kernelSets: [string, () => Kernels][] = [
  ['ts', () => referenceKernels],
  ['wasm', () => wasmAuto],
  ['wasm im2col+gemm', () => wasmGemm],
];

function withKernels<T>(k: Kernels, fn: () => T): T {
  const previous = setKernels(k);
  try {
    return fn();
  } finally {
    setKernels(previous);
  }
}

const [N, , H, W] = fx.input.shape;
describe(`backward rules agree with PyTorch ${fx.torch} (Captum's ReLU overrides): x=[${N},1,${H},${W}] conv 3@5x5, relu, pool 2, conv 4@3x3 p=1, relu, pool 2, dense 12, relu, dense 10`, () => {
  it('the fixture can tell the rules apart (PyTorch\'s maps differ between rules far beyond the tolerance)', () => {
    for (const maps of [fx.target, fx.feature.maps]) {
      for (const [a, b] of [['gradient', 'guided'], ['guided', 'deconvnet'], ['gradient', 'deconvnet']] as const) {
        const ours = Float32Array.from(maps[a].data);
        expect(agreement(ours, maps[b].data).worst, `${a} vs ${b}`).toBeGreaterThan(100);
      }
    }
  });

  it('the WebAssembly kernels load here (else the wasm cases below would test the reference again)', () => {
    expect([wasmAuto.name, wasmAuto.fallback, wasmGemm.name]).toEqual(['wasm', null, 'wasm']);
  });

  for (const [kname, kernels] of kernelSets) {
    describe(`kernels=${kname}`, () => {
      it('forward: logits', () => {
        withKernels(kernels(), () => expectMatches(build().forward(Tensor.from(fx.input.shape, fx.input.data)).output, fx.logits, 'logits'));
      });

      for (const rule of BACKWARD_RULES) {
        it(`rule=${rule} seed=target logits [${fx.targets.join(',')}]: d/d(raw input)`, () => {
          withKernels(kernels(), () => {
            const model = build();
            const trace = model.forward(Tensor.from(fx.input.shape, fx.input.data));
            const seed = targetSeed(trace.output.n, trace.output.size / trace.output.n);
            const { input } = model.backward(trace, seed, { paramGrads: false, rule });
            expectMatches(input, fx.target[rule], `${rule} map`);
            // paramGrads: false leaves training state alone
            expect(model.params.every((p) => p.grad.data.every((g) => g === 0)), 'parameter grads untouched').toBe(true);
          });
        });

        it(`rule=${rule} seed=sum of channel [${fx.feature.channels.join(',')}] of layers[${fx.feature.from}] (relu2): d/d(raw input)`, () => {
          withKernels(kernels(), () => {
            const model = build();
            expect(model.layers[fx.feature.from].name).toBe('relu2');
            const trace = model.forward(Tensor.from(fx.input.shape, fx.input.data));
            const seed = featureSeed(trace.steps[fx.feature.from].cache.y.shape);
            const { input } = model.backward(trace, seed, { from: 'relu2', paramGrads: false, rule });
            expectMatches(input, fx.feature.maps[rule], `${rule} map from relu2`);
          });
        });
      }

      it('guided and deconvnet differ from the gradient here (so the comparisons above can fail)', () => {
        withKernels(kernels(), () => {
          const model = build();
          const trace = model.forward(Tensor.from(fx.input.shape, fx.input.data));
          const seed = targetSeed(trace.output.n, trace.output.size / trace.output.n);
          const map = (rule: BackwardRule) => model.backward(trace, seed, { paramGrads: false, rule }).input.data;
          const gradient = map('gradient');
          expect(agreement(map('guided'), [...gradient]).worst).toBeGreaterThan(100);
          expect(agreement(map('deconvnet'), [...gradient]).worst).toBeGreaterThan(100);
        });
      });
    });
  }
});

// ---------------------------------------------------------------- by hand

describe('backward rules by hand', () => {
  // x > 0 with dy > 0 and dy < 0; x < 0 with dy > 0 and dy < 0; x = 0 (the ReLU's gradient there is 0)
  const x = [1.5, 2, -1, -3, 0, 0.75];
  const dy = [0.5, -0.25, 0.75, -1, 2, -0.5];
  const want: Record<BackwardRule, number[]> = {
    gradient: [0.5, -0.25, 0, 0, 0, -0.5], //   dy·[x > 0]
    guided: [0.5, 0, 0, 0, 0, 0], //             max(0, dy·[x > 0])
    deconvnet: [0.5, 0, 0.75, 0, 2, 0], //        max(0, dy)
  };

  for (const rule of BACKWARD_RULES) {
    it(`relu x=[1,6] rule=${rule}`, () => {
      const model = new Sequential({ input: [6], layers: [{ kind: 'relu' }] });
      const trace = model.forward(Tensor.from([1, 6], x));
      const { input } = model.backward(trace, Tensor.from([1, 6], dy), { paramGrads: false, rule });
      expect(Array.from(input.data, (v) => v + 0)).toEqual(want[rule]); // + 0 turns -0 into 0
    });
  }

  it('sigmoid x=[1,6]: every rule gives its ordinary gradient, negative entries included', () => {
    const model = new Sequential({ input: [6], layers: [{ kind: 'sigmoid' }] });
    const trace = model.forward(Tensor.from([1, 6], x));
    const seed = Tensor.from([1, 6], dy);
    const [gradient, guided, deconvnet] = BACKWARD_RULES.map((rule) => Array.from(model.backward(trace, seed, { paramGrads: false, rule }).input.data));
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    gradient.forEach((g, i) => expect(g).toBeCloseTo(dy[i] * s(x[i]) * (1 - s(x[i])), 6));
    expect(gradient.some((g) => g < 0)).toBe(true);
    expect(guided).toEqual(gradient);
    expect(deconvnet).toEqual(gradient);
  });

  it('an unknown rule is refused, naming the rules there are', () => {
    const model = new Sequential({ input: [6], layers: [{ kind: 'relu' }] });
    const trace = model.forward(Tensor.from([1, 6], x));
    expect(() => model.backward(trace, Tensor.from([1, 6], dy), { rule: 'guidedd' as BackwardRule })).toThrowErrorMatchingInlineSnapshot(`[SpecError: backward: unknown rule 'guidedd'; expected one of gradient, guided, deconvnet]`);
  });
});
