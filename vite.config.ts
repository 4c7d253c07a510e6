/**
 * Vite configuration of the explorer (web/): Svelte 5, built into web/dist, which the convscope
 * server serves. The dev server proxies the API and model files to a running `convscope serve`
 * and sends the same cross-origin isolation headers. It deliberately configures nothing for
 * vitest (vitest.config.ts does): should vitest ever read this file, the tests must not run with
 * web/ as their root.
 */
import { defineConfig, type UserConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
const API = process.env['CONVSCOPE_API'] ?? 'http://127.0.0.1:8080';

export default defineConfig(({ mode }): UserConfig => {
  // vitest runs in mode 'test' and must keep the repository root and its own defaults
  if (mode === 'test') return {};
  return {
    root: 'web',
    base: '/',
    plugins: [svelte({ configFile: false })],
    build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 1000 },
    server: { headers: ISOLATION, proxy: { '/api': API, '/models': API }, fs: { allow: ['..'] } },
    preview: { headers: ISOLATION },
  };
});
