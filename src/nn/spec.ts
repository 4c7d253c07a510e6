/**
 * The JSON architecture spec: a discriminated union of layer specs and the model spec around it.
 * Specs are plain data so they can travel inside model files and URLs; `parseModelSpec` is the door
 * that checks untrusted JSON before anything is built from it: field types here, then shapes and
 * the size limits (SPEC_LIMITS) by arithmetic in spec-shapes.ts, so nothing is allocated first.
 */
import { SpecError } from '../engine/errors.js';
import { SPEC_LIMITS, planModel } from './spec-shapes.js';

/** Weight initialisers; 'uniform' (PyTorch's default for Linear and Conv2d) is used when a spec names none. */
export type InitName = 'he' | 'glorot' | 'lecun' | 'uniform' | 'zeros';

/** Explicit padding as [top, left, bottom, right] (the ONNX `pads` order for 2-D). */
export type Padding = 'valid' | 'same' | number | readonly [number, number] | readonly [number, number, number, number];

export type LayerSpec =
  | { kind: 'dense'; units: number; init?: InitName; bias?: boolean; name?: string }
  | {
      kind: 'conv2d';
      outC: number;
      k: number | readonly [number, number];
      stride?: number | readonly [number, number];
      pad?: Padding;
      dilation?: number | readonly [number, number];
      init?: InitName;
      name?: string;
    }
  | { kind: 'maxpool2d'; size: number; stride?: number; name?: string }
  | { kind: 'avgpool2d'; size: number; stride?: number; name?: string }
  | { kind: 'relu'; name?: string }
  | { kind: 'leakyrelu'; alpha?: number; name?: string }
  | { kind: 'sigmoid'; name?: string }
  | { kind: 'tanh'; name?: string }
  | { kind: 'softmax'; name?: string }
  | { kind: 'flatten'; name?: string }
  | { kind: 'dropout'; rate: number; name?: string }
  | { kind: 'batchnorm'; momentum?: number; eps?: number; name?: string };

export type LayerKind = LayerSpec['kind'];

export interface ModelSpec {
  /** per-sample input shape, e.g. [1, 28, 28] */
  input: readonly number[];
  layers: readonly LayerSpec[];
  /** shear each raw image upright by its ink's moments before normalising (see deskew.ts) */
  deskew?: boolean;
  /** how raw pixels in 0..1 are standardised before the first layer: (x - mean) / std */
  normalize?: { mean: number; std: number };
  /** class labels for the outputs, e.g. ['0',...,'9'] */
  labels?: readonly string[];
}

const KINDS: readonly LayerKind[] = [
  'dense', 'conv2d', 'maxpool2d', 'avgpool2d', 'relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax', 'flatten', 'dropout', 'batchnorm',
];
const INITS: readonly InitName[] = ['he', 'glorot', 'lecun', 'uniform', 'zeros'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as a message shows it: numbers as JavaScript writes them (Infinity, not JSON's null). */
function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : (JSON.stringify(v)?.slice(0, 80) ?? String(v));
}

function positiveInt(where: string, field: string, v: unknown, optional = false): void {
  if (v === undefined && optional) return;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x > 0)) return;
  throw new SpecError(`${where}: '${field}' must be a positive integer (or a pair), got ${JSON.stringify(v)?.slice(0, 80)}`);
}

function checkLayer(where: string, l: unknown): LayerSpec {
  if (!isRecord(l)) throw new SpecError(`${where}: expected a layer object, got ${JSON.stringify(l)?.slice(0, 80)}`);
  const kind = l['kind'];
  if (typeof kind !== 'string' || !KINDS.includes(kind as LayerKind)) {
    throw new SpecError(`${where}: unknown layer kind ${JSON.stringify(kind)?.slice(0, 80)}; expected one of ${KINDS.join(', ')}`);
  }
  if (l['name'] !== undefined && (typeof l['name'] !== 'string' || l['name'].length > SPEC_LIMITS.text || !/^[A-Za-z_][\w-]*$/.test(l['name']))) {
    throw new SpecError(`${where}: 'name' must be an identifier of at most ${SPEC_LIMITS.text} characters, got ${JSON.stringify(l['name'])?.slice(0, 80)}`);
  }
  if (l['init'] !== undefined && !INITS.includes(l['init'] as InitName)) {
    throw new SpecError(`${where}: unknown init ${JSON.stringify(l['init'])?.slice(0, 80)}; expected one of ${INITS.join(', ')}`);
  }
  switch (kind) {
    case 'dense':
      positiveInt(where, 'units', l['units']);
      if (Array.isArray(l['units'])) throw new SpecError(`${where}: 'units' must be a single positive integer`);
      break;
    case 'conv2d': {
      positiveInt(where, 'outC', l['outC']);
      positiveInt(where, 'k', l['k']);
      positiveInt(where, 'stride', l['stride'], true);
      positiveInt(where, 'dilation', l['dilation'], true);
      const pad = l['pad'];
      const padOk =
        pad === undefined ||
        pad === 'valid' ||
        pad === 'same' ||
        (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0) ||
        (Array.isArray(pad) && (pad.length === 2 || pad.length === 4) && pad.every((p) => Number.isInteger(p) && p >= 0));
      if (!padOk) {
        throw new SpecError(`${where}: 'pad' must be 'valid', 'same', a non-negative integer, [padH, padW] or [top, left, bottom, right]; got ${JSON.stringify(pad)}`);
      }
      break;
    }
    case 'maxpool2d':
    case 'avgpool2d':
      positiveInt(where, 'size', l['size']);
      positiveInt(where, 'stride', l['stride'], true);
      if (Array.isArray(l['size']) || Array.isArray(l['stride'])) throw new SpecError(`${where}: pooling takes a square 'size' and one 'stride'`);
      break;
    case 'dropout': {
      const r = l['rate'];
      if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw new SpecError(`${where}: dropout 'rate' must be in [0, 1), got ${JSON.stringify(r)}`);
      break;
    }
    case 'leakyrelu':
      if (l['alpha'] !== undefined && (typeof l['alpha'] !== 'number' || !Number.isFinite(l['alpha']))) {
        throw new SpecError(`${where}: leakyrelu 'alpha' must be a finite number`);
      }
      break;
    case 'batchnorm':
      for (const f of ['momentum', 'eps'] as const) {
        const v = l[f];
        if (v !== undefined && (typeof v !== 'number' || !(v > 0 && v < 1))) throw new SpecError(`${where}: batchnorm '${f}' must be in (0, 1), got ${JSON.stringify(v)}`);
      }
      break;
    default:
      break;
  }
  return l as unknown as LayerSpec;
}

/**
 * Checks untrusted JSON (from a file, a URL, a request) and returns it typed as a ModelSpec: every
 * field's type, then (planModel) that the layers fit together, that the labels are one per output,
 * and that the model keeps within SPEC_LIMITS — all before anything is allocated.
 */
export function parseModelSpec(json: unknown, where = 'model spec'): ModelSpec {
  if (!isRecord(json)) throw new SpecError(`${where}: expected an object with 'input' and 'layers', got ${JSON.stringify(json)?.slice(0, 80)}`);
  const input = json['input'];
  if (!Array.isArray(input) || input.length === 0 || !input.every((d) => Number.isInteger(d) && d > 0)) {
    throw new SpecError(`${where}: 'input' must be a per-sample shape of positive integers like [1,28,28], got ${JSON.stringify(input)?.slice(0, 80)}`);
  }
  const layers = json['layers'];
  if (!Array.isArray(layers) || layers.length === 0) throw new SpecError(`${where}: 'layers' must be a non-empty array`);
  // Before checking each layer, so that a million-layer spec is refused at once.
  if (layers.length > SPEC_LIMITS.layers) throw new SpecError(`${where}: ${layers.length.toLocaleString('en-US')} layers is over the limit of ${SPEC_LIMITS.layers.toLocaleString('en-US')}`);
  const checked = layers.map((l, i) => checkLayer(`${where}: layers[${i}]`, l));
  const normalize = json['normalize'];
  if (normalize !== undefined) {
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (!isRecord(normalize) || !finite(normalize['mean']) || !finite(normalize['std']) || !(normalize['std'] > 0)) {
      const got = isRecord(normalize) ? `mean ${show(normalize['mean'])}, std ${show(normalize['std'])}` : show(normalize);
      throw new SpecError(`${where}: 'normalize' must be { mean: finite number, std: finite number > 0 }, got ${got}`);
    }
  }
  const deskew = json['deskew'];
  if (deskew !== undefined && typeof deskew !== 'boolean') throw new SpecError(`${where}: 'deskew' must be true or false, got ${JSON.stringify(deskew)?.slice(0, 80)}`);
  const labels = json['labels'];
  if (labels !== undefined) {
    if (!Array.isArray(labels) || !labels.every((s) => typeof s === 'string')) throw new SpecError(`${where}: 'labels' must be an array of strings`);
    if (labels.length > SPEC_LIMITS.labels) throw new SpecError(`${where}: 'labels' has ${labels.length.toLocaleString('en-US')} entries, over the limit of ${SPEC_LIMITS.labels.toLocaleString('en-US')}`);
    const long = labels.findIndex((s) => (s as string).length > SPEC_LIMITS.text);
    if (long >= 0) throw new SpecError(`${where}: 'labels'[${long}] is ${(labels[long] as string).length} characters, over the limit of ${SPEC_LIMITS.text}`);
  }
  const spec: ModelSpec = { input: input as number[], layers: checked };
  if (deskew === true) spec.deskew = true;
  if (normalize !== undefined) spec.normalize = normalize as { mean: number; std: number };
  if (labels !== undefined) spec.labels = labels as string[];
  planModel(spec, where);
  return spec;
}
