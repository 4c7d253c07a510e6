/**
 * Picks the kernels every layer uses: 'ts' (the plain reference), 'wasm' (SIMD, failing loudly
 * if it cannot run here) or 'auto' (SIMD where possible, else the reference). Installs the
 * choice with setKernels() and returns it. Pure: the Node entry reads the environment in
 * node-kernels.ts and passes the worker spawner in.
 */
import { ConvscopeError, SpecError } from '../../errors.js';
import { referenceKernels, setKernels } from '../index.js';
import { createWasmKernels, type FastKernels, type WasmKernelOptions } from './index.js';

export type KernelChoice = 'ts' | 'wasm' | 'auto';

export const KERNEL_CHOICES: readonly KernelChoice[] = ['ts', 'wasm', 'auto'];

/** Parses a user's choice; `where` names its source for the error (e.g. 'CONVSCOPE_KERNELS'). */
export function parseKernelChoice(value: string, where: string): KernelChoice {
  const v = value.trim().toLowerCase();
  if ((KERNEL_CHOICES as readonly string[]).includes(v)) return v as KernelChoice;
  throw new SpecError(`${where}: unknown kernels ${JSON.stringify(value)}, expected one of ${KERNEL_CHOICES.join(', ')}`);
}

export const tsKernels: FastKernels = { ...referenceKernels, threads: 1, fma: false, fallback: null, buffers: null, dispose: async () => {} };

/** Creates the chosen kernels and makes them the active ones. */
export async function selectKernels(choice: KernelChoice, opts: WasmKernelOptions = {}): Promise<FastKernels> {
  let k: FastKernels;
  if (choice === 'ts') {
    k = tsKernels;
  } else {
    k = await createWasmKernels(opts);
    if (choice === 'wasm' && k.name !== 'wasm') {
      throw new ConvscopeError(`kernels 'wasm' were asked for but cannot run here: ${k.fallback ?? 'unknown reason'}`);
    }
  }
  setKernels(k);
  return k;
}
