/** Layers in plain words: LeNet's kernels as the volumes they are, pooling windows, dense weights. */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { ZOO } from '../../../src/models/zoo.js';
import { layerWords } from './layer-words.js';

describe('layerWords', () => {
  it('lenet: 20 kernels of 5×5×1, then 50 of 5×5×20; 2×2 max pooling; dense counts; flatten plain', () => {
    const m = new Sequential(ZOO['lenet'].spec, 1);
    const words = m.layers.map((l) => layerWords(l));
    expect(words.map((w) => w.kind)).toEqual(['convolution', 'max pooling', 'convolution', 'max pooling', 'flatten', 'dense', 'ReLU', 'dense']);
    expect(words.map((w) => w.detail)).toEqual(['20 kernels of 5×5×1', '2×2 window', '50 kernels of 5×5×20', '2×2 window', '', '500 units × 800 weights', '', '10 units × 500 weights']);
    expect(words.map((w) => w.term)).toEqual(['conv', 'maxpool', 'conv', 'maxpool', 'flatten', 'dense', 'relu', 'dense']);
  });

  it('a pooling window with its own stride says so; one kernel is singular', () => {
    const m = new Sequential({ input: [1, 8, 8], layers: [{ kind: 'conv2d', outC: 1, k: 3 }, { kind: 'maxpool2d', size: 3, stride: 2 }] }, 1);
    expect(m.layers.map((l) => layerWords(l).detail)).toEqual(['1 kernel of 3×3×1', '3×3 window, stride 2']);
  });
});
