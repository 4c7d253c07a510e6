/**
 * Models that live only in the page: the one being trained (its latest snapshot) and model files
 * opened from disk. Each becomes a ModelInfo like the server's, whose `file` is a blob: URL of its
 * model-file bytes, so every view and worker that loads a model by its info (the Explain panels,
 * the Map) loads these the same way, and caches keyed by name and file stay right as snapshots
 * replace each other. The decoded model is put in the app's model cache at once.
 */
import type { LoadedModel } from '../../../src/io/model-file.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import { primeModel } from './models.js';

/** How long a replaced model's blob: URL stays valid. */
const REVOKE_AFTER_MS = 10_000;

/** A model the page holds: its info for the picker and the views, and the bytes to download. */
export interface LocalModel {
  readonly info: ModelInfo;
  readonly bytes: Uint8Array;
}

/** A name the URL accepts (url-state.ts) made from free text: "my net.safetensors" → "my-net". */
export function localName(text: string): string {
  const base = text.replace(/\.safetensors$/i, '').replace(/[^\w-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48);
  return base === '' ? 'model' : base;
}

/** Makes the page's ModelInfo for a decoded model file; `previous` (the model it replaces) has its blob URL revoked soon after. */
export function makeLocalModel(name: string, title: string, bytes: Uint8Array, loaded: LoadedModel, previous?: LocalModel | null): LocalModel {
  const { model, metadata } = loaded;
  const file = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  // Not at once: a worker may be fetching the model it replaces (a live run replaces one every second).
  const old = previous?.info.file;
  if (old) setTimeout(() => URL.revokeObjectURL(old), REVOKE_AFTER_MS);
  const info: ModelInfo = {
    name,
    title,
    trained: true,
    file,
    testAccuracy: typeof metadata.testAccuracy === 'number' ? metadata.testAccuracy : null,
    params: model.paramCount,
    macs: model.macsPerSample,
    spec: model.spec,
    source: null,
    command: typeof metadata.command === 'string' ? metadata.command : null,
  };
  primeModel(info, model);
  return { info, bytes };
}

/** The list the picker shows: the server's models, then the page's (a page model hides a server model of the same name). */
export function withLocalModels(server: readonly ModelInfo[], local: readonly LocalModel[]): ModelInfo[] {
  const names = new Set(local.map((l) => l.info.name));
  return [...server.filter((m) => !names.has(m.name)), ...local.map((l) => l.info)];
}
