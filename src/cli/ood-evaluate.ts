/**
 * `convscope evaluate --ood SET`: how well a model's stored "not a digit" calibration tells the
 * held-out test digits (the second half of the test set, as the standard report uses) from a set
 * that is not digits — Fashion-MNIST, noise (uniform and Gaussian, as in the report), or a
 * directory of PNG/JPEG images preprocessed the way predict preprocesses them. AUROC (1 = perfectly
 * separated, 0.5 = chance) and the fraction the threshold rejects. It never recalibrates.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ConvscopeError } from '../engine/errors.js';
import { Tensor } from '../engine/tensor.js';
import type { Sequential } from '../nn/model.js';
import type { OodCalibration } from '../nn/ood.js';
import type { Dataset } from '../data/dataset.js';
import { imagesFromBytes } from '../explain/activations.js';
import { auroc, scoreImages } from '../explain/ood.js';
import { noiseImages } from '../explain/ood-report.js';
import type { CliIo } from './io.js';
import { loadCliDataset } from './dataset.js';
import { checkDigitModel, readDigit } from './digit-input.js';
import { recordedAuroc, uncalibratedError } from './ood-calibration.js';
import { pct } from './progress.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

interface OodSet {
  name: string;
  images: Tensor;
}

interface DirImages {
  images: Tensor;
  files: string[];
  skipped: { file: string; error: string }[];
}

async function imagesOfDir(io: CliIo, dir: string, model: Sequential): Promise<DirImages> {
  const path = resolve(io.cwd, dir);
  const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new ConvscopeError(`--ood ${dir}: expected fashion, noise or a directory of PNG/JPEG images; ${path} is not a directory`);
  const names = (await readdir(path)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
  const pixels: Float32Array[] = [];
  const files: string[] = [];
  const skipped: DirImages['skipped'] = [];
  for (const name of names) {
    const file = join(path, name);
    try {
      pixels.push(await readDigit(file, model, true));
      files.push(file);
    } catch (e) {
      skipped.push({ file, error: (e as Error).message });
    }
  }
  if (pixels.length === 0) {
    throw new ConvscopeError(`--ood ${dir}: no usable .png, .jpg or .jpeg image in ${path}${skipped.length ? ` (${skipped.length} could not be read: ${skipped[0].error})` : ''}`);
  }
  const data = new Float32Array(pixels.length * 784);
  pixels.forEach((p, i) => data.set(p, i * 784));
  return { images: new Tensor([pixels.length, 1, 28, 28], data), files, skipped };
}

export interface OodEvaluateFlags {
  ood: string;
  limit?: number;
  json?: boolean;
  data?: string;
}

export async function evaluateOodSet(io: CliIo, flags: OodEvaluateFlags, model: Sequential, path: string, modelArg: string, datasetName: 'mnist' | 'fashion'): Promise<void> {
  const cal: OodCalibration | null = model.ood;
  if (!cal) throw uncalibratedError(modelArg);
  checkDigitModel(model, modelArg, true);
  const kind = flags.ood;
  if (kind === 'fashion' && datasetName === 'fashion') throw new ConvscopeError(`--ood fashion: ${modelArg} was trained on Fashion-MNIST; pick another set (noise, or a directory)`);
  const limit = flags.limit ?? 5000;
  // The directory first: an unusable one should fail before the data set is read.
  const dir = kind !== 'fashion' && kind !== 'noise' ? await imagesOfDir(io, kind, model) : undefined;
  const data: Dataset = await loadCliDataset({ dataset: datasetName, ...(flags.data !== undefined ? { data: flags.data } : {}) }, io);
  const sets: OodSet[] = [];
  if (kind === 'fashion') {
    // Downloaded into the cache if it is nowhere else: the user asked for it by name.
    const fashion = await loadCliDataset({ dataset: 'fashion' }, io);
    sets.push({ name: 'fashion', images: imagesFromBytes(fashion.test.images, Math.min(limit, fashion.test.n)) });
  } else if (kind === 'noise') {
    // The report's noise: the same seeds, so the figures can be compared with the recorded ones.
    const n = Math.min(limit, 1000);
    sets.push({ name: 'uniform noise', images: noiseImages('uniform', n, 1) }, { name: 'gaussian noise', images: noiseImages('gaussian', n, 2) });
  } else if (dir) {
    sets.push({ name: kind, images: dir.images });
  }
  const half = Math.floor(data.test.n / 2);
  const nIn = Math.min(limit, data.test.n - half);
  const inScores = scoreImages(model, imagesFromBytes(data.test.images.subarray(half * 784), nIn), cal);
  const accepted = inScores.filter((s) => s <= cal.threshold).length / nIn;
  const rows = sets.map((s) => {
    const scores = scoreImages(model, s.images, cal);
    return { name: s.name, scores, n: s.images.n, auroc: auroc(inScores, scores), rejected: scores.filter((v) => v > cal.threshold).length / scores.length, recorded: recordedAuroc(cal, s.name) ?? null };
  });
  const all = Float32Array.from(rows.flatMap((r) => Array.from(r.scores)));
  const pooled = { n: all.length, auroc: auroc(inScores, all), rejected: all.filter((v) => v > cal.threshold).length / all.length };
  const round = (v: number) => Number(v.toFixed(6));
  if (flags.json) {
    io.out(
      JSON.stringify({
        model: path,
        ood: kind,
        method: cal.method,
        threshold: cal.threshold,
        inDistribution: { dataset: datasetName, first: half, n: nIn, accepted: round(accepted) },
        n: pooled.n,
        auroc: round(pooled.auroc),
        rejected: round(pooled.rejected),
        sets: Object.fromEntries(rows.map((r) => [r.name, { n: r.n, auroc: round(r.auroc), rejected: round(r.rejected), recordedAuroc: r.recorded }])),
        ...(dir
          ? {
              files: dir.files.map((file, i) => ({ file, score: round(rows[0].scores[i]), notDigit: rows[0].scores[i] > cal.threshold })),
              skipped: dir.skipped,
            }
          : {}),
      }) + '\n',
    );
    return;
  }
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `${path}: 'not a digit' score ${cal.method}, threshold ${cal.threshold.toPrecision(4)}`,
    `against ${n(nIn)} held-out ${datasetName} test images (#${n(half)} on): ${pct(accepted, 1)} accepted`,
    '',
    `  ${'set'.padEnd(16)} ${'images'.padStart(7)} ${'AUROC'.padStart(7)} ${'rejected'.padStart(9)} ${'recorded AUROC'.padStart(15)}`,
    ...rows.map((r) => `  ${r.name.slice(0, 16).padEnd(16)} ${n(r.n).padStart(7)} ${r.auroc.toFixed(4).padStart(7)} ${pct(r.rejected, 1).padStart(9)} ${(r.recorded === null ? '—' : r.recorded.toFixed(4)).padStart(15)}`),
  ];
  if (rows.length > 1) lines.push(`  ${'all'.padEnd(16)} ${n(pooled.n).padStart(7)} ${pooled.auroc.toFixed(4).padStart(7)} ${pct(pooled.rejected, 1).padStart(9)}`);
  if (dir) {
    const taken = dir.files.filter((_, i) => rows[0].scores[i] <= cal.threshold);
    if (taken.length > 0) lines.push('', `accepted as digits (${taken.length}): ${taken.slice(0, 20).join(', ')}${taken.length > 20 ? ', …' : ''}`);
    for (const s of dir.skipped) io.err(`skipped ${s.file}: ${s.error}\n`);
  }
  io.out(lines.join('\n') + '\n');
}
