/**
 * One-call digit recognition for apps: a 28×28 image (or any grayscale image, preprocessed the
 * MNIST way) in, the digit, the ten probabilities and the full trace out.
 */
import { ShapeError } from './engine/errors.js';
import type { ForwardResult, Sequential } from './nn/model.js';
import { predict } from './nn/predict.js';
import { preprocessDigit, type GrayImage } from './data/preprocess.js';

export interface DigitPrediction {
  digit: number;
  probabilities: number[];
  /** the 28×28 input the network received, 0..1 */
  pixels: Float32Array;
  /** every layer's activations, for drawing */
  trace: ForwardResult;
}

/**
 * `input` is either 784 values in 0..1 (a ready 28×28 MNIST-style digit, ink = 1) or a grayscale
 * image of any size in 0..255, which is cropped, scaled and centred as MNIST's digits were.
 */
export function predictDigit(model: Sequential, input: ArrayLike<number> | GrayImage): DigitPrediction {
  let pixels: Float32Array;
  if ('width' in input && 'height' in input) {
    pixels = preprocessDigit(input, { range: '0..255' }).pixels;
  } else {
    if (input.length !== 784) throw new ShapeError(`predictDigit: expected 784 values (a 28×28 image) or a {width, height, data} image, got ${input.length} values`);
    pixels = Float32Array.from(input);
    const bad = pixels.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0) throw new ShapeError(`predictDigit: pixel ${bad} is ${pixels[bad]}; expected values in 0..1`);
  }
  const { digit, probabilities, trace } = predict(model, pixels);
  return { digit, probabilities: Array.from(probabilities.data), pixels, trace };
}
