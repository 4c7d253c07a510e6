/**
 * convscope for Node: the platform-neutral API plus files, data sets and the shipped models.
 *
 *   import { loadModel, predictDigit } from 'convscope';
 *   const model = await loadModel('lenet');
 *   const { digit, probabilities } = predictDigit(model, pixels28x28);
 */
export * from './browser.js';
export { readModelFile, writeModelFile } from './io/node-model-file.js';
/** Picks the kernels for this process: 'wasm' (SIMD on worker threads), 'ts' or 'auto' (default: $CONVSCOPE_KERNELS, else auto). */
export { selectNodeKernels } from './engine/kernels/wasm/node-kernels.js';
export { loadDataset } from './data/node-source.js';
export { readImageFile } from './data/node-image.js';
export { MODELS_DIR, resolveModelFile } from './io/node-paths.js';
import { readModelFile } from './io/node-model-file.js';
import { resolveModelFile } from './io/node-paths.js';
import type { Sequential } from './nn/model.js';

/** Loads a model file, or a shipped model by name ('mlp', 'tiny', 'lenet', 'cnn'). */
export async function loadModel(pathOrName: string): Promise<Sequential> {
  return (await readModelFile(resolveModelFile(pathOrName, process.cwd()))).model;
}
