/**
 * Reading and writing model files on disk (Node only): size-limited reads, atomic writes
 * (temp file, fsync, rename), so an interrupted save never destroys the previous file.
 */
import type { Sequential } from '../nn/model.js';
import { decodeModelFile, encodeModelFile, type LoadedModel, type ModelMetadata } from './model-file.js';
import { readFileLimited, writeFileAtomic } from './node-atomic-write.js';
import { importOnnx } from './onnx/onnx-import.js';

/** Far above any zoo model (LeNet is 1.7 MB) and far below what would exhaust memory. */
export const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;

/** A .safetensors model file, or an .onnx model converted on the way in (onnx/onnx-import.ts). */
export async function readModelFile(path: string): Promise<LoadedModel> {
  const bytes = await readFileLimited(path, MAX_MODEL_FILE_BYTES);
  if (path.toLowerCase().endsWith('.onnx')) {
    const { model, metadata } = importOnnx(bytes, path);
    return { model, metadata, extras: {} };
  }
  return decodeModelFile(bytes, path);
}

export async function writeModelFile(path: string, model: Sequential, metadata: ModelMetadata, extras: Record<string, Float32Array> = {}): Promise<void> {
  await writeFileAtomic(path, encodeModelFile(model, metadata, extras));
}
