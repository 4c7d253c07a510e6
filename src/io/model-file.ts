/**
 * Model files: a Sequential's parameters as safetensors, with the architecture spec, the training
 * recipe, the dataset and its checksums, the seed and the measured accuracy in `__metadata__`.
 * Loading trusts nothing: the spec is validated (size limits included), every tensor must exist with
 * the spec's exact shape and dtype — compared with the spec's arithmetic before anything is built —
 * no stray tensors are accepted, weights must be finite and variances non-negative, and labels are
 * one per output. Pure: bytes in, bytes out.
 */
import { Sequential } from '../nn/model.js';
import { parseModelSpec, type ModelSpec } from '../nn/spec.js';
import { planModel, type ModelPlan } from '../nn/spec-shapes.js';
import { formatShape } from '../engine/errors.js';
import { checkCalibration, OOD_METHODS, type OodCalibration } from '../nn/ood.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsTensor } from './safetensors.js';

export const MODEL_FORMAT = 'convscope-model/1';

/** Provenance recorded beside the weights; every field is optional except the format. */
export interface ModelMetadata {
  /** the zoo name or a user's label */
  name?: string;
  recipe?: unknown;
  dataset?: { name: string; checksums: Record<string, string> };
  seed?: number;
  /** fraction correct on the test set, 0..1 */
  testAccuracy?: number;
  /** test accuracy after each epoch, for learning curves */
  testAccuracyByEpoch?: (number | null)[];
  /** the command that produced the file */
  command?: string;
  /** training state for --resume; present only in checkpoints */
  checkpoint?: unknown;
}

export interface LoadedModel {
  model: Sequential;
  metadata: ModelMetadata;
  /** extra tensors stored beside the model (optimizer state in checkpoints), by name without the prefix */
  extras: Record<string, Float32Array>;
}

const EXTRA_PREFIX = 'extra.';
/** The "not a digit" calibration: its numbers in metadata 'ood', its arrays as these tensors. */
const OOD_MEANS = 'ood.means';
const OOD_PRECISION = 'ood.precision';

export function encodeModelFile(model: Sequential, metadata: ModelMetadata, extras: Record<string, Float32Array> = {}): Uint8Array {
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const t of [...model.params, ...model.buffers]) {
    tensors[t.name] = { dtype: 'F32', shape: [...t.value.shape], data: t.value.data };
  }
  const all = { ...extras };
  const meta: Record<string, string> = { format: MODEL_FORMAT, spec: JSON.stringify(model.spec) };
  for (const [k, v] of Object.entries(metadata)) if (v !== undefined) meta[k] = JSON.stringify(v);
  if (model.ood) {
    const { means, precision, ...numbers } = model.ood;
    meta['ood'] = JSON.stringify(numbers);
    if (means) all[OOD_MEANS] = means;
    if (precision) all[OOD_PRECISION] = precision;
  }
  for (const [k, v] of Object.entries(all)) tensors[EXTRA_PREFIX + k] = { dtype: 'F32', shape: [v.length], data: v };
  return encodeSafetensors(tensors, meta);
}

function parseMeta(file: string, meta: Record<string, string>, key: string): unknown {
  const text = meta[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new SafetensorsError(file, undefined, `metadata '${key}' is not valid JSON: ${text.slice(0, 60)}`);
  }
}

function oodCalibration(file: string, v: unknown, means: Float32Array | undefined, precision: Float32Array | undefined): OodCalibration {
  const bad = (why: string): never => {
    throw new SafetensorsError(file, undefined, `metadata 'ood': ${why}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('expected an object');
  const o = v as Record<string, unknown>;
  const method = o['method'];
  if (typeof method !== 'string' || !(OOD_METHODS as readonly string[]).includes(method)) return bad(`method ${JSON.stringify(method)} is not one of ${OOD_METHODS.join(', ')}`);
  const threshold = o['threshold'];
  const acceptRate = o['acceptRate'];
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) return bad(`threshold must be a finite number, got ${JSON.stringify(threshold)}`);
  if (typeof acceptRate !== 'number' || !(acceptRate > 0 && acceptRate <= 1)) return bad(`acceptRate must be in (0, 1], got ${JSON.stringify(acceptRate)}`);
  const cal: OodCalibration = { method: method as OodCalibration['method'], threshold, acceptRate };
  if (typeof o['layer'] === 'string') cal.layer = o['layer'];
  if (means) cal.means = means;
  if (precision) cal.precision = precision;
  const st = o['standardize'];
  if (st !== undefined) {
    const pair = (p: unknown): [number, number] => (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number') ? [p[0] as number, p[1] as number] : bad(`standardize: expected [mean, std] pairs, got ${JSON.stringify(p)}`));
    if (typeof st !== 'object' || st === null) return bad('standardize: expected an object');
    cal.standardize = { energy: pair((st as Record<string, unknown>)['energy']), mahalanobis: pair((st as Record<string, unknown>)['mahalanobis']) };
  }
  if (typeof o['report'] === 'object' && o['report'] !== null && !Array.isArray(o['report'])) cal.report = o['report'] as Record<string, unknown>;
  return cal;
}

export function decodeModelFile(bytes: Uint8Array, name = 'model file'): LoadedModel {
  const { tensors, metadata: meta } = decodeSafetensors(bytes, { name });
  if (meta['format'] !== MODEL_FORMAT) {
    throw new SafetensorsError(name, undefined, `not a convscope model: metadata 'format' is ${JSON.stringify(meta['format'])}, expected "${MODEL_FORMAT}"`);
  }
  let spec: ModelSpec;
  let plan: ModelPlan;
  try {
    spec = parseModelSpec(parseMeta(name, meta, 'spec'), "metadata 'spec'");
    plan = planModel(spec, "metadata 'spec'");
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    throw new SafetensorsError(name, undefined, (e as Error).message);
  }
  // Every stored tensor is checked against the spec's arithmetic before the model is built, so a
  // small file cannot make the loader allocate what its spec claims.
  const weights = new Map<string, Float32Array>();
  for (const layer of plan.layers) {
    for (const t of [...layer.params, ...layer.buffers]) {
      const stored = tensors[t.name];
      if (!stored) throw new SafetensorsError(name, t.name, `missing; the spec needs it with shape ${formatShape(t.shape)}`);
      if (stored.dtype !== 'F32') throw new SafetensorsError(name, t.name, `dtype ${stored.dtype}, expected F32`);
      if (stored.shape.length !== t.shape.length || stored.shape.some((d, i) => d !== t.shape[i])) {
        throw new SafetensorsError(name, t.name, `shape ${formatShape(stored.shape)} does not match the spec's ${formatShape(t.shape)}`);
      }
      const bad = stored.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new SafetensorsError(name, t.name, `value [${bad}] is ${stored.data[bad]}; weights must be finite`);
      if (t.name.endsWith('.running_var')) {
        const neg = stored.data.findIndex((v) => v < 0);
        if (neg >= 0) throw new SafetensorsError(name, t.name, `value [${neg}] is ${stored.data[neg]}; a variance cannot be negative`);
      }
      weights.set(t.name, stored.data);
    }
  }
  const extras: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (weights.has(k)) continue;
    if (k.startsWith(EXTRA_PREFIX) && v.dtype === 'F32') {
      extras[k.slice(EXTRA_PREFIX.length)] = v.data;
      continue;
    }
    throw new SafetensorsError(name, k, `not part of the model spec (its layers are ${plan.layers.map((l) => l.name).join(', ')})`);
  }
  const model = new Sequential(spec, 0);
  for (const t of [...model.params, ...model.buffers]) t.value.data.set(weights.get(t.name)!);
  const ood = parseMeta(name, meta, 'ood');
  if (ood !== undefined) {
    model.ood = oodCalibration(name, ood, extras[OOD_MEANS], extras[OOD_PRECISION]);
    try {
      checkCalibration(model, model.ood, `${name}: metadata 'ood'`);
    } catch (e) {
      throw new SafetensorsError(name, undefined, (e as Error).message);
    }
  }
  delete extras[OOD_MEANS];
  delete extras[OOD_PRECISION];
  const metadata: ModelMetadata = {};
  for (const key of ['name', 'recipe', 'dataset', 'seed', 'testAccuracy', 'testAccuracyByEpoch', 'command', 'checkpoint'] as const) {
    const v = parseMeta(name, meta, key);
    if (v !== undefined) (metadata as Record<string, unknown>)[key] = v;
  }
  if (metadata.testAccuracy !== undefined && !(typeof metadata.testAccuracy === 'number' && metadata.testAccuracy >= 0 && metadata.testAccuracy <= 1)) {
    throw new SafetensorsError(name, undefined, `metadata 'testAccuracy' must be a fraction in 0..1, got ${JSON.stringify(metadata.testAccuracy)}`);
  }
  return { model, metadata, extras };
}
