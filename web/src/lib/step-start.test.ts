import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { argmax } from '../../../src/nn/predict.js';
import { ZOO } from '../../../src/models/zoo.js';
import { firstComputingLayer, isOutputLayer, startingUnit } from './step-start.js';

const x = new Tensor([1, 1, 28, 28]);
for (let i = 0; i < x.size; i++) x.data[i] = (i * 7919) % 13 === 0 ? 1 : 0;

describe('where the step-through starts', () => {
  const mlp = new Sequential(ZOO['mlp'].spec, 2);
  const lenet = new Sequential(ZOO['lenet'].spec, 2);
  const t = mlp.forward(x);
  const tl = lenet.forward(x);

  it("the mlp's first computing layer is dense1 (index 1), not flatten1; lenet's is conv1", () => {
    expect(mlp.layers[firstComputingLayer(mlp)].name).toBe('dense1');
    expect(lenet.layers[firstComputingLayer(lenet)].name).toBe('conv1');
  });

  it('the output layer opens on the predicted digit, another dense layer on its strongest unit, a map layer keeps its position', () => {
    expect(isOutputLayer(mlp, 5)).toBe(true);
    expect(isOutputLayer(mlp, 3)).toBe(false);
    expect(startingUnit(mlp, t, 5)).toEqual({ layer: 5, index: argmax(t.output.data) });
    expect(startingUnit(lenet, tl, 7)).toEqual({ layer: 7, index: argmax(tl.output.data) });
    expect(startingUnit(mlp, t, 1)).toEqual({ layer: 1, index: argmax(t.steps[1].cache.y.data) });
    expect(startingUnit(lenet, tl, 2)).toBeNull();
    expect(() => startingUnit(lenet, tl, 8)).toThrow('startingUnit: layer 8 is not in 0..7');
  });
});
