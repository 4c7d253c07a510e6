/**
 * `convscope evaluate`: accuracy, per-class accuracy, confusion matrix and the worst-classified
 * test images of a model file; `--json` prints one object for scripts. With `--ood SET`, instead,
 * how well the file's "not a digit" calibration rejects a set that is not digits (ood-evaluate.ts).
 */
import { Command } from 'commander';
import { splitSource } from '../data/split-source.js';
import { evaluate } from '../train/metrics.js';
import { readModelFile } from '../io/node-model-file.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { addDataOptions, loadCliDataset, type DataOptions } from './dataset.js';
import { resolveModelFile } from '../io/node-paths.js';
import { pct } from './progress.js';
import { asciiDigit } from './ascii.js';
import { evaluateOodSet } from './ood-evaluate.js';

interface EvaluateFlags extends Partial<DataOptions> {
  model: string;
  json?: boolean;
  limit?: number;
  worst: number;
  ood?: string;
}

export function evaluateCommand(io: CliIo): Command {
  const cmd = new Command('evaluate')
    .description('measure a model on the 10,000 test images: accuracy, per-class accuracy, confusion matrix, worst examples')
    .requiredOption('--model <file|name>', 'model file, or the name of a shipped model')
    .option('--json', 'print one JSON object on stdout (accuracy is a fraction 0..1)')
    .option('--limit <n>', 'evaluate the first N test images only', intOption('--limit'))
    .option('--worst <n>', 'how many worst-classified examples to list', intOption('--worst', 0), 5)
    .option('--ood <set>', "instead: AUROC and rejection rate of the file's 'not a digit' calibration against fashion, noise (uniform and Gaussian) or a directory of PNG/JPEG images (--limit caps each set)");
  addDataOptions(cmd, null);
  cmd.action(async (flags: EvaluateFlags) => {
    const path = resolveModelFile(flags.model, io.cwd);
    const { model, metadata } = await readModelFile(path);
    const datasetName = flags.dataset ?? (metadata.dataset?.name === 'fashion' ? 'fashion' : 'mnist');
    if (flags.ood !== undefined) {
      await evaluateOodSet(io, { ...flags, ood: flags.ood }, model, path, flags.model, datasetName);
      return;
    }
    const data = await loadCliDataset({ ...flags, dataset: datasetName }, io);
    const started = Date.now();
    const ev = evaluate(model, splitSource(data.test), { worst: flags.worst, ...(flags.limit !== undefined ? { limit: flags.limit } : {}) });
    const seconds = (Date.now() - started) / 1000;
    if (flags.json) {
      io.out(
        JSON.stringify({
          model: path,
          dataset: datasetName,
          accuracy: ev.accuracy,
          correct: ev.correct,
          total: ev.total,
          loss: ev.loss,
          recordedAccuracy: metadata.testAccuracy ?? null,
          perClass: ev.perClass,
          confusion: ev.confusion,
          worst: ev.worst,
          seconds,
        }) + '\n',
      );
      return;
    }
    const lines: string[] = [];
    lines.push(`${path} on ${datasetName} test (${ev.total.toLocaleString('en-US')} images, ${seconds.toFixed(2)} s)`);
    lines.push(`accuracy: ${pct(ev.accuracy)} (${ev.correct}/${ev.total})` + (metadata.testAccuracy !== undefined ? `, recorded in the file: ${pct(metadata.testAccuracy)}` : ''));
    lines.push('', 'per class:');
    for (const c of ev.perClass) lines.push(`  ${c.label}: ${pct(c.accuracy)} of ${c.count}`);
    lines.push('', 'confusion matrix (rows: true label, columns: predicted):');
    const K = ev.confusion.length;
    const w = Math.max(4, ...ev.confusion.flat().map((v) => String(v).length + 1));
    lines.push('     ' + Array.from({ length: K }, (_, k) => String(k).padStart(w)).join(''));
    ev.confusion.forEach((row, t) => lines.push(`  ${String(t).padStart(2)} ` + row.map((v) => String(v).padStart(w)).join('')));
    if (ev.worst.length) {
      lines.push('', 'worst-classified examples (lowest probability on the true label):');
      const per = 28 * 28;
      for (const wex of ev.worst) {
        lines.push(`  test #${wex.index}: true ${wex.label} (p=${wex.trueProbability.toFixed(4)}), predicted ${wex.predicted} (p=${wex.confidence.toFixed(4)})`);
        const px = Float32Array.from(data.test.images.subarray(wex.index * per, (wex.index + 1) * per), (v) => v / 255);
        for (const l of asciiDigit(px)) lines.push(`    ${l}`);
      }
    }
    io.out(lines.join('\n') + '\n');
  });
  return cmd;
}
