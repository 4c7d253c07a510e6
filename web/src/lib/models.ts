/**
 * The app's one owner of models: each is built once (a trained file fetched and decoded with the
 * same code the CLI uses, or the zoo spec with the shared untrained seed) and cached, so switching
 * back and forth costs nothing and inference on every pointer move reuses the same weights.
 */
import { Sequential } from '../../../src/nn/model.js';
import { decodeModelFile } from '../../../src/io/model-file.js';
import { UNTRAINED_SEED, type ModelInfo } from '../../../src/server/api-types.js';
import { readWithProgress, type DownloadProgress } from './download-progress.js';

const cache = new Map<string, Promise<Sequential>>();

/** What identifies a model's weights: its name and file (results computed from it are cached under this). */
export function modelKey(info: ModelInfo): string {
  return `${info.name}|${info.file ?? 'untrained'}`;
}

/** The model, fetched once; onProgress hears the file's bytes arrive (only the first caller's download reports). */
export function loadModel(info: ModelInfo, onProgress: (p: DownloadProgress) => void = () => {}): Promise<Sequential> {
  const key = modelKey(info);
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      if (info.file === null) return new Sequential(info.spec, UNTRAINED_SEED);
      const res = await fetch(info.file);
      if (!res.ok) throw new Error(`could not fetch ${info.file}: HTTP ${res.status}`);
      const bytes = await readWithProgress(res, onProgress);
      return decodeModelFile(bytes, `${info.name}.safetensors`).model;
    })();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** Puts a model the page already holds (a training snapshot, a file opened from disk) in the cache under its info. */
export function primeModel(info: ModelInfo, model: Sequential): void {
  cache.set(modelKey(info), Promise.resolve(model));
}

/** True when the model has no convolutions: the network view draws it as neurons and weights. */
export function isDenseOnly(model: Sequential): boolean {
  return model.layers.every((l) => l.kind !== 'conv2d' && l.kind !== 'maxpool2d' && l.kind !== 'avgpool2d');
}
