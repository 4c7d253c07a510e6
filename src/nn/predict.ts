/**
 * The one prediction every face uses (library, CLI predict and demo, server, explorer): input
 * through the model in eval mode, keeping the trace, with the class probabilities and each
 * sample's most probable class. Shapes come from the model (`model.inputShape`), never from a
 * hard-coded 28×28. A prediction that is not a number is an error, never a digit: when an output
 * is NaN or ±Infinity, a NumericError names the layer whose output first stopped being finite.
 * It does not preprocess images (data/preprocess.ts does) and copies nothing: the trace holds the
 * input by reference.
 */
import { Tensor, sizeOf } from '../engine/tensor.js';
import { NumericError, ShapeError, SpecError, formatShape } from '../engine/errors.js';
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
  // at the door: a NaN pixel can vanish inside (a ReLU maps it to 0) and leave a confident digit
  const bad = firstNonFinite(input.data, 0, input.size);
  if (bad >= 0) {
    const per = input.size / input.n;
    const sample = input.n > 1 ? `sample ${Math.floor(bad / per)}: ` : '';
    throw new NumericError(`predict: ${sample}the input holds ${input.data[bad]} at value ${bad % per}; inputs must be finite numbers`);
  }
  const trace = model.forward(input);
  const probabilities = toProbabilities(trace.output, model.layers[model.layers.length - 1].kind);
  const N = probabilities.n;
  const K = probabilities.size / N;
  checkFinite(trace, probabilities);
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

/** The labels of a model whose spec names none: the ten digits. */
export const DIGIT_LABELS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * A classifier's labels: its spec's (parseModelSpec holds them to one per output), else the ten
 * digits — and then a SpecError unless the model gives exactly ten values per sample, so that a
 * model of 784 outputs cannot print "232" as a digit. `name` is what the message calls the model.
 */
export function classLabels(model: Sequential, name = 'the model'): readonly string[] {
  const labels = model.spec.labels ?? DIGIT_LABELS;
  const K = sizeOf(model.outputShape);
  if (K !== labels.length) {
    const which = model.spec.labels ? 'labels' : "labels (its spec names none, so the digits 0–9)";
    throw new SpecError(`${name} gives ${K.toLocaleString('en-US')} values per sample ${formatShape(model.outputShape)} but has ${labels.length} ${which}; a classifier's last layer has one output per label`);
  }
  return labels;
}

function firstNonFinite(a: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(a[i])) return i - from;
  return -1;
}

/**
 * Throws a NumericError when a probability is NaN or ±Infinity, saying where the first such sample's
 * values first stopped being finite (the input was checked before): its deskewed or normalised
 * input, or the output of a layer (named, with the value and its index). Costs one pass over the
 * probabilities when all is well.
 */
function checkFinite(trace: ForwardResult, probabilities: Tensor): void {
  const N = probabilities.n;
  const K = probabilities.size / N;
  let n = -1;
  for (let i = 0; i < probabilities.size; i++) {
    if (!Number.isFinite(probabilities.data[i])) {
      n = Math.floor(i / K);
      break;
    }
  }
  if (n < 0) return;
  const scan = (t: Tensor): { at: number; value: number } | null => {
    const per = t.size / t.n;
    const at = firstNonFinite(t.data, n * per, (n + 1) * per);
    return at < 0 ? null : { at, value: t.data[n * per + at] };
  };
  const sample = N > 1 ? `sample ${n}: ` : '';
  const stages: { what: string; t: Tensor }[] = [];
  if (trace.deskewed) stages.push({ what: 'the deskewed input', t: trace.deskewed.image });
  stages.push({ what: 'the normalised input ((x - mean) / std)', t: trace.normalized });
  for (const step of trace.steps) stages.push({ what: `the output of ${step.layer.name} (layers[${step.index}], ${step.layer.kind})`, t: step.cache.y });
  for (const { what, t } of stages) {
    const bad = scan(t);
    if (bad) {
      throw new NumericError(
        `predict: ${sample}the prediction is not a number: values first stop being finite in ${what}, ${bad.value} at value ${bad.at} of ${formatShape(t.shape.slice(1))}, from finite values before it; the model's weights or the values reaching that layer overflow float32 (largest 3.4e38)`,
      );
    }
  }
  throw new NumericError(`predict: ${sample}the probabilities are not finite although every layer's output is; the last layer's output cannot be turned into probabilities`);
}
