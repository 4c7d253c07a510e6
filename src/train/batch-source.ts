/**
 * What the training loop needs from a data set, and nothing more: how many examples there are and
 * a way to fill a batch. The data layer provides these for MNIST; tests provide tiny synthetic ones.
 */
import type { Rng } from '../engine/rng.js';

export interface BatchSource {
  /** number of examples */
  readonly size: number;
  /** per-example input shape, e.g. [1, 28, 28] */
  readonly shape: readonly number[];
  /**
   * Fills x [count, ...shape] with raw inputs (pixels in 0..1) and y [count] with labels for the
   * examples order[start .. start+count). With `augment` set, draws random distortions from it.
   */
  fill(x: Float32Array, y: Int32Array, order: ArrayLike<number>, start: number, count: number, augment: Rng | null): void;
  /** the label of example i, for metrics */
  label(i: number): number;
}
