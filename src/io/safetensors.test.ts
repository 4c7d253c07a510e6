import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from './safetensors.js';
import type { SafetensorsTensor } from './safetensors.js';
import { ConvscopeError } from '../engine/errors.js';

const utf8 = new TextEncoder();

/** A file from a hand-written header and a data buffer, header length exactly as given. */
function fileOf(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = utf8.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** The SafetensorsError `fn` throws; fails the test if it returns or throws anything else. */
function refusal(fn: () => unknown): SafetensorsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SafetensorsError) return e;
    throw new Error(`expected a SafetensorsError, got ${String(e)}`);
  }
  throw new Error('expected a SafetensorsError, but it returned');
}

function bytesOf(t: SafetensorsTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const tensorArb: fc.Arbitrary<SafetensorsTensor> = fc
  .tuple(fc.constantFrom('F32', 'F64', 'I32', 'I64', 'U8'), shapeArb, fc.integer())
  .chain(([dtype, shape, seed]): fc.Arbitrary<SafetensorsTensor> => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ints = fc.array(fc.integer(), { minLength: n, maxLength: n });
    switch (dtype) {
      case 'F32':
        // Raw bit patterns, so NaN payloads and -0 must survive too.
        return ints.map((a) => ({ dtype, shape, data: new Float32Array(new Int32Array(a).buffer) }));
      case 'F64':
        return fc.array(fc.double(), { minLength: n, maxLength: n }).map((a) => ({ dtype, shape, data: Float64Array.from(a) }));
      case 'I32':
        return ints.map((a) => ({ dtype, shape, data: Int32Array.from(a) }));
      case 'I64':
        return fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: n, maxLength: n })
          .map((a) => ({ dtype, shape, data: BigInt64Array.from(a) }));
      default:
        return ints.map((a) => ({ dtype: 'U8' as const, shape, data: Uint8Array.from(a, (x) => (x + seed) & 255) }));
    }
  });
const nameArb = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => s !== '__metadata__');
const tensorsArb = fc.dictionary(nameArb, tensorArb, { maxKeys: 6 });
const metadataArb = fc.option(fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 20 })), { nil: undefined });

describe('encodeSafetensors / decodeSafetensors round trip', () => {
  it('gives back every tensor bit for bit and the metadata (random sets)', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const back = decodeSafetensors(bytes);
        expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) {
          const u = back.tensors[name]!;
          expect(u.dtype).toBe(t.dtype);
          expect(u.shape).toEqual(t.shape);
          expect(u.data.constructor).toBe(t.data.constructor);
          expect(bytesOf(u)).toEqual(bytesOf(t));
        }
        expect(back.metadata).toEqual(metadata ?? {});
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: insertion order does not change the bytes', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const reversed = Object.fromEntries(Object.entries(tensors).reverse());
        const metaRev = metadata && Object.fromEntries(Object.entries(metadata).reverse());
        expect(encodeSafetensors(reversed, metaRev)).toEqual(encodeSafetensors(tensors, metadata));
      }),
    );
  });

  it('pads the header to 8 bytes with spaces and starts every tensor aligned to its element size', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        expect(n % 8).toBe(0);
        const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
        for (const [name, t] of Object.entries(tensors)) {
          const size = t.data.BYTES_PER_ELEMENT;
          expect((8 + n + header[name]!.data_offsets[0]) % size).toBe(0);
        }
      }),
    );
  });

  it('writes the exact bytes of a known small file (F32 [2] + U8 [3] + I64 scalar, metadata)', () => {
    const bytes = encodeSafetensors(
      {
        w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
        '10': { dtype: 'U8', shape: [3], data: new Uint8Array([7, 8, 9]) },
        '2': { dtype: 'I64', shape: [], data: new BigInt64Array([-5n]) },
      },
      { arch: 'x' },
    );
    const header =
      '{"__metadata__":{"arch":"x"},"10":{"dtype":"U8","shape":[3],"data_offsets":[16,19]},' +
      '"2":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const data = [0xfb, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 7, 8, 9];
    expect(bytes).toEqual(fileOf(padded, Uint8Array.from(data)));
  });

  it('keeps "__proto__" and "constructor" as ordinary tensor and metadata names', () => {
    const tensors = JSON.parse('{"__proto__":{"dtype":"U8","shape":[1],"data":null},"constructor":{"dtype":"U8","shape":[1],"data":null}}') as Record<string, SafetensorsTensor>;
    for (const t of Object.values(tensors)) t.data = new Uint8Array([3]);
    const meta = JSON.parse('{"__proto__":"p"}') as Record<string, string>;
    const back = decodeSafetensors(encodeSafetensors(tensors, meta));
    expect(Object.keys(back.tensors).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(back.tensors)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.metadata, '__proto__')?.value).toBe('p');
  });

  it('returns aligned copies that do not alias the input, even from an odd byte offset', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'U8', shape: [1], data: new Uint8Array([1]) }, b: { dtype: 'F32', shape: [3], data: new Float32Array([1.5, -2, 3]) } });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const view = shifted.subarray(1);
    const back = decodeSafetensors(view);
    const b = back.tensors.b!;
    expect(b.data).toEqual(new Float32Array([1.5, -2, 3]));
    expect(b.data.byteOffset % 4).toBe(0);
    shifted.fill(0);
    expect(b.data).toEqual(new Float32Array([1.5, -2, 3]));
  });
});

describe('decodeSafetensors refuses broken files with a SafetensorsError', () => {
  it('at every truncated length, never another error and never a partial result', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        for (let len = 0; len < bytes.length; len++) refusal(() => decodeSafetensors(bytes.slice(0, len)));
      }),
      { numRuns: 40 },
    );
  });

  it('after one corrupted header byte: decodes to something valid or throws SafetensorsError', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (tensors, metadata, pos, value) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        const bad = bytes.slice();
        bad[pos % (8 + n)] = value;
        try {
          const back = decodeSafetensors(bad);
          // Whatever came back must re-encode: it is a consistent set of tensors.
          encodeSafetensors(back.tensors, back.metadata);
        } catch (e) {
          if (!(e instanceof SafetensorsError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('names the file and the tensor in the message and in fields', () => {
    const e = refusal(() => decodeSafetensors(fileOf('{"conv1.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)), { name: 'lenet.safetensors' }));
    expect(e).toBeInstanceOf(ConvscopeError);
    expect(e.name).toBe('SafetensorsError');
    expect(e.file).toBe('lenet.safetensors');
    expect(e.tensor).toBe('conv1.weight');
    expect(e.message).toBe('lenet.safetensors: tensor "conv1.weight": data_offsets [0,4] hold 4 bytes, expected 8 (F32 [2]: 2 elements × 4 bytes)');
  });

  const f32 = (offsets: string, shape = '[1]') => `{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}`;
  const cases: [string, () => Uint8Array, string][] = [
    ['file shorter than 8 bytes', () => new Uint8Array(5), 'm: 5 bytes is too short: a safetensors file starts with an 8-byte header length'],
    ['header length 2^64-1', () => { const b = fileOf('{}'); b.fill(255, 0, 8); return b; }, 'm: header length 18446744073709551615 is over the limit of 100000000 bytes'],
    ['header length past the end', () => { const b = fileOf('{}'); b[0] = 3; return b; }, 'm: header length 3 runs past the end of the file (10 bytes, so at most 2)'],
    ['invalid UTF-8', () => { const b = fileOf('{"a":1}'); b[10] = 0xc0; return b; }, 'm: header is not valid UTF-8: byte 0xc0 cannot start a UTF-8 sequence at header byte 2'],
    ['UTF-8 BOM', () => fileOf('\uFEFF{}'), 'm: header is not valid JSON: expected a value, got "\uFEFF" at header character 0'],
    ['invalid JSON', () => fileOf('{"a":}'), 'm: header is not valid JSON: expected a value, got "}" at header character 5'],
    ['trailing garbage after JSON', () => fileOf('{} x'), 'm: header is not valid JSON: unexpected "x" after the JSON value at header character 3'],
    ['duplicate keys', () => fileOf(`{"a":${f32('[0,4]')},"a":${f32('[0,4]')}}`, new Uint8Array(4)), 'm: header is not valid JSON: duplicate key "a" at header character 54'],
    ['lone surrogate escape', () => fileOf('{"\\ud800":1}'), 'm: header is not valid JSON: high surrogate escape not followed by a low one at header character 2'],
    ['header an array', () => fileOf('[]'), 'm: header must be a JSON object, got an array'],
    ['header a number', () => fileOf('1.5'), 'm: header must be a JSON object, got 1.5'],
    ['tensor entry not an object', () => fileOf('{"a":[1]}'), 'm: tensor "a": expected {dtype, shape, data_offsets}, got an array'],
    ['unknown dtype', () => fileOf('{"a":{"dtype":"F31","shape":[],"data_offsets":[0,4]}}'), 'm: tensor "a": dtype "F31" is not a safetensors dtype (supported: F32, F64, I32, I64, U8)'],
    ['unsupported dtype', () => fileOf('{"a":{"dtype":"BF16","shape":[],"data_offsets":[0,2]}}', new Uint8Array(2)), 'm: tensor "a": dtype "BF16" is not supported here (supported: F32, F64, I32, I64, U8)'],
    ['missing dtype', () => fileOf('{"a":{"shape":[],"data_offsets":[0,4]}}'), 'm: tensor "a": dtype must be a string, got nothing'],
    ['negative dimension', () => fileOf(`{"a":${f32('[0,4]', '[2,-1]')}}`), 'm: tensor "a": shape[1] must be a non-negative integer, got -1'],
    ['fractional dimension', () => fileOf(`{"a":${f32('[0,4]', '[1.5]')}}`), 'm: tensor "a": shape[0] must be a non-negative integer, got 1.5'],
    ['exponent dimension', () => fileOf(`{"a":${f32('[0,4]', '[1e0]')}}`), 'm: tensor "a": shape[0] must be a non-negative integer, got 1e0'],
    ['dimension past 2^53', () => fileOf(`{"a":${f32('[0,4]', '[9007199254740993]')}}`), 'm: tensor "a": shape[0] must be a non-negative integer, got 9007199254740993'],
    ['shape not an array', () => fileOf(`{"a":${f32('[0,4]', '"1"')}}`), 'm: tensor "a": shape must be an array of non-negative integers, got "1"'],
    ['element count past 2^53', () => fileOf(`{"a":${f32('[0,4]', '[4294967296,4294967296]')}}`), 'm: tensor "a": shape [4294967296,4294967296] has more elements than 2^53'],
    ['three offsets', () => fileOf(`{"a":${f32('[0,4,8]')}}`), 'm: tensor "a": data_offsets must be two non-negative integers [begin, end], got [0,4,8]'],
    ['string offsets', () => fileOf(`{"a":${f32('["0",4]')}}`), 'm: tensor "a": data_offsets must be two non-negative integers [begin, end], got ["0",4]'],
    ['begin after end', () => fileOf(`{"a":${f32('[4,0]')}}`, new Uint8Array(4)), 'm: tensor "a": data_offsets [4,0] has begin after end'],
    ['end past the buffer', () => fileOf(`{"a":${f32('[0,4]')}}`, new Uint8Array(3)), 'm: tensor "a": data_offsets [0,4] run past the end of the 3-byte data buffer'],
    ['overlap', () => fileOf(`{"a":${f32('[0,4]')},"b":${f32('[2,6]')}}`, new Uint8Array(6)), 'm: tensor "b": data_offsets [2,6] overlap tensor "a" at [0,4]'],
    ['same offsets twice', () => fileOf(`{"a":${f32('[0,4]')},"b":${f32('[0,4]')}}`, new Uint8Array(4)), 'm: tensor "b": data_offsets [0,4] overlap tensor "a" at [0,4]'],
    ['hole', () => fileOf(`{"a":${f32('[0,4]')},"b":${f32('[8,12]')}}`, new Uint8Array(12)), 'm: tensor "b": bytes 4..8 of the data buffer before it belong to no tensor'],
    ['hole at the start', () => fileOf(`{"a":${f32('[2,6]')}}`, new Uint8Array(6)), 'm: tensor "a": bytes 0..2 of the data buffer before it belong to no tensor'],
    ['trailing bytes', () => fileOf(`{"a":${f32('[0,4]')}}`, new Uint8Array(5)), 'm: data buffer has 1 trailing bytes (4..5) that belong to no tensor'],
    ['bytes with no tensors', () => fileOf('{}', new Uint8Array(2)), 'm: data buffer has 2 trailing bytes (0..2) that belong to no tensor'],
    ['metadata value a number', () => fileOf('{"__metadata__":{"acc":0.99}}'), 'm: __metadata__["acc"] must be a string, got 0.99'],
    ['metadata an array', () => fileOf('{"__metadata__":["a"]}'), 'm: __metadata__ must be an object of strings, got an array'],
    ['deep nesting', () => fileOf(`{"a":${'['.repeat(100000)}}`), 'm: header is not valid JSON: nesting deeper than 32 levels at header character 37'],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}`, () => {
      expect(refusal(() => decodeSafetensors(make(), { name: 'm' })).message).toBe(message);
    });
  }

  it('honours maxHeaderBytes, and the default is 100 MB', () => {
    const b = fileOf('{"__metadata__":{"k":"v"}}');
    expect(refusal(() => decodeSafetensors(b, { maxHeaderBytes: 10 })).message).toBe('safetensors data: header length 26 is over the limit of 10 bytes');
    expect(decodeSafetensors(b, { maxHeaderBytes: 26 }).metadata).toEqual({ k: 'v' });
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigUint64(0, 100_000_001n, true);
    expect(refusal(() => decodeSafetensors(big)).message).toMatch(/header length 100000001 is over the limit of 100000000 bytes/);
    expect(refusal(() => decodeSafetensors(b, { maxHeaderBytes: -1 })).message).toMatch(/maxHeaderBytes must be a non-negative integer, got -1/);
  });

  it('accepts what the format allows: padding whitespace, null metadata, extra tensor fields, zero-size tensors sharing an offset', () => {
    const b = fileOf(`{"__metadata__":null,"e":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"f":{"dtype":"U8","shape":[2,0],"data_offsets":[0,0],"x":1},"a":${f32('[0,4]')}}\n  `, new Uint8Array([0, 0, 0x80, 0x3f]));
    const back = decodeSafetensors(b);
    expect(back.metadata).toEqual({});
    expect(back.tensors.a!.data).toEqual(new Float32Array([1]));
    expect(back.tensors.f!.shape).toEqual([2, 0]);
    expect(back.tensors.e!.data.length).toBe(0);
  });
});

describe('encodeSafetensors refuses what it cannot write', () => {
  const enc = (t: Record<string, unknown>, m?: Record<string, unknown>) => () => encodeSafetensors(t as Record<string, SafetensorsTensor>, m as Record<string, string>);
  const cases: [string, () => unknown, string][] = [
    ['wrong array type', enc({ w: { dtype: 'F32', shape: [1], data: new Float64Array(1) } }), 'encodeSafetensors: tensor "w": dtype F32 needs Float32Array data, got Float64Array'],
    ['plain array data', enc({ w: { dtype: 'I32', shape: [1], data: [1] } }), 'encodeSafetensors: tensor "w": dtype I32 needs Int32Array data, got Array'],
    ['length mismatch', enc({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } }), 'encodeSafetensors: tensor "w": shape [2,3] holds 6 elements, but data has 5'],
    ['bad dtype', enc({ w: { dtype: 'F16', shape: [1], data: new Uint8Array(2) } }), 'encodeSafetensors: tensor "w": dtype must be one of F32, F64, I32, I64, U8, got "F16"'],
    ['bad shape', enc({ w: { dtype: 'U8', shape: [0.5], data: new Uint8Array(0) } }), 'encodeSafetensors: tensor "w": shape[0] must be a non-negative integer, got 0.5'],
    ['reserved name', enc({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }), 'encodeSafetensors: tensor "__metadata__": "__metadata__" is reserved for the metadata map'],
    ['lone surrogate in a name', enc({ 'a\ud800': { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }), 'encodeSafetensors: tensor "a\\ud800": name has a lone UTF-16 surrogate at index 1; it cannot be written as UTF-8'],
    ['metadata not a string', enc({}, { acc: 0.99 }), 'encodeSafetensors: metadata "acc" must be a string, got 0.99'],
  ];
  for (const [what, fn, message] of cases) {
    it(what, () => {
      expect(refusal(fn).message).toBe(message);
    });
  }
});

describe('interop with a file written from PyTorch tensors (fixtures/make-torch-fixture.py)', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  type Expected = { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: string[] }> };
  const expected = JSON.parse(fixture('torch-tiny.expected.json').toString('utf8')) as Expected;
  const file = decodeSafetensors(new Uint8Array(fixture('torch-tiny.safetensors')), { name: 'torch-tiny.safetensors' });

  it('decodes every tensor with the values torch wrote', () => {
    expect(Object.keys(file.tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [name, want] of Object.entries(expected.tensors)) {
      const t = file.tensors[name]!;
      expect([name, t.dtype, t.shape]).toEqual([name, want.dtype, want.shape]);
      const values = t.dtype === 'I64' ? want.values.map(BigInt) : want.values.map(Number);
      expect([name, Array.from(t.data as ArrayLike<number | bigint>)]).toEqual([name, values]);
    }
    expect(file.tensors['conv1.weight']!.data[0]).toBe(Math.fround(-1.1258398294448853));
  });

  it('decodes the metadata, non-ASCII included', () => {
    expect(file.metadata).toEqual(expected.metadata);
    expect(file.metadata.note).toContain('ünïcode ✓');
  });

  it('re-encodes to a file that decodes to the same tensors', () => {
    const again = decodeSafetensors(encodeSafetensors(file.tensors, file.metadata));
    expect(again).toEqual(file);
  });
});
