/**
 * The "not a digit" calibration: fitted on a small model with separable classes, it round-trips
 * through the model file bit for bit, predict reports the score against it, every method's score
 * rises away from the training data, and a file whose calibration does not fit its model is refused.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { Sequential } from '../nn/model.js';
import { predict } from '../nn/predict.js';
import { OOD_METHODS } from '../nn/ood.js';
import type { ModelSpec } from '../nn/spec.js';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import { calibrateOod, evaluateOod } from './ood.js';

// Two classes of 2×2 "images": bright top row (class 0) or bright bottom row (class 1).
const SPEC: ModelSpec = { input: [1, 2, 2], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }, { kind: 'relu' }, { kind: 'dense', units: 2 }] };
function data(n: number, seed: number): { images: Tensor; labels: Uint8Array } {
  const rng = new Rng(seed);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const images = new Tensor([n, 1, 2, 2]);
  for (let i = 0; i < n; i++) {
    const top = labels[i] === 0 ? 0.9 : 0.1;
    const v = [top, top, 1 - top, 1 - top];
    for (let j = 0; j < 4; j++) images.data[i * 4 + j] = v[j] + 0.05 * rng.normal();
  }
  return { images, labels };
}
function model(): Sequential {
  const m = new Sequential(SPEC, 1);
  m.params[0].value.data.set([2, 2, -2, -2, -2, -2, 2, 2, 0.1, 0.1, 0.1, 0.1]);
  m.params[1].value.data.set([0, 0, 0]);
  m.params[2].value.data.set([3, -3, 0, -3, 3, 0]);
  return m;
}

describe('ood calibration', () => {
  const train = data(200, 1);
  const held = data(100, 2).images;
  const far = new Tensor([50, 1, 2, 2], Float32Array.from({ length: 200 }, (_, i) => (i % 4 < 2 ? 0.9 : 0.9)));

  for (const method of OOD_METHODS) {
    it(`${method}: accepts about 95% of held-out data and scores images unlike the training data higher`, () => {
      const m = model();
      const cal = calibrateOod(m, train, held, { method, layer: 'relu1' });
      const ev = evaluateOod(m, cal, data(200, 3).images, far);
      expect(ev.accepted).toBeGreaterThan(0.85);
      if (method !== 'msp') expect(ev.auroc).toBeGreaterThan(0.9);
    });
  }

  it('round-trips through the model file, and predict reports the score against its threshold', () => {
    const m = model();
    m.ood = calibrateOod(m, train, held, { method: 'combined', layer: 'relu1' });
    const back = decodeModelFile(encodeModelFile(m, { name: 'toy' }));
    expect(back.model.ood).toEqual(m.ood);
    expect(back.extras).toEqual({});
    const p = predict(back.model, far);
    expect(p.ood?.[0]).toEqual({ score: expect.any(Number), threshold: m.ood.threshold, method: 'combined' });
    expect(p.notDigit[0]).toBe(true);
    expect(predict(back.model, held).notDigit.filter(Boolean).length).toBeLessThanOrEqual(10);
    expect(predict(model(), far).ood).toBeNull();
  });

  it('refuses a file whose calibration does not fit the model', () => {
    const m = model();
    m.ood = calibrateOod(m, train, held, { method: 'mahalanobis', layer: 'relu1' });
    m.ood.means = new Float32Array(5);
    expect(() => decodeModelFile(encodeModelFile(m, {}), 'toy.safetensors')).toThrow(/toy.safetensors.*class means hold 5 values; 2 classes × 3 features of relu1 \[3\] need 6/);
    m.ood = { method: 'combined', threshold: 1, acceptRate: 0.95, layer: 'relu1', means: new Float32Array(6), precision: new Float32Array(9) };
    expect(() => decodeModelFile(encodeModelFile(m, {}), 'toy.safetensors')).toThrow(/combined needs 'standardize'/);
  });

  it('refuses an unknown method and a layer the model does not have', () => {
    expect(() => calibrateOod(model(), train, held, { method: 'vibes' as never })).toThrow(/unknown method 'vibes'; expected one of msp, energy, mahalanobis, combined/);
    expect(() => calibrateOod(model(), train, held, { method: 'mahalanobis', layer: 'conv9' })).toThrow(/no layer named 'conv9'/);
  });
});
