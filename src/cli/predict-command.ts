/**
 * `convscope predict`: classify PNG or JPEG images of any size and polarity, preprocessed the way
 * MNIST was made — or, with --no-preprocess, used as they are (the model's 28×28, 0 = background,
 * 255 = ink). An unreadable or unusable image gets an error of its own; the others are still
 * classified.
 */
import { Command } from 'commander';
import { readModelFile } from '../io/node-model-file.js';
import { predict } from '../nn/predict.js';
import type { CliIo } from './io.js';
import { checkDigitModel, readDigits } from './digit-input.js';
import { resolveModelFile } from '../io/node-paths.js';
import { asciiDigit, bar } from './ascii.js';

export interface Prediction {
  file: string;
  digit: number;
  probabilities: number[];
  /** the preprocessed 28×28 input (not in the JSON output) */
  pixels?: Float32Array;
}

export interface PredictionError {
  file: string;
  error: string;
}

interface PredictFlags {
  model: string;
  json?: boolean;
  show?: boolean;
  /** false with --no-preprocess */
  preprocess: boolean;
}

export function predictCommand(io: CliIo): Command {
  return new Command('predict')
    .description('classify PNG or JPEG images of handwritten digits (any size, dark-on-light or light-on-dark)')
    .argument('<images...>', 'image files')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .option('--json', 'print a JSON array: {file, digit, probabilities} per image, or {file, error}')
    .option('--show', 'draw each preprocessed 28×28 input as text')
    .option('--no-preprocess', "use each image as it is: 28×28, 0 = background, 255 = ink (MNIST's own pixels)")
    .action(async (images: string[], flags: PredictFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      checkDigitModel(model, flags.model, flags.preprocess);
      const results: (Prediction | PredictionError)[] = (await readDigits(images, io, model, flags.preprocess)).map((r) => {
        if ('error' in r) return r;
        const { digit, probabilities } = predict(model, r.pixels);
        return { file: r.file, digit, probabilities: Array.from(probabilities.data, (p) => Number(p.toFixed(6))), pixels: r.pixels };
      });
      if (flags.json) {
        io.out(JSON.stringify(results.map((r) => ('error' in r ? r : { file: r.file, digit: r.digit, probabilities: r.probabilities }))) + '\n');
      } else {
        for (const r of results) {
          if ('error' in r) {
            io.out(`${r.file}: error: ${r.error}\n`);
            continue;
          }
          io.out(`${r.file}: ${r.digit} (${(100 * r.probabilities[r.digit]).toFixed(1)}%)\n`);
          if (flags.show && r.pixels) io.out(asciiDigit(r.pixels).map((l) => `    ${l}`).join('\n') + '\n');
          r.probabilities.forEach((p, k) => io.out(`    ${k} ${bar(p)} ${(100 * p).toFixed(1).padStart(5)}%\n`));
        }
      }
      if (results.some((r) => 'error' in r)) process.exitCode = 1;
    });
}
