/** The occlusion sweep's partial map: the library's map once complete, nothing where no window has come. */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/engine/tensor.js';
import { Sequential } from '../../../src/nn/model.js';
import { ZOO } from '../../../src/models/zoo.js';
import { occlusion } from '../../../src/explain/attributions.js';
import { sweepMap } from './occlusion-sweep.js';

describe('sweepMap', () => {
  it('equals the library occlusion map once every window is in, and is 0 where no window has come yet (lenet spec, seed 3)', () => {
    const model = new Sequential(ZOO['lenet'].spec, 3);
    const x = new Tensor([1, 1, 28, 28]);
    for (let i = 0; i < x.size; i++) x.data[i] = ((i * 7919) % 97) / 97;
    const windows: number[] = [];
    const r = occlusion(model, x, { window: 4, stride: 2, target: 3, batch: 13 }, (_n, y, xx, drop) => windows.push(y, xx, drop));
    expect(windows.length).toBe(13 * 13 * 3);
    const full = sweepMap(windows, windows.length / 3, 4, 28, 28);
    for (let i = 0; i < 784; i++) expect(full[i]).toBeCloseTo(r.map.data[i], 5);
    // after the first row of windows (y0 = 0), rows 0..3 are covered and the rest are still 0
    const firstRow = sweepMap(windows, 13, 4, 28, 28);
    expect(firstRow.subarray(4 * 28).every((v) => v === 0)).toBe(true);
    expect(firstRow.subarray(0, 28)).toEqual(full.subarray(0, 28));
  });
});
