import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeIdx, decodeImages, decodeLabels, encodeIdx } from './idx.js';
import { IdxError } from './errors.js';

const smallDims = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 });
const idxFile = smallDims.chain((dims) => {
  const n = dims.reduce((a, b) => a * b, 1);
  return fc.tuple(fc.constant(dims), fc.uint8Array({ minLength: n, maxLength: n }));
});

function images(n: number, rows = 28, cols = 28): Uint8Array {
  const data = new Uint8Array(n * rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  return encodeIdx([n, rows, cols], data);
}

/** Whether an idx header read with `nd` dimensions accounts for exactly the file's length. */
function describesItsLength(bytes: Uint8Array, nd: number): boolean {
  const header = 4 + 4 * nd;
  if (bytes.length < header) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 1;
  for (let i = 0; i < nd; i++) count *= view.getUint32(4 + 4 * i);
  return header + count === bytes.length;
}

function errorOf(f: () => unknown): IdxError {
  try {
    f();
  } catch (e) {
    if (e instanceof IdxError) return e;
    throw e;
  }
  throw new Error('expected an IdxError, nothing was thrown');
}

describe('idx round trip', () => {
  it('decode(encode(dims, data)) gives back dims and data', () => {
    fc.assert(
      fc.property(idxFile, ([dims, data]) => {
        const out = decodeIdx(encodeIdx(dims, data), 'f');
        expect(out.dims).toEqual(dims);
        expect(Array.from(out.data)).toEqual(Array.from(data));
      }),
    );
  });

  it('writes the magic 0x00000803 for [n,28,28] and the dims big-endian', () => {
    const bytes = images(2);
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
    expect(decodeImages(bytes, 'x').dims).toEqual([2, 28, 28]);
  });

  it('encodeIdx refuses data that does not fill the dims', () => {
    expect(() => encodeIdx([2, 3], new Uint8Array(5))).toThrow('encodeIdx: dims [2,3] need 6 values, got 5');
  });
});

describe('idx refusals', () => {
  it('refuses truncation at any point with the expected and actual byte counts', () => {
    fc.assert(
      fc.property(
        idxFile.filter(([, d]) => d.length > 0),
        fc.nat(),
        ([dims, data], cut) => {
          const full = encodeIdx(dims, data);
          const len = cut % full.length;
          const e = errorOf(() => decodeIdx(full.subarray(0, len), 'train-images-idx3-ubyte'));
          expect(e.message).toMatch(/^train-images-idx3-ubyte: file is \d+ bytes/);
          expect(e.message).toContain(`file is ${len} bytes`);
          if (len >= 4 + 4 * dims.length) expect(e.message).toContain(`expected ${full.length}`);
        },
      ),
    );
  });

  it('refuses extra bytes and says how many', () => {
    fc.assert(
      fc.property(idxFile, fc.uint8Array({ minLength: 1, maxLength: 20 }), ([dims, data], extra) => {
        const full = encodeIdx(dims, data);
        const bigger = new Uint8Array(full.length + extra.length);
        bigger.set(full);
        bigger.set(extra, full.length);
        const e = errorOf(() => decodeIdx(bigger, 'f'));
        expect(e.message).toBe(
          `f: file is ${bigger.length} bytes, expected ${full.length} (${4 + 4 * dims.length}-byte header + ${dims.join('×')} values): ${extra.length} extra bytes at the end`,
        );
      }),
    );
  });

  it('refuses a corrupted magic number', () => {
    fc.assert(
      fc.property(
        idxFile,
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 255 }),
        ([dims, data], at, flip) => {
          const bytes = encodeIdx(dims, data);
          bytes[at] ^= flip;
          expect(() => decodeIdx(bytes, 'f')).toThrow(IdxError);
          expect(() => decodeIdx(bytes, 'f')).toThrow(/^f: magic 0x[0-9a-f]{8} /);
        },
      ),
    );
  });

  it('refuses a wrong dimension count (file length no longer matches)', () => {
    fc.assert(
      fc.property(idxFile, fc.integer({ min: 1, max: 255 }), ([dims, data], nd) => {
        fc.pre(nd !== dims.length);
        const bytes = encodeIdx(dims, data);
        bytes[3] = nd;
        // The header may by coincidence still describe the bytes (dims [4,1,0] with no data reread
        // as 2 dims is [4,1] followed by four zero bytes): such a file is valid, not corrupt.
        fc.pre(!describesItsLength(bytes, nd));
        expect(() => decodeIdx(bytes, 'f')).toThrow(IdxError);
      }),
    );
  });

  it('refuses a dimension that disagrees with the data length', () => {
    fc.assert(
      fc.property(idxFile, fc.nat(), fc.integer({ min: 1, max: 1000 }), ([dims, data], which, delta) => {
        const bytes = encodeIdx(dims, data);
        const k = which % dims.length;
        const at = 4 + 4 * k + 3;
        fc.pre(bytes[at] + delta <= 255);
        bytes[at] += delta; // a bigger dim: more values declared than present
        const grown = dims.map((d, i) => (i === k ? d + delta : d)).reduce((a, b) => a * b, 1);
        fc.pre(grown > data.length);
        expect(() => decodeIdx(bytes, 'f')).toThrow(/truncated/);
      }),
    );
  });

  it('names the kind when an image decoder gets a label file, and vice versa', () => {
    const labels = encodeIdx([3], new Uint8Array([1, 2, 3]));
    expect(errorOf(() => decodeImages(labels, 't10k-images-idx3-ubyte')).message).toBe(
      't10k-images-idx3-ubyte: magic 0x00000801 is a label file, expected 0x00000803 (images)',
    );
    expect(errorOf(() => decodeLabels(images(1), 't10k-labels-idx1-ubyte')).message).toBe(
      't10k-labels-idx1-ubyte: magic 0x00000803 is an image file, expected 0x00000801 (labels)',
    );
    expect(errorOf(() => decodeImages(encodeIdx([2, 2], new Uint8Array(4)), 'm')).message).toBe(
      'm: magic 0x00000802 is a 2-dimensional array of dtype 0x08, expected 0x00000803 (images)',
    );
  });

  it('says which dtype is unsupported', () => {
    const bytes = encodeIdx([1], new Uint8Array([0]));
    bytes[2] = 0x0d;
    expect(errorOf(() => decodeIdx(bytes, 'f')).message).toBe(
      'f: magic 0x00000d01 has dtype 0x0d (float32); only 0x08 (unsigned byte) is supported',
    );
  });

  it('recognises gzip bytes and says to decompress', () => {
    const gz = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4]);
    expect(errorOf(() => decodeImages(gz, 'a.gz')).message).toBe(
      'a.gz: magic 0x1f8b0800 is not an idx file, expected 0x00000803 (images)',
    );
    expect(errorOf(() => decodeIdx(gz, 'a.gz')).message).toContain('it looks gzip-compressed');
  });

  it('refuses labels outside 0..9 and names the index', () => {
    const bad = encodeIdx([4], new Uint8Array([0, 9, 10, 3]));
    expect(errorOf(() => decodeLabels(bad, 'train-labels-idx1-ubyte')).message).toBe(
      'train-labels-idx1-ubyte: label 10 at index 2 is out of range; expected 0..9',
    );
    expect(decodeLabels(encodeIdx([2], new Uint8Array([0, 9])), 'ok').data.length).toBe(2);
  });

  it('refuses files shorter than a magic number', () => {
    expect(errorOf(() => decodeImages(new Uint8Array(2), 'e')).message).toBe(
      'e: file is 2 bytes, too short for an idx header (expected magic 0x00000803, images)',
    );
  });
});
