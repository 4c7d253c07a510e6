/// <reference path="../../../test/provided-context.d.ts" />
/**
 * ONNX out and in. Exported models run in ONNX Runtime (onnxruntime-web's WebAssembly, one thread,
 * the model passed as bytes) with convscope's logits: every layer kind on random weights, and every
 * shipped model on 1,000 test digits within 1e-4 and with the same accuracy on all 10,000. Imports:
 * convscope's own files give back the same model exactly; PyTorch 1.13's exports (fixtures/) run
 * PyTorch's numbers; bad files are refused naming the node: an unsupported op, a branch, a computed
 * reshape, external data, an input of unknown size, a malformed protobuf.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { Tensor } from '../../engine/tensor.js';
import { Sequential } from '../../nn/model.js';
import type { ModelSpec } from '../../nn/spec.js';
import { readModelFile } from '../node-model-file.js';
import { loadDataset } from '../../data/node-source.js';
import { decodeOnnx, encodeOnnx, type OnnxModel } from './onnx-codec.js';
import { exportOnnx } from './onnx-export.js';
import { importOnnx } from './onnx-import.js';
import { Rng } from '../../engine/rng.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const MODELS = join(import.meta.dirname, '..', '..', '..', 'models');

function mnistDir(): string {
  const mnist = inject('mnist');
  if ('error' in mnist) throw new Error(mnist.error);
  return mnist.dir;
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

async function runOrt(bytes: Uint8Array, x: Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ pixels: new ort.Tensor('float32', x.data, [...x.shape]) });
    return out['logits'].data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function randomized(spec: ModelSpec, seed: number): Sequential {
  const m = new Sequential(spec, seed);
  const rng = new Rng(seed + 100);
  // Batch-norm statistics away from 0 and 1, so they matter.
  for (const b of m.buffers) for (let i = 0; i < b.value.size; i++) b.value.data[i] = b.name.endsWith('var') ? rng.uniform(0.5, 2) : rng.uniform(-0.5, 0.5);
  for (const p of m.params) if (p.name.includes('bn')) for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniform(0.5, 1.5);
  return m;
}

const EVERY_LAYER: ModelSpec = {
  input: [2, 13, 11],
  normalize: { mean: 0.2, std: 0.4 },
  layers: [
    { kind: 'conv2d', outC: 3, k: [3, 2], stride: [2, 1], pad: [1, 0, 2, 1], dilation: [1, 2] },
    { kind: 'batchnorm' },
    { kind: 'leakyrelu', alpha: 0.2 },
    { kind: 'conv2d', outC: 4, k: 3, pad: 'same' },
    { kind: 'tanh' },
    { kind: 'maxpool2d', size: 2 },
    { kind: 'avgpool2d', size: 2, stride: 1 },
    { kind: 'flatten' },
    { kind: 'dropout', rate: 0.3 },
    { kind: 'dense', units: 7 },
    { kind: 'batchnorm' },
    { kind: 'sigmoid' },
    { kind: 'dense', units: 5, bias: false },
    { kind: 'relu' },
    { kind: 'dense', units: 4 },
    { kind: 'softmax' },
  ],
};

describe('export: ONNX Runtime runs what convscope runs', () => {
  it('every layer kind (conv with stride, asymmetric padding and dilation, batch norm on maps and features, both poolings, softmax)', async () => {
    const m = randomized(EVERY_LAYER, 3);
    const rng = new Rng(9);
    const x = new Tensor([5, 2, 13, 11], Float32Array.from({ length: 5 * 2 * 13 * 11 }, () => rng.next()));
    expect(maxDiff(await runOrt(exportOnnx(m), x), m.forward(x).output.data)).toBeLessThan(1e-5);
  });

  it('the deskew step (the mlp spec) matches the engine within 1e-4 on slanted strokes', async () => {
    const spec: ModelSpec = { input: [1, 28, 28], deskew: true, layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] };
    const m = new Sequential(spec, 4);
    const x = new Tensor([3, 1, 28, 28]);
    for (let n = 0; n < 3; n++) for (let y = 4; y < 24; y++) for (let w = 0; w < 3; w++) x.data[n * 784 + y * 28 + Math.round(8 + (n + 1) * 0.3 * y) + w] = 1 - 0.2 * w;
    expect(maxDiff(await runOrt(exportOnnx(m), x), m.forward(x).output.data)).toBeLessThan(1e-4);
    expect(() => exportOnnx(m, { opset: 15 })).toThrow('export: the deskew step needs GridSample, opset 16 or later; got --opset 15');
  });

  for (const name of ['mlp', 'tiny', 'lenet', 'cnn']) {
    it(`models/${name}.safetensors: logits within 1e-4 on 1,000 test digits and the same accuracy on all 10,000`, async () => {
      const { model, metadata } = await readModelFile(join(MODELS, `${name}.safetensors`));
      const data = await loadDataset({ dataset: 'mnist', dataDir: mnistDir() });
      const x = new Tensor([10_000, 1, 28, 28], Float32Array.from(data.test.images, (v) => v / 255));
      const bytes = exportOnnx(model, { metadata });
      const got = await runOrt(bytes, x);
      const want = model.forward(x).output.data;
      expect(maxDiff(got.subarray(0, 10_000), want.subarray(0, 10_000))).toBeLessThan(1e-4);
      const correct = (logits: ArrayLike<number>): number => {
        let c = 0;
        for (let n = 0; n < 10_000; n++) {
          let best = 0;
          for (let k = 1; k < 10; k++) if (logits[n * 10 + k] > logits[n * 10 + best]) best = k;
          if (best === data.test.labels[n]) c++;
        }
        return c;
      };
      expect(correct(got)).toBe(correct(want));
      expect(correct(got) / 10_000).toBe(metadata.testAccuracy);
      const doc = decodeOnnx(bytes);
      expect(doc.metadata_props?.find((p) => p.key === 'convscope.testAccuracy')?.value).toBe(String(metadata.testAccuracy));
      expect(doc.doc_string).toContain('raw pixels in 0..1');
    }, 180_000);
  }
});

describe('import', () => {
  it("convscope's own export comes back as the same model, spec and weights", async () => {
    for (const name of ['mlp', 'lenet']) {
      const { model, metadata } = await readModelFile(join(MODELS, `${name}.safetensors`));
      const back = importOnnx(exportOnnx(model, { metadata }), `${name}.onnx`);
      expect(back.model.spec).toEqual(model.spec);
      back.model.params.forEach((p, i) => expect(Array.from(p.value.data)).toEqual(Array.from(model.params[i].value.data)));
      expect(back.metadata.testAccuracy).toBe(metadata.testAccuracy);
    }
    const m = randomized(EVERY_LAYER, 5);
    const back = importOnnx(exportOnnx(m));
    expect(back.model.spec).toEqual(m.spec);
  });

  const expected = JSON.parse(readFileSync(join(FIXTURES, 'torch-onnx.expected.json'), 'utf8')) as { torch: string; input: number[]; shape: number[]; logits: Record<string, number[]> };
  for (const opset of [11, 17]) {
    it(`PyTorch ${expected.torch} at opset ${opset}: normalisation, conv (BN folded), pools (avg after a zero Pad), leaky relu, tanh, Linear — PyTorch's logits`, () => {
      const r = importOnnx(readFileSync(join(FIXTURES, `torch-cnn-opset${opset}.onnx`)), 'torch-cnn.onnx');
      expect(r.model.spec.normalize?.mean).toBeCloseTo(0.1307, 6);
      expect(r.model.spec.normalize?.std).toBeCloseTo(0.3081, 6);
      expect(r.model.layers.map((l) => l.kind)).toEqual(['conv2d', 'relu', 'maxpool2d', 'conv2d', 'leakyrelu', 'avgpool2d', 'flatten', 'dense', 'tanh', 'dense']);
      const y = r.model.forward(Tensor.from(expected.shape, expected.input)).output.data;
      expect(maxDiff(y, expected.logits[`torch-cnn-opset${opset}`])).toBeLessThan(1e-5);
    });
  }

  it('refuses a computed reshape, a branch, an unsupported op, external data, an input of unknown size and a malformed file, naming what', () => {
    expect(() => importOnnx(readFileSync(join(FIXTURES, 'torch-view.onnx')), 'view.onnx')).toThrow(/view.onnx: node 2 \(Shape '\/Shape'\) reads the shape of 'input'.*torch.flatten\(x, 1\)/);
    expect(() => importOnnx(readFileSync(join(FIXTURES, 'torch-branch.onnx')), 'branch.onnx')).toThrow("branch.onnx: node 0 (Conv '/conv/Conv'): the value 'input' feeds 2 nodes — a branch; convscope imports a single chain of layers");
    const base = (): OnnxModel => decodeOnnx(exportOnnx(new Sequential({ input: [1, 4, 4], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }] }, 1)));
    const sin = base();
    sin.graph!.node![0] = { ...sin.graph!.node![0], op_type: 'Sin', name: 'mystery' };
    expect(() => importOnnx(encodeOnnx(sin), 'sin.onnx')).toThrow(/sin.onnx: node 0 \(Sin 'mystery'\): the op Sin is not supported/);
    const ext = base();
    ext.graph!.initializer![0] = { ...ext.graph!.initializer![0], raw_data: new Uint8Array(0), data_location: 1, external_data: [{ key: 'location', value: '../../etc/passwd' }] };
    expect(() => importOnnx(encodeOnnx(ext), 'ext.onnx')).toThrow(/ext.onnx: tensor 'dense1.weight' keeps its data outside the file \(external data\); convscope never reads paths/);
    const shape = base();
    shape.graph!.input![0].type!.tensor_type!.shape!.dim = [{ dim_param: 'N' }, { dim_param: 'C' }, { dim_value: 4 }, { dim_value: 4 }];
    expect(() => importOnnx(encodeOnnx(shape), 'shape.onnx')).toThrow("shape.onnx: input 'pixels' has shape [N,C,4,4]; expected [N, ...fixed sizes], e.g. [N,1,28,28]");
    const good = exportOnnx(new Sequential({ input: [1, 4, 4], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }] }, 1));
    expect(() => importOnnx(good.subarray(0, good.length - 7), 'cut.onnx')).toThrow(/cut.onnx: not a valid ONNX protobuf/);
    expect(() => importOnnx(new TextEncoder().encode('this is not a model'), 'text.onnx')).toThrow(/text.onnx: not a valid ONNX protobuf|text.onnx: the model has no graph/);
  });
});
