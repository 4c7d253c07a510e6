/**
 * Test configuration, kept apart from the explorer's vite.config.ts. Generous timeouts: CI runs on
 * two shared cores, and several tests train on real MNIST.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/**/*.test.ts'],
    // Node 20 validates relaxed SIMD (the kernels' FMA build) only behind this flag; with it the
    // FMA variants are tested too instead of skipped.
    execArgv: ['--experimental-wasm-relaxed-simd'],
    setupFiles: ['test/fast-check-setup.ts'],
    // finds MNIST once (CONVSCOPE_DATA, ../shared/mnist, the cache, else a checksummed download)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
