/**
 * The idx codec (the file format of MNIST and Fashion-MNIST): a 4-byte magic number
 * (0, 0, dtype, number of dimensions), one big-endian uint32 per dimension, then the values.
 * Pure: bytes in, bytes out. It does not gunzip (the Node loader does) and it only supports
 * unsigned bytes (dtype 0x08), the one type both data sets use.
 */
import { IdxError } from './errors.js';

export interface IdxArray {
  dtype: 'u8';
  dims: number[];
  /** A view into the input bytes (no copy), length = product(dims). */
  data: Uint8Array;
}

export const IDX_MAGIC_IMAGES = 0x00000803;
export const IDX_MAGIC_LABELS = 0x00000801;

const DTYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Decodes any u8 idx array, checking the header and that the length is exactly header + values. */
export function decodeIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new IdxError(`${name}: file is ${bytes.length} bytes, too short for an idx header (at least 4 bytes)`);
  }
  const magic = readU32(bytes, 0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (it looks gzip-compressed: decompress it first)' : '';
    throw new IdxError(`${name}: magic ${hex(magic)} is not an idx file; idx magic numbers start with two zero bytes${gz}`);
  }
  const dtype = bytes[2];
  if (dtype !== 0x08) {
    const what = DTYPE_NAMES[dtype] ?? 'unknown';
    throw new IdxError(`${name}: magic ${hex(magic)} has dtype 0x${hex2(dtype)} (${what}); only 0x08 (unsigned byte) is supported`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(`${name}: magic ${hex(magic)} declares 0 dimensions; expected at least 1`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new IdxError(
      `${name}: file is ${bytes.length} bytes, expected at least ${header} for the header of a ${ndims}-dimensional array (truncated)`,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = readU32(bytes, 4 + 4 * i);
    dims.push(d);
    count *= d;
  }
  const expected = header + count;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : `${bytes.length - expected} extra bytes at the end`;
    throw new IdxError(
      `${name}: file is ${bytes.length} bytes, expected ${expected} (${header}-byte header + ${dims.join('×')} values): ${what}`,
    );
  }
  return { dtype: 'u8', dims, data: bytes.subarray(header) };
}

/** Decodes an image file: magic 0x00000803, dims [n, rows, cols]. */
export function decodeImages(bytes: Uint8Array, name: string): IdxArray {
  expectMagic(bytes, name, IDX_MAGIC_IMAGES, 'images');
  return decodeIdx(bytes, name);
}

/** Decodes a label file: magic 0x00000801, dims [n], every label in 0..classes-1. */
export function decodeLabels(bytes: Uint8Array, name: string, classes = 10): IdxArray {
  expectMagic(bytes, name, IDX_MAGIC_LABELS, 'labels');
  const arr = decodeIdx(bytes, name);
  const labels = arr.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new IdxError(`${name}: label ${labels[i]} at index ${i} is out of range; expected 0..${classes - 1}`);
    }
  }
  return arr;
}

/** Encodes values as a u8 idx file (magic 0x000008<ndims>). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new IdxError(`encodeIdx: expected 1..255 dimensions, got ${dims.length}`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new IdxError(`encodeIdx: dims [${dims.join(',')}] must be integers in 0..2^32-1`);
    }
    count *= d;
  }
  if (count !== data.length) {
    throw new IdxError(`encodeIdx: dims [${dims.join(',')}] need ${count} values, got ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => writeU32(out, 4 + 4 * i, d));
  out.set(data, header);
  return out;
}

function expectMagic(bytes: Uint8Array, name: string, want: number, kind: 'images' | 'labels'): void {
  if (bytes.length < 4) {
    throw new IdxError(`${name}: file is ${bytes.length} bytes, too short for an idx header (expected magic ${hex(want)}, ${kind})`);
  }
  const magic = readU32(bytes, 0);
  if (magic === want) return;
  const is =
    magic === IDX_MAGIC_LABELS ? 'a label file'
    : magic === IDX_MAGIC_IMAGES ? 'an image file'
    : bytes[0] === 0 && bytes[1] === 0 ? `a ${bytes[3]}-dimensional array of dtype 0x${hex2(bytes[2])}`
    : 'not an idx file';
  throw new IdxError(`${name}: magic ${hex(magic)} is ${is}, expected ${hex(want)} (${kind})`);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function hex(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}
