/**
 * What `embed` and `compare` share: the first N labelled test images, each model's activations at
 * a layer (with a flag-named error for a layer it lacks), its class geometry, and matrices as text.
 * It does not project or draw.
 */
import { SpecError } from '../engine/errors.js';
import type { Tensor } from '../engine/tensor.js';
import type { Sequential } from '../nn/model.js';
import type { Dataset } from '../data/dataset.js';
import { collectActivations, imagesFromBytes, resolveLayer, type Activations } from '../explain/activations.js';
import { classGeometry, type ClassGeometry } from '../explain/class-geometry.js';
import { classCount } from '../explain/score.js';

export interface LabelledImages {
  /** [N,1,28,28] raw pixels in 0..1 */
  images: Tensor;
  labels: Uint8Array;
  N: number;
}

/** The first `limit` test images (all of them if fewer); every class must be among them. */
export function firstTestImages(data: Dataset, limit: number, classes: number): LabelledImages {
  const N = Math.min(limit, data.test.n);
  const labels = data.test.labels.slice(0, N);
  const seen = new Set(labels);
  const missing = Array.from({ length: classes }, (_, c) => c).filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw new SpecError(`--limit ${limit}: the first ${N} test images have no example of class ${missing.join(', ')}; class distances need every class, so raise --limit`);
  }
  return { images: imagesFromBytes(data.test.images, N, data.test.rows, data.test.cols), labels, N };
}

/** A model must read 28×28 one-channel images to be shown MNIST; checked before data is read. */
export function checkImageModel(model: Sequential, name: string): void {
  const s = model.inputShape;
  if (!(s.length === 3 && s[0] === 1 && s[1] === 28 && s[2] === 28)) throw new SpecError(`${name} takes [${s.join(',')}]; MNIST images are [1,28,28]`);
}

/** The layer's index, or a SpecError naming the flag and the model. */
export function checkHiddenLayer(model: Sequential, name: string, layer: string): number {
  try {
    return resolveLayer(model, layer);
  } catch (e) {
    throw new SpecError(`--layer ${layer} in ${name}: ${(e as Error).message}`);
  }
}

export interface HiddenSpace {
  activations: Activations;
  geometry: ClassGeometry;
}

export function hiddenSpace(model: Sequential, set: LabelledImages, layer: string): HiddenSpace {
  const activations = collectActivations(model, set.images, layer);
  const geometry = classGeometry(activations.data, activations.N, activations.F, set.labels, classCount(model));
  return { activations, geometry };
}

/** A K×K (or M×M) flat matrix as rows of numbers, for JSON. */
export function matrixRows(m: ArrayLike<number>, K: number, digits = 4): number[][] {
  return Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => Number(m[i * K + j].toFixed(digits))));
}

/** A square matrix as a text table with row and column names. */
export function matrixTable(m: ArrayLike<number>, names: readonly string[], digits = 2): string[] {
  const K = names.length;
  const w = Math.max(digits + 4, ...names.map((n) => n.length + 1));
  const rw = Math.max(...names.map((n) => n.length));
  const lines = ['  ' + ' '.repeat(rw) + names.map((n) => n.padStart(w)).join('')];
  for (let i = 0; i < K; i++) lines.push('  ' + names[i].padStart(rw) + Array.from({ length: K }, (_, j) => m[i * K + j].toFixed(digits).padStart(w)).join(''));
  return lines;
}
