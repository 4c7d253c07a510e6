/**
 * A split made from digits someone drew (in the browser, kept in IndexedDB): checked at the door,
 * since they come from outside the catalog: whole 28×28 images, one label each, every label a
 * class the model has.
 */
import { DataError } from './errors.js';
import type { Split } from './dataset.js';

const PIXELS = 28 * 28;

export function digitsSplit(images: Uint8Array, labels: Uint8Array, classes: number, where = 'drawn digits'): Split {
  const n = labels.length;
  if (n === 0) throw new DataError(`${where}: there are no digits; draw and label at least one`);
  if (images.length !== n * PIXELS) {
    throw new DataError(`${where}: ${n} labels need ${n}×28×28 = ${n * PIXELS} pixels, got ${images.length}`);
  }
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) throw new DataError(`${where}: digit ${bad} is labelled ${labels[bad]}, but the model has classes 0..${classes - 1} only`);
  return { images, labels, n, rows: 28, cols: 28 };
}
