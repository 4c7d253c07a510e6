import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { decodeModelFile, encodeModelFile } from '../../../src/io/model-file.js';
import { ZOO } from '../../../src/models/zoo.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import { localName, makeLocalModel, withLocalModels } from './local-models.js';
import { loadModel } from './models.js';

describe('local-models', () => {
  it('names from file names fit the URL pattern', () => {
    expect(localName('my net (2).safetensors')).toBe('my-net-2-');
    expect(localName('--.safetensors')).toBe('model');
    expect(localName('cnn.SAFETENSORS')).toBe('cnn');
    for (const t of ['a b', 'ü.safetensors', '_x', 'x'.repeat(100)]) expect(localName(t)).toMatch(/^[A-Za-z0-9][\w-]{0,63}$/);
  });

  it('a local model has a blob URL, its accuracy, and the app cache hands back the very model', async () => {
    const m = new Sequential(ZOO['tiny'].spec, 2);
    const bytes = encodeModelFile(m, { testAccuracy: 0.9731 });
    const first = makeLocalModel('trained-tiny', 'tiny, trained here', bytes, decodeModelFile(bytes));
    expect(first.info.file).toMatch(/^blob:/);
    expect(first.info.testAccuracy).toBe(0.9731);
    expect(first.info.params).toBe(m.paramCount);
    const again = decodeModelFile(bytes);
    const second = makeLocalModel('trained-tiny', 'tiny, trained here', bytes, again, first);
    expect(second.info.file).not.toBe(first.info.file);
    expect(await loadModel(second.info)).toBe(again.model);
  });

  it('the picker lists server models, then page models, a page model hiding a server one of its name', () => {
    const server = [{ name: 'cnn' }, { name: 'lenet' }] as ModelInfo[];
    const bytes = encodeModelFile(new Sequential(ZOO['tiny'].spec, 2), {});
    const local = [makeLocalModel('lenet', 'mine', bytes, decodeModelFile(bytes)), makeLocalModel('trained', 't', bytes, decodeModelFile(bytes))];
    expect(withLocalModels(server, local).map((m) => `${m.name}${m.title ? `:${m.title}` : ''}`)).toEqual(['cnn', 'lenet:mine', 'trained:t']);
  });
});
