/** writeModelFile never writes a file that loading would refuse for a non-finite value. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NumericError } from '../engine/errors.js';
import { Sequential } from '../nn/model.js';
import type { ModelSpec } from '../nn/spec.js';
import { readModelFile, writeModelFile } from './node-model-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convscope-model-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec: ModelSpec = {
  input: [1, 6, 5],
  layers: [{ kind: 'conv2d', outC: 2, k: 3 }, { kind: 'batchnorm' }, { kind: 'relu' }, { kind: 'flatten' }, { kind: 'dense', units: 3 }],
};

describe('writeModelFile refuses non-finite values and keeps the previous file', () => {
  const cases: [string, (m: Sequential) => Record<string, Float32Array>, string][] = [
    ['NaN in a weight', (m) => ((m.params[0]!.value.data[3] = NaN), {}), 'conv1.weight[3] is NaN'],
    ['+∞ in the last bias', (m) => ((m.params.at(-1)!.value.data[2] = Infinity), {}), 'dense1.bias[2] is Infinity'],
    ['−∞ in batch norm running variance', (m) => ((m.buffers.find((b) => b.name.endsWith('running_var'))!.value.data[1] = -Infinity), {}), 'running_var[1] is -Infinity'],
    ['NaN in a checkpoint extra', () => ({ 'optimizer.conv1.weight.m': Float32Array.from([0, NaN]) }), 'extra.optimizer.conv1.weight.m[1] is NaN'],
  ];
  it.each(cases)('%s', async (_what, spoil, named) => {
    const p = join(dir, 'm.safetensors');
    const good = new Sequential(spec, 1);
    await writeModelFile(p, good, { name: 'good' });
    const before = await readFile(p);
    const bad = new Sequential(spec, 2);
    const extras = spoil(bad);
    const e = await writeModelFile(p, bad, { name: 'bad' }, extras).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(NumericError);
    expect((e as Error).message).toContain(`refusing to write ${p}: `);
    expect((e as Error).message).toContain(named);
    expect((await readFile(p)).equals(before)).toBe(true);
    expect(await readdir(dir)).toEqual(['m.safetensors']);
    expect((await readModelFile(p)).metadata.name).toBe('good');
  });

  it('a missing file stays missing', async () => {
    const m = new Sequential(spec, 1);
    m.params[0]!.value.data[0] = NaN;
    await expect(writeModelFile(join(dir, 'new.safetensors'), m, {})).rejects.toThrow(/conv1\.weight\[0\] is NaN/);
    expect(await readdir(dir)).toEqual([]);
  });
});
