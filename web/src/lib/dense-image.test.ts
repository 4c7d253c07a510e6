/** The dense layer that reads pixels: the mlp's dense1 (shown through sigmoid1); none for a CNN. */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { ZOO } from '../../../src/models/zoo.js';
import { imageDense } from './dense-image.js';

describe('imageDense', () => {
  it('finds the mlp dense1 (784 → 16) after its flatten, its value taken after sigmoid1', () => {
    const d = imageDense(new Sequential(ZOO['mlp'].spec, 1));
    expect(d && { name: d.layer.name, index: d.index, shown: d.shown, side: d.side, inF: d.layer.inShape[0] }).toEqual({ name: 'dense1', index: 1, shown: 2, side: 28, inF: 784 });
  });

  it('finds none when a convolution comes first (lenet, tiny) or the input is not an image', () => {
    expect(imageDense(new Sequential(ZOO['lenet'].spec, 1))).toBeNull();
    expect(imageDense(new Sequential(ZOO['tiny'].spec, 1))).toBeNull();
    expect(imageDense(new Sequential({ input: [4], layers: [{ kind: 'dense', units: 2 }] }, 1))).toBeNull();
  });
});
