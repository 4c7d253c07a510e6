/**
 * Loads test/golden/fixtures.json (written by make-fixtures.py from PyTorch), checks its structure
 * and gives it types; also the agreement measure and the mulberry32 generator that both sides use
 * for LeNet's weights. It compares nothing by itself: golden.test.ts does that.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Mode } from '../../src/nn/layer.js';
import type { LayerSpec, ModelSpec } from '../../src/nn/spec.js';

/** A tensor as the fixture stores it: shape and row-major values (NCHW). */
export interface Dumped {
  shape: number[];
  data: number[];
}

/** A gradient too large to store whole: float64 sums, a random projection and sampled entries. */
export interface Summary {
  shape: number[];
  sum: number;
  sumAbs: number;
  /** mulberry32 seed of the uniform(-1, 1) weights of `projection` */
  projectionSeed: number;
  projection: number;
  indices: number[];
  values: number[];
}

export interface LayerCase {
  name: string;
  spec: LayerSpec;
  mode: Mode;
  x: Dumped;
  /** by our param suffix: 'weight', 'bias' */
  params: Record<string, Dumped>;
  y: Dumped;
  dy: Dumped;
  dx: Dumped;
  grads: Record<string, Dumped>;
  /** batch norm: running statistics after the train step ('running_mean', 'running_var') */
  buffersAfter?: Record<string, Dumped>;
  /** batch norm: running statistics an eval-mode case starts from */
  buffersBefore?: Record<string, Dumped>;
}

export interface LossCase {
  name: string;
  kind: 'xent' | 'mse';
  output: Dumped;
  labels: number[];
  loss: number;
  dy: Dumped;
}

export interface LeNetParam {
  name: string;
  shape: number[];
  seed: number;
  bound: number;
  checksum: number;
}

export interface LeNetCase {
  name: string;
  spec: ModelSpec;
  inputSeed: number;
  labels: number[];
  params: LeNetParam[];
  logits: Dumped;
  loss: number;
  grads: Record<string, Dumped | Summary>;
  dx: Summary;
}

export interface Fixture {
  torch: string;
  layers: LayerCase[];
  losses: LossCase[];
  lenet: LeNetCase;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numbers(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`fixtures.json: ${where} must be an array of finite numbers`);
  }
  return v as number[];
}

function field(o: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in o)) throw new Error(`fixtures.json: ${where} has no '${key}'`);
  return o[key];
}

function dumped(v: unknown, where: string): Dumped {
  if (!isRecord(v)) throw new Error(`fixtures.json: ${where} must be a {shape, data} object`);
  const shape = numbers(field(v, 'shape', where), `${where}.shape`);
  const data = numbers(field(v, 'data', where), `${where}.data`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`fixtures.json: ${where} has shape [${shape.join(',')}] (${size} values) but ${data.length} values`);
  return { shape, data };
}

function summary(v: unknown, where: string): Summary {
  if (!isRecord(v)) throw new Error(`fixtures.json: ${where} must be a summary object`);
  const num = (k: string): number => {
    const x = field(v, k, where);
    if (typeof x !== 'number') throw new Error(`fixtures.json: ${where}.${k} must be a number`);
    return x;
  };
  const s: Summary = {
    shape: numbers(field(v, 'shape', where), `${where}.shape`),
    sum: num('sum'),
    sumAbs: num('sumAbs'),
    projectionSeed: num('projectionSeed'),
    projection: num('projection'),
    indices: numbers(field(v, 'indices', where), `${where}.indices`),
    values: numbers(field(v, 'values', where), `${where}.values`),
  };
  if (s.indices.length !== s.values.length) throw new Error(`fixtures.json: ${where} has ${s.indices.length} indices but ${s.values.length} values`);
  return s;
}

function dumpedMap(v: unknown, where: string): Record<string, Dumped> {
  if (!isRecord(v)) throw new Error(`fixtures.json: ${where} must be an object of tensors`);
  return Object.fromEntries(Object.entries(v).map(([k, t]) => [k, dumped(t, `${where}.${k}`)]));
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new Error(`fixtures.json: ${where} must be a string`);
  return v;
}

function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`fixtures.json: ${where} must be an array`);
  return v;
}

// Specs are passed on as they are: Sequential's constructor checks them with parseModelSpec.
function layerCase(v: unknown, where: string): LayerCase {
  if (!isRecord(v)) throw new Error(`fixtures.json: ${where} must be an object`);
  const mode = field(v, 'mode', where);
  if (mode !== 'train' && mode !== 'eval') throw new Error(`fixtures.json: ${where}.mode must be 'train' or 'eval', got ${JSON.stringify(mode)}`);
  const c: LayerCase = {
    name: str(field(v, 'name', where), `${where}.name`),
    spec: field(v, 'spec', where) as LayerSpec,
    mode,
    x: dumped(field(v, 'x', where), `${where}.x`),
    params: dumpedMap(field(v, 'params', where), `${where}.params`),
    y: dumped(field(v, 'y', where), `${where}.y`),
    dy: dumped(field(v, 'dy', where), `${where}.dy`),
    dx: dumped(field(v, 'dx', where), `${where}.dx`),
    grads: dumpedMap(field(v, 'grads', where), `${where}.grads`),
  };
  if (v['buffersAfter'] !== undefined) c.buffersAfter = dumpedMap(v['buffersAfter'], `${where}.buffersAfter`);
  if (v['buffersBefore'] !== undefined) c.buffersBefore = dumpedMap(v['buffersBefore'], `${where}.buffersBefore`);
  return c;
}

function lossCase(v: unknown, where: string): LossCase {
  if (!isRecord(v)) throw new Error(`fixtures.json: ${where} must be an object`);
  const kind = field(v, 'kind', where);
  if (kind !== 'xent' && kind !== 'mse') throw new Error(`fixtures.json: ${where}.kind must be 'xent' or 'mse'`);
  const loss = field(v, 'loss', where);
  if (typeof loss !== 'number') throw new Error(`fixtures.json: ${where}.loss must be a number`);
  return {
    name: str(field(v, 'name', where), `${where}.name`),
    kind,
    output: dumped(field(v, 'output', where), `${where}.output`),
    labels: numbers(field(v, 'labels', where), `${where}.labels`),
    loss,
    dy: dumped(field(v, 'dy', where), `${where}.dy`),
  };
}

function lenetCase(v: unknown): LeNetCase {
  const where = 'lenet';
  if (!isRecord(v)) throw new Error(`fixtures.json: ${where} must be an object`);
  const params = array(field(v, 'params', where), `${where}.params`).map((p, i): LeNetParam => {
    const w = `${where}.params[${i}]`;
    if (!isRecord(p)) throw new Error(`fixtures.json: ${w} must be an object`);
    const [seed, bound, checksum] = ['seed', 'bound', 'checksum'].map((k) => {
      const x = field(p, k, w);
      if (typeof x !== 'number') throw new Error(`fixtures.json: ${w}.${k} must be a number`);
      return x;
    });
    return { name: str(field(p, 'name', w), `${w}.name`), shape: numbers(field(p, 'shape', w), `${w}.shape`), seed, bound, checksum };
  });
  const gradsIn = field(v, 'grads', where);
  if (!isRecord(gradsIn)) throw new Error(`fixtures.json: ${where}.grads must be an object`);
  const grads = Object.fromEntries(
    Object.entries(gradsIn).map(([k, g]) => [k, isRecord(g) && 'data' in g ? dumped(g, `${where}.grads.${k}`) : summary(g, `${where}.grads.${k}`)]),
  );
  const inputSeed = field(v, 'inputSeed', where);
  const loss = field(v, 'loss', where);
  if (typeof inputSeed !== 'number' || typeof loss !== 'number') throw new Error(`fixtures.json: ${where}.inputSeed and .loss must be numbers`);
  return {
    name: str(field(v, 'name', where), `${where}.name`),
    spec: field(v, 'spec', where) as ModelSpec,
    inputSeed,
    labels: numbers(field(v, 'labels', where), `${where}.labels`),
    params,
    logits: dumped(field(v, 'logits', where), `${where}.logits`),
    loss,
    grads,
    dx: summary(field(v, 'dx', where), `${where}.dx`),
  };
}

/** Reads and checks the fixture next to this file. */
export function loadFixture(): Fixture {
  const path = fileURLToPath(new URL('./fixtures.json', import.meta.url));
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(json)) throw new Error('fixtures.json: expected an object with layers, losses and lenet');
  return {
    torch: str(field(json, 'torch', 'top level'), 'torch'),
    layers: array(field(json, 'layers', 'top level'), 'layers').map((c, i) => layerCase(c, `layers[${i}]`)),
    losses: array(field(json, 'losses', 'top level'), 'losses').map((c, i) => lossCase(c, `losses[${i}]`)),
    lenet: lenetCase(field(json, 'lenet', 'top level')),
  };
}

/**
 * mulberry32, as in make-fixtures.py: 32-bit integer steps only, so Python and JavaScript draw the
 * same sequence bit for bit. Returns uniform draws in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n draws in [lo, hi), computed in float64 and then rounded to float32 (as torch.tensor(..., float32) does). */
export function uniformFloat32(seed: number, n: number, lo: number, hi: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Same draws kept in float64 (the projection weights, summed in float64 on both sides). */
export function uniformFloat64(seed: number, n: number, lo: number, hi: number): Float64Array {
  const next = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

export interface Agreement {
  /** max over elements of |got − want| / tolerance; ≤ 1 means every element agrees */
  worst: number;
  maxAbs: number;
  /** max of |got − want| / |want| over elements with |want| ≥ 1e-3 · max|want| (relative error is meaningless near zero) */
  maxRel: number;
  /** a sentence naming the worst element, for the assertion message */
  where: string;
}

export const RTOL = 1e-5;
export const ATOL = 1e-5;

/**
 * Elementwise agreement with tolerance ATOL·scale + RTOL·|want|, where scale = max(|want|) over the
 * whole tensor. Float32 sums taken in another order differ in proportion to the magnitudes summed,
 * not to the result, hence the tensor-wide scale; and a gradient whose values are all ~1e-4 gets an
 * absolute tolerance near 1e-9, so a wrong small gradient cannot hide under a fixed 1e-5.
 */
export function agreement(got: ArrayLike<number>, want: ArrayLike<number>, label: string): Agreement {
  if (got.length !== want.length) {
    return { worst: Infinity, maxAbs: Infinity, maxRel: Infinity, where: `${label}: ${got.length} values, expected ${want.length}` };
  }
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= Infinity)) {
      return { worst: Infinity, maxAbs: Infinity, maxRel: Infinity, where: `${label}[${i}]: got ${got[i]}, expected ${want[i]}` };
    }
    const ratio = err / (ATOL * scale + RTOL * Math.abs(want[i]) || Number.MIN_VALUE);
    maxAbs = Math.max(maxAbs, err);
    if (Math.abs(want[i]) >= 1e-3 * scale) maxRel = Math.max(maxRel, err / Math.abs(want[i]));
    if (ratio > worst) {
      worst = ratio;
      at = i;
    }
  }
  const where = at < 0 ? `${label}: exact` : `${label}[${at}]: got ${got[at]}, expected ${want[at]} (|diff| ${maxAbs.toExponential(2)} max)`;
  return { worst, maxAbs, maxRel, where };
}

/** Shape check in the same style, so a wrong shape names what came and what was expected. */
export function sameShape(got: readonly number[], want: readonly number[]): boolean {
  return got.length === want.length && got.every((d, i) => d === want[i]);
}
