/**
 * `convscope serve` option checks: a bad --port fails at the door with the flag and the value.
 * (Serving itself is covered by src/server/server.test.ts and the end-to-end tests.)
 */
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { serveCommand } from './serve-command.js';

function io(): CliIo & { errText: string } {
  const state = { errText: '' };
  return Object.assign(state, {
    out: () => {},
    err: (t: string) => {
      state.errText += t;
    },
    isTTY: false,
    env: {},
    cwd: process.cwd(),
  });
}

describe('serve --port', () => {
  for (const [value, message] of [
    ['70000', "--port must be an integer in 0..65535, got '70000'"],
    ['-1', "--port must be an integer ≥ 0, got '-1'"],
    ['eighty', "--port must be an integer ≥ 0, got 'eighty'"],
  ] as const) {
    it(`refuses --port ${value}`, async () => {
      const cliIo = io();
      const cmd = serveCommand(cliIo).exitOverride().configureOutput({ writeErr: cliIo.err, writeOut: () => {} });
      await expect(cmd.parseAsync(['--port', value], { from: 'user' })).rejects.toThrow();
      expect(cliIo.errText).toContain(message);
    });
  }
});
