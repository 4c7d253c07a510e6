import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { ZOO } from '../../../src/models/zoo.js';
import { carryUnit } from './unit-carry.js';

describe('carryUnit', () => {
  const lenet = new Sequential(ZOO['lenet'].spec, 1);
  const tiny = new Sequential(ZOO['tiny'].spec, 1);
  const cnn = new Sequential(ZOO['cnn'].spec, 1);

  it('drops lenet dense1:17 on the way to tiny (whose dense1 has 10 units), never making it pool2:17', () => {
    expect(carryUnit(lenet, { layer: 5, index: 17 }, tiny)).toBeNull();
  });

  it('keeps a unit by layer name and kind: lenet conv1:30 is tiny conv1:30; lenet dense1:17 is cnn dense1:17 (layer 7, not 5)', () => {
    expect(carryUnit(lenet, { layer: 0, index: 30 }, tiny)).toEqual({ layer: 0, index: 30 });
    expect(carryUnit(lenet, { layer: 5, index: 17 }, cnn)).toEqual({ layer: 7, index: 17 });
  });

  it('drops a unit whose layer has another kind under the same name, or no counterpart', () => {
    // lenet conv2 has 50×8×8 units, cnn conv2 only 16×8×8; tiny's sigmoid1 has no namesake in lenet
    expect(carryUnit(lenet, { layer: 2, index: 16 * 64 + 3 }, cnn)).toBeNull();
    expect(carryUnit(tiny, { layer: 4, index: 0 }, lenet)).toBeNull();
  });
});
