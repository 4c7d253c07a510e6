/**
 * Attribution methods against cases computed by hand. On a linear model logit_k = w_k·x + b_k the
 * gradient is w_k everywhere, so saliency is |w_k|, gradient × input is w_k ⊙ x, integrated
 * gradients from a black baseline is exactly w_k ⊙ x at any step count, SmoothGrad is w_k, and
 * occlusion with a 1×1 window is w_k ⊙ x too. Grad-CAM on a 1×1 convolution is written out. The
 * input is [1,2,3] (H ≠ W) so a transposed index shows.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../engine/tensor.js';
import { Sequential } from '../nn/model.js';
import type { ModelSpec } from '../nn/spec.js';
import { attribute, deconvnet, gradcam, gradientTimesInput, guidedBackprop, occlusion, saliency, smoothGrad } from './attributions.js';
import { integratedGradients, quadratureRule } from './integrated-gradients.js';
import { resizeBilinear } from './image-ops.js';

const LINEAR: ModelSpec = { input: [1, 2, 3], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }] };
const W = [
  [0.5, -1, 2, 0.25, 0, -0.75],
  [1, 1, 1, -1, -1, -1],
  [-2, 0.5, 0, 1.5, -0.5, 3],
];
const B = [0.1, -0.2, 0.3];
const X = [0.2, 0.9, 0.5, 0, 1, 0.4];

function linearModel(): Sequential {
  const m = new Sequential(LINEAR, 1);
  m.params[0].value.data.set(W.flat());
  m.params[1].value.data.set(B);
  return m;
}

const x = (): Tensor => Tensor.from([1, 1, 2, 3], X);
const close = (got: ArrayLike<number>, want: readonly number[], tol = 1e-6): void => {
  expect(got.length).toBe(want.length);
  want.forEach((v, i) => expect(got[i], `index ${i}`).toBeCloseTo(v, -Math.log10(tol)));
};

describe('attributions on a linear model [1,2,3] → 3 classes', () => {
  const m = linearModel();
  // logits: w·x + b → class 0: 0.1 - 0.9 + 1 + 0 + 0 - 0.3 + 0.1 = 0.0; class 1: 1.6 - 1.4 - 0.2 = 0; class 2: ...
  it('saliency = |w_target|, target given', () => {
    close(saliency(m, x(), { target: 0 }).map.data, W[0].map(Math.abs));
  });
  it('gradient × input = w_target ⊙ x', () => {
    close(gradientTimesInput(m, x(), { target: 2 }).map.data, W[2].map((w, i) => w * X[i]));
  });
  it('integrated gradients from black = w ⊙ x with any step count; score and baseline score are the logits', () => {
    for (const steps of [2, 7, 50]) {
      const r = integratedGradients(m, x(), { target: 1, steps });
      close(r.map.data, W[1].map((w, i) => w * X[i]), 1e-5);
      const logit = W[1].reduce((s, w, i) => s + w * X[i], B[1]);
      expect(r.scores[0]).toBeCloseTo(logit, 5);
      expect(r.baselineScores[0]).toBeCloseTo(B[1], 6);
      expect(r.gaps[0]).toBeLessThan(1e-5);
    }
  });
  it('SmoothGrad of a linear model is its gradient, whatever the noise', () => {
    close(smoothGrad(m, x(), { target: 0, samples: 8, noise: 0.3 }).map.data, W[0], 1e-5);
  });
  it('occlusion with a 1×1 window and stride 1 = w ⊙ (x − fill)', () => {
    close(occlusion(m, x(), { target: 2, window: 1, stride: 1 }).map.data, W[2].map((w, i) => w * X[i]), 1e-5);
    close(occlusion(m, x(), { target: 2, window: 1, stride: 1, fill: 1 }).map.data, W[2].map((w, i) => w * (X[i] - 1)), 1e-5);
  });
  it('occlusion averages the windows that cover a pixel (2×2 window, stride 1, on 2×3)', () => {
    // windows at x0 = 0 and 1; pixel column 0 and 2 are in one window, column 1 in both
    const d = [0, 1].map((x0) => [0, 1].reduce((s, yy) => s + [x0, x0 + 1].reduce((t, xx) => t + W[0][yy * 3 + xx] * X[yy * 3 + xx], 0), 0));
    const want = [d[0], (d[0] + d[1]) / 2, d[1], d[0], (d[0] + d[1]) / 2, d[1]];
    close(occlusion(m, x(), { target: 0, window: 2, stride: 1 }).map.data, want, 1e-5);
  });
  it('guided backprop and deconvnet equal the gradient where there is no ReLU', () => {
    close(guidedBackprop(m, x(), { target: 0 }).map.data, W[0]);
    close(deconvnet(m, x(), { target: 0 }).map.data, W[0]);
  });
  it('the default target is the predicted class, per image in a batch', () => {
    const batch = Tensor.from([2, 1, 2, 3], [...X, 1, 0, 0, 0, 0, 0]);
    const logits = (v: number[]) => W.map((w, k) => w.reduce((s, wi, i) => s + wi * v[i], B[k]));
    const argmax = (a: number[]) => a.indexOf(Math.max(...a));
    const r = saliency(m, batch);
    expect(Array.from(r.targets)).toEqual([argmax(logits(X)), argmax(logits([1, 0, 0, 0, 0, 0]))]);
  });
  it('refuses a target outside the classes, an unknown method, a wrong input shape and NaN pixels', () => {
    expect(() => saliency(m, x(), { target: 3 })).toThrow(/target class 3 is not one of the model's classes 0..2/);
    expect(() => attribute(m, x(), 'magic' as never)).toThrow(/unknown method 'magic'; expected one of saliency, gradient-x-input/);
    expect(() => saliency(m, Tensor.from([1, 1, 3, 2], X))).toThrow(/expected input \[N,1,2,3\], got \[1,1,3,2\]/);
    expect(() => saliency(m, Tensor.from([1, 1, 2, 3], [NaN, 0, 0, 0, 0, 0]))).toThrow(/input value 0 is NaN/);
    expect(() => smoothGrad(m, x(), { samples: 0 })).toThrow(/samples must be an integer in 1..10000, got 0/);
    expect(() => occlusion(m, x(), { window: 3 })).toThrow(/window must be an integer in 1..2, got 3/);
  });
});

describe('Grad-CAM by hand: conv 2@1×1 on [1,2,3] → flatten → dense 2', () => {
  const spec: ModelSpec = { input: [1, 2, 3], layers: [{ kind: 'conv2d', outC: 2, k: 1 }, { kind: 'flatten' }, { kind: 'dense', units: 2 }] };
  const m = new Sequential(spec, 1);
  const kw = [2, -1];
  const kb = [0, 0.5];
  const dw = [
    [1, 0, 0, 0, 0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0],
  ];
  m.params[0].value.data.set(kw);
  m.params[1].value.data.set(kb);
  m.params[2].value.data.set(dw.flat());
  it('weights are the mean gradient per channel, the map ReLU(Σ α_c A_c), upsampled to the input size', () => {
    const r = gradcam(m, x(), { target: 0, layer: 'conv1' });
    const A = [X.map((v) => kw[0] * v + kb[0]), X.map((v) => kw[1] * v + kb[1])];
    const alpha = [dw[0].slice(0, 6).reduce((a, b) => a + b) / 6, dw[0].slice(6).reduce((a, b) => a + b) / 6];
    const cam = X.map((_, i) => Math.max(0, alpha[0] * A[0][i] + alpha[1] * A[1][i]));
    close(r.weights.data, alpha);
    close(r.coarse.data, cam);
    close(r.map.data, cam); // the layer is already at the input's resolution
    expect(r.layer).toBe('conv1');
  });
  it('refuses a layer without feature maps and names those that work', () => {
    expect(() => gradcam(m, x(), { layer: 'dense1' })).toThrow("gradcam: layer 'dense1' (dense) has no feature maps: its output is [2]; pick one of conv1");
    expect(() => gradcam(m, x(), { layer: 'nope' })).toThrow(/no layer named 'nope'/);
  });
});

describe('bilinear upsampling (align_corners = false)', () => {
  it('2×2 → 4×4 matches PyTorch interpolate', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[1.,2.],[3.,4.]]]]), size=4, mode='bilinear', align_corners=False)
    const want = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
    close(resizeBilinear(Float32Array.from([1, 2, 3, 4]), 2, 2, 4, 4), want);
  });
});

describe('quadrature rules', () => {
  it('weights sum to 1 and integrate polynomials: trapezoid exactly to degree 1, Gauss–Legendre to degree 2n − 1', () => {
    for (const n of [2, 5, 32, 64]) {
      const gl = quadratureRule('gauss-legendre', n);
      const tr = quadratureRule('trapezoid', n);
      expect(gl.weights.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
      expect(tr.weights.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
      const deg = 2 * n - 1;
      const integral = gl.nodes.reduce((s, t, i) => s + gl.weights[i] * t ** deg, 0);
      expect(integral).toBeCloseTo(1 / (deg + 1), 10);
      expect(tr.nodes.reduce((s, t, i) => s + tr.weights[i] * t, 0)).toBeCloseTo(0.5, 12);
    }
  });
});

describe('integrated gradients on a ReLU network: the completeness gap', () => {
  const spec: ModelSpec = {
    input: [1, 6, 5],
    layers: [{ kind: 'conv2d', outC: 3, k: 3 }, { kind: 'relu' }, { kind: 'maxpool2d', size: 2 }, { kind: 'flatten' }, { kind: 'dense', units: 8 }, { kind: 'relu' }, { kind: 'dense', units: 4 }],
  };
  const m = new Sequential(spec, 7);
  const img = Tensor.from([2, 1, 6, 5], Array.from({ length: 60 }, (_, i) => ((i * 37) % 11) / 10));
  it('auto steps bring the gap under 1% for every baseline; a fixed 2 steps reports a larger one', () => {
    for (const baseline of ['black', 'blur', 'uniform'] as const) {
      const r = integratedGradients(m, img, { baseline, target: [1, 3] });
      for (let n = 0; n < 2; n++) {
        const sum = r.map.data.subarray(n * 30, (n + 1) * 30).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - (r.scores[n] - r.baselineScores[n]))).toBeCloseTo(r.gaps[n] * Math.abs(r.scores[n] - r.baselineScores[n]), 4);
        expect(r.gaps[n], `${baseline} image ${n}`).toBeLessThan(0.01);
      }
    }
    const coarse = integratedGradients(m, img, { target: [1, 3], steps: 2, quadrature: 'trapezoid' });
    const fine = integratedGradients(m, img, { target: [1, 3], steps: 512, quadrature: 'trapezoid' });
    expect(Math.max(...coarse.gaps)).toBeGreaterThan(Math.max(...fine.gaps));
  });
  it('refuses bad steps, quadrature and baselines', () => {
    expect(() => integratedGradients(m, img, { steps: 1 })).toThrow(/steps must be an integer ≥ 2, got 1/);
    expect(() => integratedGradients(m, img, { quadrature: 'simpson' as never })).toThrow(/unknown quadrature 'simpson'/);
    expect(() => integratedGradients(m, img, { baseline: new Float32Array(3) })).toThrow(/the baseline has 3 values, the input 30/);
  });
});
