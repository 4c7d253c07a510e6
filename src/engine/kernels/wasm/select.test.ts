/**
 * Choosing kernels: parsing the choice, installing it, falling back (and saying why) where
 * WebAssembly, SIMD, SharedArrayBuffer or a worker spawner is missing, and the Node env switch.
 */
import { afterEach, expect, test } from 'vitest';
import { kernels, referenceKernels, setKernels } from '../index.js';
import { createWasmKernels, type KernelWorker } from './index.js';
import { allowRelaxedSimd, fmaFromEnv, kernelChoiceFromEnv, selectNodeKernels } from './node-kernels.js';
import { parseKernelChoice, selectKernels } from './select.js';
import { decodeBase64 } from './wasm-api.js';

const g = globalThis as Record<string, unknown>;
afterEach(() => {
  setKernels(referenceKernels);
});

/** Runs fn with globalThis[name] removed, restoring it afterwards. */
async function without<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const saved = g[name];
  delete g[name];
  try {
    return await fn();
  } finally {
    g[name] = saved;
  }
}

test('parseKernelChoice accepts ts, wasm, auto (any case, spaces trimmed) and names the source of a bad value', () => {
  expect(parseKernelChoice(' WASM ', 'x')).toBe('wasm');
  expect(parseKernelChoice('ts', 'x')).toBe('ts');
  expect(parseKernelChoice('auto', 'x')).toBe('auto');
  expect(() => parseKernelChoice('gpu', 'CONVSCOPE_KERNELS')).toThrow('CONVSCOPE_KERNELS: unknown kernels "gpu", expected one of ts, wasm, auto');
});

test('selectKernels installs what it returns', async () => {
  const w = await selectKernels('wasm');
  expect(kernels()).toBe(w);
  expect(w.name).toBe('wasm');
  const t = await selectKernels('ts');
  expect(kernels()).toBe(t);
  expect(t.name).toBe('ts');
  expect(t.gemm).toBe(referenceKernels.gemm);
  await w.dispose();
});

test('without WebAssembly: auto falls back to the reference and says why; wasm refuses', async () => {
  await without('WebAssembly', async () => {
    const k = await createWasmKernels({ threads: 2 });
    expect(k.name).toBe('ts');
    expect(k.fallback).toBe('WebAssembly is not available in this environment');
    expect((await selectKernels('auto')).name).toBe('ts');
    await expect(selectKernels('wasm')).rejects.toThrow("kernels 'wasm' were asked for but cannot run here: WebAssembly is not available");
  });
});

test('without SIMD support: the reference kernels, with the reason', async () => {
  const wa = g['WebAssembly'] as { validate: (b: Uint8Array) => boolean };
  const saved = wa.validate;
  wa.validate = () => false;
  try {
    const k = await createWasmKernels();
    expect(k.name).toBe('ts');
    expect(k.fallback).toBe('WebAssembly SIMD (128-bit) is not supported by this engine');
  } finally {
    wa.validate = saved;
  }
});

test('without SharedArrayBuffer, or without a worker spawner: SIMD on one thread, with the reason', async () => {
  const k1 = await without('SharedArrayBuffer', () => createWasmKernels({ threads: 2, spawnWorker: () => { throw new Error('must not spawn'); } }));
  expect(k1.name).toBe('wasm');
  expect(k1.threads).toBe(1);
  expect(k1.fallback).toMatch(/^threads: SharedArrayBuffer is unavailable/);
  const k2 = await createWasmKernels({ threads: 2 });
  expect(k2.threads).toBe(1);
  expect(k2.fallback).toBe('threads: no spawnWorker was given, running 1 thread instead of 2');
  const c = new Float32Array(1);
  k2.gemm(c, new Float32Array([2]), new Float32Array([3]), { M: 1, N: 1, K: 1 });
  expect(c[0]).toBe(6);
});

test('a worker that fails to start: one thread, and the worker error in the reason', async () => {
  let terminated = 0;
  const broken = (): KernelWorker => {
    let onMessage: ((m: unknown) => void) | undefined;
    return {
      postMessage: () => queueMicrotask(() => onMessage?.({ error: 'RuntimeError: no memory' })),
      onMessage: (l) => {
        onMessage = l;
      },
      onError: () => {},
      terminate: () => {
        terminated++;
      },
    };
  };
  const k = await createWasmKernels({ threads: 3, spawnWorker: broken });
  expect(k.threads).toBe(1);
  expect(k.fallback).toBe('threads: workers failed to start (kernel worker 1: RuntimeError: no memory), running 1 thread');
  expect(terminated).toBe(2);
});

test('fma where relaxed SIMD is missing: plain mul+add, with the reason only when it was asked for', async () => {
  const wa = g['WebAssembly'] as { validate: (b: Uint8Array) => boolean };
  const saved = wa.validate;
  // the FMA builds are the ones that fail: pretend relaxed SIMD is missing by refusing 0xfd 0x85 0x02
  wa.validate = (b) => !hasRelaxedMadd(b) && saved.call(wa, b);
  try {
    const asked = await createWasmKernels({ fma: true });
    expect(asked.name).toBe('wasm');
    expect(asked.fma).toBe(false);
    expect(asked.fallback).toMatch(/^fma: relaxed SIMD is not supported here/);
    const byDefault = await createWasmKernels();
    expect(byDefault.fma).toBe(false);
    expect(byDefault.fallback).toBeNull();
    await asked.dispose();
    await byDefault.dispose();
  } finally {
    wa.validate = saved;
  }
});

function hasRelaxedMadd(b: Uint8Array): boolean {
  for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) return true;
  return false;
}

test('fma is the default where relaxed SIMD validates (selectNodeKernels enables it on Node 20); false turns it off', async () => {
  expect(allowRelaxedSimd()).toBe(true);
  const k = await createWasmKernels();
  expect(k.fma).toBe(true);
  const off = await createWasmKernels({ fma: false });
  expect(off.fma).toBe(false);
  expect(off.fallback).toBeNull();
  const node = await selectNodeKernels('wasm', { threads: 1, fma: false });
  expect(node.fma).toBe(false);
  await Promise.all([k.dispose(), off.dispose(), node.dispose()]);
});

test('CONVSCOPE_FMA: on/off (1/0, true/false), unset or empty means the default; anything else is refused', () => {
  expect(fmaFromEnv({})).toBeUndefined();
  expect(fmaFromEnv({ CONVSCOPE_FMA: ' ' })).toBeUndefined();
  expect(fmaFromEnv({ CONVSCOPE_FMA: 'on' })).toBe(true);
  expect(fmaFromEnv({ CONVSCOPE_FMA: 'OFF' })).toBe(false);
  expect(fmaFromEnv({ CONVSCOPE_FMA: '0' })).toBe(false);
  expect(() => fmaFromEnv({ CONVSCOPE_FMA: 'fast' })).toThrow('CONVSCOPE_FMA must be on or off, got "fast"');
});

test('CONVSCOPE_KERNELS: unset or empty means no choice; a bad value is refused', () => {
  expect(kernelChoiceFromEnv({})).toBeUndefined();
  expect(kernelChoiceFromEnv({ CONVSCOPE_KERNELS: '' })).toBeUndefined();
  expect(kernelChoiceFromEnv({ CONVSCOPE_KERNELS: 'ts' })).toBe('ts');
  expect(() => kernelChoiceFromEnv({ CONVSCOPE_KERNELS: 'fast' })).toThrow('CONVSCOPE_KERNELS: unknown kernels "fast"');
});

test('selectNodeKernels: an explicit choice wins over the environment', async () => {
  const saved = process.env['CONVSCOPE_KERNELS'];
  process.env['CONVSCOPE_KERNELS'] = 'wasm';
  try {
    expect((await selectNodeKernels('ts')).name).toBe('ts');
    const k = await selectNodeKernels(undefined, { threads: 2 });
    expect(k.name).toBe('wasm');
    expect(k.threads).toBe(2);
    await k.dispose();
  } finally {
    if (saved === undefined) delete process.env['CONVSCOPE_KERNELS'];
    else process.env['CONVSCOPE_KERNELS'] = saved;
  }
});

test('decodeBase64 agrees with Buffer for every padding length and refuses junk', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 255);
    expect(Array.from(decodeBase64(Buffer.from(bytes).toString('base64')))).toEqual(Array.from(bytes));
  }
  expect(() => decodeBase64('ab$d')).toThrow('decodeBase64: character "$" at 2 is not base64');
});
