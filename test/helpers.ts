/** Shared test helpers: where the real data is, and an in-memory CLI io. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliIo } from '../src/cli/io.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** The canonical MNIST files: $CONVSCOPE_DATA, else ../shared/mnist beside the repository. */
export function mnistDir(): string {
  const dir = process.env['CONVSCOPE_DATA'] ?? resolve(REPO_ROOT, '..', 'shared', 'mnist');
  if (!existsSync(join(dir, 't10k-labels-idx1-ubyte.gz')) && !existsSync(join(dir, 't10k-labels-idx1-ubyte'))) {
    throw new Error(`MNIST not found in ${dir}: tests read the real data from ../shared/mnist (or set CONVSCOPE_DATA)`);
  }
  return dir;
}

export function tempDir(prefix = 'convscope-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CapturedIo extends CliIo {
  stdout: string;
  stderr: string;
}

export function captureIo(cwd: string, env: Record<string, string | undefined> = {}): CapturedIo {
  const io: CapturedIo = {
    stdout: '',
    stderr: '',
    out: (t) => {
      io.stdout += t;
    },
    err: (t) => {
      io.stderr += t;
    },
    isTTY: false,
    env,
    cwd,
  };
  return io;
}
