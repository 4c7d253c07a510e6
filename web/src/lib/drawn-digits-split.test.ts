import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModelFile } from '../../../src/io/model-file.js';
import { REPO_ROOT, mnistDir } from '../../../test/helpers.js';
import { loadDataset } from '../../../src/data/node-source.js';
import { makeDrawnDigit, type DrawnDigit } from './drawn-digits.js';
import { accuracyOn, splitDigits } from './drawn-digits-split.js';

const blank = (label: number): DrawnDigit => {
  const p = new Float32Array(784);
  p[400] = 1;
  return makeDrawnDigit(p, label);
};

describe('drawn-digits-split', () => {
  it('under ten digits: trains and tests on all of them, and says so', () => {
    const d = Array.from({ length: 9 }, (_, i) => blank(i));
    const s = splitDigits(d);
    expect(s.heldOut).toBe(false);
    expect(s.train).toHaveLength(9);
    expect(s.test).toHaveLength(9);
  });

  it('from ten digits: every fifth held out, none in both', () => {
    const d = Array.from({ length: 23 }, (_, i) => blank(i % 10));
    const s = splitDigits(d);
    expect(s.heldOut).toBe(true);
    expect(s.test.map((x) => d.indexOf(x))).toEqual([4, 9, 14, 19]);
    expect(s.train).toHaveLength(19);
    expect(s.train.some((x) => s.test.includes(x))).toBe(false);
  });

  it('the shipped cnn on MNIST test digits stored as drawn ones', async () => {
    const { model } = decodeModelFile(new Uint8Array(readFileSync(join(REPO_ROOT, 'models', 'cnn.safetensors'))));
    const { test } = await loadDataset({ dataset: 'mnist', dataDir: mnistDir(), download: false });
    const digits = Array.from({ length: 200 }, (_, i) => {
      const px = new Float32Array(784);
      for (let j = 0; j < 784; j++) px[j] = test.images[i * 784 + j] / 255;
      return makeDrawnDigit(px, test.labels[i]);
    });
    const r = accuracyOn(model, digits);
    expect(r?.total).toBe(200);
    expect(r!.accuracy).toBeGreaterThan(0.95);
    expect(accuracyOn(model, [])).toBeNull();
  });
});
