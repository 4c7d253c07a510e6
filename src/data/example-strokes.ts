/**
 * Hand-made pen strokes for each digit on a 0..1 square, roughly how a person writes it: the
 * digits in examples/ (scripts/draw-examples.ts renders them) and the explorer's opening example
 * (drawn on its pad stroke by stroke). Made by this project, not taken from MNIST. Data only.
 */
import { ellipse, type Stroke } from './strokes.js';

export type DigitClass = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

export const EXAMPLE_STROKES: Readonly<Record<DigitClass, readonly Stroke[]>> = {
  0: [ellipse(0.5, 0.5, 0.22, 0.34)],
  1: [[[0.38, 0.3], [0.52, 0.16], [0.52, 0.84]]],
  2: [[[0.3, 0.3], [0.38, 0.18], [0.52, 0.14], [0.66, 0.2], [0.7, 0.34], [0.6, 0.5], [0.3, 0.84], [0.74, 0.84]]],
  3: [[[0.3, 0.2], [0.5, 0.14], [0.68, 0.22], [0.66, 0.38], [0.48, 0.48], [0.68, 0.58], [0.7, 0.74], [0.52, 0.86], [0.3, 0.8]]],
  4: [[[0.6, 0.84], [0.6, 0.14], [0.26, 0.62], [0.76, 0.62]]],
  5: [[[0.7, 0.16], [0.36, 0.16], [0.32, 0.46], [0.52, 0.42], [0.68, 0.52], [0.7, 0.7], [0.56, 0.84], [0.3, 0.8]]],
  6: [[[0.64, 0.16], [0.44, 0.3], [0.32, 0.56], [0.36, 0.78], [0.52, 0.86], [0.66, 0.76], [0.66, 0.6], [0.5, 0.52], [0.34, 0.6]]],
  7: [[[0.28, 0.18], [0.72, 0.18], [0.5, 0.52], [0.42, 0.86]]],
  8: [ellipse(0.5, 0.32, 0.15, 0.16), ellipse(0.5, 0.66, 0.19, 0.19)],
  9: [ellipse(0.5, 0.34, 0.17, 0.17), [[0.67, 0.34], [0.64, 0.6], [0.56, 0.86]]],
};
