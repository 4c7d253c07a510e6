/**
 * `convscope demo`: loads the shipped LeNet, classifies a few digits and draws each as text with
 * the prediction. Digits come from the MNIST test set when a data directory is at hand, otherwise
 * from the example images in examples/ (drawn by scripts/draw-examples.ts, not taken from MNIST).
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { readModelFile } from '../io/node-model-file.js';
import { predict } from '../nn/predict.js';
import { readImageFile } from '../data/node-image.js';
import { preprocessDigit } from '../data/preprocess.js';
import { loadDataset } from '../data/node-source.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { EXAMPLES_DIR, resolveModelFile } from '../io/node-paths.js';
import { asciiDigit } from './ascii.js';

interface Sample {
  source: string;
  pixels: Float32Array;
  label?: number;
}

async function testDigits(dir: string, count: number): Promise<Sample[]> {
  const data = await loadDataset({ dataset: 'mnist', dataDir: dir, download: false });
  const per = 28 * 28;
  return Array.from({ length: count }, (_, k) => {
    const i = (k * 997) % data.test.n;
    return {
      source: `MNIST test #${i}`,
      pixels: Float32Array.from(data.test.images.subarray(i * per, (i + 1) * per), (v) => v / 255),
      label: data.test.labels[i],
    };
  });
}

async function exampleDigits(count: number): Promise<Sample[]> {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().slice(0, count);
  const out: Sample[] = [];
  for (const f of files) {
    const pre = preprocessDigit(await readImageFile(join(EXAMPLES_DIR, f)), { range: '0..255' });
    const label = /^(\d)/.exec(f)?.[1];
    out.push({ source: `examples/${f}`, pixels: pre.pixels, ...(label !== undefined ? { label: Number(label) } : {}) });
  }
  return out;
}

export function demoCommand(io: CliIo): Command {
  return new Command('demo')
    .description('classify a few digits with the shipped LeNet and draw them as text')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .option('--data <dir>', 'MNIST directory to take test digits from (default: $CONVSCOPE_DATA)')
    .option('--count <n>', 'how many digits', intOption('--count'), 4)
    .action(async (flags: { model: string; data?: string; count: number }) => {
      const path = resolveModelFile(flags.model, io.cwd);
      const { model, metadata } = await readModelFile(path);
      const dir = flags.data ?? io.env['CONVSCOPE_DATA'];
      let samples: Sample[];
      if (dir) samples = await testDigits(resolve(io.cwd, dir), flags.count);
      else samples = await exampleDigits(flags.count);
      io.out(`${metadata.name ?? path}${metadata.testAccuracy !== undefined ? ` (test accuracy ${(100 * metadata.testAccuracy).toFixed(2)}%)` : ''}\n\n`);
      for (const s of samples) {
        const { digit, probabilities } = predict(model, s.pixels);
        const probs = probabilities.data;
        const verdict = s.label === undefined ? '' : s.label === digit ? ' ✓' : ` ✗ (label ${s.label})`;
        io.out(`${s.source}: predicted ${digit} with ${(100 * probs[digit]).toFixed(1)}%${verdict}\n`);
        io.out(asciiDigit(s.pixels).map((l) => `    ${l}`).join('\n') + '\n\n');
      }
      if (!dir) io.out('(digits from examples/; pass --data DIR or set CONVSCOPE_DATA to use MNIST test images)\n');
    });
}
