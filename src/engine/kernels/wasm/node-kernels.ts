/**
 * The Node entry's kernel choice: CONVSCOPE_KERNELS=ts|wasm|auto (default auto) picks the
 * implementation, with worker_threads for the SIMD kernels' thread pool. Node-only.
 */
import { spawnNodeWorker, defaultNodeThreads } from './node-threads.js';
import { parseKernelChoice, selectKernels, type KernelChoice } from './select.js';
import type { FastKernels, WasmKernelOptions } from './index.js';

/** The choice named by CONVSCOPE_KERNELS, or undefined when it is unset or empty. */
export function kernelChoiceFromEnv(env: Record<string, string | undefined> = process.env): KernelChoice | undefined {
  const v = env['CONVSCOPE_KERNELS'];
  return v === undefined || v.trim() === '' ? undefined : parseKernelChoice(v, 'CONVSCOPE_KERNELS');
}

/**
 * Selects and installs kernels for a Node process: an explicit choice (e.g. a CLI flag) wins
 * over CONVSCOPE_KERNELS, which wins over 'auto'.
 */
export function selectNodeKernels(choice?: KernelChoice, opts: WasmKernelOptions = {}): Promise<FastKernels> {
  return selectKernels(choice ?? kernelChoiceFromEnv() ?? 'auto', {
    threads: defaultNodeThreads(),
    spawnWorker: spawnNodeWorker,
    ...opts,
  });
}
