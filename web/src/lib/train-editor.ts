/**
 * The Train view's architecture editor as plain data: a spec's layers with stable ids (so the
 * list keeps its rows while layers move), edits that return a new draft (add, remove, move,
 * change a field, change an activation's or pooling's kind), and a check that runs the draft
 * through parseModelSpec — the same door the CLI's `--model spec.json` and every model file go
 * through — giving every layer's shapes and parameter count, or the refusal and the layer it
 * names. It draws nothing and builds no model: the Train view builds one only when a run starts.
 */
import { parseModelSpec, type LayerKind, type LayerSpec, type ModelSpec } from '../../../src/nn/spec.js';
import { planModel, type LayerPlan } from '../../../src/nn/spec-shapes.js';

export interface DraftLayer {
  /** stable across edits, for keyed lists; never part of the spec */
  readonly id: number;
  readonly spec: LayerSpec;
}

/** A spec being edited: everything but the layers is kept as it came (input, normalisation, labels). */
export interface Draft {
  readonly base: Omit<ModelSpec, 'layers'>;
  readonly layers: readonly DraftLayer[];
}

/** Kinds a learner adds from the editor's menu (softmax is left out: the loss applies it). */
export const ADDABLE_KINDS = ['conv2d', 'maxpool2d', 'avgpool2d', 'relu', 'leakyrelu', 'sigmoid', 'tanh', 'dropout', 'batchnorm', 'flatten', 'dense'] as const;
export type AddableKind = (typeof ADDABLE_KINDS)[number];

export const ACTIVATION_KINDS = ['relu', 'leakyrelu', 'sigmoid', 'tanh'] as const;
export const POOL_KINDS = ['maxpool2d', 'avgpool2d'] as const;

/** What a new layer of each kind starts as: the common textbook choice. */
export function defaultLayer(kind: AddableKind): LayerSpec {
  switch (kind) {
    case 'conv2d': return { kind, outC: 8, k: 3, stride: 1, pad: 'same' };
    case 'maxpool2d': return { kind, size: 2 };
    case 'avgpool2d': return { kind, size: 2 };
    case 'dense': return { kind, units: 64 };
    case 'dropout': return { kind, rate: 0.25 };
    case 'leakyrelu': return { kind, alpha: 0.01 };
    case 'batchnorm': return { kind };
    default: return { kind };
  }
}

let nextId = 1;

export function draftOf(spec: ModelSpec): Draft {
  const { layers, ...base } = spec;
  return { base, layers: layers.map((l) => ({ id: nextId++, spec: l })) };
}

/** The draft as a spec (unchecked: `checkDraft` says whether it builds). */
export function specOf(d: Draft): ModelSpec {
  return { ...d.base, layers: d.layers.map((l) => l.spec) };
}

export function addLayer(d: Draft, at: number, kind: AddableKind): Draft {
  const i = Math.max(0, Math.min(at, d.layers.length));
  const layers = [...d.layers];
  layers.splice(i, 0, { id: nextId++, spec: defaultLayer(kind) });
  return { ...d, layers };
}

export function removeLayer(d: Draft, at: number): Draft {
  if (at < 0 || at >= d.layers.length) return d;
  return { ...d, layers: d.layers.filter((_, i) => i !== at) };
}

/** Moves layer `at` by `by` places (−1 up, +1 down); a move past either end does nothing. */
export function moveLayer(d: Draft, at: number, by: number): Draft {
  const to = at + by;
  if (at < 0 || at >= d.layers.length || to < 0 || to >= d.layers.length) return d;
  const layers = [...d.layers];
  const [l] = layers.splice(at, 1);
  layers.splice(to, 0, l);
  return { ...d, layers };
}

/** The fields a row edits, by kind; the value is whatever the input gave (parseModelSpec judges it). */
export type LayerField = 'outC' | 'k' | 'stride' | 'pad' | 'units' | 'size' | 'rate' | 'alpha';

export function setField(d: Draft, at: number, field: LayerField, value: number | string): Draft {
  const l = d.layers[at];
  if (!l) return d;
  // A stride left empty means "the default" (1 for conv, the window for pooling), as in the CLI's specs.
  const next: Record<string, unknown> = { ...l.spec };
  if (value === '' && (field === 'stride' || field === 'pad')) delete next[field];
  else next[field] = value;
  return replace(d, at, next as unknown as LayerSpec);
}

/** Swaps an activation for another, or max pooling for average pooling, keeping the layer's place and name. */
export function setKind(d: Draft, at: number, kind: (typeof ACTIVATION_KINDS)[number] | (typeof POOL_KINDS)[number]): Draft {
  const l = d.layers[at];
  if (!l) return d;
  const name = l.spec.name;
  let spec: LayerSpec;
  if (kind === 'maxpool2d' || kind === 'avgpool2d') {
    const size = l.spec.kind === 'maxpool2d' || l.spec.kind === 'avgpool2d' ? l.spec.size : 2;
    const stride = l.spec.kind === 'maxpool2d' || l.spec.kind === 'avgpool2d' ? l.spec.stride : undefined;
    spec = { kind, size, ...(stride !== undefined ? { stride } : {}) };
  } else {
    spec = kind === 'leakyrelu' ? { kind, alpha: 0.01 } : { kind };
  }
  return replace(d, at, name !== undefined ? { ...spec, name } : spec);
}

function replace(d: Draft, at: number, spec: LayerSpec): Draft {
  return { ...d, layers: d.layers.map((l, i) => (i === at ? { id: l.id, spec } : l)) };
}

/** A layer's row in the editor: its computed name and shapes, and its own parameter count. */
export interface LayerRow {
  readonly index: number;
  readonly name: string;
  readonly kind: LayerKind;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly params: number;
}

export type DraftCheck =
  | { readonly ok: true; readonly spec: ModelSpec; readonly rows: readonly LayerRow[]; readonly paramCount: number; readonly macs: number }
  | {
      readonly ok: false;
      /** parseModelSpec's message, as the CLI would print it */
      readonly error: string;
      /** the layer the message names, or null when it is about the whole model (labels, empty) */
      readonly layer: number | null;
      /** the shapes of the layers before the refused one, which still fit together */
      readonly rows: readonly LayerRow[];
    };

function rowsOf(layers: readonly LayerPlan[]): LayerRow[] {
  return layers.map((l) => ({
    index: l.index,
    name: l.name,
    kind: l.kind,
    inShape: l.inShape,
    outShape: l.outShape,
    params: l.params.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0),
  }));
}

/** Checks the draft as the CLI checks a spec file; on refusal, plans the layers before the one named. */
export function checkDraft(d: Draft): DraftCheck {
  const spec = specOf(d);
  try {
    const parsed = parseModelSpec(JSON.parse(JSON.stringify(spec)) as unknown, 'model spec');
    const plan = planModel(parsed);
    return { ok: true, spec: parsed, rows: rowsOf(plan.layers), paramCount: plan.paramCount, macs: plan.macsPerSample };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const m = /layers\[(\d+)\]/.exec(error);
    const layer = m ? Number(m[1]) : null;
    return { ok: false, error, layer, rows: layer !== null ? prefixRows(spec, layer) : prefixRows(spec, spec.layers.length) };
  }
}

/** The rows of the first `n` layers, when they build on their own (labels aside); none otherwise. */
function prefixRows(spec: ModelSpec, n: number): LayerRow[] {
  if (n === 0) return [];
  const { labels: _labels, ...rest } = spec;
  try {
    const parsed = parseModelSpec(JSON.parse(JSON.stringify({ ...rest, layers: spec.layers.slice(0, n) })) as unknown);
    return rowsOf(planModel(parsed).layers);
  } catch {
    return [];
  }
}
