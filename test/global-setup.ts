/**
 * Finds MNIST once per test run, the way the CLI does: $CONVSCOPE_DATA, then ../shared/mnist beside
 * the repository when there is one, then the user's cache (~/.cache/convscope/mnist, or under
 * $XDG_CACHE_HOME), then a checksummed download into that cache. It does not throw when there is
 * none: it hands on the loader's message, so the tests that need MNIST fail with it and the others
 * still run. Runs in vitest's main process, so it must not import vitest's runtime (nor helpers.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findDataset, formatProgress, SYSTEM_DIRS } from '../src/data/node-source.js';

const SHARED_MNIST = resolve(import.meta.dirname, '..', '..', 'shared', 'mnist');

export default async function setup(project: TestProject): Promise<void> {
  const announced = new Set<string>();
  try {
    const { dir } = await findDataset({
      dataset: 'mnist',
      systemDirs: [...SYSTEM_DIRS.mnist, ...(existsSync(SHARED_MNIST) ? [SHARED_MNIST] : [])],
      onProgress: (p) => {
        // one line per file, not one per chunk
        if (p.kind === 'download' && !announced.has(p.url)) {
          announced.add(p.url);
          process.stderr.write(`test data: ${formatProgress(p)}\n`);
        }
      },
    });
    project.provide('mnist', { dir });
  } catch (e) {
    project.provide('mnist', { error: e instanceof Error ? e.message : String(e) });
  }
}
