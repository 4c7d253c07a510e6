/**
 * The models directory: each file is decoded once per (path, size, mtime), its outcome kept whether
 * it worked or not (a broken or absurd file is not decoded again per request); .onnx files are
 * listed and served to the app as safetensors, saying they came from ONNX. Fixtures made here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import { encodeSafetensors } from '../io/safetensors.js';
import { exportOnnx } from '../io/onnx/onnx-export.js';
import { importOnnx } from '../io/onnx/onnx-import.js';
import { predict } from '../nn/predict.js';
import { ModelRegistry } from './model-registry.js';
import { startServer, type RunningServer } from './server.js';
import type { ModelsResponse, PredictResponse } from './api-types.js';

let tmp: string;
let dir: string;
let server: RunningServer;
const tiny = new Sequential(ZOO['tiny'].spec, 5);
const onnxBytes = exportOnnx(tiny, { metadata: { name: 'tiny from onnx', testAccuracy: 0.9 } });
/** a spec far larger than its file: 784 → 200,000 units (157 M weights) with no tensors stored */
const absurd = encodeSafetensors({}, { format: 'convscope-model/1', spec: JSON.stringify({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 200_000 }, { kind: 'dense', units: 10 }] }) });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'convscope-registry-'));
  dir = join(tmp, 'models');
  mkdirSync(dir);
  writeFileSync(join(dir, 'mlp.safetensors'), encodeModelFile(new Sequential(ZOO['mlp'].spec, 2), { name: 'mlp' }));
  writeFileSync(join(dir, 'fromonnx.onnx'), onnxBytes);
  writeFileSync(join(dir, 'broken.safetensors'), 'not a model');
  writeFileSync(join(dir, 'absurd.safetensors'), absurd);
  writeFileSync(join(dir, 'twice.safetensors'), encodeModelFile(tiny, { name: 'twice' }));
  writeFileSync(join(dir, 'twice.onnx'), onnxBytes);
  server = await startServer({ port: 0, webDir: join(tmp, 'no-web'), modelsDir: dir, log: () => {} });
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('ModelRegistry', () => {
  it('decodes each file once: good, broken and absurd outcomes are all kept across listings and gets', async () => {
    const reg = new ModelRegistry(dir);
    const first = await reg.list();
    const decodes = reg.decodes;
    // mlp, fromonnx, broken, absurd, twice (the shadowed twice.onnx is not decoded)
    expect(decodes).toBe(5);
    for (let i = 0; i < 3; i++) {
      const again = await reg.list();
      expect(again.problems).toEqual(first.problems);
      expect(await reg.get('broken')).toBeNull();
      expect(await reg.get('absurd')).toBeNull();
      expect((await reg.get('mlp'))?.model).toBe(first.models[0].model);
    }
    expect(reg.decodes).toBe(decodes);
    expect(first.problems.map((p) => p.file)).toEqual(['absurd.safetensors', 'broken.safetensors', 'twice.onnx']);
    expect(first.problems.find((p) => p.file === 'twice.onnx')?.error).toBe('twice.safetensors has the same name and is used instead; rename one of them to offer both');
  });

  it('decodes a file again once its size or mtime changes', async () => {
    const reg = new ModelRegistry(dir);
    expect(await reg.get('broken')).toBeNull();
    expect(reg.decodes).toBe(1);
    writeFileSync(join(dir, 'broken.safetensors'), 'still not a model');
    utimesSync(join(dir, 'broken.safetensors'), new Date(), new Date(Date.now() + 5000));
    expect(await reg.get('broken')).toBeNull();
    expect(reg.decodes).toBe(2);
  });
});

describe('ONNX files in the models directory', () => {
  it('lists them with fileFormat onnx and a safetensors URL', async () => {
    const body = (await (await fetch(`http://127.0.0.1:${server.port}/api/models`)).json()) as ModelsResponse;
    const m = body.models.find((x) => x.name === 'fromonnx');
    expect(m).toMatchObject({ trained: true, fileFormat: 'onnx', file: '/models/fromonnx.safetensors', title: 'tiny from onnx', testAccuracy: 0.9, params: tiny.paramCount });
    expect(body.models.find((x) => x.name === 'mlp')?.fileFormat).toBe('safetensors');
    expect(body.models.find((x) => x.name === 'lenet')?.fileFormat).toBeUndefined();
  });

  it('serves the converted model as safetensors bytes the app can decode, with the same weights, and an ETag', async () => {
    const url = `http://127.0.0.1:${server.port}/models/fromonnx.safetensors`;
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    const { model } = decodeModelFile(new Uint8Array(await r.arrayBuffer()), 'served');
    const want = importOnnx(onnxBytes, 'fromonnx.onnx').model;
    expect(model.params.map((p) => Array.from(p.value.data))).toEqual(want.params.map((p) => Array.from(p.value.data)));
    const again = await fetch(url, { headers: { 'If-None-Match': r.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
    // the .onnx file itself is still there, byte for byte
    expect(Buffer.compare(Buffer.from(await (await fetch(`http://127.0.0.1:${server.port}/models/fromonnx.onnx`)).arrayBuffer()), Buffer.from(onnxBytes))).toBe(0);
  });

  it('predicts with them as the imported model does', async () => {
    const pixels = Array.from({ length: 784 }, (_, i) => ((i * 7) % 23) / 23);
    const r = await fetch(`http://127.0.0.1:${server.port}/api/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'fromonnx', pixels }) });
    const body = (await r.json()) as PredictResponse;
    const local = predict(importOnnx(onnxBytes, 'x').model, Float32Array.from(pixels));
    expect(body.predicted).toBe(local.digit);
    body.probabilities.forEach((p, k) => expect(p).toBeCloseTo(local.probabilities.data[k], 6));
  });
});
