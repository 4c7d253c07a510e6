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

/**
 * Knowledge distillation (Hinton et al., 2015): the student matches the teacher's softened
 * probabilities as well as the labels. With p = softmax(student/T), q = softmax(teacher/T):
 *   loss = α·T²·KL(q ‖ p) + (1 − α)·CE(student, label)
 *   dy   = α·T·(p − q)/N + (1 − α)·(softmax(student) − onehot)/N
 */
export function distillationLoss(student: Tensor, teacher: Tensor, labels: ArrayLike<number>, temperature: number, alpha: number): LossResult {
  expectShape('distillationLoss', teacher, [student.n, student.size / student.n], 'teacher logits must match the student');
  if (!(temperature > 0) || !(alpha >= 0 && alpha <= 1)) {
    throw new ShapeError(`distillationLoss: temperature must be > 0 and alpha in 0..1, got T=${temperature}, alpha=${alpha}`);
  }
  const hard = softmaxCrossEntropy(student, labels);
  const [N, K] = student.shape as [number, number];
  const dy = new Tensor([N, K]);
  const p = new Float64Array(K);
  const q = new Float64Array(K);
  let kl = 0;
  const soften = (out: Float64Array, x: Float32Array, r: number) => {
    let max = -Infinity;
    for (let j = 0; j < K; j++) max = Math.max(max, x[r + j] / temperature);
    let sum = 0;
    for (let j = 0; j < K; j++) sum += out[j] = Math.exp(x[r + j] / temperature - max);
    for (let j = 0; j < K; j++) out[j] /= sum;
  };
  for (let n = 0; n < N; n++) {
    const r = n * K;
    soften(p, student.data, r);
    soften(q, teacher.data, r);
    for (let j = 0; j < K; j++) {
      if (q[j] > 0) kl += q[j] * (Math.log(q[j]) - Math.log(Math.max(p[j], 1e-300)));
      dy.data[r + j] = (alpha * temperature * (p[j] - q[j])) / N + (1 - alpha) * hard.dy.data[r + j];
    }
  }
  const loss = (alpha * temperature * temperature * kl) / N + (1 - alpha) * hard.loss;
  if (!Number.isFinite(loss)) throw new NumericError(`distillationLoss: loss is ${loss}; the logits contain NaN or Infinity`);
  return { loss, dy };
}
