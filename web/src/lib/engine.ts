/**
 * The explorer's kernels: the WebAssembly SIMD ones where the browser has them (the same code the
 * CLI runs), the plain-TypeScript reference until they are ready and wherever they are missing.
 * Single digits keep every op under the threads' work threshold, so one worker beside the page
 * is plenty; a page that is not cross-origin isolated runs them on one thread.
 */
import { selectKernels } from '../../../src/engine/kernels/wasm/select.js';
import { defaultWebThreads, spawnWebWorker } from '../../../src/engine/kernels/wasm/web-threads.js';

export interface EngineInfo {
  /** e.g. "WebAssembly SIMD, 2 threads" or "TypeScript reference" */
  label: string;
  /** why the fast kernels are not (fully) in use, or null */
  fallback: string | null;
}

/** Installs the fastest kernels this page can run and says which they are; never throws. */
export async function startFastKernels(): Promise<EngineInfo> {
  try {
    const k = await selectKernels('auto', { threads: Math.min(2, defaultWebThreads()), spawnWorker: spawnWebWorker });
    const label = k.name === 'wasm' ? `WebAssembly SIMD, ${k.threads} thread${k.threads === 1 ? '' : 's'}` : 'TypeScript reference';
    return { label, fallback: k.fallback };
  } catch (e) {
    return { label: 'TypeScript reference', fallback: e instanceof Error ? e.message : String(e) };
  }
}
