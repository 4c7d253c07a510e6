/**
 * `convscope explain`: attribution maps for digit images — which pixels pushed the class's logit
 * up or down — by any method of src/explain (saliency, gradient × input, SmoothGrad, integrated
 * gradients, occlusion, Grad-CAM, guided backprop, deconvnet). Images are read as `predict` reads
 * them and explained as one batch. Prints a summary (or JSON) and with --out writes one heat map
 * PNG per image and method. The maps themselves are the library's; this file only checks flags,
 * calls it and shows the result.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { SpecError } from '../engine/errors.js';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import { FileIoError } from '../io/node-atomic-write.js';
import type { Sequential } from '../nn/model.js';
import { ATTRIBUTION_METHODS, attribute, defaultGradcamLayer, gradcamLayers, isAttributionMethod, type AttributeOptions, type AttributionMethod } from '../explain/index.js';
import { scaleKindFor } from '../explain/heatmap.js';
import { predict } from '../nn/predict.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { checkClass, checkLayer } from './explain-options.js';
import { checkDigitModel, digitBatch, readDigits, type DigitImage, type DigitImageError } from './digit-input.js';
import { heatmapFigure } from './heatmap-png.js';
import { writePng } from './png-write.js';
import { asciiDigit } from './ascii.js';

interface ExplainFlags {
  model: string;
  method: AttributionMethod[];
  target?: number;
  layer?: string;
  out?: string;
  json?: boolean;
  preprocess: boolean;
  steps?: number;
  samples?: number;
  seed?: number;
}

/** One image explained by one method, as --json prints it. */
interface ExplainRow {
  file: string;
  method: AttributionMethod;
  target: number;
  predicted: number;
  /** the target's probability */
  probability: number;
  input: number[];
  attributions: number[];
  score?: number;
  baselineScore?: number;
  gap?: number;
  steps?: number;
  layer?: string;
  png?: string;
}

function methodList(v: string): AttributionMethod[] {
  const names = v === 'all' ? [...ATTRIBUTION_METHODS] : v.split(',').map((s) => s.trim());
  for (const m of names) {
    if (!isAttributionMethod(m)) throw new InvalidArgumentError(`unknown method '${m}'; expected one of ${ATTRIBUTION_METHODS.join(', ')} (or several, comma-separated, or all)`);
  }
  return [...new Set(names)] as AttributionMethod[];
}

const round = (v: number, digits: number): number => Number(v.toPrecision(digits));

export function explainCommand(io: CliIo): Command {
  return new Command('explain')
    .description('attribution maps: which pixels made the network answer as it did')
    .argument('<images...>', 'image files (read as predict reads them)')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .requiredOption('--method <name>', `${ATTRIBUTION_METHODS.join(', ')}; several comma-separated, or all`, methodList)
    .option('--target <digit>', 'the class to explain (default: each image\'s predicted class)', intOption('--target', 0))
    .option('--layer <name>', "Grad-CAM's layer, one with feature maps (default: the last convolution)")
    .option('--out <dir>', 'write <image>.<method>.png heat maps into this directory')
    .option('--json', 'print a JSON array: one object per image and method, or {file, error}')
    .option('--no-preprocess', "use each image as it is: 28×28, 0 = background, 255 = ink (MNIST's own pixels)")
    .option('--steps <n>', 'integrated gradients: quadrature steps (default: doubled from 32 until the completeness gap is under 1%)', intOption('--steps', 2))
    .option('--samples <n>', 'smoothgrad: noisy copies per image (default 50)', intOption('--samples'))
    .option('--seed <n>', 'smoothgrad: noise seed (default 0)', intOption('--seed', 0))
    .action(async (images: string[], flags: ExplainFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      const opts = checkFlags(model, flags, images);
      const outDir = flags.out === undefined ? undefined : await outputDirectory(resolve(io.cwd, flags.out));
      const read = await readDigits(images, io, model, flags.preprocess);
      const good = read.filter((r): r is DigitImage => !('error' in r));
      const rows = new Map<string, ExplainRow[]>();
      if (good.length > 0) {
        const x = digitBatch(model, good);
        const { probabilities: probs, digits: predicted } = predict(model, x);
        const K = probs.size / probs.n;
        for (const method of flags.method) {
          const r = attribute(model, x, method, opts);
          const D = x.size / x.n;
          good.forEach((im, n) => {
            const row: ExplainRow = {
              file: im.file,
              method,
              target: r.targets[n],
              predicted: predicted[n],
              probability: round(probs.data[n * K + r.targets[n]], 6),
              input: Array.from(im.pixels, (v) => round(v, 6)),
              attributions: Array.from(r.map.data.subarray(n * D, (n + 1) * D), (v) => round(v, 6)),
            };
            if ('gaps' in r) Object.assign(row, { score: round(r.scores[n], 7), baselineScore: round(r.baselineScores[n], 7), gap: round(r.gaps[n], 4), steps: r.steps[n] });
            if ('layer' in r) row.layer = r.layer;
            rows.set(im.file, [...(rows.get(im.file) ?? []), row]);
          });
        }
      }
      if (outDir !== undefined) await writeFigures(model, outDir, [...rows.values()].flat(), flags.json ? io.err : io.out);
      report(io, read, rows, Boolean(flags.json), model.inputShape[2] ?? 28);
      if (read.some((r) => 'error' in r)) process.exitCode = 1;
    });
}

/** Every flag checked against the model before any image is read; returns the library's options. */
function checkFlags(model: Sequential, flags: ExplainFlags, images: readonly string[]): AttributeOptions {
  checkDigitModel(model, flags.model, flags.preprocess);
  const opts: AttributeOptions = {};
  if (flags.target !== undefined) {
    checkClass(model, flags.model, '--target', flags.target);
    opts.target = flags.target;
  }
  if (flags.method.includes('gradcam')) {
    if (flags.layer !== undefined) {
      const li = checkLayer(model, '--layer', flags.layer);
      const layers = gradcamLayers(model);
      const l = model.layers[li];
      if (!layers.includes(l.name)) {
        throw new SpecError(`--layer ${l.name} (${l.kind}) has no feature maps for Grad-CAM; layers that work: ${layers.join(', ')}`);
      }
      opts.layer = flags.layer;
    } else {
      defaultGradcamLayer(model);
    }
  } else if (flags.layer !== undefined) {
    throw new SpecError(`--layer picks Grad-CAM's layer; use it with --method gradcam`);
  }
  if (flags.steps !== undefined) opts.steps = flags.steps;
  if (flags.samples !== undefined) opts.samples = flags.samples;
  if (flags.seed !== undefined) opts.seed = flags.seed;
  if (flags.out !== undefined) {
    const seen = new Map<string, string>();
    for (const f of images) {
      const stem = stemOf(f);
      const other = seen.get(stem);
      if (other !== undefined && other !== f) throw new SpecError(`--out: ${other} and ${f} would both write ${stem}.<method>.png; rename one`);
      seen.set(stem, f);
    }
  }
  return opts;
}

function stemOf(file: string): string {
  return basename(file).replace(/\.[^.]*$/, '');
}

async function outputDirectory(dir: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new FileIoError(dir, `--out ${dir}: cannot create the directory: ${(e as Error).message}`, e);
  }
  return dir;
}

async function writeFigures(model: Sequential, dir: string, rows: ExplainRow[], say: (s: string) => void): Promise<void> {
  const [, H, W] = model.inputShape as [number, number, number];
  for (const row of rows) {
    const { image, scale } = heatmapFigure(row.input, row.attributions, W, H, scaleKindFor(row.method));
    const path = join(dir, `${stemOf(row.file)}.${row.method}.png`);
    await writePng(path, image);
    row.png = path;
    say(`wrote ${path} (${image.width}×${image.height}, scale ${scale.min.toPrecision(3)} … ${scale.max.toPrecision(3)})\n`);
  }
}

function report(io: CliIo, read: readonly (DigitImage | DigitImageError)[], rows: Map<string, ExplainRow[]>, json: boolean, W: number): void {
  if (json) {
    const out = read.flatMap((r): (ExplainRow | DigitImageError)[] => ('error' in r ? [{ file: r.file, error: r.error }] : (rows.get(r.file) ?? [])));
    io.out(JSON.stringify(out) + '\n');
    return;
  }
  for (const r of read) {
    if ('error' in r) {
      io.out(`${r.file}: error: ${r.error}\n`);
      continue;
    }
    for (const row of rows.get(r.file) ?? []) io.out(summary(row, W));
  }
}

function summary(row: ExplainRow, W: number): string {
  const a = row.attributions;
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (const v of a) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
  }
  const lines = [`${row.file}: ${row.method} for class ${row.target} (predicted ${row.predicted}; p(${row.target}) = ${(100 * row.probability).toFixed(1)}%)`];
  lines.push(`  map ${lo.toPrecision(3)} … ${hi.toPrecision(3)}, sum ${sum.toPrecision(4)}${row.layer !== undefined ? `, at layer ${row.layer}` : ''}`);
  if (row.score !== undefined && row.baselineScore !== undefined) {
    lines.push(
      `  completeness: logit ${row.score.toFixed(3)} − baseline ${row.baselineScore.toFixed(3)} = ${(row.score - row.baselineScore).toFixed(3)}; ` +
        `Σ attributions ${sum.toFixed(3)} (gap ${(100 * (row.gap ?? 0)).toFixed(2)}%, ${row.steps} steps)`,
    );
  }
  const top = a
    .map((v, i) => ({ v, i }))
    .sort((p, q) => Math.abs(q.v) - Math.abs(p.v))
    .slice(0, 5)
    .map(({ v, i }) => `(x=${i % W}, y=${Math.floor(i / W)}) ${v >= 0 ? '+' : ''}${v.toPrecision(3)}`);
  lines.push(`  strongest pixels: ${top.join(', ')}`);
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const H = a.length / W;
  const left = asciiDigit(row.input, W, H);
  const right = asciiDigit(a.map((v) => Math.abs(v) / m), W, H);
  lines.push(`  ${'input'.padEnd(W + 2)}|attribution|`);
  left.forEach((l, k) => lines.push(`  ${l.padEnd(W)}  ${right[k] ?? ''}`.trimEnd()));
  return lines.join('\n') + '\n';
}
