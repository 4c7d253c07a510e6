/**
 * Losses, each returning the mean loss over the batch and its gradient with respect to the model
 * output. Cross-entropy is fused with softmax: it takes logits, so it stays finite where a separate
 * softmax would underflow to log(0).
 */
import { Tensor, expectShape } from '../engine/tensor.js';
import { NumericError, ShapeError } from '../engine/errors.js';

export type LossName = 'xent' | 'mse';

export interface LossResult {
  /** mean loss over the batch */
  loss: number;
  /** dLoss/dOutput, same shape as the output */
  dy: Tensor;
}

function checkLabels(where: string, labels: ArrayLike<number>, N: number, K: number): void {
  if (labels.length !== N) throw new ShapeError(`${where}: ${N} outputs but ${labels.length} labels`);
  for (let n = 0; n < N; n++) {
    const t = labels[n];
    if (!Number.isInteger(t) || t < 0 || t >= K) throw new ShapeError(`${where}: label[${n}] = ${t} is not a class index in 0..${K - 1}`);
  }
}

/** loss = −(1/N) Σ_n log softmax(logits_n)[label_n];  dlogits = (softmax − onehot) / N */
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): LossResult {
  expectShape('softmaxCrossEntropy', logits, [-1, -1], 'logits [N,classes]');
  const [N, K] = logits.shape as [number, number];
  checkLabels('softmaxCrossEntropy', labels, N, K);
  const dy = new Tensor([N, K]);
  const x = logits.data;
  let total = 0;
  for (let n = 0; n < N; n++) {
    const r = n * K;
    let max = -Infinity;
    for (let j = 0; j < K; j++) if (x[r + j] > max) max = x[r + j];
    let sum = 0;
    for (let j = 0; j < K; j++) {
      const e = Math.exp(x[r + j] - max);
      dy.data[r + j] = e;
      sum += e;
    }
    const t = labels[n];
    total += Math.log(sum) - (x[r + t] - max);
    for (let j = 0; j < K; j++) dy.data[r + j] = dy.data[r + j] / sum / N;
    dy.data[r + t] -= 1 / N;
  }
  const loss = total / N;
  if (!Number.isFinite(loss)) throw new NumericError(`softmaxCrossEntropy: loss is ${loss}; the logits contain NaN or Infinity (diverged training? try a lower learning rate)`);
  return { loss, dy };
}

/**
 * Mean squared error against one-hot targets, averaged over every element (PyTorch's MSELoss):
 * loss = (1/(N·K)) Σ (y − t)²;  dy = 2(y − t)/(N·K)
 */
export function meanSquaredError(output: Tensor, labels: ArrayLike<number>): LossResult {
  expectShape('meanSquaredError', output, [-1, -1], 'outputs [N,classes]');
  const [N, K] = output.shape as [number, number];
  checkLabels('meanSquaredError', labels, N, K);
  const dy = new Tensor([N, K]);
  let total = 0;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < K; j++) {
      const i = n * K + j;
      const diff = output.data[i] - (labels[n] === j ? 1 : 0);
      total += diff * diff;
      dy.data[i] = (2 * diff) / (N * K);
    }
  }
  const loss = total / (N * K);
  if (!Number.isFinite(loss)) throw new NumericError(`meanSquaredError: loss is ${loss}; the outputs contain NaN or Infinity`);
  return { loss, dy };
}

export function computeLoss(name: LossName, output: Tensor, labels: ArrayLike<number>): LossResult {
  return name === 'xent' ? softmaxCrossEntropy(output, labels) : meanSquaredError(output, labels);
}
