/**
 * The Map view's Web Worker: its own engine (the WebAssembly SIMD kernels on one thread; the page
 * keeps its own for drawing), its own copy of each model (the same model file, decoded with the
 * same code), the digit sets, and the job queue (map-jobs.ts). Thousands of forward passes, PCA
 * and UMAP take seconds; here they cannot freeze the page. Messages: map-protocol.ts.
 */
import { selectKernels } from '../../../src/engine/kernels/wasm/select.js';
import { MapJobs } from './map-jobs.js';
import { loadDigitSet } from './looks-for-digits.js';
import { loadModel } from './models.js';
import { SYNTHETIC_MAP_DIGITS, type FromMapWorker, type ToMapWorker } from './map-protocol.js';

interface WorkerScope {
  postMessage(message: FromMapWorker, transfer: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent<ToMapWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const kernels = selectKernels('auto', { threads: 1 }).then(
  (k) => {
    const label = k.name === 'wasm' ? 'WebAssembly SIMD, 1 thread' : 'TypeScript reference';
    scope.postMessage({ type: 'engine', label: k.fallback ? `${label} (${k.fallback})` : label, inWorker: true }, []);
  },
  (e: unknown) => scope.postMessage({ type: 'engine', label: `TypeScript reference (${e instanceof Error ? e.message : String(e)})`, inWorker: true }, []),
);

const jobs = new MapJobs({
  loadModel: async (info) => {
    await kernels;
    return loadModel(info);
  },
  loadDigits: (count, onProgress) => loadDigitSet((url) => fetch(url), count, onProgress, SYNTHETIC_MAP_DIGITS),
  post: (m, transfer) => scope.postMessage(m, transfer),
  pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
  now: () => performance.now(),
});

scope.onmessage = (e) => jobs.handle(e.data);
