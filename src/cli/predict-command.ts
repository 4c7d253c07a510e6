/**
 * `convscope predict`: classify PNG or JPEG images of any size and polarity, preprocessed the way
 * MNIST was made — or, with --no-preprocess, used as they are (the model's 28×28, 0 = background,
 * 255 = ink). An unreadable or unusable image gets an error of its own; the others are still
 * classified.
 *
 * A model file with a "not a digit" calibration (convscope calibrate) also scores each image: the
 * JSON gains `notDigit` and `ood: {score, threshold, method}`, and the text says "not a digit
 * (score S > threshold T)" instead of a digit, still listing the probabilities. Without a
 * calibration the output is what it always was (no `notDigit`: false would claim a check that was
 * never made), and one line on stderr says how to add one.
 */
import { Command } from 'commander';
import { readModelFile } from '../io/node-model-file.js';
import { predict } from '../nn/predict.js';
import type { CliIo } from './io.js';
import { checkDigitModel, readDigits } from './digit-input.js';
import { resolveModelFile } from '../io/node-paths.js';
import { asciiDigit, bar } from './ascii.js';
import type { OodResult } from '../nn/ood.js';

export interface Prediction {
  file: string;
  digit: number;
  probabilities: number[];
  /** with a calibrated model only */
  notDigit?: boolean;
  ood?: OodResult;
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
    .option('--json', "print a JSON array: {file, digit, probabilities} per image (with notDigit and ood {score, threshold, method} when the model is calibrated), or {file, error}")
    .option('--show', 'draw each preprocessed 28×28 input as text')
    .option('--no-preprocess', "use each image as it is: 28×28, 0 = background, 255 = ink (MNIST's own pixels)")
    .action(async (images: string[], flags: PredictFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      checkDigitModel(model, flags.model, flags.preprocess);
      if (!model.ood) io.err(`note: ${flags.model} has no 'not a digit' calibration, so every image is read as a digit; add one with: convscope calibrate --model ${flags.model} --data DIR\n`);
      const results: (Prediction | PredictionError)[] = (await readDigits(images, io, model, flags.preprocess)).map((r) => {
        if ('error' in r) return r;
        const { digit, probabilities, ood, notDigit } = predict(model, r.pixels);
        const p: Prediction = { file: r.file, digit, probabilities: Array.from(probabilities.data, (v) => Number(v.toFixed(6))), pixels: r.pixels };
        if (ood) {
          p.notDigit = notDigit[0];
          p.ood = { score: Number(ood[0].score.toPrecision(6)), threshold: Number(ood[0].threshold.toPrecision(6)), method: ood[0].method };
        }
        return p;
      });
      if (flags.json) {
        io.out(
          JSON.stringify(
            results.map((r) => ('error' in r ? r : { file: r.file, digit: r.digit, probabilities: r.probabilities, ...(r.ood ? { notDigit: r.notDigit, ood: r.ood } : {}) })),
          ) + '\n',
        );
      } else {
        for (const r of results) {
          if ('error' in r) {
            io.out(`${r.file}: error: ${r.error}\n`);
            continue;
          }
          const confidence = `${(100 * r.probabilities[r.digit]).toFixed(1)}%`;
          if (r.ood && r.notDigit) {
            io.out(`${r.file}: not a digit (score ${r.ood.score.toFixed(2)} > threshold ${r.ood.threshold.toFixed(2)}); most like ${r.digit} (${confidence})\n`);
          } else {
            io.out(`${r.file}: ${r.digit} (${confidence})\n`);
          }
          if (flags.show && r.pixels) io.out(asciiDigit(r.pixels).map((l) => `    ${l}`).join('\n') + '\n');
          r.probabilities.forEach((p, k) => io.out(`    ${k} ${bar(p)} ${(100 * p).toFixed(1).padStart(5)}%\n`));
        }
      }
      if (results.some((r) => 'error' in r)) process.exitCode = 1;
    });
}
