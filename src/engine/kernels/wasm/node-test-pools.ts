/**
 * Test support: the kernel configurations the elementwise and optimizer tests hold against the
 * reference — one thread on a plain memory (every array copied in and out), then 2 and 3 threads
 * on a shared one with every op split. Node-only (worker_threads); nothing in the engine imports it.
 */
import { createWasmKernels, type FastKernels } from './index.js';
import { spawnNodeWorker } from './node-threads.js';

export async function threadPools(): Promise<FastKernels[]> {
  return [
    await createWasmKernels({ sharedMemory: false }),
    await createWasmKernels({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 }),
    await createWasmKernels({ threads: 3, spawnWorker: spawnNodeWorker, minParallelWork: 0 }),
  ];
}
