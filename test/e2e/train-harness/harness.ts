/**
 * Builds the training harness (index.html + main.ts here, the real worker and kernels) into a
 * temporary folder with Vite, and serves it with the project's own server, which adds the
 * cross-origin isolation headers and the /api/data routes the worker fetches MNIST from.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { startServer, type RunningServer, type ServerOptions } from '../../../src/server/server.js';

/** `dataSearch` limits where the server looks beyond dataDir (the tests keep it to dataDir). */
export async function serveTrainHarness(dataDir: string, dataSearch?: ServerOptions['dataSearch']): Promise<RunningServer> {
  const outDir = mkdtempSync(join(tmpdir(), 'convscope-train-harness-'));
  await build({
    configFile: false,
    root: import.meta.dirname,
    base: '/',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 4000 },
  });
  return startServer({ port: 0, webDir: outDir, dataDir, log: () => {}, ...(dataSearch ? { dataSearch } : {}) });
}
