/**
 * `convscope calibrate`: fit a model's "not a digit" score the standard way (src/explain/ood-report.ts),
 * measure how well it separates digits from images that are not (AUROC and the rejection rate per
 * set), and store calibration and report in the model file, replaced atomically in place or written
 * to --out. After it, predict says "not a digit" and evaluate --ood can judge other sets.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { readModelFile, writeModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import { OOD_METHODS, type OodMethod } from '../nn/ood.js';
import type { CliIo } from './io.js';
import { addDataOptions, loadCliDataset, type DataOptions } from './dataset.js';
import { calibrateModel, checkOodOptions, fashionForOod, formatOodReport } from './ood-calibration.js';

interface CalibrateFlags extends Partial<DataOptions> {
  model: string;
  method: OodMethod;
  layer?: string;
  fashion?: string;
  out?: string;
  json?: boolean;
}

export function calibrateCommand(io: CliIo): Command {
  const cmd = new Command('calibrate')
    .description("fit the 'not a digit' score of a model file, measure it, and store both in the file")
    .requiredOption('--model <file|name>', 'model file, or the name of a shipped model (its file is updated)')
    .addOption(
      new Option('--method <name>', 'score: combined (energy + Mahalanobis, the best measured), energy, msp (max softmax) or mahalanobis')
        .choices([...OOD_METHODS])
        .default('combined'),
    )
    .option('--layer <name>', 'the layer Mahalanobis reads (mahalanobis, combined): a layer name, or last-hidden (default)')
    .option('--fashion <dir>', 'Fashion-MNIST for the report (default: found as --dataset fashion finds it, never downloaded)')
    .option('--out <file>', 'write the calibrated model here instead of replacing the model file')
    .option('--json', 'print one JSON object: the calibration and its report');
  addDataOptions(cmd, null);
  cmd.action(async (flags: CalibrateFlags) => {
    const path = resolveModelFile(flags.model, io.cwd);
    const { model, metadata, extras } = await readModelFile(path);
    checkOodOptions(model, flags.method, flags.layer);
    const datasetName = flags.dataset ?? (metadata.dataset?.name === 'fashion' ? 'fashion' : 'mnist');
    const data = await loadCliDataset({ ...flags, dataset: datasetName }, io);
    const fashion = await fashionForOod(io, datasetName, flags.fashion);
    const started = Date.now();
    const { calibration, report } = calibrateModel(model, data, fashion, { method: flags.method, ...(flags.layer !== undefined ? { layer: flags.layer } : {}) });
    const seconds = (Date.now() - started) / 1000;
    const out = flags.out !== undefined ? resolve(io.cwd, flags.out) : path;
    // Everything else in the file (weights, provenance, extras) is written back as it was read.
    await writeModelFile(out, model, metadata, extras);
    if (flags.json) {
      const { means: _m, precision: _p, report: _r, ...numbers } = calibration;
      io.out(JSON.stringify({ model: path, out, calibration: numbers, report, seconds }) + '\n');
      return;
    }
    const lines = [`'not a digit' calibration of ${path} (${seconds.toFixed(1)} s)`, ...formatOodReport(report), '', `wrote ${out}`];
    io.out(lines.join('\n') + '\n');
  });
  return cmd;
}
