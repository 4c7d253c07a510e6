/**
 * `convscope summary`: every layer's output shape and parameter count, for a zoo model or a file.
 */
import { Command } from 'commander';
import { Sequential } from '../nn/model.js';
import { ZOO } from '../models/zoo.js';
import { readModelFile } from '../io/node-model-file.js';
import type { CliIo } from './io.js';
import { resolveModelFile } from '../io/node-paths.js';
import { pct } from './progress.js';

export function summaryCommand(io: CliIo): Command {
  return new Command('summary')
    .description("print a model's layers, output shapes and parameter counts")
    .requiredOption('--model <name|file>', 'a zoo model name or a model file')
    .action(async (flags: { model: string }) => {
      const zoo = ZOO[flags.model];
      if (zoo) {
        io.out(`${zoo.name}: ${zoo.title}\n${zoo.source}\n\n${new Sequential(zoo.spec).summary()}\n`);
        return;
      }
      const path = resolveModelFile(flags.model, io.cwd);
      const { model, metadata } = await readModelFile(path);
      const lines = [`${path}${metadata.name ? ` (${metadata.name})` : ''}`];
      if (metadata.testAccuracy !== undefined) lines.push(`test accuracy: ${pct(metadata.testAccuracy)}${metadata.dataset ? ` on ${metadata.dataset.name}` : ''}`);
      if (metadata.command) lines.push(`trained with: ${metadata.command}`);
      io.out(`${lines.join('\n')}\n\n${model.summary()}\n`);
    });
}
