/**
 * `convscope predict`: classify PNG or JPEG images of any size and polarity, preprocessed the way
 * MNIST was made. An unreadable image gets an error of its own; the others are still classified.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { Tensor } from '../engine/tensor.js';
import { readImageFile } from '../data/node-image.js';
import { preprocessDigit } from '../data/preprocess.js';
import { readModelFile } from '../io/node-model-file.js';
import type { CliIo } from './io.js';
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
}

export function predictCommand(io: CliIo): Command {
  return new Command('predict')
    .description('classify PNG or JPEG images of handwritten digits (any size, dark-on-light or light-on-dark)')
    .argument('<images...>', 'image files')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .option('--json', 'print a JSON array: {file, digit, probabilities} per image, or {file, error}')
    .option('--show', 'draw each preprocessed 28×28 input as text')
    .action(async (images: string[], flags: PredictFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      const results: (Prediction | PredictionError)[] = [];
      for (const file of images) {
        try {
          const img = await readImageFile(resolve(io.cwd, file));
          const pre = preprocessDigit(img, { range: '0..255' });
          if (pre.empty) throw new Error('no ink found: the image is blank or has too little contrast');
          const probs = model.predict(new Tensor([1, 1, 28, 28], pre.pixels)).data;
          let digit = 0;
          for (let k = 1; k < probs.length; k++) if (probs[k] > probs[digit]) digit = k;
          results.push({ file, digit, probabilities: Array.from(probs, (p) => Number(p.toFixed(6))), pixels: pre.pixels });
        } catch (e) {
          results.push({ file, error: (e as Error).message });
        }
      }
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
