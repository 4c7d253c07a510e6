/**
 * The in-memory data set and everything that turns it into training batches: splits built from
 * decoded idx arrays and filling a batch buffer (normalised,
 * optionally augmented). Pure: no files, no network (node-source.ts finds and reads the files).
 */
import { Rng } from '../engine/rng.js';
import { ShapeError, SpecError } from '../engine/errors.js';
import { kernels, scaleBytesReference } from '../engine/kernels/index.js';
import type { DatasetName } from './catalog.js';
import { DataError } from './errors.js';
import type { IdxArray } from './idx.js';
import { augmentImage, checkAugmentOptions, type AugmentOptions } from './augment.js';

export interface Split {
  /** [n,28,28] pixels 0..255, row-major. */
  images: Uint8Array;
  /** [n] class indices 0..9. */
  labels: Uint8Array;
  n: number;
  rows: 28;
  cols: 28;
}

export interface Dataset {
  name: DatasetName;
  train: Split;
  test: Split;
  /** MD5 of each uncompressed idx file, keyed by canonical file name, for the model's provenance. */
  checksums: Record<string, string>;
}

export interface Normalize {
  mean: number;
  std: number;
}

/** Training-set pixel statistics of MNIST, after dividing by 255. */
export const MNIST_NORMALIZE: Readonly<Normalize> = { mean: 0.1307, std: 0.3081 };

export const IMAGE_SIZE = 28 * 28;

/** Pairs decoded images [n,28,28] with labels [n], checking that they belong together. */
export function makeSplit(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string): Split {
  const d = images.dims;
  if (d.length !== 3 || d[1] !== 28 || d[2] !== 28) {
    throw new DataError(`${imagesName}: expected images [n,28,28], got [${d.join(',')}]`);
  }
  if (labels.dims.length !== 1) throw new DataError(`${labelsName}: expected labels [n], got [${labels.dims.join(',')}]`);
  if (labels.dims[0] !== d[0]) {
    throw new DataError(`${imagesName} holds ${d[0]} images but ${labelsName} holds ${labels.dims[0]} labels; expected the same count`);
  }
  return { images: images.data, labels: labels.data, n: d[0], rows: 28, cols: 28 };
}

export interface BatchAugment {
  rng: Rng;
  options: AugmentOptions;
}

/**
 * x[B,1,28,28] and y[B] ← examples indices[start .. start+count) of split, with
 * x = (pixel/255 − mean)/std, augmented first when `augment` is given (its rng advances by four
 * draws per image). Rows past `count` are left as they were (a short last batch).
 */
export function fillBatch(
  x: Float32Array,
  y: Int32Array,
  split: Split,
  indices: ArrayLike<number>,
  start: number,
  count: number,
  normalize: Normalize,
  augment?: BatchAugment,
): void {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > indices.length) {
    throw new ShapeError(`fillBatch: examples [${start}, ${start + count}) are outside the ${indices.length} indices`);
  }
  if (x.length < count * IMAGE_SIZE) {
    throw new ShapeError(`fillBatch: x holds ${x.length} values, expected at least ${count}×1×28×28 = ${count * IMAGE_SIZE}`);
  }
  if (y.length < count) throw new ShapeError(`fillBatch: y holds ${y.length} labels, expected at least ${count}`);
  if (!Number.isFinite(normalize.mean) || !Number.isFinite(normalize.std) || normalize.std <= 0) {
    throw new SpecError(`fillBatch: normalize needs a finite mean and std > 0, got mean ${normalize.mean}, std ${normalize.std}`);
  }
  if (augment) checkAugmentOptions(augment.options);

  const scale = 1 / (255 * normalize.std);
  const shift = -normalize.mean / normalize.std;

  const { images, labels, n } = split;
  // Without augmentation the batch's bytes are gathered, then turned into floats in one kernel
  // call (a JavaScript loop costs 1–3 ns a pixel, a third of a small model's training step).
  const bytes = augment ? null : gatherBuffer(count * IMAGE_SIZE);
  for (let b = 0; b < count; b++) {
    const idx = indices[start + b];
    if (!Number.isInteger(idx) || idx < 0 || idx >= n) {
      throw new ShapeError(`fillBatch: indices[${start + b}] = ${idx} is outside the split's ${n} examples`);
    }
    const o = b * IMAGE_SIZE;
    const s = idx * IMAGE_SIZE;
    if (augment) {
      augmentImage(x, o, images, s, 28, 28, augment.rng, augment.options);
      for (let p = o; p < o + IMAGE_SIZE; p++) x[p] = x[p] * scale + shift;
    } else {
      bytes!.set(images.subarray(s, s + IMAGE_SIZE), o);
    }
    y[b] = labels[idx];
  }
  if (bytes) {
    const k = kernels();
    const out = x.subarray(0, count * IMAGE_SIZE);
    if (k.scaleBytes) k.scaleBytes(out, bytes, scale, shift);
    else scaleBytesReference(out, bytes, scale, shift);
  }
}

let gathered = new Uint8Array(0);

/** A reused byte buffer for one batch's pixels (batches are filled one at a time). */
function gatherBuffer(n: number): Uint8Array {
  if (gathered.length < n) gathered = new Uint8Array(n);
  return gathered.subarray(0, n);
}
