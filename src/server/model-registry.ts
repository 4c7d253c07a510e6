/**
 * The models the server offers: every zoo model (trained when models/<name>.safetensors exists,
 * otherwise its spec with seeded random weights, marked untrained) plus any other model file in
 * the models directory. Files are decoded and validated once and cached until they change on
 * disk. It does not train anything and never writes to the models directory.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Sequential } from '../nn/model.js';
import { ZOO, ZOO_NAMES } from '../models/zoo.js';
import { decodeModelFile } from '../io/model-file.js';
import { UNTRAINED_SEED, type ModelInfo } from './api-types.js';

/** Larger files are refused: every zoo model is under 2 MB, and the server must not be made to buffer gigabytes. */
export const MAX_SERVED_MODEL_BYTES = 64 * 1024 * 1024;

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface RegisteredModel {
  info: ModelInfo;
  model: Sequential;
  /** changes whenever the weights may have changed (file size and mtime), for caches keyed on predictions */
  stamp: string;
}

interface CacheEntry {
  stamp: string;
  entry: RegisteredModel;
}

export class ModelRegistry {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(readonly modelsDir: string | undefined) {}

  /**
   * Every usable model, zoo models first in zoo order, then other files by name; and the files
   * that could not be used, with the reason (a broken zoo file falls back to its untrained spec).
   */
  async list(): Promise<{ models: RegisteredModel[]; problems: { file: string; error: string }[] }> {
    const files = await this.modelFiles();
    const names = [...ZOO_NAMES, ...[...files.keys()].filter((n) => !ZOO_NAMES.includes(n)).sort()];
    const models: RegisteredModel[] = [];
    const problems: { file: string; error: string }[] = [];
    for (const name of names) {
      try {
        const m = await this.load(name, files);
        models.push(m);
        if (m.info.error !== undefined) problems.push({ file: `${name}.safetensors`, error: m.info.error });
      } catch (e) {
        problems.push({ file: `${name}.safetensors`, error: (e as Error).message });
      }
    }
    return { models, problems };
  }

  async names(): Promise<string[]> {
    return (await this.list()).models.map((m) => m.info.name);
  }

  /** The model called `name`, or null when there is none (or only a file that cannot be used). */
  async get(name: string): Promise<RegisteredModel | null> {
    if (!MODEL_NAME.test(name)) return null;
    const files = await this.modelFiles();
    if (!ZOO_NAMES.includes(name) && !files.has(name)) return null;
    try {
      return await this.load(name, files);
    } catch {
      return null;
    }
  }

  /** name → {path, size, mtimeMs} of each `<name>.safetensors` directly in the models directory. */
  private async modelFiles(): Promise<Map<string, { path: string; size: number; mtimeMs: number }>> {
    const out = new Map<string, { path: string; size: number; mtimeMs: number }>();
    if (this.modelsDir === undefined) return out;
    let entries: string[];
    try {
      entries = await readdir(this.modelsDir);
    } catch {
      return out;
    }
    for (const f of entries) {
      const m = /^(.+)\.safetensors$/.exec(f);
      if (!m || !MODEL_NAME.test(m[1])) continue;
      const path = join(this.modelsDir, f);
      const st = await stat(path).catch(() => null);
      if (st && st.isFile()) out.set(m[1], { path, size: st.size, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  private async load(name: string, files: Map<string, { path: string; size: number; mtimeMs: number }>): Promise<RegisteredModel> {
    const file = files.get(name);
    const stamp = file ? `${file.size}:${file.mtimeMs}` : 'untrained';
    const hit = this.cache.get(name);
    if (hit && hit.stamp === stamp) return hit.entry;
    let entry: RegisteredModel;
    let error: string | undefined;
    if (file) {
      try {
        if (file.size > MAX_SERVED_MODEL_BYTES) throw new Error(`${name}.safetensors is ${file.size} bytes; the server serves model files up to ${MAX_SERVED_MODEL_BYTES} bytes`);
        const bytes = new Uint8Array(await readFile(file.path));
        const { model, metadata } = decodeModelFile(bytes, `${name}.safetensors`);
        const zoo = ZOO[name];
        entry = {
          stamp,
          model,
          info: {
            name,
            title: zoo?.title ?? metadata.name ?? name,
            trained: true,
            file: `/models/${encodeURIComponent(name)}.safetensors`,
            testAccuracy: metadata.testAccuracy ?? null,
            params: model.paramCount,
            macs: model.macsPerSample,
            spec: model.spec,
            source: zoo?.source ?? null,
            command: metadata.command ?? null,
          },
        };
        this.cache.set(name, { stamp, entry });
        return entry;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const zoo = ZOO[name];
    if (!zoo) {
      // a broken file with no zoo spec to fall back on: list it, but with nothing to run
      throw new Error(`model '${name}': ${error ?? 'no such model'}`);
    }
    const model = new Sequential(zoo.spec, UNTRAINED_SEED);
    entry = {
      stamp,
      model,
      info: {
        name,
        title: zoo.title,
        trained: false,
        file: null,
        testAccuracy: null,
        params: model.paramCount,
        macs: model.macsPerSample,
        spec: model.spec,
        source: zoo.source,
        command: null,
        ...(error !== undefined ? { error } : {}),
      },
    };
    this.cache.set(name, { stamp, entry });
    return entry;
  }
}
