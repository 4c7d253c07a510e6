/**
 * Test configuration, kept apart from the explorer's vite.config.ts. Generous timeouts: CI runs on
 * two shared cores, and several tests train on real MNIST.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
