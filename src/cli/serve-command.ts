/**
 * `convscope serve`: starts the explorer's server and prints its URL; runs until interrupted.
 * Thin: options are parsed and checked here, everything else is startServer's.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_PORT, startServer } from '../server/server.js';
import { processIo, type CliIo } from './io.js';
import { intOption } from './options.js';

function portOption(v: string): number {
  const n = intOption('--port', 0)(v);
  if (n > 65535) throw new InvalidArgumentError(`--port must be an integer in 0..65535, got '${v}'`);
  return n;
}

export function serveCommand(io: CliIo = processIo()): Command {
  return new Command('serve')
    .description('serve the explorer (draw a digit, watch it flow through every layer) on localhost')
    .option('--port <n>', 'port to listen on (0 picks a free one)', portOption, DEFAULT_PORT)
    .option('--host <host>', 'address to listen on (0.0.0.0 exposes it to the network)', '127.0.0.1')
    .option('--data <dir>', 'MNIST directory for the example-digit gallery (default: $CONVSCOPE_DATA)')
    .option('--models <dir>', 'directory of model files, .safetensors or .onnx; uploads are stored here (default: the shipped models/, read-only)')
    .option('--no-uploads', 'refuse POST /api/models uploads even with --models')
    .action(async (flags: { port: number; host: string; data?: string; models?: string; uploads: boolean }) => {
      const data = flags.data ?? io.env['CONVSCOPE_DATA'];
      const server = await startServer({
        port: flags.port,
        host: flags.host,
        ...(data ? { dataDir: resolve(io.cwd, data) } : {}),
        ...(flags.models !== undefined ? { modelsDir: resolve(io.cwd, flags.models) } : {}),
        ...(flags.uploads ? {} : { uploads: false }),
      });
      io.out(`convscope explorer: ${server.url}\n`);
      if (!data) io.out('no MNIST data directory given: the example gallery is off (add --data DIR or set CONVSCOPE_DATA)\n');
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1') {
        io.out(`listening on ${flags.host}: anyone who can reach it can run models${flags.models !== undefined && flags.uploads ? ' and upload model files' : ''}; there is no authentication\n`);
      }
      io.out('press Ctrl+C to stop\n');
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done, done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
