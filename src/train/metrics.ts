/**
 * Evaluation: accuracy, per-class accuracy, the confusion matrix and the worst-classified
 * examples (lowest probability on the true class), in eval mode and in batches.
 */
import { Tensor } from '../engine/tensor.js';
import { withKernelScratch } from '../engine/kernels/index.js';
import type { Sequential } from '../nn/model.js';
import { toProbabilities } from '../nn/model.js';
import { argmax } from '../nn/predict.js';
import type { BatchSource } from './batch-source.js';

export interface WorstExample {
  index: number;
  label: number;
  predicted: number;
  /** probability the model gave the true label */
  trueProbability: number;
  /** probability of the predicted label */
  confidence: number;
}

export interface Evaluation {
  /** fraction correct, 0..1 */
  accuracy: number;
  correct: number;
  total: number;
  /** per class: fraction correct and number of examples */
  perClass: { label: number; accuracy: number; count: number }[];
  /** confusion[true][predicted] = count */
  confusion: number[][];
  worst: WorstExample[];
  /** mean cross-entropy of the true label */
  loss: number;
}

export function evaluate(model: Sequential, data: BatchSource, opts: { batchSize?: number; worst?: number; limit?: number } = {}): Evaluation {
  const total = Math.min(data.size, opts.limit ?? data.size);
  const B = Math.min(opts.batchSize ?? 1000, Math.max(1, total));
  const K = model.outputShape.reduce((a, b) => a * b, 1);
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  const y = new Int32Array(B);
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const keepWorst = opts.worst ?? 10;
  let worst: WorstExample[] = [];
  let correct = 0;
  let lossSum = 0;
  const lastKind = model.layers[model.layers.length - 1].kind;
  for (let start = 0; start < total; start += B) {
    const count = Math.min(B, total - start);
    withKernelScratch(() => {
      // the batch too lives in the kernels' memory: filled and standardised there in place
      const input = new Tensor([count, ...data.shape]);
      data.fill(input.data, y, order, start, count, null);
      const probs = toProbabilities(model.forward(input).output, lastKind);
      for (let i = 0; i < count; i++) {
        const row = probs.data.subarray(i * K, (i + 1) * K);
        const pred = argmax(row);
        const label = y[i];
        confusion[label][pred]++;
        lossSum -= Math.log(Math.max(row[label], 1e-30));
        if (pred === label) correct++;
        else if (keepWorst > 0) {
          worst.push({ index: start + i, label, predicted: pred, trueProbability: row[label], confidence: row[pred] });
          if (worst.length > 4 * keepWorst) worst = worst.sort((a, b) => a.trueProbability - b.trueProbability).slice(0, keepWorst);
        }
      }
    });
  }
  worst = worst.sort((a, b) => a.trueProbability - b.trueProbability || a.index - b.index).slice(0, keepWorst);
  const perClass = confusion.map((row, label) => {
    const count = row.reduce((a, b) => a + b, 0);
    return { label, accuracy: count ? row[label] / count : 0, count };
  });
  return { accuracy: total ? correct / total : 0, correct, total, perClass, confusion, worst, loss: total ? lossSum / total : 0 };
}
