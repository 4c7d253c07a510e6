// Runs the CLI from source in a child process (tests that need real signals).
import { runCli } from '../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
