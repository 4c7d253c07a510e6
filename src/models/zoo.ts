/**
 * The model zoo: the networks of the classic lessons as specs, each with where it comes from.
 * Every zoo model takes a raw 28×28 image in 0..1 and standardises it with MNIST's training-set
 * mean and std, so callers never need to know the normalisation.
 */
import type { ModelSpec } from '../nn/spec.js';
import { SpecError } from '../engine/errors.js';

const MNIST_NORMALIZE = { mean: 0.1307, std: 0.3081 } as const;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export interface ZooEntry {
  readonly name: string;
  readonly title: string;
  /** where the architecture comes from, and what we changed */
  readonly source: string;
  readonly spec: ModelSpec;
}

export const ZOO: Readonly<Record<string, ZooEntry>> = {
  mlp: {
    name: 'mlp',
    title: '784-16-16-10 sigmoid MLP',
    source:
      'The network of the classic "what is a neural network" lesson: two hidden layers of 16 sigmoid neurons, 13,002 parameters. ' +
      'The 10 outputs are logits trained with softmax cross-entropy (the lesson uses sigmoid outputs and squared error; both train here, cross-entropy trains better). ' +
      'Images are deskewed first (sheared upright by their moments, a classic MNIST preprocessing step with no parameters): sixteen hidden units cannot learn slant invariance themselves.',
    spec: {
      input: [1, 28, 28],
      deskew: true,
      normalize: MNIST_NORMALIZE,
      labels: DIGITS,
      layers: [
        { kind: 'flatten' },
        { kind: 'dense', units: 16, init: 'glorot' },
        { kind: 'sigmoid' },
        { kind: 'dense', units: 16, init: 'glorot' },
        { kind: 'sigmoid' },
        { kind: 'dense', units: 10, init: 'glorot' },
      ],
    },
  },
  tiny: {
    name: 'tiny',
    title: 'tiny hand-traceable CNN',
    source:
      'The "CNN from scratch" lesson network: conv 2@5×5 ReLU → maxpool 2 → conv 4@3×3 (over both channels) sigmoid → maxpool 2 → flatten (100) → dense 10; reported there at 95.4% test accuracy.',
    spec: {
      input: [1, 28, 28],
      normalize: MNIST_NORMALIZE,
      labels: DIGITS,
      layers: [
        { kind: 'conv2d', outC: 2, k: 5 },
        { kind: 'relu' },
        { kind: 'maxpool2d', size: 2 },
        { kind: 'conv2d', outC: 4, k: 3, init: 'glorot' },
        { kind: 'sigmoid' },
        { kind: 'maxpool2d', size: 2 },
        { kind: 'flatten' },
        { kind: 'dense', units: 10, init: 'glorot' },
      ],
    },
  },
  lenet: {
    name: 'lenet',
    title: 'LeNet (Caffe)',
    source:
      "Caffe's LeNet from its MNIST example, as in the classic \"how CNNs recognise digits\" demo: conv 20@5×5 → maxpool 2 → conv 50@5×5 → maxpool 2 (4×4×50) → dense 500 ReLU → dense 10. No activation after the convolutions, as in Caffe.",
    spec: {
      input: [1, 28, 28],
      normalize: MNIST_NORMALIZE,
      labels: DIGITS,
      layers: [
        { kind: 'conv2d', outC: 20, k: 5 },
        { kind: 'maxpool2d', size: 2 },
        { kind: 'conv2d', outC: 50, k: 5 },
        { kind: 'maxpool2d', size: 2 },
        { kind: 'flatten' },
        { kind: 'dense', units: 500 },
        { kind: 'relu' },
        { kind: 'dense', units: 10 },
      ],
    },
  },
  cnn: {
    name: 'cnn',
    title: 'small teaching CNN',
    source:
      'A small two-conv, two-pool, two-dense ReLU network in the spirit of "CNN explained": conv 8@5×5 ReLU → maxpool 2 → conv 16@5×5 ReLU → maxpool 2 (4×4×16) → dense 64 ReLU → dense 10. ' +
      'Eight and sixteen feature maps are few enough to look at one by one, and it reaches about 99% with a fifth of LeNet\'s arithmetic.',
    spec: {
      input: [1, 28, 28],
      normalize: MNIST_NORMALIZE,
      labels: DIGITS,
      layers: [
        { kind: 'conv2d', outC: 8, k: 5 },
        { kind: 'relu' },
        { kind: 'maxpool2d', size: 2 },
        { kind: 'conv2d', outC: 16, k: 5 },
        { kind: 'relu' },
        { kind: 'maxpool2d', size: 2 },
        { kind: 'flatten' },
        { kind: 'dense', units: 64 },
        { kind: 'relu' },
        { kind: 'dense', units: 10 },
      ],
    },
  },
};

export const ZOO_NAMES = Object.keys(ZOO);

export function zooEntry(name: string): ZooEntry {
  const e = ZOO[name];
  if (!e) throw new SpecError(`unknown model '${name}'; the zoo has ${ZOO_NAMES.join(', ')}`);
  return e;
}
