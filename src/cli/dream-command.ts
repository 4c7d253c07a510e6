/**
 * `convscope dream`: activation maximisation — the input image that a class's logit, a feature map
 * (its mean) or one unit likes most, grown by gradient ascent from seeded faint noise
 * (src/explain/maximize.ts). --grid draws every class, or every channel of a layer, in one PNG.
 * Images are written in MNIST polarity (0 = black background, 255 = white ink), 28×28 unless
 * --zoom, so `predict --no-preprocess` can read a single one back.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { SpecError, formatShape } from '../engine/errors.js';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import type { Sequential } from '../nn/model.js';
import { classCount, maximizeActivation, type MaximizeOptions, type Objective } from '../explain/index.js';
import { argmax } from '../nn/predict.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { checkClass, checkLayer } from './explain-options.js';
import { grayImage, gridColumns, gridImage, upscale, writePng } from './png-write.js';

interface DreamFlags {
  model: string;
  class?: number;
  layer?: string;
  channel?: number;
  unit?: number;
  grid?: boolean;
  out: string;
  seed?: number;
  steps?: number;
  zoom: number;
  json?: boolean;
}

type Target = { kind: 'class'; class: number } | { kind: 'channel'; layer: string; channel: number } | { kind: 'unit'; layer: string; unit: number };

function objectiveOf(t: Target): Objective {
  if (t.kind === 'class') return { kind: 'class', target: t.class };
  if (t.kind === 'channel') return { kind: 'channel', layer: t.layer, channel: t.channel };
  return { kind: 'unit', layer: t.layer, index: t.unit };
}

function describe(t: Target): string {
  if (t.kind === 'class') return `class ${t.class}`;
  return t.kind === 'channel' ? `${t.layer} channel ${t.channel}` : `${t.layer} unit ${t.unit}`;
}

export function dreamCommand(io: CliIo): Command {
  return new Command('dream')
    .description("activation maximisation: the image a class, a feature map or a unit responds to most")
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .option('--class <digit>', "maximise this class's logit", intOption('--class', 0))
    .option('--layer <name>', 'maximise something in this layer: --channel C (a feature map\'s mean) or --unit I (one value)')
    .option('--channel <c>', 'a feature map of --layer', intOption('--channel', 0))
    .option('--unit <i>', "one value of --layer's output (row-major index)", intOption('--unit', 0))
    .option('--grid', 'every class (without --class), or every channel of --layer (without --channel), in one PNG')
    .requiredOption('--out <file.png>', 'where the image goes')
    .option('--seed <n>', 'seed of the starting noise (default 0)', intOption('--seed', 0))
    .option('--steps <n>', 'gradient-ascent steps (default 256)', intOption('--steps'))
    .option('--zoom <n>', 'pixels per input pixel in the PNG', intOption('--zoom'), 1)
    .option('--json', 'print a JSON array: one object per image drawn')
    .action(async (flags: DreamFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      const targets = targetsOf(model, flags);
      const opts: MaximizeOptions = {};
      if (flags.seed !== undefined) opts.seed = flags.seed;
      if (flags.steps !== undefined) opts.steps = flags.steps;
      const [, H, W] = model.inputShape as [number, number, number];
      const results = targets.map((t) => ({ t, r: maximizeActivation(model, objectiveOf(t), opts) }));
      const tiles = results.map(({ r }) => upscale(grayImage(r.image, W, H), flags.zoom));
      const image = tiles.length === 1 ? tiles[0] : gridImage(tiles, gridColumns(tiles.length), Math.max(2, flags.zoom));
      const out = resolve(io.cwd, flags.out);
      await writePng(out, image);
      const rows = results.map(({ t, r }) => {
        const digit = argmax(r.probabilities);
        const probabilities = Array.from(r.probabilities, (p) => Number(p.toFixed(6)));
        return { ...t, score: Number(r.score.toPrecision(7)), ...(t.kind === 'class' ? { probability: probabilities[t.class] } : {}), digit, probabilities, out };
      });
      if (flags.json) {
        io.out(JSON.stringify(rows) + '\n');
        return;
      }
      for (const row of rows) {
        const what = row.kind === 'class' ? `logit ${row.score.toFixed(3)}, p(${row.class}) = ${(100 * row.probabilities[row.class]).toFixed(2)}%` : `${row.kind === 'channel' ? 'mean activation' : 'activation'} ${row.score.toFixed(4)}`;
        io.out(`${describe(row)}: ${what}; the image reads as ${row.digit} (${(100 * row.probabilities[row.digit]).toFixed(1)}%)\n`);
      }
      io.out(`wrote ${out} (${image.width}×${image.height}${tiles.length > 1 ? `, ${tiles.length} tiles in rows of ${gridColumns(tiles.length)}, in the order above` : ''})\n`);
    });
}

/** What to maximise, every flag checked against the model before any work. */
function targetsOf(model: Sequential, flags: DreamFlags): Target[] {
  if (model.inputShape.length !== 3 || model.inputShape[0] !== 1) {
    throw new SpecError(`dream draws one-channel images [1,H,W]; ${flags.model} takes ${formatShape(model.inputShape)}`);
  }
  if (flags.class !== undefined && flags.layer !== undefined) throw new SpecError('dream: give --class or --layer, not both');
  if (flags.channel !== undefined && flags.unit !== undefined) throw new SpecError('dream: give --channel or --unit, not both');
  if (flags.layer === undefined && (flags.channel !== undefined || flags.unit !== undefined)) throw new SpecError(`dream: --${flags.channel !== undefined ? 'channel' : 'unit'} needs --layer NAME`);
  if (flags.layer === undefined) {
    if (flags.class !== undefined) {
      if (flags.grid) throw new SpecError('dream: --grid draws every class; leave --class out');
      checkClass(model, flags.model, '--class', flags.class);
      return [{ kind: 'class', class: flags.class }];
    }
    if (!flags.grid) throw new SpecError('dream: say what to maximise: --class D, --layer NAME with --channel C or --unit I, or --grid');
    return Array.from({ length: classCount(model) }, (_, c) => ({ kind: 'class', class: c }));
  }
  const layer = model.layers[checkLayer(model, '--layer', flags.layer)];
  const spatial = layer.outShape.length === 3;
  const mapLayers = model.layers.filter((l) => l.outShape.length === 3).map((l) => l.name);
  if (flags.unit !== undefined) {
    if (flags.grid) throw new SpecError('dream: --grid draws every channel; leave --unit out');
    const size = layer.outShape.reduce((a, b) => a * b, 1);
    if (flags.unit >= size) throw new SpecError(`--unit ${flags.unit} is not in 0..${size - 1} of ${layer.name} (${formatShape(layer.outShape)})`);
    return [{ kind: 'unit', layer: layer.name, unit: flags.unit }];
  }
  if (!spatial) {
    throw new SpecError(`--layer ${layer.name} (${layer.kind}, ${formatShape(layer.outShape)}) has no feature maps: pick --unit I, or a layer with channels: ${mapLayers.join(', ')}`);
  }
  const C = layer.outShape[0];
  if (flags.channel !== undefined) {
    if (flags.grid) throw new SpecError('dream: --grid draws every channel; leave --channel out');
    if (flags.channel >= C) throw new SpecError(`--channel ${flags.channel} is not in 0..${C - 1} of ${layer.name}`);
    return [{ kind: 'channel', layer: layer.name, channel: flags.channel }];
  }
  if (!flags.grid) throw new SpecError(`dream: --layer ${layer.name} needs --channel C (0..${C - 1}), --unit I, or --grid`);
  return Array.from({ length: C }, (_, c) => ({ kind: 'channel', layer: layer.name, channel: c }));
}
