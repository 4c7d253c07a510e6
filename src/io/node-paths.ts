/**
 * Where the package's own files live (shipped models, example images), found relative to this
 * module so it works from src/ (tests) and dist/ (installed) alike, and how a `--model` argument
 * names a model: a file path, or the name of a shipped model.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvscopeError } from '../engine/errors.js';
import { ZOO_NAMES } from '../models/zoo.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODELS_DIR = join(PACKAGE_ROOT, 'models');
export const EXAMPLES_DIR = join(PACKAGE_ROOT, 'examples');

/** A path to an existing model file: the argument itself, or a shipped model when it names one. */
export function resolveModelFile(arg: string, cwd: string): string {
  const asPath = resolve(cwd, arg);
  if (existsSync(asPath)) return asPath;
  if (ZOO_NAMES.includes(arg)) {
    const shipped = join(MODELS_DIR, `${arg}.safetensors`);
    if (existsSync(shipped)) return shipped;
    throw new ConvscopeError(`the shipped model '${arg}' is missing (${shipped}); train one with: convscope train --model ${arg} --out ${arg}.safetensors`);
  }
  throw new ConvscopeError(`model file ${asPath} does not exist; pass a .safetensors or .onnx file or a shipped model name (${ZOO_NAMES.join(', ')})`);
}
