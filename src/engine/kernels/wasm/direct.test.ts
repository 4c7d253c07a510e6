/**
 * The direct convolution (asm/direct.ts, forced with directConv: 'always') against the
 * reference on shapes that exercise its padding and phase-split copies and its channel blocks:
 * C = 1..4, outC = 1..8 (blocks of 4, 2, and the padded 3 and 1), odd sizes, H ≠ W, stride 1,
 * 2 and 3, asymmetric padding (including padding wider than the kernel reaches), dilation,
 * N = 1 and N > 16 (dW groups of several images), output widths with and without 8-column tails.
 * Also: null gradients, which path 'auto' picks, and that 1, 2 and 3 threads agree bit for bit.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Conv2dDims } from '../conv.js';
import { createWasmKernels, prefersDirectConv, type FastKernels } from './index.js';
import { spawnNodeWorker } from './node-threads.js';
import { convDims, convName, expectConvMatchesReference, type ConvCase, expectBackwardComputesOnlyWhatIsAsked } from './testing.js';

let single: FastKernels;
let dual: FastKernels;
let triple: FastKernels;
beforeAll(async () => {
  single = await createWasmKernels({ directConv: 'always' });
  dual = await createWasmKernels({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0, directConv: 'always' });
  triple = await createWasmKernels({ threads: 3, spawnWorker: spawnNodeWorker, minParallelWork: 0, directConv: 'always' });
});
afterAll(async () => {
  await single.dispose();
  await dual.dispose();
  await triple.dispose();
});

const cases: ConvCase[] = [
  { N: 3, C: 1, H: 28, W: 28, outC: 2, kH: 5, kW: 5 }, // tiny conv1
  { N: 2, C: 2, H: 12, W: 12, outC: 4, kH: 3, kW: 3 }, // tiny conv2
  { N: 2, C: 1, H: 28, W: 28, outC: 8, kH: 5, kW: 5 }, // cnn conv1
  { N: 2, C: 1, H: 28, W: 28, outC: 20, kH: 5, kW: 5 }, // LeNet conv1
  { N: 2, C: 20, H: 12, W: 12, outC: 50, kH: 5, kW: 5 }, // LeNet conv2: 'auto' runs its forward direct
  { N: 1, C: 1, H: 5, W: 5, outC: 1, kH: 1, kW: 1 },
  { N: 1, C: 3, H: 7, W: 9, outC: 3, kH: 3, kW: 3, pad: 'same' },
  { N: 2, C: 4, H: 9, W: 13, outC: 5, kH: 3, kW: 3, s: [2, 2], pad: 'same' },
  { N: 1, C: 2, H: 10, W: 7, outC: 7, kH: 3, kW: 3, pad: [2, 1, 0, 3] },
  { N: 2, C: 2, H: 11, W: 12, outC: 6, kH: 3, kW: 3, d: [2, 2], pad: 'same' },
  { N: 3, C: 3, H: 13, W: 9, outC: 2, kH: 2, kW: 5, s: [3, 2], d: [2, 1], pad: [1, 0, 2, 2] },
  { N: 4, C: 1, H: 6, W: 17, outC: 1, kH: 3, kW: 3, s: [1, 2] },
  { N: 1, C: 1, H: 7, W: 7, outC: 3, kH: 7, kW: 7, pad: [3, 3, 3, 3] },
  { N: 1, C: 2, H: 4, W: 5, outC: 2, kH: 2, kW: 2, pad: [4, 3, 5, 4] }, // padding past the kernel's reach
  { N: 1, C: 2, H: 1, W: 9, outC: 3, kH: 1, kW: 3, s: [1, 3] },
  { N: 19, C: 2, H: 6, W: 5, outC: 3, kH: 3, kW: 2, s: [2, 1], pad: [1, 1, 1, 0] }, // 16 dW groups of 1 or 2 images
  { N: 2, C: 1, H: 3, W: 33, outC: 2, kH: 3, kW: 2, d: [1, 3] }, // 16-column blocks with an 8+ tail
  { N: 1, C: 4, H: 8, W: 8, outC: 8, kH: 3, kW: 3, s: [2, 2], pad: [0, 1, 0, 1], d: [1, 2] },
];

describe('direct conv2d against the reference', () => {
  for (const c of cases) {
    const d = convDims(c);
    const nx = d.N * d.C * d.H * d.W;
    const ny = d.N * d.outC * d.oH * d.oW;
    test(`${convName(c)}: forward, dx, dw and db on 1, 2 and 3 threads`, () => {
      const outs = expectConvMatchesReference([single, dual, triple], d, nx * 7 + ny, convName(c));
      for (let t = 1; t < outs.length; t++) {
        for (let j = 0; j < 4; j++) {
          expect(Buffer.from(outs[t]![j]!.buffer).equals(Buffer.from(outs[0]![j]!.buffer)), `output ${j} bits, ${t + 1} threads vs 1`).toBe(true);
        }
      }
    });
  }

  test('null dx, dw or db: only what is asked is computed, and x or w is not read when not needed', () => {
    expectBackwardComputesOnlyWhatIsAsked([single, dual], convDims(cases[6]!), 5);
  });

  test("'auto': direct forward up to LeNet conv2's size, direct backward only for tiny's few channels", () => {
    const lenet2 = convDims({ N: 64, C: 20, H: 12, W: 12, outC: 50, kH: 5, kW: 5 });
    const big = convDims({ N: 64, C: 64, H: 12, W: 12, outC: 128, kH: 3, kW: 3 });
    const pick = (d: Conv2dDims): [boolean, boolean] => [prefersDirectConv(d, 'forward'), prefersDirectConv(d, 'backward')];
    expect(pick(convDims(cases[0]!)), 'tiny conv1').toEqual([true, true]);
    expect(pick(convDims(cases[1]!)), 'tiny conv2').toEqual([true, true]);
    expect(pick(convDims(cases[3]!)), 'LeNet conv1').toEqual([true, false]);
    expect(pick(lenet2), 'LeNet conv2').toEqual([true, false]);
    expect(pick(big), '64 -> 128 channels').toEqual([false, false]);
  });
});
