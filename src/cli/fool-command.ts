/**
 * `convscope fool`: a fooling image (src/explain/fooling.ts) — seeded noise, changed by at most ε
 * per pixel, that the network calls the chosen class with near-certainty. The PNG is 28×28 in
 * MNIST polarity (0 = background, 255 = ink), as the network saw it, and the confidence of that
 * 8-bit file is reported beside the one the search reached.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { SpecError, formatShape } from '../engine/errors.js';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import { foolingImage, type FoolingOptions } from '../explain/index.js';
import { predict } from '../nn/predict.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { checkClass } from './explain-options.js';
import { grayImage, to8bit, upscale, writePng } from './png-write.js';

interface FoolFlags {
  model: string;
  class: number;
  out: string;
  seed?: number;
  steps?: number;
  confidence?: number;
  zoom: number;
  json?: boolean;
}

function probabilityOption(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError(`--confidence must be a probability in (0, 1), got '${v}'`);
  return n;
}

export function foolCommand(io: CliIo): Command {
  return new Command('fool')
    .description('a fooling image: noise the network calls a chosen digit with near-certainty')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .requiredOption('--class <digit>', 'the class the noise should be taken for', intOption('--class', 0))
    .requiredOption('--out <file.png>', 'where the image goes (28×28, 0 = background, 255 = ink)')
    .option('--seed <n>', 'seed of the noise (default 0)', intOption('--seed', 0))
    .option('--steps <n>', 'PGD steps per budget (default 100)', intOption('--steps'))
    .option('--confidence <p>', 'the probability to reach (default 0.9999)', probabilityOption)
    .option('--zoom <n>', 'pixels per input pixel in the PNG', intOption('--zoom'), 1)
    .option('--json', 'print one JSON object')
    .action(async (flags: FoolFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      if (model.inputShape.length !== 3 || model.inputShape[0] !== 1) {
        throw new SpecError(`fool draws one-channel images [1,H,W]; ${flags.model} takes ${formatShape(model.inputShape)}`);
      }
      checkClass(model, flags.model, '--class', flags.class);
      const opts: FoolingOptions = {};
      if (flags.seed !== undefined) opts.seed = flags.seed;
      if (flags.steps !== undefined) opts.steps = flags.steps;
      if (flags.confidence !== undefined) opts.confidence = flags.confidence;
      const r = foolingImage(model, flags.class, opts);
      const [, H, W] = model.inputShape as [number, number, number];
      const written = Float32Array.from(r.image, (v) => to8bit(v) / 255);
      const { probabilities, digit } = predict(model, written);
      const p = probabilities.data;
      const out = resolve(io.cwd, flags.out);
      await writePng(out, upscale(grayImage(written, W, H), flags.zoom));
      const result = {
        target: flags.class,
        confidence: Number(r.confidence.toFixed(6)),
        reached: r.reached,
        method: r.method,
        eps: r.eps,
        digit,
        writtenConfidence: Number(p[flags.class].toFixed(6)),
        probabilities: Array.from(p, (v) => Number(v.toFixed(6))),
        out,
      };
      if (flags.json) {
        io.out(JSON.stringify(result) + '\n');
        return;
      }
      io.out(
        `noise (seed ${flags.seed ?? 0}) changed by at most ε = ${r.eps} per pixel (${r.method === 'gradient' ? 'gradient ascent' : 'evolution'}): ` +
          `p(${flags.class}) = ${(100 * r.confidence).toFixed(2)}%${r.reached ? '' : ` (short of the ${(100 * (flags.confidence ?? 0.9999)).toFixed(2)}% asked for)`}\n`,
      );
      io.out(`wrote ${out} (8-bit): reads as ${digit}, p(${flags.class}) = ${(100 * p[flags.class]).toFixed(2)}%\n`);
    });
}
