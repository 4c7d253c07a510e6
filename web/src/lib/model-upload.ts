/**
 * A model file the user gives the page (file picker or drop): the same checks as the CLI's and
 * the server's loaders, in the page. The size is judged before a byte is read, then the bytes go
 * through decodeModelFile (the safetensors header, the spec and its size limits, every tensor's
 * shape, dtype and finiteness), then the explorer's own need: one 28×28 image in, ten classes out.
 * A refusal is a message saying what was wrong; nothing the app holds changes until a file passes.
 */
import { decodeModelFile, type LoadedModel } from '../../../src/io/model-file.js';
import { formatShape } from '../../../src/engine/errors.js';

/** The server's limit for the model files it serves and accepts (MAX_SERVED_MODEL_BYTES in src/server/model-registry.ts, which the page cannot import: it reads files). */
export const MAX_MODEL_UPLOAD_BYTES = 64 * 1024 * 1024;

export class ModelUploadError extends Error {
  override name = 'ModelUploadError';
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Refuses a file by its size alone, before reading it. */
export function checkUploadSize(fileName: string, size: number): void {
  if (size === 0) throw new ModelUploadError(`${fileName} is empty (0 bytes); expected a .safetensors model file`);
  if (size > MAX_MODEL_UPLOAD_BYTES) {
    throw new ModelUploadError(`${fileName} is ${mib(size)}, over the limit of ${mib(MAX_MODEL_UPLOAD_BYTES)} for a model file (the zoo's largest is under 3 MB)`);
  }
}

/** Decodes and checks a model file's bytes; throws ModelUploadError with the loader's reason. */
export function decodeUpload(fileName: string, bytes: Uint8Array): LoadedModel {
  checkUploadSize(fileName, bytes.length);
  let loaded: LoadedModel;
  try {
    loaded = decodeModelFile(bytes, fileName);
  } catch (e) {
    throw new ModelUploadError(e instanceof Error ? e.message : String(e));
  }
  const size = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);
  const { model } = loaded;
  if (size(model.inputShape) !== 28 * 28) {
    throw new ModelUploadError(`${fileName}: the model takes input ${formatShape(model.inputShape)}; the explorer runs models on one 28×28 image ([1,28,28] or [784])`);
  }
  if (size(model.outputShape) !== 10) {
    throw new ModelUploadError(`${fileName}: the model has output ${formatShape(model.outputShape)}; the explorer needs ten classes, one per digit`);
  }
  return loaded;
}

/** Reads a File from the picker or a drop and decodes it; refused files never reach the app. */
export async function readUpload(file: File): Promise<LoadedModel> {
  checkUploadSize(file.name, file.size);
  const bytes = new Uint8Array(await file.arrayBuffer());
  return decodeUpload(file.name, bytes);
}
