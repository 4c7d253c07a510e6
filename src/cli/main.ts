/**
 * The `convscope` command line: a thin layer that parses arguments, calls the library and prints.
 * runCli() returns the exit code instead of exiting, so tests run commands in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import { selectNodeKernels, kernelChoiceFromEnv } from '../engine/kernels/wasm/node-kernels.js';
import { parseKernelChoice, type KernelChoice } from '../engine/kernels/wasm/select.js';
import type { FastKernels } from '../engine/kernels/wasm/index.js';
import { intOption } from './options.js';
import { ConvscopeError } from '../engine/errors.js';
import { referenceKernels, setKernels } from '../engine/kernels/index.js';
import { processIo, type CliIo } from './io.js';
import { trainCommand } from './train-command.js';
import { evaluateCommand } from './evaluate-command.js';
import { predictCommand } from './predict-command.js';
import { summaryCommand } from './summary-command.js';
import { demoCommand } from './demo-command.js';
import { serveCommand } from './serve-command.js';
import { explainCommand } from './explain-command.js';
import { dreamCommand } from './dream-command.js';
import { attackCommand } from './attack-command.js';
import { foolCommand } from './fool-command.js';
import { exportCommand } from './export-command.js';
import { calibrateCommand } from './calibrate-command.js';
import { embedCommand } from './embed-command.js';
import { compareCommand } from './compare-command.js';
import { readCommand } from './read-command.js';

export function buildProgram(io: CliIo, argv: readonly string[], active: { kernels?: FastKernels } = {}): Command {
  const program = new Command('convscope')
    .description('handwritten-digit recognition with neural networks you can see through')
    .version('0.1.0')
    .addOption(
      new Option('--kernels <choice>', 'compute kernels: wasm (SIMD, all cores), ts (plain reference) or auto; default $CONVSCOPE_KERNELS, else auto')
        .choices(['ts', 'wasm', 'auto']),
    )
    .option('--threads <n>', 'threads for the wasm kernels (default: one per core)', intOption('--threads'))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  // Kernels are chosen once, before any command runs, and released when runCli returns.
  program.hook('preAction', async () => {
    const opts = program.opts<{ kernels?: KernelChoice; threads?: number }>();
    const env = io.env['CONVSCOPE_KERNELS'];
    const choice = opts.kernels ?? (env ? parseKernelChoice(env, 'CONVSCOPE_KERNELS') : kernelChoiceFromEnv({}));
    active.kernels = await selectNodeKernels(choice, opts.threads !== undefined ? { threads: opts.threads } : {});
  });
  for (const cmd of [trainCommand(io, argv), evaluateCommand(io), predictCommand(io), summaryCommand(io), serveCommand(io), demoCommand(io), explainCommand(io), dreamCommand(io), attackCommand(io), foolCommand(io), exportCommand(io), calibrateCommand(io), embedCommand(io), compareCommand(io), readCommand(io)]) {
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).exitOverride().showHelpAfterError('(run with --help for usage)');
    program.addCommand(cmd);
  }
  return program;
}

/** Runs the CLI on argv (without 'node' and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  process.exitCode = undefined;
  const active: { kernels?: FastKernels } = {};
  const program = buildProgram(io, argv, active);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConvscopeError) {
      io.err(`convscope: ${e.message}\n`);
      return 1;
    }
    io.err(`convscope: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  } finally {
    process.exitCode = undefined;
    if (active.kernels) {
      await active.kernels.dispose();
      setKernels(referenceKernels);
    }
  }
}
