/**
 * The Node entry's kernel choice: CONVSCOPE_KERNELS=ts|wasm|auto (default auto) picks the
 * implementation, with worker_threads for the SIMD kernels' thread pool, and CONVSCOPE_FMA=on|off
 * whether the SIMD kernels fuse multiply-adds (default on where relaxed SIMD exists). Node-only.
 */
import { setFlagsFromString } from 'node:v8';
import { ConvscopeError } from '../../errors.js';
import { spawnNodeWorker, defaultNodeThreads } from './node-threads.js';
import { wasmApi } from './wasm-api.js';
import { parseKernelChoice, selectKernels, type KernelChoice } from './select.js';
import type { FastKernels, WasmKernelOptions } from './index.js';

/** The choice named by CONVSCOPE_KERNELS, or undefined when it is unset or empty. */
export function kernelChoiceFromEnv(env: Record<string, string | undefined> = process.env): KernelChoice | undefined {
  const v = env['CONVSCOPE_KERNELS'];
  return v === undefined || v.trim() === '' ? undefined : parseKernelChoice(v, 'CONVSCOPE_KERNELS');
}

/** CONVSCOPE_FMA as a boolean, or undefined when it is unset or empty. */
export function fmaFromEnv(env: Record<string, string | undefined> = process.env): boolean | undefined {
  const v = env['CONVSCOPE_FMA']?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (v === 'on' || v === '1' || v === 'true') return true;
  if (v === 'off' || v === '0' || v === 'false') return false;
  throw new ConvscopeError(`CONVSCOPE_FMA must be on or off, got ${JSON.stringify(env['CONVSCOPE_FMA'])}`);
}

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/**
 * Lets V8 compile relaxed SIMD (the kernels' FMA build): Node 20 has it behind a flag, which
 * takes effect for modules compiled after it is set; later versions validate it already.
 */
export function allowRelaxedSimd(): boolean {
  const api = wasmApi();
  if (api === undefined) return false;
  if (!api.validate(RELAXED_SIMD_PROBE)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return api.validate(RELAXED_SIMD_PROBE);
}

/**
 * Selects and installs kernels for a Node process: an explicit choice (e.g. a CLI flag) wins
 * over CONVSCOPE_KERNELS, which wins over 'auto'; an explicit fma option over CONVSCOPE_FMA.
 */
export function selectNodeKernels(choice?: KernelChoice, opts: WasmKernelOptions = {}): Promise<FastKernels> {
  const fma = opts.fma ?? fmaFromEnv();
  if (fma !== false) allowRelaxedSimd();
  return selectKernels(choice ?? kernelChoiceFromEnv() ?? 'auto', {
    threads: defaultNodeThreads(),
    spawnWorker: spawnNodeWorker,
    ...opts,
    ...(fma !== undefined ? { fma } : {}),
  });
}
