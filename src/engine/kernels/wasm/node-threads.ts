/**
 * Node's side of the kernel thread pool: spawns worker_threads that instantiate the kernel
 * module on the shared memory and park in its worker loop. Workers are unref'd once ready, so
 * an idle pool never keeps a CLI process alive. Node-only; browsers use web-threads.ts.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createWasmKernels, type FastKernels, type KernelWorker, type SpawnWorker, type WasmKernelOptions } from './index.js';

// CommonJS, evaluated by worker_threads; the message is a KernelWorkerInit.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (m) => {
  let inst;
  try {
    inst = new WebAssembly.Instance(m.module, { env: { memory: m.memory } });
    inst.exports.init(m.ctrl, 1);
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.stack) || e) });
    return;
  }
  parentPort.postMessage({ ready: true });
  inst.exports.workerLoop(m.tid, m.seen);
});
`;

export const spawnNodeWorker: SpawnWorker = (): KernelWorker => {
  const w = new Worker(WORKER_SOURCE, { eval: true, name: 'convscope-kernels' });
  // Ref'd until it answers, so a process awaiting start-up does not exit under it.
  w.once('message', () => w.unref());
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (listener) => void w.on('message', listener),
    onError: (listener) => void w.on('error', listener),
    terminate: () => void w.terminate(),
  };
};

/** Threads a Node process uses by default: every core, at most 8. */
export function defaultNodeThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** createWasmKernels with Node workers and, unless told otherwise, one thread per core. */
export function createNodeWasmKernels(opts: WasmKernelOptions = {}): Promise<FastKernels> {
  return createWasmKernels({ threads: defaultNodeThreads(), spawnWorker: spawnNodeWorker, ...opts });
}
