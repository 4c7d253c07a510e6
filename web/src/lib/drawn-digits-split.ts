/**
 * Fine-tuning on your own digits: which of them it trains on and which it is judged on, and the
 * accuracy of a model on a set of them. With ten or more digits every fifth is held out, so
 * "after" is measured on digits the fine-tuning never saw; with fewer, on all of them (and the
 * view says so). The split depends only on the order drawn, so before and after see the same.
 */
import { Tensor } from '../../../src/engine/tensor.js';
import type { Sequential } from '../../../src/nn/model.js';
import { predict } from '../../../src/nn/predict.js';
import { DIGIT_PIXELS, toArrays, type DrawnDigit } from './drawn-digits.js';

export const HOLD_OUT_FROM = 10;

export interface DigitSplit {
  train: DrawnDigit[];
  test: DrawnDigit[];
  /** true when the test digits are not among the training ones */
  heldOut: boolean;
}

/** The model's accuracy on your held-out digits before fine-tuning and after (null while it runs). */
export interface FineTuneResult {
  before: { accuracy: number; correct: number; total: number } | null;
  after: { accuracy: number; correct: number; total: number } | null;
  heldOut: boolean;
}

export function splitDigits(digits: readonly DrawnDigit[]): DigitSplit {
  if (digits.length < HOLD_OUT_FROM) return { train: [...digits], test: [...digits], heldOut: false };
  return { train: digits.filter((_, i) => i % 5 !== 4), test: digits.filter((_, i) => i % 5 === 4), heldOut: true };
}

/** Fraction of `digits` the model labels right, and how many; null for none. */
export function accuracyOn(model: Sequential, digits: readonly DrawnDigit[]): { accuracy: number; correct: number; total: number } | null {
  if (digits.length === 0) return null;
  const { images, labels } = toArrays(digits);
  const x = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) x[i] = images[i] / 255;
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  if (per !== DIGIT_PIXELS) throw new Error(`the model takes ${per} values per image; drawn digits are 28×28`);
  const r = predict(model, new Tensor([digits.length, ...model.inputShape], x));
  let correct = 0;
  for (let i = 0; i < digits.length; i++) if (r.digits[i] === labels[i]) correct++;
  return { accuracy: correct / digits.length, correct, total: digits.length };
}
