/**
 * The models the server offers: every zoo model (trained when the models directory has
 * <name>.safetensors or <name>.onnx, otherwise its spec with seeded random weights, marked
 * untrained) plus any other model file there, .safetensors or .onnx. An ONNX file is converted on
 * the way in (importOnnx) and served to the app as the safetensors bytes encodeModelFile makes of it.
 *
 * Each file is read and decoded at most once per (path, size, mtime): the outcome, model or error,
 * is kept, so a broken or absurd file costs one decode, not one per request. Decoding waits for the
 * event loop to be free first and listing decodes one file at a time, so requests already waiting
 * are answered in between. get() looks only at the requested name's two possible files, never the
 * whole directory. It writes nothing itself (model-upload.ts stores uploads, then calls remember).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Sequential } from '../nn/model.js';
import { ZOO, ZOO_NAMES } from '../models/zoo.js';
import { decodeModelFile, encodeModelFile, type ModelMetadata } from '../io/model-file.js';
import { readFileLimited } from '../io/node-atomic-write.js';
import { importOnnx } from '../io/onnx/onnx-import.js';
import { UNTRAINED_SEED, type ModelFileFormat, type ModelInfo } from './api-types.js';

/** Larger files are refused: every zoo model is under 3 MB, and the server must not be made to buffer gigabytes. */
export const MAX_SERVED_MODEL_BYTES = 64 * 1024 * 1024;

export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Where a name's weights are looked for, in order: a .safetensors file wins over an .onnx one. */
const FORMATS: readonly ModelFileFormat[] = ['safetensors', 'onnx'];

export interface RegisteredModel {
  info: ModelInfo;
  model: Sequential;
  /** changes whenever the weights may have changed (file, size and mtime), for caches keyed on predictions */
  stamp: string;
  /** for a model read from ONNX: the safetensors model file served at info.file; null otherwise */
  converted: Uint8Array | null;
}

export interface ModelFile {
  name: string;
  /** the file's name in the models directory */
  file: string;
  path: string;
  format: ModelFileFormat;
  size: number;
  mtimeMs: number;
}

export interface DecodedModel {
  model: Sequential;
  metadata: ModelMetadata;
  /** safetensors bytes of a model converted from ONNX; null for a safetensors file */
  converted: Uint8Array | null;
}

/** A model file's bytes as a model: safetensors through decodeModelFile, ONNX through importOnnx (then encoded as safetensors). */
export function decodeModelBytes(bytes: Uint8Array, file: string, format: ModelFileFormat): DecodedModel {
  if (format === 'onnx') {
    const { model, metadata } = importOnnx(bytes, file);
    return { model, metadata, converted: encodeModelFile(model, metadata) };
  }
  const { model, metadata } = decodeModelFile(bytes, file);
  return { model, metadata, converted: null };
}

const fileStamp = (f: ModelFile): string => `${f.file}:${f.size}:${f.mtimeMs}`;

export class ModelRegistry {
  /** path → the outcome of decoding the file as it was at `stamp` */
  private readonly decoded = new Map<string, { stamp: string; outcome: Promise<DecodedModel | Error> }>();
  /** name → the entry built for `stamp` (a file's stamp, or 'untrained' plus the file that failed) */
  private readonly entries = new Map<string, { stamp: string; entry: RegisteredModel }>();
  /** Files decoded so far; a remembered outcome decodes nothing (the tests count them). */
  decodes = 0;

  constructor(readonly modelsDir: string | undefined) {}

  /**
   * Every usable model, zoo models first in zoo order, then other files by name; and the files
   * that could not be used, with the reason (a broken zoo file falls back to its untrained spec).
   */
  async list(): Promise<{ models: RegisteredModel[]; problems: { file: string; error: string }[] }> {
    const files = await this.scan();
    const present = new Set([...files.values()].flat().map((f) => f.path));
    for (const path of this.decoded.keys()) if (!present.has(path)) this.decoded.delete(path);
    const names = [...ZOO_NAMES, ...[...files.keys()].filter((n) => !ZOO_NAMES.includes(n)).sort()];
    const models: RegisteredModel[] = [];
    const problems: { file: string; error: string }[] = [];
    for (const name of names) {
      const [file, ...shadowed] = files.get(name) ?? [];
      for (const s of shadowed) problems.push({ file: s.file, error: `${file.file} has the same name and is used instead; rename one of them to offer both` });
      const r = await this.resolve(name, file ?? null);
      if (r instanceof Error) {
        problems.push({ file: file?.file ?? name, error: r.message });
        continue;
      }
      models.push(r);
      if (r.info.error !== undefined && file) problems.push({ file: file.file, error: r.info.error });
    }
    return { models, problems };
  }

  async names(): Promise<string[]> {
    return (await this.list()).models.map((m) => m.info.name);
  }

  /** The model called `name`, or null when there is none (or only a file that cannot be used). */
  async get(name: string): Promise<RegisteredModel | null> {
    if (!MODEL_NAME.test(name)) return null;
    const file = await this.fileOf(name);
    if (!ZOO_NAMES.includes(name) && file === null) return null;
    const r = await this.resolve(name, file);
    return r instanceof Error ? null : r;
  }

  /** Decodes every model file in the background (at start-up), so the first requests find them ready. */
  warm(): void {
    void this.list().catch(() => undefined);
  }

  /** Records a file just written (an upload) with the model already decoded from its bytes. */
  remember(file: ModelFile, decoded: DecodedModel): void {
    this.decoded.set(file.path, { stamp: fileStamp(file), outcome: Promise.resolve(decoded) });
  }

  /** The model files directly in the models directory, by name, .safetensors before .onnx. */
  async scan(): Promise<Map<string, ModelFile[]>> {
    const out = new Map<string, ModelFile[]>();
    if (this.modelsDir === undefined) return out;
    let entries: string[];
    try {
      entries = await readdir(this.modelsDir);
    } catch {
      return out;
    }
    for (const f of entries.sort()) {
      const m = /^(.+)\.(safetensors|onnx)$/.exec(f);
      if (!m || !MODEL_NAME.test(m[1])) continue;
      const found = await this.fileAt(m[1], m[2] as ModelFileFormat);
      if (found) out.set(m[1], [...(out.get(m[1]) ?? []), found].sort((a, b) => FORMATS.indexOf(a.format) - FORMATS.indexOf(b.format)));
    }
    return out;
  }

  /** The file that gives `name` its weights (the first format present): one stat per request for most names. */
  private async fileOf(name: string): Promise<ModelFile | null> {
    for (const format of FORMATS) {
      const f = await this.fileAt(name, format);
      if (f) return f;
    }
    return null;
  }

  private async fileAt(name: string, format: ModelFileFormat): Promise<ModelFile | null> {
    if (this.modelsDir === undefined) return null;
    const file = `${name}.${format}`;
    const path = join(this.modelsDir, file);
    const st = await stat(path).catch(() => null);
    return st && st.isFile() ? { name, file, path, format, size: st.size, mtimeMs: st.mtimeMs } : null;
  }

  private decode(file: ModelFile): Promise<DecodedModel | Error> {
    const stamp = fileStamp(file);
    const hit = this.decoded.get(file.path);
    if (hit && hit.stamp === stamp) return hit.outcome;
    this.decodes++;
    const outcome = (async (): Promise<DecodedModel> => {
      if (file.size > MAX_SERVED_MODEL_BYTES) throw new Error(`${file.file} is ${file.size} bytes; the server serves model files up to ${MAX_SERVED_MODEL_BYTES} bytes`);
      const bytes = await readFileLimited(file.path, MAX_SERVED_MODEL_BYTES);
      // decoding is synchronous: let the requests that are already waiting go first
      await new Promise((resolve) => setImmediate(resolve));
      return decodeModelBytes(bytes, file.file, file.format);
    })().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    this.decoded.set(file.path, { stamp, outcome });
    return outcome;
  }

  /** The entry for `name` given its file (or none): trained from the file, else the zoo's untrained spec, else an Error. */
  private async resolve(name: string, file: ModelFile | null): Promise<RegisteredModel | Error> {
    let error: string | undefined;
    if (file) {
      const d = await this.decode(file);
      if (!(d instanceof Error)) return this.entry(name, fileStamp(file), () => trainedEntry(name, file, d));
      error = d.message;
    }
    const zoo = ZOO[name];
    // a broken file with no zoo spec to fall back on: listed as a problem, with nothing to run
    if (!zoo) return new Error(`model '${name}': ${error ?? 'no such model'}`);
    return this.entry(name, file && error !== undefined ? `untrained|${fileStamp(file)}` : 'untrained', () => {
      const model = new Sequential(zoo.spec, UNTRAINED_SEED);
      const info: ModelInfo = {
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
      };
      return { stamp: 'untrained', model, info, converted: null };
    });
  }

  private entry(name: string, stamp: string, build: () => RegisteredModel): RegisteredModel {
    const hit = this.entries.get(name);
    if (hit && hit.stamp === stamp) return hit.entry;
    const entry = build();
    this.entries.set(name, { stamp, entry });
    return entry;
  }
}

function trainedEntry(name: string, file: ModelFile, d: DecodedModel): RegisteredModel {
  const zoo = ZOO[name];
  return {
    stamp: fileStamp(file),
    model: d.model,
    converted: d.converted,
    info: {
      name,
      title: zoo?.title ?? d.metadata.name ?? name,
      trained: true,
      // the app decodes safetensors: a model read from ONNX is served converted, under the same URL
      file: `/models/${encodeURIComponent(name)}.safetensors`,
      fileFormat: file.format,
      testAccuracy: d.metadata.testAccuracy ?? null,
      params: d.model.paramCount,
      macs: d.model.macsPerSample,
      spec: d.model.spec,
      source: zoo?.source ?? null,
      command: d.metadata.command ?? null,
    },
  };
}
