/** Shared test helpers: where the real data is, and an in-memory CLI io. */
/// <reference path="./provided-context.d.ts" />
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import type { CliIo } from '../src/cli/io.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/**
 * The MNIST directory test/global-setup.ts found (or downloaded) the way the CLI does. Call it in a
 * test or hook, not at a file's top level: without data it throws the loader's message, and only
 * the tests that need MNIST should fail with it.
 */
export function mnistDir(): string {
  const mnist = inject('mnist');
  if ('error' in mnist) throw new Error(mnist.error);
  return mnist.dir;
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
