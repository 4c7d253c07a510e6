/**
 * The browser's side of the kernel thread pool: Web Workers started from a Blob URL (no extra
 * file for the bundler to find) that instantiate the kernel module on the shared memory and
 * park in its worker loop. Needs a cross-origin isolated page for SharedArrayBuffer; without
 * one createWasmKernels runs on one thread. DOM types are declared locally so the engine still
 * compiles without the DOM lib.
 */
import type { KernelWorker, SpawnWorker } from './index.js';

interface DomWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  terminate(): void;
}
interface DomGlobals {
  Worker?: new (url: string, options?: { name?: string }) => DomWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string };
  navigator?: { hardwareConcurrency?: number };
}

const WORKER_SOURCE = `
self.onmessage = (ev) => {
  self.onmessage = null;
  const m = ev.data;
  let inst;
  try {
    inst = new WebAssembly.Instance(m.module, { env: { memory: m.memory } });
    inst.exports.init(m.ctrl, 1);
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
    return;
  }
  self.postMessage({ ready: true });
  inst.exports.workerLoop(m.tid, m.seen);
};
`;

let workerUrl: string | undefined;

export const spawnWebWorker: SpawnWorker = (): KernelWorker => {
  const g = globalThis as DomGlobals;
  if (g.Worker === undefined || g.Blob === undefined || g.URL === undefined) {
    throw new Error('spawnWebWorker: Worker, Blob or URL is missing (not a browser?)');
  }
  workerUrl ??= g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new g.Worker(workerUrl, { name: 'convscope-kernels' });
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (listener) => w.addEventListener('message', (e) => listener(e.data)),
    onError: (listener) => w.addEventListener('error', (e) => listener(new Error(e.message ?? 'worker error'))),
    terminate: () => w.terminate(),
  };
};

/** Threads a page uses by default: the logical cores the browser reports, at most 8. */
export function defaultWebThreads(): number {
  const n = (globalThis as DomGlobals).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(8, n));
}
