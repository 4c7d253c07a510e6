/**
 * Corpus mutation as fast-check arbitraries: a seed input from a small corpus, then a short list
 * of edits, each plain data so that fast-check can shrink a failure to the fewest, smallest edits.
 * Byte edits: truncation, bit flips, byte sets, insertions, deletions, repeated chunks, and
 * integer writes (0, 1, 2^31, 2^32 − 1, 2^64 − 1, …) either anywhere or at the format's own
 * length and size fields, which the target names for each seed (idx dims, safetensors' header
 * length, PNG chunk lengths and IHDR, JPEG segment lengths and SOF sizes, protobuf varints).
 * JSON edits for the formats that carry JSON (a model spec, a safetensors header): replace any
 * node with an interesting value, delete it, repeat an array element up to 10,000 times, insert
 * a layer, and exotic number literals (1e999, -0, 2^53 + 1) that JSON.stringify cannot write.
 * It knows no parser: targets.ts says which seeds and fields each parser gets.
 */
import fc from 'fast-check';

/** An integer field in a seed: where it is, how wide, which byte order (varint: protobuf base-128). */
export interface Field {
  at: number;
  width: 1 | 2 | 4 | 8 | 'varint';
  le: boolean;
}

export interface Seed<T> {
  name: string;
  value: T;
  /** the format's length and size fields, for the 'field' edit (bytes only) */
  fields?: readonly Field[];
}

const INTERESTING: readonly bigint[] = [
  0n, 1n, 2n, 3n, 7n, 8n, 28n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n, 1_000_000n,
  0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n,
];

export type ByteEdit =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'repeat'; at: number; length: number; times: number }
  | { op: 'int'; at: number; width: 1 | 2 | 4 | 8; le: boolean; value: bigint }
  | { op: 'field'; field: number; value: bigint; add: boolean };

/** Positions biased towards the start, where headers and length fields live. */
const position = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.nat({ max: 1 << 24 }));
const interesting = fc.oneof(fc.constantFrom(...INTERESTING), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const delta = fc.integer({ min: -16, max: 16 }).map(BigInt);

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat({ max: 1 << 24 }) }),
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: position, value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x22, 0x5b, 0x7b, 0x30, 0x39) }),
  fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: position, length: fc.integer({ min: 1, max: 32 }), times: fc.constantFrom(2, 16, 256, 4096) }),
  fc.record({ op: fc.constant('int' as const), at: position, width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), le: fc.boolean(), value: interesting }),
  fc.record({ op: fc.constant('field' as const), field: fc.nat(), value: fc.oneof(interesting, delta), add: fc.boolean() }),
);

function writeInt(b: Uint8Array, at: number, width: number, le: boolean, v: bigint): void {
  const masked = v & ((1n << BigInt(8 * width)) - 1n);
  for (let i = 0; i < width && at + i < b.length; i++) {
    const byte = Number((masked >> BigInt(8 * i)) & 0xffn);
    b[le ? at + i : at + width - 1 - i] = byte;
  }
}

function readInt(b: Uint8Array, at: number, width: number, le: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) v |= BigInt(b[le ? at + i : at + width - 1 - i] ?? 0) << BigInt(8 * i);
  return v;
}

function readVarint(b: Uint8Array, at: number): { value: bigint; length: number } {
  let v = 0n;
  let i = 0;
  while (at + i < b.length && i < 10) {
    const byte = b[at + i];
    v |= BigInt(byte & 0x7f) << BigInt(7 * i);
    i++;
    if ((byte & 0x80) === 0) break;
  }
  return { value: v, length: i };
}

function encodeVarint(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v & (2n ** 64n - 1n);
  do {
    const byte = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? byte | 0x80 : byte);
  } while (x > 0n);
  return Uint8Array.from(out);
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

/** Applies the edits in order; positions wrap around the current length. Never edits `seed` itself. */
export function applyByteEdits(seed: Uint8Array, edits: readonly ByteEdit[], fields: readonly Field[] = []): Uint8Array {
  let b: Uint8Array = seed.slice();
  // Field positions stay meaningful only until the first edit that moves bytes.
  let shifted = false;
  for (const e of edits) {
    const at = (p: number): number => (b.length === 0 ? 0 : p % (b.length + 1));
    switch (e.op) {
      case 'truncate':
        b = b.slice(0, at(e.at));
        shifted = true;
        break;
      case 'flip':
        if (b.length > 0) b[e.at % b.length] ^= 1 << e.bit;
        break;
      case 'set':
        if (b.length > 0) b[e.at % b.length] = e.value;
        break;
      case 'insert':
        b = splice(b, at(e.at), 0, e.bytes);
        shifted = true;
        break;
      case 'delete': {
        const p = at(e.at);
        b = splice(b, p, Math.min(e.length, b.length - p), new Uint8Array(0));
        shifted = true;
        break;
      }
      case 'repeat': {
        const p = at(e.at);
        const chunk = b.slice(p, p + e.length);
        if (chunk.length === 0 || chunk.length * e.times > 1 << 20) break;
        const rep = new Uint8Array(chunk.length * e.times);
        for (let k = 0; k < e.times; k++) rep.set(chunk, k * chunk.length);
        b = splice(b, p, 0, rep);
        shifted = true;
        break;
      }
      case 'int':
        if (b.length > 0) writeInt(b, e.at % b.length, e.width, e.le, e.value);
        break;
      case 'field': {
        if (shifted || fields.length === 0) break;
        const f = fields[e.field % fields.length];
        if (f.width === 'varint') {
          const old = readVarint(b, f.at);
          const v = e.add ? old.value + e.value : e.value;
          b = splice(b, f.at, old.length, encodeVarint(v < 0n ? 0n : v));
          shifted = true;
        } else {
          const v = e.add ? readInt(b, f.at, f.width, f.le) + e.value : e.value;
          writeInt(b, f.at, f.width, f.le, v);
        }
        break;
      }
    }
  }
  return b;
}

/** A seed from `corpus` and 1..maxEdits byte edits applied to it; `post` may repair what a format checks (CRCs). */
export function mutatedBytes(corpus: readonly Seed<Uint8Array>[], opts: { maxEdits?: number; post?: (b: Uint8Array) => Uint8Array } = {}): fc.Arbitrary<Uint8Array> {
  // mostly one edit (a file with one thing wrong gets furthest into the parser), sometimes several
  const edits = fc.oneof(
    { weight: 3, arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(byteEdit, { minLength: 2, maxLength: opts.maxEdits ?? 6 }) },
  );
  return fc.tuple(fc.nat({ max: corpus.length - 1 }), edits, fc.boolean()).map(([i, es, repair]) => {
    const s = corpus[i];
    const out = applyByteEdits(s.value, es, s.fields);
    return repair && opts.post ? opts.post(out) : out;
  });
}

// ---------------------------------------------------------------------------------------------
// JSON

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type JsonEdit =
  | { op: 'replace'; node: number; value: Json }
  | { op: 'delete'; node: number }
  | { op: 'repeat'; node: number; times: number }
  | { op: 'insert'; node: number; value: Json }
  | { op: 'scale'; node: number; by: number };

const LAYER_TEMPLATES: readonly Json[] = [
  { kind: 'dense', units: 10 },
  { kind: 'dense', units: 1_000_000_000 },
  { kind: 'dense', units: 65_536, bias: false },
  { kind: 'conv2d', outC: 4, k: 3, pad: 'same' },
  { kind: 'conv2d', outC: 1_000_000_000, k: 1 },
  { kind: 'conv2d', outC: 1, k: 100_000, pad: 'same' },
  { kind: 'conv2d', outC: 2, k: [1, 3], stride: [2, 1], dilation: [1, 2], pad: [0, 1, 2, 3] },
  { kind: 'maxpool2d', size: 2 },
  { kind: 'avgpool2d', size: 3, stride: 1 },
  { kind: 'flatten' },
  { kind: 'relu' },
  { kind: 'leakyrelu', alpha: 0.1 },
  { kind: 'sigmoid' },
  { kind: 'tanh' },
  { kind: 'softmax' },
  { kind: 'dropout', rate: 0.5 },
  { kind: 'batchnorm', momentum: 0.1, eps: 1e-5 },
];

const INTERESTING_JSON: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    0, -1, 1, 2, 3, 5, 10, 28, 784, 1024, 1025, 65_536, 65_537, 1e6, 1e9, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, 0.5, -0.5, 1e-300,
    '', 'same', 'valid', 'dense', 'conv2d', 'relu', 'flatten', 'softmax', 'batchnorm', 'F32', 'F64', 'I64', 'U8', 'BOOL', 'convscope-model/1',
    null, true, false, [], {}, [1, 1], [0, 0, 0, 0], [1e9, 1e9], [1, 28, 28], [784], [1, 65_536, 65_536], [-1], ['0', '1'],
  ),
  fc.constantFrom(...LAYER_TEMPLATES),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
);

/** Every node of `v` in depth-first order, with how to replace or remove it. */
interface NodeRef {
  value: Json;
  set: (v: Json) => void;
  remove: (() => void) | null;
  /** the array holding it, and where, for 'repeat' and 'insert' */
  array: { list: Json[]; index: number } | null;
}

function nodes(root: { v: Json }): NodeRef[] {
  const out: NodeRef[] = [];
  const walk = (value: Json, set: (v: Json) => void, remove: (() => void) | null, array: NodeRef['array']): void => {
    out.push({ value, set, remove, array });
    if (out.length > 10_000) return;
    if (Array.isArray(value)) {
      value.forEach((child, i) => walk(child, (v) => (value[i] = v), () => value.splice(i, 1), { list: value, index: i }));
    } else if (value !== null && typeof value === 'object') {
      for (const k of Object.keys(value)) walk(value[k], (v) => (value[k] = v), () => delete value[k], null);
    }
  };
  walk(root.v, (v) => (root.v = v), null, null);
  return out;
}

/**
 * One JSON edit. `maxRepeat` bounds how often an element may be repeated: 10,000 layers are ten
 * times the layer limit in a 160 KB spec, while 100,000 copies of an ONNX node make a 7 MB file
 * whose protobuf decoding alone takes seconds on a loaded machine: size, not a hang.
 */
export function jsonEdit(maxRepeat = 10_000): fc.Arbitrary<JsonEdit> {
  const times = [2, 10, 1000, 10_000].filter((t) => t <= maxRepeat);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), node: fc.nat(), value: INTERESTING_JSON }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), node: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), node: fc.nat(), times: fc.constantFrom(...times) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), node: fc.nat(), value: fc.constantFrom(...LAYER_TEMPLATES) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('scale' as const), node: fc.nat(), by: fc.constantFrom(-1, 0, 2, 1000, 1e6, 1e300) }) },
  );
}

/** Applies JSON edits to a deep copy of `seed`. */
export function applyJsonEdits(seed: Json, edits: readonly JsonEdit[]): Json {
  const root = { v: structuredClone(seed) };
  for (const e of edits) {
    const all = nodes(root);
    const n = all[e.node % all.length];
    switch (e.op) {
      case 'replace':
        n.set(structuredClone(e.value));
        break;
      case 'delete':
        n.remove?.();
        break;
      case 'repeat':
        if (n.array) n.array.list.splice(n.array.index, 0, ...Array.from({ length: e.times - 1 }, () => structuredClone(n.value)));
        break;
      case 'insert':
        if (n.array) n.array.list.splice(n.array.index, 0, structuredClone(e.value));
        else if (Array.isArray(n.value)) n.value.push(structuredClone(e.value));
        break;
      case 'scale':
        if (typeof n.value === 'number') n.set(n.value * e.by);
        break;
    }
  }
  return root.v;
}

/** Number literals JSON.stringify cannot write, but a file can hold: ±Infinity after parsing, −0, 2^53 + 1. */
const EXOTIC_NUMBERS = ['1e999', '-1e999', '1e-999', '-0', '9007199254740993', '4294967296', '0.1e1', '1E2'];

/**
 * JSON text: a seed, JSON edits, and then maybe one exotic number literal in place of the n-th
 * number of the text, and maybe byte edits of the text itself (mostly giving invalid JSON).
 */
export function mutatedJsonText(corpus: readonly Seed<Json>[], opts: { maxEdits?: number } = {}): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.nat({ max: corpus.length - 1 }),
      fc.array(jsonEdit(), { minLength: 0, maxLength: opts.maxEdits ?? 4 }),
      sometimes(fc.tuple(fc.nat(), fc.constantFrom(...EXOTIC_NUMBERS)), 4),
      sometimes(fc.array(byteEdit, { minLength: 1, maxLength: 2 }), 8),
    )
    .map(([i, edits, exotic, bytes]) => {
      let text = JSON.stringify(applyJsonEdits(corpus[i].value, edits));
      if (exotic) text = replaceNthNumber(text, exotic[0], exotic[1]);
      if (bytes) text = new TextDecoder().decode(applyByteEdits(new TextEncoder().encode(text), bytes));
      return text;
    });
}

/** `arb` in one case out of `oneIn`, else null. */
function sometimes<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
}

function replaceNthNumber(text: string, n: number, literal: string): string {
  const re = /(?<=[:,[])-?\d+(\.\d+)?([eE][+-]?\d+)?/g;
  const matches = [...text.matchAll(re)];
  if (matches.length === 0) return text;
  const m = matches[n % matches.length];
  return text.slice(0, m.index) + literal + text.slice(m.index + m[0].length);
}
