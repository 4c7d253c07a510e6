/**
 * A layer described in plain words for headers and the architecture strip: its kind's plain name
 * and glossary entry, and what it holds ("20 kernels of 5×5×1": each kernel the k×k×C_in volume
 * it is), so the viewers' most common confusion (a kernel is not k×k but k×k×D) never arises.
 */
import type { Layer } from '../../../src/nn/layer.js';
import { Conv2d } from '../../../src/nn/layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from '../../../src/nn/layers/pool.js';
import { kindLabel, termForKind, type TermId } from './glossary.js';

export interface LayerWords {
  /** the kind's plain name: "convolution", "max pooling" */
  kind: string;
  /** the glossary entry the kind's name opens */
  term: TermId;
  /** what the layer holds or does, in numbers: "20 kernels of 5×5×1"; '' when nothing to add */
  detail: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

export function layerWords(l: Layer): LayerWords {
  const base = { kind: kindLabel(l.kind), term: termForKind(l.kind) };
  if (l instanceof Conv2d) {
    const { outC, kH, kW, C } = l.dims;
    return { ...base, detail: `${count(outC)} kernel${outC === 1 ? '' : 's'} of ${kH}×${kW}×${C}` };
  }
  if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
    const { size, stride } = l.dims;
    return { ...base, detail: `${size}×${size} window${stride === size ? '' : `, stride ${stride}`}` };
  }
  if (l.kind === 'dense') {
    const inF = l.inShape.reduce((a, b) => a * b, 1);
    const units = l.outShape[0] ?? 0;
    return { ...base, detail: `${count(units)} unit${units === 1 ? '' : 's'} × ${count(inF)} weights` };
  }
  return { ...base, detail: '' };
}
