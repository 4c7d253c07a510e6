/**
 * Loading model files from outside: a small file whose spec claims a huge model is refused in
 * milliseconds, before anything is allocated; stored tensors are compared with the spec's
 * arithmetic before the model is built; labels must be one per output; variances non-negative.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModelFile, encodeModelFile, MODEL_FORMAT } from './model-file.js';
import { encodeSafetensors, SafetensorsError, type SafetensorsTensor } from './safetensors.js';
import { Sequential } from '../nn/model.js';

const MODELS = join(import.meta.dirname, '..', '..', 'models');

/** A model file with `spec` in its metadata and the given tensors (none by default). */
function file(spec: unknown, tensors: Record<string, SafetensorsTensor> = {}): Uint8Array {
  return encodeSafetensors(tensors, { format: MODEL_FORMAT, spec: JSON.stringify(spec) });
}

function refusedQuickly(bytes: Uint8Array, message: string | RegExp): void {
  const start = performance.now();
  expect(() => decodeModelFile(bytes, 'evil.safetensors')).toThrow(SafetensorsError);
  expect(() => decodeModelFile(bytes, 'evil.safetensors')).toThrow(message);
  expect((performance.now() - start) / 2).toBeLessThan(100);
}

describe('decodeModelFile on hostile files', () => {
  it('a 136-byte file claiming a dense layer of 10⁶ units over 1,000 inputs', () => {
    const bytes = file({ input: [1000], layers: [{ kind: 'dense', units: 1e6 }] });
    expect(bytes.length).toBe(136);
    refusedQuickly(bytes, "evil.safetensors: metadata 'spec': layers[0] (dense): dense1: 1,000,000 units is over the limit of 65,536");
  });

  it('10⁹ units, 10⁹ output channels, a 10⁵-wide kernel with pad same: SafetensorsError, not RangeError', () => {
    refusedQuickly(file({ input: [1000], layers: [{ kind: 'dense', units: 1e9 }] }), 'dense1: 1,000,000,000 units is over the limit of 65,536');
    refusedQuickly(file({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1e9, k: 1 }] }), 'conv1: 1,000,000,000 output channels is over the limit of 65,536');
    refusedQuickly(file({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1, k: 1e5, pad: 'same' }] }), 'conv1: kernel side 100,000 is over the limit of 1,024');
  });

  it('a spec within the limits (60,000 × 1,000 = 6·10⁷ weights) but no tensors: refused by the arithmetic, before building', () => {
    refusedQuickly(file({ input: [1000], layers: [{ kind: 'dense', units: 60000 }] }), 'evil.safetensors: tensor "dense1.weight": missing; the spec needs it with shape [60000,1000]');
  });

  it('a stored tensor of another shape than the spec says, and a stray tensor', () => {
    const w = { dtype: 'F32' as const, shape: [3, 4], data: new Float32Array(12) };
    const b = { dtype: 'F32' as const, shape: [3], data: new Float32Array(3) };
    const spec = { input: [4], layers: [{ kind: 'dense', units: 3 }] };
    expect(() => decodeModelFile(file(spec, { 'dense1.weight': w, 'dense1.bias': b }))).not.toThrow();
    refusedQuickly(file({ input: [5], layers: [{ kind: 'dense', units: 3 }] }, { 'dense1.weight': w, 'dense1.bias': b }), 'tensor "dense1.weight": shape [3,4] does not match the spec\'s [3,5]');
    refusedQuickly(file(spec, { 'dense1.weight': w, 'dense1.bias': b, 'dense9.weight': b }), 'tensor "dense9.weight": not part of the model spec (its layers are dense1)');
  });

  it('a spec of 10⁴ ReLU layers (784 outputs): refused by the layer limit', () => {
    refusedQuickly(file({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...Array.from({ length: 1e4 }, () => ({ kind: 'relu' }))] }), "metadata 'spec': 10,001 layers is over the limit of 1,000");
  });

  it('labels that are not one per output: 784 outputs for 10 labels', () => {
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    refusedQuickly(file({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'relu' }], labels }), "'labels' names 10 classes but the last layer (relu1) gives 784 values per sample [784]");
  });

  it('a negative running variance', () => {
    const m = new Sequential({ input: [3], layers: [{ kind: 'batchnorm' }] });
    const bytes = encodeModelFile(m, {});
    expect(() => decodeModelFile(bytes)).not.toThrow();
    m.buffers[1].value.data[2] = -1;
    refusedQuickly(encodeModelFile(m, {}), 'tensor "bn1.running_var": value [2] is -1; a variance cannot be negative');
  });

  it('every shipped model still loads, with the same tensors', () => {
    for (const name of ['mlp', 'tiny', 'lenet', 'cnn']) {
      const bytes = new Uint8Array(readFileSync(join(MODELS, `${name}.safetensors`)));
      const { model } = decodeModelFile(bytes, name);
      expect(Buffer.from(encodeModelFile(model, decodeModelFile(bytes, name).metadata)).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
