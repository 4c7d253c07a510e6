/**
 * The "What it looks for" panel's Web Worker: its own engine (the WebAssembly SIMD kernels on one
 * thread; the page keeps its own for drawing), its own copy of each model (the same model file,
 * decoded with the same code), the digit set, and the job queue (looks-for-jobs.ts). Activation
 * maximisation takes seconds; here it cannot freeze the page. Messages: looks-for-protocol.ts.
 */
import { selectKernels } from '../../../src/engine/kernels/wasm/select.js';
import { LooksForJobs } from './looks-for-jobs.js';
import { loadDigitSet } from './looks-for-digits.js';
import { loadModel } from './models.js';
import type { FromWorker, ToWorker } from './looks-for-protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const kernels = selectKernels('auto', { threads: 1 }).then(
  (k) => {
    const label = k.name === 'wasm' ? 'WebAssembly SIMD, 1 thread' : 'TypeScript reference';
    scope.postMessage({ type: 'engine', label: k.fallback ? `${label} (${k.fallback})` : label, inWorker: true }, []);
  },
  (e: unknown) => scope.postMessage({ type: 'engine', label: `TypeScript reference (${e instanceof Error ? e.message : String(e)})`, inWorker: true }, []),
);

const jobs = new LooksForJobs({
  loadModel: async (info) => {
    await kernels;
    return loadModel(info);
  },
  loadDigits: (onProgress) => loadDigitSet((url) => fetch(url), undefined, onProgress),
  post: (m, transfer) => scope.postMessage(m, transfer),
  pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
  now: () => performance.now(),
});

scope.onmessage = (e) => jobs.handle(e.data);
