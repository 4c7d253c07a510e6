/**
 * Any Sequential as columns of nodes and weighted connections, for the Network view: a dense
 * layer's units are neurons; a convolution's or pooling layer's channels are channel nodes (one
 * per feature map). Activations, batch norm, dropout and softmax change values, not structure, so
 * they fold into the column before them (the column shows the value after them); flatten folds
 * too, its dense layer then connecting whole channels. A connection's weight is signed:
 *   conv kernel o over input channel c: ‖w[o,c]‖₂ with the sign of Σ w[o,c]
 *   dense unit j from channel c (after flatten): the same over the channel's H·W weights
 *   dense unit j from unit i (or from pixel i of the image): w[j,i]
 *   pooling channel c → c: 1 (it only passes values on)
 * Only the structure and the weights: values come from a trace when drawn (nodeValues).
 */
import type { ForwardResult, Sequential } from '../../../src/nn/model.js';
import { Conv2d } from '../../../src/nn/layers/conv2d.js';
import { Dense } from '../../../src/nn/layers/dense.js';
import type { LayerKind } from '../../../src/nn/spec.js';

export type ColumnKind = 'image' | 'channels' | 'units';

export interface GraphColumn {
  /** the layers this column stands for: the structural one first, then those folded in */
  readonly layers: readonly number[];
  /** the kind of its structural layer ('input' for the image) */
  readonly kind: LayerKind | 'input';
  readonly nodeKind: ColumnKind;
  /** how many nodes the layer has (channels or units) */
  readonly total: number;
  /** the layer whose output the nodes show: the last of `layers` (−1: the input) */
  readonly out: number;
}

export interface GraphEdge {
  /** node index in the column before (a pixel index when `fromPixels`) */
  readonly from: number;
  readonly to: number;
  readonly w: number;
  /** pooling's one-to-one connections: no weight, drawn neutral */
  readonly pass?: boolean;
}

export interface EdgeSet {
  readonly fromPixels: boolean;
  readonly edges: readonly GraphEdge[];
  /** the largest |w| among them, for line widths */
  readonly max: number;
}

export interface NetworkGraph {
  readonly columns: readonly GraphColumn[];
  /** edges[k]: between columns k−1 and k (edges[0] is empty) */
  readonly edges: readonly EdgeSet[];
}

export interface GraphLimits {
  /** nodes drawn per column (a wide layer shows its first ones) */
  readonly shown: number;
  /** connections kept between two columns, the strongest by |w| */
  readonly edges: number;
  /** connections kept from the image's pixels */
  readonly pixelEdges: number;
}

export const DEFAULT_LIMITS: GraphLimits = { shown: 32, edges: 160, pixelEdges: 240 };

const FOLDED = new Set<LayerKind>(['relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax', 'batchnorm', 'dropout', 'flatten']);

function signedNorm(w: Float32Array, from: number, n: number): number {
  let s = 0;
  let q = 0;
  for (let i = from; i < from + n; i++) {
    s += w[i];
    q += w[i] * w[i];
  }
  return (s < 0 ? -1 : 1) * Math.sqrt(q);
}

function strongest(edges: GraphEdge[], keep: number): GraphEdge[] {
  if (edges.length <= keep) return edges;
  return [...edges].sort((a, b) => Math.abs(b.w) - Math.abs(a.w)).slice(0, keep);
}

function edgeSet(fromPixels: boolean, edges: GraphEdge[]): EdgeSet {
  let max = 0;
  for (const e of edges) if (!e.pass) max = Math.max(max, Math.abs(e.w));
  return { fromPixels, edges, max: max > 0 ? max : 1 };
}

export function networkGraph(model: Sequential, limits: GraphLimits = DEFAULT_LIMITS): NetworkGraph {
  const inShape = model.inputShape;
  const image = inShape.length === 3;
  const columns: { layers: number[]; kind: LayerKind | 'input'; nodeKind: ColumnKind; total: number }[] = [
    { layers: [-1], kind: 'input', nodeKind: image ? 'image' : 'units', total: image ? (inShape[0] ?? 1) : (inShape[0] ?? 0) },
  ];
  const edges: EdgeSet[] = [edgeSet(false, [])];
  /** the shape the last column's values had before a flatten, if one came since */
  let flattenedFrom: readonly number[] | null = null;
  const shownBefore = (): number => Math.min(columns[columns.length - 1].total, limits.shown);

  model.layers.forEach((l, i) => {
    const last = columns[columns.length - 1];
    if (FOLDED.has(l.kind)) {
      if (l.kind === 'flatten' && l.inShape.length === 3) flattenedFrom = l.inShape;
      last.layers.push(i);
      return;
    }
    const list: GraphEdge[] = [];
    let fromPixels = false;
    if (l instanceof Conv2d) {
      const { outC, C, kH, kW } = l.dims;
      const w = l.weight.value.data;
      for (let o = 0; o < Math.min(outC, limits.shown); o++) for (let c = 0; c < Math.min(C, shownBefore()); c++) list.push({ from: c, to: o, w: signedNorm(w, (o * C + c) * kH * kW, kH * kW) });
      columns.push({ layers: [i], kind: l.kind, nodeKind: 'channels', total: outC });
      edges.push(edgeSet(false, strongest(list, limits.edges)));
    } else if (l.kind === 'maxpool2d' || l.kind === 'avgpool2d') {
      const C = l.outShape[0] ?? 0;
      for (let c = 0; c < Math.min(C, limits.shown); c++) list.push({ from: c, to: c, w: 1, pass: true });
      columns.push({ layers: [i], kind: l.kind, nodeKind: 'channels', total: C });
      edges.push(edgeSet(false, list));
    } else if (l instanceof Dense) {
      const units = l.outShape[0] ?? 0;
      const inF = l.inShape[0] ?? 0;
      const w = l.weight.value.data;
      const shownOut = Math.min(units, limits.shown);
      const from = flattenedFrom as readonly number[] | null;
      if (last.nodeKind === 'image' && from && from[0] === 1) {
        fromPixels = true;
        for (let j = 0; j < shownOut; j++) for (let p = 0; p < inF; p++) list.push({ from: p, to: j, w: w[j * inF + p] });
      } else if (from) {
        const per = (from[1] ?? 1) * (from[2] ?? 1);
        for (let j = 0; j < shownOut; j++) for (let c = 0; c < Math.min(from[0] ?? 0, shownBefore()); c++) list.push({ from: c, to: j, w: signedNorm(w, j * inF + c * per, per) });
      } else {
        for (let j = 0; j < shownOut; j++) for (let k = 0; k < Math.min(inF, shownBefore()); k++) list.push({ from: k, to: j, w: w[j * inF + k] });
      }
      columns.push({ layers: [i], kind: 'dense', nodeKind: 'units', total: units });
      edges.push(edgeSet(fromPixels, strongest(list, fromPixels ? limits.pixelEdges : limits.edges)));
    } else {
      // a layer kind the graph does not know: its own column of units, unconnected
      columns.push({ layers: [i], kind: l.kind, nodeKind: l.outShape.length === 3 ? 'channels' : 'units', total: l.outShape[0] ?? 0 });
      edges.push(edgeSet(false, []));
    }
    flattenedFrom = null;
  });
  return { columns: columns.map((c) => ({ ...c, out: c.layers[c.layers.length - 1] })), edges };
}

export interface NodeValue {
  /** a unit's value, or a channel's largest value */
  readonly value: number;
  /** the unit a click selects: the unit itself, or the channel's strongest pixel */
  readonly index: number;
}

/** The values of a column's first `shown` nodes for a trace. */
export function nodeValues(model: Sequential, trace: ForwardResult, col: GraphColumn, shown: number): NodeValue[] {
  const y = col.out < 0 ? trace.normalized.data : trace.steps[col.out].cache.y.data;
  const shape = col.out < 0 ? model.inputShape : model.layers[col.out].outShape;
  const n = Math.min(col.total, shown);
  if (shape.length !== 3) return Array.from({ length: n }, (_, j) => ({ value: y[j], index: j }));
  const per = (shape[1] ?? 1) * (shape[2] ?? 1);
  return Array.from({ length: n }, (_, c) => {
    let best = c * per;
    for (let k = c * per + 1; k < (c + 1) * per; k++) if (y[k] > y[best]) best = k;
    return { value: y[best], index: best };
  });
}
