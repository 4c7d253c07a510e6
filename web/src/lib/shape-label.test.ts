/** The explorer's shape labels: H×W×C for maps, the count for vectors. */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { ZOO } from '../../../src/models/zoo.js';
import { shapeLabel } from './shape-label.js';

describe('shapeLabel', () => {
  it('labels shapes as H×W×C', () => {
    const lenet = new Sequential(ZOO['lenet'].spec, 0);
    expect(lenet.layers.map((l) => shapeLabel(l.outShape))).toEqual(['24×24×20', '12×12×20', '8×8×50', '4×4×50', '800', '500', '500', '10']);
  });
});
