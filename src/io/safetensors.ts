/**
 * The safetensors container: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * mapping each tensor name to {dtype, shape, data_offsets:[begin,end]} (offsets relative to the
 * byte buffer after the header) plus an optional "__metadata__" string→string map, then the byte
 * buffer of little-endian, row-major tensors which must be indexed completely (no holes, no
 * overlaps, no trailing bytes).
 *
 * Pure: no Node or DOM APIs, so the browser reads model files with the same code as the CLI.
 * It does not know what a model is: architecture, recipe and provenance are the caller's metadata
 * strings, and files on disk are node-atomic-write.ts's business.
 */
import { ConvscopeError, formatShape } from '../engine/errors.js';
import {
  JsonNumberText,
  JsonSyntaxError,
  Utf8Error,
  decodeUtf8Strict,
  encodeUtf8,
  loneSurrogateIndex,
  parseJsonStrict,
} from './safetensors-text.js';
import type { JsonValue } from './safetensors-text.js';

export type SafetensorsTensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'U8'; shape: number[]; data: Uint8Array };

export type SafetensorsDtype = SafetensorsTensor['dtype'];

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface DecodeSafetensorsOptions {
  /** Largest header accepted, in bytes; the reference implementation's limit is the default. */
  maxHeaderBytes?: number;
  /** File name used in error messages. */
  name?: string;
}

/** The header-size limit of the reference implementation (huggingface/safetensors MAX_HEADER_SIZE). */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

/** A model file, or tensors meant for one, that break the safetensors rules. */
export class SafetensorsError extends ConvscopeError {
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    detail: string,
  ) {
    super(`${file}: ${tensor === undefined ? '' : `tensor ${JSON.stringify(tensor)}: `}${detail}`);
  }
}

type ArrayOf<D extends SafetensorsDtype> = Extract<SafetensorsTensor, { dtype: D }>['data'];
interface DtypeInfo {
  size: number;
  arrayName: string;
  isArray: (a: unknown) => boolean;
  make: (n: number) => ArrayOf<SafetensorsDtype>;
  /** Big-endian fallback: element i from a DataView of little-endian bytes. */
  copyLe: (dst: ArrayOf<SafetensorsDtype>, src: DataView) => void;
  /** Big-endian fallback: write the array into a DataView as little-endian bytes. */
  writeLe: (dst: DataView, src: ArrayOf<SafetensorsDtype>) => void;
}

function dtypeInfo<A extends ArrayOf<SafetensorsDtype>, V extends number | bigint>(
  size: number,
  ctor: { new (n: number): A; name: string },
  get: (v: DataView, at: number) => V,
  set: (v: DataView, at: number, x: V) => void,
): DtypeInfo {
  return {
    size,
    arrayName: ctor.name,
    isArray: (a) => a instanceof ctor,
    make: (n) => new ctor(n),
    copyLe: (dst, src) => {
      const d = dst as unknown as { [i: number]: V; length: number };
      for (let i = 0; i < d.length; i++) d[i] = get(src, i * size);
    },
    writeLe: (dst, src) => {
      const s = src as unknown as { [i: number]: V; length: number };
      for (let i = 0; i < s.length; i++) set(dst, i * size, s[i]!);
    },
  };
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F32: dtypeInfo(4, Float32Array, (v, at) => v.getFloat32(at, true), (v, at, x) => v.setFloat32(at, x, true)),
  F64: dtypeInfo(8, Float64Array, (v, at) => v.getFloat64(at, true), (v, at, x) => v.setFloat64(at, x, true)),
  I32: dtypeInfo(4, Int32Array, (v, at) => v.getInt32(at, true), (v, at, x) => v.setInt32(at, x, true)),
  I64: dtypeInfo(8, BigInt64Array, (v, at) => v.getBigInt64(at, true), (v, at, x) => v.setBigInt64(at, x, true)),
  U8: dtypeInfo(1, Uint8Array, (v, at) => v.getUint8(at), (v, at, x) => v.setUint8(at, x)),
};
const SUPPORTED = Object.keys(DTYPES).join(', ');
/** Dtypes the format defines that this reader does not handle, so the message can say which case it is. */
const OTHER_SPEC_DTYPES = new Set(['BOOL', 'I8', 'I16', 'U16', 'U32', 'U64', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2']);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const METADATA_KEY = '__metadata__';

function isDtype(s: string): s is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(DTYPES, s);
}

/** Element count of `shape`, or a reason it is not a valid shape. */
function elementCount(shape: unknown): number | string {
  if (!Array.isArray(shape)) return `shape must be an array of non-negative integers, got ${describe(shape)}`;
  let count = 1;
  for (let d = 0; d < shape.length; d++) {
    const n: unknown = shape[d];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      return `shape[${d}] must be a non-negative integer, got ${describe(n)}`;
    }
    count *= n;
    if (count > Number.MAX_SAFE_INTEGER) return `shape ${describe(shape)} has more elements than 2^53`;
  }
  return count;
}

function describe(v: unknown): string {
  if (v instanceof JsonNumberText) return v.text;
  if (Array.isArray(v)) return `[${v.map(describe).join(',')}]`;
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined) return 'nothing';
  if (typeof v === 'object' && v !== null) return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Encodes tensors and metadata as safetensors bytes. Deterministic: header keys are sorted and
 * the data is laid out by element size (largest first) then name, as the reference writer does,
 * so with the 8-byte-padded header every tensor starts aligned to its element size and readers
 * can map it without copying.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const fail = (tensor: string | undefined, detail: string): never => {
    throw new SafetensorsError('encodeSafetensors', tensor, detail);
  };
  const checkText = (s: string, what: string, tensor?: string): void => {
    const at = loneSurrogateIndex(s);
    if (at >= 0) fail(tensor, `${what} has a lone UTF-16 surrogate at index ${at}; it cannot be written as UTF-8`);
  };
  const names = Object.keys(tensors).sort(byteOrder);
  const entries = names.map((name) => {
    if (name === METADATA_KEY) fail(name, `"${METADATA_KEY}" is reserved for the metadata map`);
    checkText(name, 'name', name);
    const t: unknown = tensors[name];
    if (typeof t !== 'object' || t === null) return fail(name, `expected {dtype, shape, data}, got ${describe(t)}`);
    const { dtype, shape, data } = t as Record<string, unknown>;
    if (typeof dtype !== 'string' || !isDtype(dtype)) return fail(name, `dtype must be one of ${SUPPORTED}, got ${describe(dtype)}`);
    const info = DTYPES[dtype];
    if (!info.isArray(data)) return fail(name, `dtype ${dtype} needs ${info.arrayName} data, got ${describeArray(data)}`);
    const count = elementCount(shape);
    if (typeof count === 'string') return fail(name, count);
    const arr = data as ArrayOf<SafetensorsDtype>;
    if (arr.length !== count) {
      fail(name, `shape ${formatShape(shape as number[])} holds ${count} elements, but data has ${arr.length}`);
    }
    return { name, dtype, shape: shape as number[], data: arr, info };
  });
  const metaKeys = metadata === undefined ? [] : Object.keys(metadata).sort(byteOrder);
  for (const k of metaKeys) {
    const v: unknown = metadata![k];
    checkText(k, `metadata key ${JSON.stringify(k)}`);
    if (typeof v !== 'string') fail(undefined, `metadata ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
    else checkText(v, `metadata ${JSON.stringify(k)}`);
  }

  const layout = [...entries].sort((a, b) => b.info.size - a.info.size || byteOrder(a.name, b.name));
  const offsets = new Map<string, [number, number]>();
  let total = 0;
  for (const e of layout) {
    const bytes = e.data.length * e.info.size;
    offsets.set(e.name, [total, total + bytes]);
    total += bytes;
  }

  // Built by hand, not JSON.stringify(object): JS objects put integer-like keys ("0", "10") first.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const meta = metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta.join(',')}}`);
  }
  for (const e of entries) {
    const [b, end] = offsets.get(e.name)!;
    parts.push(`${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(',')}],"data_offsets":[${b},${end}]}`);
  }
  const json = encodeUtf8(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLen + total);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  for (const e of layout) {
    const at = 8 + headerLen + offsets.get(e.name)![0];
    const n = e.data.length * e.info.size;
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, n), at);
    else e.info.writeLe(new DataView(out.buffer, at, n), e.data);
  }
  return out;
}

function describeArray(v: unknown): string {
  if (typeof v === 'object' && v !== null) return (v as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
  return describe(v);
}

/**
 * Decodes safetensors bytes, checking every rule of the format before returning anything.
 * The returned arrays are copies: they stay valid and aligned whatever happens to `bytes`.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeSafetensorsOptions = {}): SafetensorsFile {
  const file = opts.name ?? 'safetensors data';
  const fail = (tensor: string | undefined, detail: string): never => {
    throw new SafetensorsError(file, tensor, detail);
  };
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeader) || maxHeader < 0) {
    fail(undefined, `maxHeaderBytes must be a non-negative integer, got ${describe(maxHeader)}`);
  }
  if (!(bytes instanceof Uint8Array)) return fail(undefined, `expected a Uint8Array, got ${describeArray(bytes)}`);
  if (bytes.length < 8) fail(undefined, `${bytes.length} bytes is too short: a safetensors file starts with an 8-byte header length`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(maxHeader)) fail(undefined, `header length ${n64} is over the limit of ${maxHeader} bytes`);
  const headerLen = Number(n64);
  if (8 + headerLen > bytes.length) {
    fail(undefined, `header length ${headerLen} runs past the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8})`);
  }

  let header: JsonValue;
  try {
    header = parseJsonStrict(decodeUtf8Strict(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    if (e instanceof Utf8Error) return fail(undefined, `header is not valid UTF-8: ${e.detail} at header byte ${e.index}`);
    if (e instanceof JsonSyntaxError) return fail(undefined, `header is not valid JSON: ${e.detail} at header character ${e.index}`);
    throw e;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header) || header instanceof JsonNumberText) {
    return fail(undefined, `header must be a JSON object, got ${Array.isArray(header) ? 'an array' : describe(header)}`);
  }

  const metadata: Record<string, string> = {};
  const rawMeta = header[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (typeof rawMeta !== 'object' || Array.isArray(rawMeta) || rawMeta instanceof JsonNumberText) {
      fail(undefined, `${METADATA_KEY} must be an object of strings, got ${Array.isArray(rawMeta) ? 'an array' : describe(rawMeta)}`);
    }
    for (const [k, v] of Object.entries(rawMeta as Record<string, JsonValue>)) {
      if (typeof v !== 'string') fail(undefined, `${METADATA_KEY}[${JSON.stringify(k)}] must be a string, got ${describe(v)}`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }

  const dataStart = 8 + headerLen;
  const bufferLen = bytes.length - dataStart;
  const spans: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof JsonNumberText) {
      return fail(name, `expected {dtype, shape, data_offsets}, got ${Array.isArray(raw) ? 'an array' : describe(raw)}`);
    }
    const { dtype, shape, data_offsets: off } = raw;
    if (typeof dtype !== 'string') return fail(name, `dtype must be a string, got ${describe(dtype)}`);
    if (!isDtype(dtype)) {
      const kind = OTHER_SPEC_DTYPES.has(dtype) ? 'is not supported here' : 'is not a safetensors dtype';
      return fail(name, `dtype ${JSON.stringify(dtype)} ${kind} (supported: ${SUPPORTED})`);
    }
    const count = elementCount(shape);
    if (typeof count === 'string') return fail(name, count);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => typeof x === 'number' && x >= 0)) {
      return fail(name, `data_offsets must be two non-negative integers [begin, end], got ${describe(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (begin > end) fail(name, `data_offsets [${begin},${end}] has begin after end`);
    if (end > bufferLen) fail(name, `data_offsets [${begin},${end}] run past the end of the ${bufferLen}-byte data buffer`);
    const want = count * DTYPES[dtype].size;
    if (end - begin !== want) {
      fail(name, `data_offsets [${begin},${end}] hold ${end - begin} bytes, expected ${want} (${dtype} ${describe(shape)}: ${count} elements × ${DTYPES[dtype].size} bytes)`);
    }
    spans.push({ name, dtype, shape: shape as number[], begin, end });
  }

  // The buffer must be tiled exactly: walk the spans in offset order as the reference reader does.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: (typeof spans)[number] | undefined;
  for (const s of spans) {
    if (s.begin < covered) {
      fail(s.name, `data_offsets [${s.begin},${s.end}] overlap tensor ${JSON.stringify(prev!.name)} at [${prev!.begin},${prev!.end}]`);
    }
    if (s.begin > covered) fail(s.name, `bytes ${covered}..${s.begin} of the data buffer before it belong to no tensor`);
    covered = s.end;
    if (s.end > s.begin || prev === undefined) prev = s;
  }
  if (covered !== bufferLen) {
    fail(undefined, `data buffer has ${bufferLen - covered} trailing bytes (${covered}..${bufferLen}) that belong to no tensor`);
  }

  const tensors: Record<string, SafetensorsTensor> = {};
  for (const s of spans) {
    const info = DTYPES[s.dtype];
    const data = info.make((s.end - s.begin) / info.size);
    const src = bytes.subarray(dataStart + s.begin, dataStart + s.end);
    if (LITTLE_ENDIAN_HOST) new Uint8Array(data.buffer).set(src);
    else info.copyLe(data, new DataView(src.buffer, src.byteOffset, src.byteLength));
    Object.defineProperty(tensors, s.name, {
      value: { dtype: s.dtype, shape: [...s.shape], data } as SafetensorsTensor,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { tensors, metadata };
}
