/**
 * The standard way a "not a digit" calibration is fitted and judged, so the CLI, the shipped
 * models' metadata and the docs report the same figures: fitted on the first 10,000 training
 * digits, thresholded to accept 95% of the first half of the test digits, judged on the second
 * half against the sets that are not digits — Fashion-MNIST (when given), uniform and Gaussian
 * noise, and the generated letters, shapes, scribbles, dots and near-blank pages — and on the
 * generated handwriting (digits the model never saw, from writers outside MNIST), whose accepted
 * fraction is what a user with real handwriting would notice.
 */
import { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import type { Sequential } from '../nn/model.js';
import type { OodCalibration } from '../nn/ood.js';
import type { Split } from '../data/dataset.js';
import { nonDigitImages } from '../data/non-digits.js';
import { syntheticDigits } from '../data/synthetic-digits.js';
import { imagesFromBytes } from './activations.js';
import { auroc, calibrateOod, scoreImages, type CalibrateOptions } from './ood.js';

/** n images of uniform noise U(0,1), or Gaussian N(0.5, 0.5²) clipped to 0..1. */
export function noiseImages(kind: 'uniform' | 'gaussian', n: number, seed = 1): Tensor {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = kind === 'uniform' ? rng.next() : Math.min(1, Math.max(0, 0.5 + 0.5 * rng.normal()));
  return new Tensor([n, 1, 28, 28], data);
}

export interface OodSetResult {
  /** how many images */
  n: number;
  /** AUROC against the held-out test digits (1 = perfectly separated) */
  auroc: number;
  /** the fraction the threshold calls "not a digit" */
  rejected: number;
}

export interface OodReport {
  method: OodCalibration['method'];
  layer?: string;
  threshold: number;
  /** the fraction of the held-out MNIST test digits accepted */
  acceptedMnist: number;
  /** the fraction of the generated handwriting accepted */
  acceptedHandwriting: number;
  sets: Record<string, OodSetResult>;
}

export interface OodData {
  train: Split;
  test: Split;
  /** Fashion-MNIST's test split, when available */
  fashion?: Split;
}

/** Fits a calibration the standard way (see the header). */
export function standardCalibration(model: Sequential, data: OodData, opts: CalibrateOptions = {}): OodCalibration {
  const nTrain = Math.min(10_000, data.train.n);
  const train = { images: imagesFromBytes(data.train.images, nTrain), labels: data.train.labels.subarray(0, nTrain) };
  const half = Math.floor(data.test.n / 2);
  return calibrateOod(model, train, imagesFromBytes(data.test.images, half), opts);
}

/** Judges a calibration the standard way, on sets of up to `limit` images each. */
export function standardOodReport(model: Sequential, cal: OodCalibration, data: Pick<OodData, 'test' | 'fashion'>, opts: { limit?: number; seed?: number } = {}): OodReport {
  const limit = opts.limit ?? 5000;
  const half = Math.floor(data.test.n / 2);
  const nIn = Math.min(limit, data.test.n - half);
  const inImages = imagesFromBytes(data.test.images.subarray(half * 784), nIn);
  const inScores = scoreImages(model, inImages, cal);
  const nGen = Math.min(limit, 1000);
  const outSets: Record<string, Tensor> = {};
  if (data.fashion) outSets['fashion'] = imagesFromBytes(data.fashion.images, Math.min(limit, data.fashion.n));
  outSets['uniform noise'] = noiseImages('uniform', nGen, opts.seed ?? 1);
  outSets['gaussian noise'] = noiseImages('gaussian', nGen, (opts.seed ?? 1) + 1);
  outSets['non-digits'] = new Tensor([nGen, 1, 28, 28], nonDigitImages({ count: nGen, seed: opts.seed ?? 1 }).images);
  const sets: Record<string, OodSetResult> = {};
  for (const [name, images] of Object.entries(outSets)) {
    const s = scoreImages(model, images, cal);
    sets[name] = { n: images.n, auroc: auroc(inScores, s), rejected: s.filter((v) => v > cal.threshold).length / s.length };
  }
  const hand = scoreImages(model, new Tensor([nGen, 1, 28, 28], syntheticDigits({ count: nGen, seed: opts.seed ?? 1 }).images), cal);
  const report: OodReport = {
    method: cal.method,
    threshold: cal.threshold,
    acceptedMnist: inScores.filter((v) => v <= cal.threshold).length / inScores.length,
    acceptedHandwriting: hand.filter((v) => v <= cal.threshold).length / hand.length,
    sets,
  };
  if (cal.layer !== undefined) report.layer = cal.layer;
  return report;
}
