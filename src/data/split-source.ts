/**
 * Adapts an image split to the training loop's BatchSource: raw pixels scaled to 0..1 (the model
 * standardises them itself), with the default augmentation when the recipe asks for it.
 */
import type { Rng } from '../engine/rng.js';
import { DEFAULT_AUGMENT, type AugmentOptions } from './augment.js';
import { fillBatch, type Split } from './dataset.js';

export interface SplitSource {
  readonly size: number;
  readonly shape: readonly number[];
  fill(x: Float32Array, y: Int32Array, order: ArrayLike<number>, start: number, count: number, augment: Rng | null): void;
  label(i: number): number;
}

const RAW = { mean: 0, std: 1 } as const;

export function splitSource(split: Split, options: { augment?: AugmentOptions; limit?: number } = {}): SplitSource {
  const augment = options.augment ?? DEFAULT_AUGMENT;
  return {
    size: Math.min(split.n, options.limit ?? split.n),
    shape: [1, split.rows, split.cols],
    fill(x, y, order, start, count, rng) {
      fillBatch(x, y, split, order, start, count, RAW, rng ? { rng, options: augment } : undefined);
    },
    label: (i) => split.labels[i],
  };
}
