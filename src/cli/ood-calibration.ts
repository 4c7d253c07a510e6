/**
 * The "not a digit" calibration as the CLI runs it, for `calibrate` and for the end of `train`:
 * the standard fit and report of src/explain/ood-report.ts on the model's own data set, with
 * Fashion-MNIST as one of the sets that are not digits when it can be found without downloading,
 * and the report as a table. The report is stored with the calibration (`ood.report` in the model
 * file), so a file records the AUROCs measured when it was calibrated. It does not read or write
 * model files.
 */
import { resolve } from 'node:path';
import { loadDataset } from '../data/node-source.js';
import type { Split } from '../data/dataset.js';
import { ConvscopeError, SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import type { OodCalibration, OodMethod } from '../nn/ood.js';
import { resolveLayer } from '../explain/activations.js';
import { standardCalibration, standardOodReport, type OodReport } from '../explain/ood-report.js';
import type { CliIo } from './io.js';
import { pct } from './progress.js';

/** The standard report, with what it was measured on. */
export interface CliOodReport extends OodReport {
  /** the in-distribution data set: the model's own */
  dataset: string;
  /** training images fitted on (the first ones), and the size of the test set split in halves */
  trainImages: number;
  testImages: number;
  /** why Fashion-MNIST is not among the sets, when it is not */
  fashionSkipped?: string;
}

/**
 * Mahalanobis keeps an F×F precision matrix and fits it in N·F² steps: a conv layer's 11,520
 * values would need half a gigabyte and hours. Every zoo model's hidden dense layer is far below.
 */
export const MAX_OOD_FEATURES = 2048;

/** Fashion-MNIST's test split for the report, or why there is none. Never downloads. */
export async function fashionForOod(io: CliIo, modelDataset: string, dir?: string): Promise<{ split: Split } | { skipped: string }> {
  if (modelDataset === 'fashion') return { skipped: "Fashion-MNIST is the model's own data set" };
  try {
    const data = await loadDataset({ dataset: 'fashion', env: io.env, download: false, ...(dir !== undefined ? { dataDir: resolve(io.cwd, dir) } : {}) });
    return { split: data.test };
  } catch (e) {
    if (!(e instanceof ConvscopeError) || dir !== undefined) throw e;
    // The loader's message lists every place it looked, one per line; one line is enough here.
    const lines = e.message.split('\n');
    const looked: string[] = [];
    for (let i = lines.indexOf('Looked in:') + 1; i > 0 && i < lines.length && lines[i].startsWith('  - '); i++) looked.push(lines[i].slice(4));
    const places = looked.length > 0 ? looked.join('; ') : e.message.replace(/\n/g, ' ');
    return { skipped: `Fashion-MNIST not found (${places}); pass --fashion DIR or apt-get install dataset-fashion-mnist` };
  }
}

/** Checks a calibrate --method/--layer pair against the model before any data is read. */
export function checkOodOptions(model: Sequential, method: OodMethod, layer: string | undefined): void {
  if (layer === undefined) return;
  if (method !== 'mahalanobis' && method !== 'combined') {
    throw new SpecError(`--layer applies to mahalanobis and combined; ${method} scores the logits only`);
  }
  let li: number;
  try {
    li = resolveLayer(model, layer);
  } catch (e) {
    throw new SpecError(`--layer: ${(e as Error).message}`);
  }
  const l = model.layers[li];
  const F = l.outShape.reduce((a, b) => a * b, 1);
  if (F > MAX_OOD_FEATURES) {
    throw new SpecError(
      `--layer ${layer}: ${l.name} has ${F.toLocaleString('en-US')} values per image; Mahalanobis needs a ${F}×${F} precision matrix, so choose a layer of at most ${MAX_OOD_FEATURES.toLocaleString('en-US')} (a dense layer, or last-hidden)`,
    );
  }
}

export interface CalibrationData {
  name: string;
  train: Split;
  test: Split;
}

/** Fits the standard calibration, measures the standard report, and attaches both to the model. */
export function calibrateModel(model: Sequential, data: CalibrationData, fashion: { split: Split } | { skipped: string }, opts: { method?: OodMethod; layer?: string } = {}): { calibration: OodCalibration; report: CliOodReport } {
  const calibration = standardCalibration(model, data, {
    ...(opts.method !== undefined ? { method: opts.method } : {}),
    ...(opts.layer !== undefined ? { layer: opts.layer } : {}),
  });
  const report: CliOodReport = {
    ...standardOodReport(model, calibration, { test: data.test, ...('split' in fashion ? { fashion: fashion.split } : {}) }),
    dataset: data.name,
    trainImages: Math.min(10_000, data.train.n),
    testImages: data.test.n,
    ...('skipped' in fashion ? { fashionSkipped: fashion.skipped } : {}),
  };
  calibration.report = { ...report };
  model.ood = calibration;
  return { calibration, report };
}

function describeMethod(r: Pick<OodReport, 'method' | 'layer'>): string {
  if (r.method === 'combined') return `combined (energy + log-Mahalanobis at ${r.layer ?? '?'})`;
  if (r.method === 'mahalanobis') return `mahalanobis at ${r.layer ?? '?'}`;
  return r.method;
}

/** The report as lines of text: the threshold, what it accepts, and AUROC and rejection per set. */
export function formatOodReport(report: CliOodReport): string[] {
  const testN = report.testImages;
  const half = Math.floor(testN / 2);
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines = [
    `method: ${describeMethod(report)}, threshold ${report.threshold.toPrecision(4)} (higher scores: less like a ${report.dataset === 'fashion' ? 'Fashion-MNIST image' : 'digit'})`,
    `fitted on the first ${n(report.trainImages)} training images; the threshold accepts 95% of test images #0–${n(half - 1)}`,
    `accepted: ${pct(report.acceptedMnist, 1)} of test images #${n(half)}–${n(testN - 1)}, ${pct(report.acceptedHandwriting, 1)} of generated handwriting`,
    '',
    `  ${'not digits'.padEnd(16)} ${'images'.padStart(7)} ${'AUROC'.padStart(7)} ${'rejected'.padStart(9)}`,
  ];
  for (const [name, s] of Object.entries(report.sets)) {
    lines.push(`  ${name.padEnd(16)} ${n(s.n).padStart(7)} ${s.auroc.toFixed(4).padStart(7)} ${pct(s.rejected, 1).padStart(9)}`);
  }
  if (report.fashionSkipped) lines.push(`  (no Fashion-MNIST row: ${report.fashionSkipped})`);
  return lines;
}

/** The AUROC a calibration's stored report records for one set, if it records one. */
export function recordedAuroc(cal: OodCalibration, set: string): number | undefined {
  const sets = cal.report?.['sets'];
  if (typeof sets !== 'object' || sets === null) return undefined;
  const s = (sets as Record<string, unknown>)[set];
  if (typeof s !== 'object' || s === null) return undefined;
  const a = (s as Record<string, unknown>)['auroc'];
  return typeof a === 'number' ? a : undefined;
}

/** The error for a command that needs a calibration the model lacks. */
export function uncalibratedError(modelArg: string): ConvscopeError {
  return new ConvscopeError(`${modelArg} has no 'not a digit' calibration; add one with: convscope calibrate --model ${modelArg} --data DIR`);
}
