import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { encodeModelFile } from '../../../src/io/model-file.js';
import { ZOO } from '../../../src/models/zoo.js';
import { checkUploadSize, decodeUpload, MAX_MODEL_UPLOAD_BYTES, ModelUploadError } from './model-upload.js';

const tinyBytes = (): Uint8Array => encodeModelFile(new Sequential(ZOO['tiny'].spec, 3), { name: 'tiny' });

describe('model-upload', () => {
  it('decodes a cnn file, weights and metadata', () => {
    const bytes = encodeModelFile(new Sequential(ZOO['cnn'].spec, 5), { name: 'cnn', testAccuracy: 0.9731 });
    const { model, metadata } = decodeUpload('cnn.safetensors', bytes);
    expect(model.layers.map((l) => l.name)).toContain('conv2');
    expect(metadata.testAccuracy).toBe(0.9731);
  });

  it('round-trips a model the page encodes, bit for bit', () => {
    const m = new Sequential(ZOO['tiny'].spec, 3);
    const back = decodeUpload('t.safetensors', encodeModelFile(m, {})).model;
    for (let i = 0; i < m.params.length; i++) expect(back.params[i].value.data).toEqual(m.params[i].value.data);
  });

  it('refuses a truncated file, saying so', () => {
    const b = tinyBytes();
    expect(() => decodeUpload('cut.safetensors', b.subarray(0, b.length - 100))).toThrow(ModelUploadError);
    expect(() => decodeUpload('cut.safetensors', b.subarray(0, b.length - 100))).toThrow(/^cut\.safetensors: /);
    expect(() => decodeUpload('head.safetensors', b.subarray(0, 5))).toThrow(/^head\.safetensors: /);
  });

  it('refuses a corrupt header and a file that is not a model', () => {
    const b = tinyBytes().slice();
    b[12] = 0x00; // inside the JSON header
    expect(() => decodeUpload('bad.safetensors', b)).toThrow(/^bad\.safetensors: /);
    const text = new TextEncoder().encode('hello, this is not a model file at all');
    expect(() => decodeUpload('notes.txt', text)).toThrow(/^notes\.txt: /);
  });

  it('refuses an empty and an oversized file by size alone', () => {
    expect(() => checkUploadSize('e.safetensors', 0)).toThrow('e.safetensors is empty (0 bytes); expected a .safetensors model file');
    expect(() => checkUploadSize('big.safetensors', MAX_MODEL_UPLOAD_BYTES + 1)).toThrow('big.safetensors is 64.0 MiB, over the limit of 64.0 MiB for a model file');
    expect(() => checkUploadSize('ok.safetensors', MAX_MODEL_UPLOAD_BYTES)).not.toThrow();
  });

  it('refuses a model that is not 28×28 in, ten out', () => {
    const spec = { input: [1, 14, 14], layers: [{ kind: 'flatten' as const }, { kind: 'dense' as const, units: 10 }] };
    expect(() => decodeUpload('small.safetensors', encodeModelFile(new Sequential(spec, 1), {}))).toThrow(
      'small.safetensors: the model takes input [1,14,14]; the explorer runs models on one 28×28 image ([1,28,28] or [784])',
    );
    const three = { input: [1, 28, 28], layers: [{ kind: 'flatten' as const }, { kind: 'dense' as const, units: 3 }] };
    expect(() => decodeUpload('three.safetensors', encodeModelFile(new Sequential(three, 1), {}))).toThrow('three.safetensors: the model has output [3]; the explorer needs ten classes, one per digit');
  });
});
