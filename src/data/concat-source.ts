/**
 * One training source made of several: e.g. a handful of drawn digits, repeated so they are not
 * lost among thousands of MNIST images, followed by those images. Example i of the whole is
 * example (i − start of its part) mod size of that part, so a repeated part is seen `repeat`
 * times an epoch, each time in a different place of the shuffled order (and with its own random
 * distortion when the recipe augments).
 */
import { ShapeError } from '../engine/errors.js';
import type { Rng } from '../engine/rng.js';
import type { SplitSource } from './split-source.js';

export interface SourcePart {
  source: SplitSource;
  /** times the part appears in an epoch (default 1) */
  repeat?: number;
}

export function concatSources(parts: readonly SourcePart[]): SplitSource {
  if (parts.length === 0) throw new ShapeError('concatSources: no sources given');
  const shape = parts[0].source.shape;
  const starts: number[] = [];
  let size = 0;
  parts.forEach((p, i) => {
    const repeat = p.repeat ?? 1;
    if (!Number.isInteger(repeat) || repeat < 1) throw new ShapeError(`concatSources: part ${i} repeat must be a positive integer, got ${repeat}`);
    if (p.source.shape.join(',') !== shape.join(',')) {
      throw new ShapeError(`concatSources: part ${i} holds examples [${p.source.shape.join(',')}], part 0 [${shape.join(',')}]; every part must have the same shape`);
    }
    if (p.source.size === 0) throw new ShapeError(`concatSources: part ${i} is empty`);
    starts.push(size);
    size += p.source.size * repeat;
  });
  const per = shape.reduce((a, b) => a * b, 1);
  /** the part holding example i, and i's index inside it */
  const locate = (i: number): [SplitSource, number] => {
    let k = starts.length - 1;
    while (starts[k] > i) k--;
    const s = parts[k].source;
    return [s, (i - starts[k]) % s.size];
  };
  const one = new Uint32Array(1);
  return {
    size,
    shape,
    fill(x: Float32Array, y: Int32Array, order: ArrayLike<number>, start: number, count: number, augment: Rng | null) {
      for (let b = 0; b < count; b++) {
        const [s, local] = locate(order[start + b]);
        one[0] = local;
        s.fill(x.subarray(b * per, (b + 1) * per), y.subarray(b, b + 1), one, 0, 1, augment);
      }
    },
    label(i: number) {
      const [s, local] = locate(i);
      return s.label(local);
    },
  };
}
