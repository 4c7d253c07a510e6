/**
 * Reading and writing model files on disk (Node only): size-limited reads, atomic writes
 * (temp file, fsync, rename), so an interrupted save never destroys the previous file, and no
 * write of a file that loading would refuse for a NaN or infinite value.
 */
import { NumericError } from '../engine/errors.js';
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

/** The first tensor the file would hold with a NaN or ±∞ in it (weights, state, extras, calibration), or null. */
export function firstNonFiniteTensor(model: Sequential, extras: Record<string, Float32Array> = {}): { name: string; index: number; value: number } | null {
  const tensors: [string, Float32Array][] = [
    ...[...model.params, ...model.buffers].map((t): [string, Float32Array] => [t.name, t.value.data]),
    ...Object.entries(extras).map(([k, v]): [string, Float32Array] => [`extra.${k}`, v]),
  ];
  if (model.ood?.means) tensors.push(['extra.ood.means', model.ood.means]);
  if (model.ood?.precision) tensors.push(['extra.ood.precision', model.ood.precision]);
  for (const [name, data] of tensors) {
    const index = data.findIndex((v) => !Number.isFinite(v));
    if (index >= 0) return { name, index, value: data[index]! };
  }
  return null;
}

/**
 * Writes a model file atomically. Refuses, before touching the disk, a model with a NaN or
 * infinite value anywhere: loading would refuse that file, so writing it would only destroy the
 * previous good one.
 */
export async function writeModelFile(path: string, model: Sequential, metadata: ModelMetadata, extras: Record<string, Float32Array> = {}): Promise<void> {
  const bad = firstNonFiniteTensor(model, extras);
  if (bad) {
    throw new NumericError(`refusing to write ${path}: ${bad.name}[${bad.index}] is ${bad.value}, and a model file's values must be finite; the file there (if any) is left as it was`);
  }
  await writeFileAtomic(path, encodeModelFile(model, metadata, extras));
}
