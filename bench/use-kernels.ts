/**
 * The one place the benchmark picks convscope's kernels: the plain-TS reference or the
 * WebAssembly SIMD kernels on a given number of threads. Everything else in bench/ only sees
 * `useKernels` and `KernelInfo`, so a change in the kernels' selection API is fixed here alone.
 * It installs kernels; it does not measure them (bench/kernels.ts does).
 */
import { referenceKernels, setKernels } from '../src/engine/kernels/index.js';
import { selectKernels } from '../src/engine/kernels/wasm/select.js';
import { spawnNodeWorker } from '../src/engine/kernels/wasm/node-threads.js';
import { allowRelaxedSimd } from '../src/engine/kernels/wasm/node-kernels.js';

export type KernelKind = 'ts' | 'wasm';

export interface KernelRequest {
  kind: KernelKind;
  /** threads per op (wasm only) */
  threads: number;
  /** fused multiply-add from relaxed SIMD, where the host has it (wasm only; the library's default) */
  fma: boolean;
}

/** What was installed: may be less than asked (e.g. one thread), with the reason in `fallback`. */
export interface KernelInfo {
  name: string;
  threads: number;
  fma: boolean;
  fallback: string | null;
}

export interface InstalledKernels {
  readonly info: KernelInfo;
  /** Stops the kernels' workers and puts the reference kernels back. */
  release(): Promise<void>;
}

/** Installs the requested kernels as the active ones for every layer. */
export async function useKernels(req: KernelRequest): Promise<InstalledKernels> {
  // what selectNodeKernels does for users: Node 20 validates relaxed SIMD only behind a V8 flag
  if (req.kind === 'wasm' && req.fma) allowRelaxedSimd();
  const k = await selectKernels(req.kind, req.kind === 'wasm' ? { threads: req.threads, fma: req.fma, spawnWorker: spawnNodeWorker } : {});
  return {
    info: { name: k.name, threads: k.threads, fma: k.fma, fallback: k.fallback },
    async release() {
      setKernels(referenceKernels);
      await k.dispose();
    },
  };
}

/** A short label for tables: `ts`, `wasm 1T`, `wasm 2T fma`. */
export function kernelLabel(req: KernelRequest): string {
  return req.kind === 'ts' ? 'ts' : `wasm ${req.threads}T${req.fma ? ' fma' : ''}`;
}
