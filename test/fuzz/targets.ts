/**
 * The parsers under fuzz, each with its seed corpus, how its inputs are mutated, what it may
 * throw, and what must hold of what it accepts. Every parser that reads bytes or text from outside:
 * idx (raw, and gzipped through the loader's file reader), model files (safetensors with the spec
 * in its metadata), model specs on their own, ONNX, PNG and JPEG, and the server's request paths.
 * A refusal must be one of convscope's own errors (HttpError for the server); anything else — a
 * RangeError, a TypeError, an accepted input that breaks a promise — is a crash.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { ConvscopeError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/rng.js';
import { sizeOf } from '../../src/engine/tensor.js';
import { decodeIdx, decodeImages, decodeLabels, encodeIdx, type IdxArray } from '../../src/data/idx.js';
import { readIdxFile } from '../../src/data/node-idx-file.js';
import { decodeImageBytes } from '../../src/data/node-image.js';
import { decodeModelFile } from '../../src/io/model-file.js';
import { exportOnnx } from '../../src/io/onnx/onnx-export.js';
import { importOnnx } from '../../src/io/onnx/onnx-import.js';
import { ONNX_PROTO } from '../../src/io/onnx/onnx-proto.js';
import { Sequential } from '../../src/nn/model.js';
import { predict } from '../../src/nn/predict.js';
import { parseModelSpec, type ModelSpec } from '../../src/nn/spec.js';
import { planModel } from '../../src/nn/spec-shapes.js';
import { ZOO } from '../../src/models/zoo.js';
import { HttpError } from '../../src/server/http-util.js';
import { pathSegments } from '../../src/server/static-files.js';
import { applyJsonEdits, jsonEdit, mutatedBytes, mutatedJsonText, type Field, type Json, type Seed } from './mutate.js';

const REPO = resolve(import.meta.dirname, '..', '..');

/** An accepted input that breaks a promise the parser makes: counted as a crash. */
export class BrokenPromise extends Error {
  override name = 'BrokenPromise';
}

export interface FuzzTarget<T> {
  name: string;
  /** one line: what is fuzzed, from what */
  what: string;
  inputs: fc.Arbitrary<T>;
  /** throws a refusal, or returns (maybe checking what came back) */
  run(input: T): void | Promise<void>;
  /** whether a thrown value is a proper refusal */
  refusal(e: unknown): boolean;
  /** the input as bytes, to save a crash for replay */
  bytes(input: T): Uint8Array;
  /** frees what the target holds (temp files) */
  close?(): void;
}

const convscopeRefusal = (e: unknown): boolean => e instanceof ConvscopeError && e.constructor !== ConvscopeError;

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Small accepted models also run: one prediction on a blank input must give finite probabilities or a NumericError. */
const RUN_LIMIT = { values: 1 << 20, macs: 1 << 24 };

function runIfSmall(model: Sequential): void {
  if (model.paramCount > RUN_LIMIT.values || model.macsPerSample > RUN_LIMIT.macs) return;
  const r = predict(model, new Float32Array(sizeOf(model.inputShape)));
  const K = r.probabilities.size;
  const labels = model.spec.labels;
  if (labels && K !== labels.length) throw new BrokenPromise(`accepted a model of ${K} outputs for ${labels.length} labels`);
  if (!r.probabilities.data.every(Number.isFinite)) throw new BrokenPromise('predict returned non-finite probabilities without a NumericError');
}

// ---------------------------------------------------------------------------------------------
// idx

function idxSeeds(): Seed<Uint8Array>[] {
  const rng = new Rng(7);
  const bytes = (n: number, max = 256): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * max));
  const seeds: [string, number[], Uint8Array][] = [
    ['images [3,28,28]', [3, 28, 28], bytes(3 * 784)],
    ['labels [10]', [10], bytes(10, 10)],
    ['images [1,4,5]', [1, 4, 5], bytes(20)],
    ['array [2,3,2,2]', [2, 3, 2, 2], bytes(24)],
    ['labels [0]', [0], new Uint8Array(0)],
  ];
  return seeds.map(([name, dims, data]) => ({
    name,
    value: encodeIdx(dims, data),
    fields: [{ at: 2, width: 1, le: false }, { at: 3, width: 1, le: false }, ...dims.map((_, i): Field => ({ at: 4 + 4 * i, width: 4, le: false }))],
  }));
}

function checkIdx(a: IdxArray): void {
  if (a.data.length !== a.dims.reduce((x, y) => x * y, 1)) throw new BrokenPromise(`dims [${a.dims.join(',')}] but ${a.data.length} values`);
}

/** By its magic, as the loader would: images, labels, or any idx array. */
function decodeAnyIdx(bytes: Uint8Array, name: string): void {
  const kind = bytes.length >= 4 ? bytes[3] : -1;
  checkIdx(kind === 3 ? decodeImages(bytes, name) : kind === 1 ? decodeLabels(bytes, name) : decodeIdx(bytes, name));
}

export function idxTarget(): FuzzTarget<Uint8Array> {
  return {
    name: 'idx',
    what: 'decodeIdx / decodeImages / decodeLabels on mutated idx files',
    inputs: mutatedBytes(idxSeeds()),
    run: (b) => decodeAnyIdx(b, 'fuzz.idx'),
    refusal: convscopeRefusal,
    bytes: (b) => b,
  };
}

export function idxGzipTarget(): FuzzTarget<Uint8Array> {
  const seeds = idxSeeds().map((s): Seed<Uint8Array> => {
    const gz = gzipSync(s.value);
    const n = gz.length;
    // the gzip header's flags and mtime, and the trailer's CRC-32 and uncompressed size (ISIZE)
    const fields: Field[] = [{ at: 3, width: 1, le: true }, { at: 4, width: 4, le: true }, { at: n - 8, width: 4, le: true }, { at: n - 4, width: 4, le: true }];
    return { name: `${s.name}.gz`, value: new Uint8Array(gz), fields };
  });
  // some cases mutate the idx bytes and compress them, so the inflated bytes reach the decoder
  const inner = mutatedBytes(idxSeeds()).map((b) => new Uint8Array(gzipSync(b)));
  const dir = mkdtempSync(join(tmpdir(), 'convscope-fuzz-idx-'));
  const file = join(dir, 'fuzz-idx1-ubyte.gz');
  return {
    name: 'idx-gzip',
    what: 'the loader\'s readIdxFile (gunzip, size cap) then the idx decoder, on mutated gzipped idx files',
    inputs: fc.oneof({ weight: 3, arbitrary: mutatedBytes(seeds) }, { weight: 1, arbitrary: inner }),
    run: async (b) => {
      writeFileSync(file, b);
      const { bytes } = await readIdxFile(file);
      decodeAnyIdx(bytes, file);
    },
    refusal: convscopeRefusal,
    bytes: (b) => b,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---------------------------------------------------------------------------------------------
// model specs

function specSeeds(): Seed<Json>[] {
  const extra: Record<string, ModelSpec> = {
    'batchnorm+dropout': {
      input: [1, 12, 10],
      layers: [
        { kind: 'conv2d', outC: 3, k: [3, 2], stride: [1, 2], pad: [1, 0, 2, 1], dilation: [2, 1] },
        { kind: 'batchnorm' },
        { kind: 'leakyrelu', alpha: 0.2 },
        { kind: 'avgpool2d', size: 2, stride: 1 },
        { kind: 'flatten' },
        { kind: 'dropout', rate: 0.25 },
        { kind: 'dense', units: 4, bias: false },
        { kind: 'batchnorm' },
        { kind: 'tanh' },
        { kind: 'dense', units: 3, init: 'he', name: 'out' },
        { kind: 'softmax' },
      ],
      labels: ['a', 'b', 'c'],
    },
    'flat input': { input: [6], layers: [{ kind: 'dense', units: 5 }, { kind: 'sigmoid' }] },
  };
  return [...Object.values(ZOO).map((z) => ({ name: z.name, value: z.spec as unknown as Json })), ...Object.entries(extra).map(([name, s]) => ({ name, value: s as unknown as Json }))];
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: the spec parser gets the string, and must refuse it
  }
}

/** The plan's arithmetic against the model actually built: names, shapes, counts. */
function checkPlanAgainstModel(spec: ModelSpec): void {
  const plan = planModel(spec);
  if (plan.storedValues > RUN_LIMIT.values || plan.macsPerSample > RUN_LIMIT.macs) return;
  const m = new Sequential(spec, 1);
  const tensors = (list: readonly { name: string; value: { shape: readonly number[] } }[]) => list.map((t) => `${t.name}${JSON.stringify(t.value.shape)}`).join(' ');
  const planned = plan.layers.flatMap((l) => l.params.map((t) => `${t.name}${JSON.stringify(t.shape)}`)).join(' ');
  const plannedBuffers = plan.layers.flatMap((l) => l.buffers.map((t) => `${t.name}${JSON.stringify(t.shape)}`)).join(' ');
  const same =
    m.layers.length === plan.layers.length &&
    m.layers.every((l, i) => l.name === plan.layers[i].name && JSON.stringify(l.outShape) === JSON.stringify(plan.layers[i].outShape) && l.macsPerSample === plan.layers[i].macsPerSample) &&
    tensors(m.params) === planned &&
    tensors(m.buffers) === plannedBuffers &&
    m.paramCount === plan.paramCount;
  if (!same) throw new BrokenPromise(`planModel disagrees with the model built from ${JSON.stringify(spec).slice(0, 300)}`);
  runIfSmall(m);
}

export function specTarget(): FuzzTarget<string> {
  return {
    name: 'spec',
    what: 'parseModelSpec on mutated JSON of the zoo specs (accepted ones: plan checked against the built model, one prediction)',
    inputs: mutatedJsonText(specSeeds()),
    run: (text) => checkPlanAgainstModel(parseModelSpec(parseOr(text))),
    refusal: convscopeRefusal,
    bytes: bytesOf,
  };
}

// ---------------------------------------------------------------------------------------------
// model files (safetensors)

interface SafetensorsParts {
  header: { [k: string]: Json };
  data: Uint8Array;
}

function splitSafetensors(b: Uint8Array): SafetensorsParts {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as { [k: string]: Json }, data: b.subarray(8 + n) };
}

function joinSafetensors(header: Json, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const len = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + len + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(len), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + len);
  out.set(data, 8 + len);
  return out;
}

export function modelFileTarget(): FuzzTarget<Uint8Array> {
  const files = ['tiny', 'mlp'].map((m) => ({ name: `${m}.safetensors`, value: new Uint8Array(readFileSync(join(REPO, 'models', `${m}.safetensors`))) }));
  const seeds: Seed<Uint8Array>[] = files.map((f) => ({ ...f, fields: [{ at: 0, width: 8, le: true }] }));
  const parts = files.map((f) => splitSafetensors(f.value));
  // The header as JSON: shapes, dtypes, offsets and metadata strings edited, the framing kept valid.
  const headerEdits = fc.tuple(fc.nat({ max: parts.length - 1 }), fc.array(jsonEdit(1000), { minLength: 1, maxLength: 4 })).map(([i, edits]) => joinSafetensors(applyJsonEdits(parts[i].header, edits), parts[i].data));
  // The spec inside the metadata, edited as a spec, the rest of the file kept.
  const specs = parts.map((p) => ({ name: 'spec', value: JSON.parse((p.header['__metadata__'] as { spec: string }).spec) as Json }));
  const specEdits = fc.tuple(fc.nat({ max: parts.length - 1 }), mutatedJsonText(specs)).map(([i, text]) => {
    const header = structuredClone(parts[i].header);
    (header['__metadata__'] as { [k: string]: Json })['spec'] = text;
    return joinSafetensors(header, parts[i].data);
  });
  return {
    name: 'safetensors',
    what: 'decodeModelFile on mutated models/tiny and models/mlp (bytes, header JSON, the spec in its metadata; accepted ones predict once)',
    inputs: fc.oneof(mutatedBytes(seeds), headerEdits, specEdits),
    run: (b) => runIfSmall(decodeModelFile(b, 'fuzz.safetensors').model),
    refusal: convscopeRefusal,
    bytes: (b) => b,
  };
}

// ---------------------------------------------------------------------------------------------
// ONNX

/** Where the varints of a protobuf message are (lengths of nested messages, dims, types), walking nested messages that parse. */
export function protobufFields(b: Uint8Array, from = 0, to = b.length, depth = 0, out: Field[] = []): Field[] {
  const varint = (at: number): { value: number; end: number } | null => {
    let v = 0;
    let scale = 1;
    for (let i = at; i < to && i < at + 10; i++) {
      v += (b[i] & 0x7f) * scale;
      scale *= 128;
      if ((b[i] & 0x80) === 0) return { value: v, end: i + 1 };
    }
    return null;
  };
  const found: Field[] = [];
  let at = from;
  while (at < to) {
    const tag = varint(at);
    if (!tag || tag.value === 0) return out;
    const wire = tag.value & 7;
    if (wire === 0) {
      const v = varint(tag.end);
      if (!v) return out;
      found.push({ at: tag.end, width: 'varint', le: true });
      at = v.end;
    } else if (wire === 1) at = tag.end + 8;
    else if (wire === 5) at = tag.end + 4;
    else if (wire === 2) {
      const len = varint(tag.end);
      if (!len || len.end + len.value > to) return out;
      found.push({ at: tag.end, width: 'varint', le: true });
      if (depth < 6 && len.value > 0) protobufFields(b, len.end, len.end + len.value, depth + 1, found);
      at = len.end + len.value;
    } else return out;
  }
  if (at === to) out.push(...found);
  return out;
}

const MAX_ONNX_BYTES = 16 * 1024 * 1024;

export function onnxTarget(): FuzzTarget<Uint8Array> {
  const shipped = ['tiny', 'mlp', 'cnn'].map((m) => {
    const { model } = decodeModelFile(new Uint8Array(readFileSync(join(REPO, 'models', `${m}.safetensors`))), m);
    return { name: `${m}.onnx`, value: exportOnnx(model) };
  });
  const torch = ['torch-cnn-opset11.onnx', 'torch-cnn-opset17.onnx'].map((f) => ({ name: f, value: new Uint8Array(readFileSync(join(REPO, 'src', 'io', 'onnx', 'fixtures', f))) }));
  const seeds = [...shipped, ...torch].map((s) => ({ ...s, fields: protobufFields(s.value) }));
  // The decoded message as plain JSON (int64 as numbers, bytes as base64), edited as JSON and
  // encoded again: dims, attributes, op types and value names change while the wire format stays valid.
  const T = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const messages = seeds.map((s) => T.toObject(T.decode(s.value), { longs: Number, bytes: String }) as Json);
  const structured = fc.tuple(fc.nat({ max: messages.length - 1 }), fc.array(jsonEdit(1000), { minLength: 1, maxLength: 3 })).map(([i, edits]) => {
    try {
      const bytes = T.encode(T.fromObject(applyJsonEdits(messages[i], edits) as { [k: string]: unknown })).finish();
      // a thousand copies of a weight tensor make a 65 MB file: decoding it is slow for its size, not stuck
      return bytes.length <= MAX_ONNX_BYTES ? bytes : seeds[i].value;
    } catch {
      return seeds[i].value; // an edit protobufjs cannot encode (a string where a message goes): the seed as it is
    }
  });
  return {
    name: 'onnx',
    what: 'importOnnx on mutated exports of models/tiny, mlp and cnn and the PyTorch fixtures (protobuf lengths and varints, and the decoded message edited as JSON; accepted ones predict once)',
    inputs: fc.oneof(mutatedBytes(seeds), structured),
    run: (b) => runIfSmall(importOnnx(b, 'fuzz.onnx').model),
    refusal: convscopeRefusal,
    bytes: (b) => b,
  };
}

// ---------------------------------------------------------------------------------------------
// PNG and JPEG

/** Chunk lengths, and IHDR's width, height, bit depth, colour type and interlace method. */
function pngFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 8; at + 12 <= b.length; ) {
    const len = view.getUint32(at);
    fields.push({ at, width: 4, le: false });
    if (String.fromCharCode(...b.subarray(at + 4, at + 8)) === 'IHDR') {
      fields.push({ at: at + 8, width: 4, le: false }, { at: at + 12, width: 4, le: false }, { at: at + 16, width: 1, le: false }, { at: at + 17, width: 1, le: false }, { at: at + 20, width: 1, le: false });
    }
    at += 12 + len;
  }
  return fields;
}

/** Recomputes every chunk's CRC, so that edits reach past pngjs's CRC check into the header and the pixels. */
function fixPngCrcs(b: Uint8Array): Uint8Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 8; at + 12 <= b.length; ) {
    const len = view.getUint32(at);
    if (at + 12 + len > b.length) break;
    view.setUint32(at + 8 + len, crc32(b.subarray(at + 4, at + 8 + len)));
    at += 12 + len;
  }
  return b;
}

function pngSeeds(): Seed<Uint8Array>[] {
  const dir = join(REPO, 'examples');
  const examples = readdirSync(dir).filter((f) => f.endsWith('.png')).sort().slice(0, 4).map((f) => ({ name: f, value: new Uint8Array(readFileSync(join(dir, f))) }));
  const rng = new Rng(11);
  const made = ([[0, 8], [2, 8], [4, 8], [6, 8], [0, 16], [6, 16]] as const).map(([colorType, bitDepth]) => {
    const png = new PNG({ width: 7, height: 5 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = Math.floor(rng.next() * 256);
    const bytes = PNG.sync.write(png, { colorType, bitDepth, inputHasAlpha: true });
    return { name: `7x5 colour ${colorType} depth ${bitDepth}`, value: new Uint8Array(bytes) };
  });
  return [...examples, ...made].map((s) => ({ ...s, fields: pngFields(s.value) }));
}

/** Segment lengths, and each frame header's precision, height, width and component count. */
function jpegFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let at = 2; at + 4 <= b.length; ) {
    if (b[at] !== 0xff) break;
    const marker = b[at + 1];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    fields.push({ at: at + 2, width: 2, le: false });
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fields.push({ at: at + 4, width: 1, le: false }, { at: at + 5, width: 2, le: false }, { at: at + 7, width: 2, le: false }, { at: at + 9, width: 1, le: false });
    }
    if (marker === 0xda) break;
    at += 2 + ((b[at + 2] << 8) | b[at + 3]);
  }
  return fields;
}

function jpegSeeds(): Seed<Uint8Array>[] {
  const dir = join(REPO, 'examples');
  return readdirSync(dir).filter((f) => f.endsWith('.png')).sort().slice(0, 3).flatMap((f, i) => {
    const png = PNG.sync.read(readFileSync(join(dir, f)));
    return [30, 90].map((quality) => {
      const value = new Uint8Array(jpeg.encode({ data: png.data, width: png.width, height: png.height }, quality).data);
      return { name: `${f} as JPEG q${quality}${i}`, value, fields: jpegFields(value) };
    });
  });
}

function checkGray(img: { width: number; height: number; data: Uint8Array }): void {
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height) {
    throw new BrokenPromise(`decoded ${img.width}×${img.height} with ${img.data.length} values`);
  }
}

export function pngTarget(): FuzzTarget<Uint8Array> {
  return {
    name: 'png',
    what: 'decodeImageBytes on mutated PNGs (examples/ and made: gray, RGB, gray+alpha, RGBA, 8 and 16 bits), CRCs repaired in half the cases',
    inputs: mutatedBytes(pngSeeds(), { post: (b) => fixPngCrcs(b) }),
    run: (b) => checkGray(decodeImageBytes(b, 'fuzz.png')),
    refusal: convscopeRefusal,
    bytes: (b) => b,
  };
}

export function jpegTarget(): FuzzTarget<Uint8Array> {
  return {
    name: 'jpeg',
    what: 'decodeImageBytes on mutated JPEGs (examples/ encoded at quality 30 and 90)',
    inputs: mutatedBytes(jpegSeeds()),
    run: (b) => checkGray(decodeImageBytes(b, 'fuzz.jpg')),
    refusal: convscopeRefusal,
    bytes: (b) => b,
  };
}

// ---------------------------------------------------------------------------------------------
// server request paths

const PATHS = ['/', '/index.html', '/assets/index-3f2a.js', '/models/lenet.safetensors', '/api/models', '/a/./b//c', '/%2e%2e/%2e%2e/etc/passwd', '/a%2Fb', '/.env', '/a%00b', '/%C3%A9t%C3%A9/x.png', '/%E0%A4%A'];

export function serverPathTarget(): FuzzTarget<string> {
  const seeds = PATHS.map((p) => ({ name: p, value: bytesOf(p) }));
  return {
    name: 'server-path',
    what: "the static server's pathSegments on mutated request paths (percent-escapes, dot segments, NUL, slashes)",
    inputs: mutatedBytes(seeds, { maxEdits: 4 }).map((b) => Buffer.from(b).toString('latin1')),
    run: (path) => {
      for (const s of pathSegments(path)) {
        if (s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s) || s.startsWith('.')) throw new BrokenPromise(`let segment ${JSON.stringify(s)} through`);
      }
    },
    refusal: (e) => e instanceof HttpError && (e.status === 400 || e.status === 404),
    bytes: (s) => Buffer.from(s, 'latin1'),
  };
}

/**
 * A target with its input type forgotten, so that targets of bytes and of text share one table:
 * the generator and the parser travel together, so the input a target gets is always its own.
 */
export type AnyTarget = FuzzTarget<unknown>;
function erase<T>(make: () => FuzzTarget<T>): () => AnyTarget {
  return make as unknown as () => AnyTarget;
}

/** Every target, in the order `npm run fuzz` runs them. Built lazily: some read files or encode seeds. */
export const TARGETS: Readonly<Record<string, () => AnyTarget>> = {
  idx: erase(idxTarget),
  'idx-gzip': erase(idxGzipTarget),
  spec: erase(specTarget),
  safetensors: erase(modelFileTarget),
  onnx: erase(onnxTarget),
  png: erase(pngTarget),
  jpeg: erase(jpegTarget),
  'server-path': erase(serverPathTarget),
};
