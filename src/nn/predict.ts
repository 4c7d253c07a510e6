/**
 * The one prediction every face uses (library, CLI predict and demo, server, explorer): input
 * through the model in eval mode, keeping the trace, with the class probabilities and each
 * sample's most probable class. Shapes come from the model (`model.inputShape`), never from a
 * hard-coded 28×28. It does not preprocess images (data/preprocess.ts does) and copies nothing:
 * the trace holds the input by reference.
 */
import { Tensor, sizeOf } from '../engine/tensor.js';
import { ShapeError, formatShape } from '../engine/errors.js';
import { toProbabilities, type ForwardResult, type Sequential } from './model.js';
import { oodResults, type OodResult } from './ood.js';

export interface PredictResult {
  /** every layer's input, output and internals, for drawing and explaining */
  trace: ForwardResult;
  /** [N,K] class probabilities, each row summing to 1 */
  probabilities: Tensor;
  /** [N] the most probable class of each sample */
  digits: Int32Array;
  /** digits[0]: the class of the first (often the only) sample */
  digit: number;
  /** per sample: the "not a digit" score against the model's calibration; null when the model has none */
  ood: OodResult[] | null;
  /** per sample: whether the score is above the threshold; all false without a calibration */
  notDigit: boolean[];
}

/**
 * `x` is a batch Tensor [N, ...model.inputShape], or a bare Float32Array holding one sample
 * (sizeOf(model.inputShape) values, raw: pixels in 0..1 for image models).
 */
export function predict(model: Sequential, x: Tensor | Float32Array): PredictResult {
  let input: Tensor;
  if (x instanceof Tensor) {
    input = x;
  } else {
    const shape = model.inputShape;
    const size = sizeOf(shape);
    if (x.length !== size) {
      throw new ShapeError(`predict: one sample ${formatShape(shape)} is ${size} values, got ${x.length}; pass a Tensor [N,${shape.join(',')}] for a batch`);
    }
    input = new Tensor([1, ...shape], x);
  }
  const trace = model.forward(input);
  const probabilities = toProbabilities(trace.output, model.layers[model.layers.length - 1].kind);
  const N = probabilities.n;
  const K = probabilities.size / N;
  const digits = new Int32Array(N);
  for (let n = 0; n < N; n++) digits[n] = argmax(probabilities.data.subarray(n * K, (n + 1) * K));
  const ood = oodResults(model, trace);
  const notDigit = Array.from({ length: N }, (_, n) => (ood ? ood[n].score > ood[n].threshold : false));
  return { trace, probabilities, digits, digit: digits[0] ?? -1, ood, notDigit };
}

/** Index of the largest value: the first of equal maxima; -1 for an empty row. */
export function argmax(row: ArrayLike<number>): number {
  if (row.length === 0) return -1;
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}
