/**
 * `convscope attack`: adversarial examples (FGSM, PGD) under an L∞ budget ε on raw pixels
 * (src/explain/adversarial.ts). For one image it writes the adversarial 28×28 PNG in MNIST
 * polarity, so `predict --no-preprocess` reads back exactly what was written, and reports the
 * answer of that 8-bit file (rounding can undo a marginal flip; when rounding to nearest does and
 * rounding away from the original keeps it, the latter is written), and always the smallest
 * flipping ε by bisection. With --robustness it measures accuracy on MNIST test images as ε grows.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { SpecError } from '../engine/errors.js';
import { Tensor } from '../engine/tensor.js';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import type { Sequential } from '../nn/model.js';
import { attack, minimalEpsilon, robustnessCurve, type AttackMethod, type AttackOptions } from '../explain/index.js';
import { predict } from '../nn/predict.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { checkClass, epsListOption } from './explain-options.js';
import { addDataOptions, loadCliDataset, type DataOptions } from './dataset.js';
import { checkDigitModel, readDigit } from './digit-input.js';
import { grayImage, to8bit, upscale, writePng } from './png-write.js';
import { heatmapFigure } from './heatmap-png.js';

interface AttackFlags extends DataOptions {
  model: string;
  method: AttackMethod;
  eps?: number[];
  target?: number;
  steps?: number;
  seed?: number;
  out?: string;
  perturbation?: string;
  zoom: number;
  json?: boolean;
  preprocess: boolean;
  robustness?: boolean;
  limit: number;
}

const DEFAULT_CURVE = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];

export function attackCommand(io: CliIo): Command {
  const cmd = new Command('attack')
    .description('adversarial examples (FGSM, PGD) of one image, with the smallest flipping ε (always computed, by bisection); or --robustness: accuracy as ε grows')
    .argument('[image]', 'the image to attack (read as predict reads it); not with --robustness')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .addOption(new Option('--method <name>', 'fgsm (one step) or pgd (projected gradient descent)').choices(['fgsm', 'pgd']).default('fgsm'))
    .option('--eps <ε>', `L∞ budget in pixel units (0..1); with --robustness a comma-separated list (default ${DEFAULT_CURVE.join(',')})`, epsListOption('--eps'))
    .option('--target <digit>', 'push toward this class (targeted attack); default: away from the predicted class', intOption('--target', 0))
    .option('--steps <n>', 'pgd: steps (default 40)', intOption('--steps'))
    .option('--seed <n>', "pgd: seed of the random start (default 0)", intOption('--seed', 0))
    .option('--out <file.png>', 'where the adversarial image goes (28×28, 0 = background, 255 = ink)')
    .option('--perturbation <file.png>', 'also write the perturbation as a heat map over the input (red: ink added, blue: removed)')
    .option('--zoom <n>', 'pixels per input pixel in --out (1 keeps it readable by predict --no-preprocess)', intOption('--zoom'), 1)
    .option('--json', 'print one JSON object')
    .option('--no-preprocess', "use the image as it is: 28×28, 0 = background, 255 = ink (MNIST's own pixels)")
    .option('--robustness', 'accuracy on MNIST test images at each --eps instead of attacking one image')
    .option('--limit <n>', '--robustness: the first N test images', intOption('--limit'), 1000);
  addDataOptions(cmd);
  return cmd.action(async (image: string | undefined, flags: AttackFlags) => {
    const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
    if (flags.robustness) await robustness(io, model, image, flags);
    else await attackOne(io, model, image, flags);
  });
}

function baseOptions(flags: AttackFlags): Omit<AttackOptions, 'eps'> {
  const opts: Omit<AttackOptions, 'eps'> = { method: flags.method };
  if (flags.steps !== undefined) opts.steps = flags.steps;
  if (flags.seed !== undefined) opts.seed = flags.seed;
  return opts;
}

async function attackOne(io: CliIo, model: Sequential, image: string | undefined, flags: AttackFlags): Promise<void> {
  if (image === undefined) throw new SpecError('attack: give an IMAGE to attack, or --robustness');
  if (flags.out === undefined) throw new SpecError('attack: --out FILE.png is required: where the adversarial image goes');
  if (flags.eps === undefined || flags.eps.length !== 1) {
    throw new SpecError(`attack: --eps takes one budget for one image (e.g. --eps 0.1), got ${flags.eps === undefined ? 'none' : flags.eps.join(',')}`);
  }
  const eps = flags.eps[0];
  checkDigitModel(model, flags.model, flags.preprocess);
  if (flags.target !== undefined) checkClass(model, flags.model, '--target', flags.target);
  let pixels: Float32Array;
  const path = resolve(io.cwd, image);
  try {
    pixels = await readDigit(path, model, flags.preprocess);
  } catch (e) {
    // Decoding errors name the file already; preprocessing ones do not.
    const message = (e as Error).message;
    throw new SpecError(message.includes(path) ? message : `${image}: ${message}`);
  }
  const [, H, W] = model.inputShape as [number, number, number];
  const x = new Tensor([1, ...model.inputShape], pixels);
  const opts = baseOptions(flags);
  if (flags.target !== undefined) opts.target = flags.target;
  const r = attack(model, x, { ...opts, eps });
  const before = r.before[0];
  const flipped = (d: number): boolean => (flags.target !== undefined ? d === flags.target : d !== before);
  // What the file holds: 8-bit pixels. Rounding to nearest can undo a flip that sits on the edge.
  const quantised = (away: boolean): Float32Array =>
    Float32Array.from(r.adversarial.data, (v, i) => {
      if (!away) return to8bit(v) / 255;
      const d = v - pixels[i];
      const g = d > 0 ? Math.ceil(v * 255) : d < 0 ? Math.floor(v * 255) : Math.round(v * 255);
      return Math.min(255, Math.max(0, g)) / 255;
    });
  const answer = (px: Float32Array) => {
    const p = predict(model, px);
    return { px, digit: p.digit, probabilities: p.probabilities.data };
  };
  let rounding: 'nearest' | 'away' = 'nearest';
  let written = answer(quantised(false));
  if (flipped(r.after[0]) && !flipped(written.digit)) {
    const away = answer(quantised(true));
    if (flipped(away.digit)) {
      written = away;
      rounding = 'away';
    }
  }
  let linf = 0;
  for (let i = 0; i < pixels.length; i++) linf = Math.max(linf, Math.abs(written.px[i] - pixels[i]));
  const out = resolve(io.cwd, flags.out);
  await writePng(out, upscale(grayImage(written.px, W, H), flags.zoom));
  let perturbationFile: string | undefined;
  if (flags.perturbation !== undefined) {
    perturbationFile = resolve(io.cwd, flags.perturbation);
    const delta = Float32Array.from(written.px, (v, i) => v - pixels[i]);
    await writePng(perturbationFile, heatmapFigure(pixels, delta, W, H, 'diverging').image);
  }
  const min = minimalEpsilon(model, x, opts);
  const beforeProbabilities = predict(model, x).probabilities.data;
  const p6 = (a: Float32Array) => Array.from(a, (p) => Number(p.toFixed(6)));
  const result = {
    file: image,
    method: flags.method,
    eps,
    target: flags.target ?? null,
    before,
    beforeProbabilities: p6(beforeProbabilities),
    after: written.digit,
    probabilities: p6(written.probabilities),
    afterUnrounded: r.after[0],
    unroundedProbabilities: p6(r.probabilities.data),
    rounding,
    linf: Number(linf.toFixed(6)),
    minEps: min.eps === null ? null : Number(min.eps.toFixed(6)),
    minEpsAfter: min.after,
    out,
    ...(perturbationFile !== undefined ? { perturbation: perturbationFile } : {}),
  };
  if (flags.json) {
    io.out(JSON.stringify(result) + '\n');
    return;
  }
  const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
  const name = flags.method.toUpperCase();
  io.out(`${image}: ${before} (${pct(beforeProbabilities[before])}) → ${r.after[0]} (${pct(r.probabilities.data[r.after[0]])}) with ${name}${flags.target !== undefined ? ` toward ${flags.target}` : ''}, ε = ${eps}\n`);
  io.out(`wrote ${out} (8-bit, rounded ${rounding === 'nearest' ? 'to nearest' : 'away from the original, since rounding to nearest undid the flip'}): reads as ${written.digit} (${pct(written.probabilities[written.digit])}), L∞ distance ${linf.toFixed(4)}\n`);
  if (perturbationFile !== undefined) io.out(`wrote ${perturbationFile} (the perturbation; red adds ink, blue removes it)\n`);
  io.out(
    min.eps === null
      ? `no ε up to 1 makes ${name} ${flags.target !== undefined ? `reach ${flags.target}` : 'change the answer'}\n`
      : `smallest flipping ε found by bisection: ${min.eps.toFixed(4)} (→ ${min.after})\n`,
  );
}

async function robustness(io: CliIo, model: Sequential, image: string | undefined, flags: AttackFlags): Promise<void> {
  if (image !== undefined) throw new SpecError(`attack --robustness measures MNIST test images; drop the image argument (${image})`);
  for (const [flag, v] of [['--out', flags.out], ['--perturbation', flags.perturbation], ['--target', flags.target]] as const) {
    if (v !== undefined) throw new SpecError(`attack --robustness: ${flag} applies to attacking one image`);
  }
  checkDigitModel(model, flags.model, true);
  const epsilons = flags.eps ?? DEFAULT_CURVE;
  const data = await loadCliDataset(flags, io);
  const N = Math.min(flags.limit, data.test.n);
  const D = 28 * 28;
  const images = new Tensor([N, 1, 28, 28], Float32Array.from(data.test.images.subarray(0, N * D), (v) => v / 255));
  const labels = data.test.labels.subarray(0, N);
  const started = Date.now();
  const curve = robustnessCurve(model, images, labels, epsilons, baseOptions(flags));
  const seconds = (Date.now() - started) / 1000;
  if (flags.json) {
    io.out(JSON.stringify({ model: flags.model, dataset: flags.dataset, method: flags.method, images: N, curve, seconds }) + '\n');
    return;
  }
  io.out(`${flags.method.toUpperCase()} on the first ${N} ${flags.dataset} test images (${seconds.toFixed(1)} s)\n`);
  io.out('      ε  accuracy\n');
  for (const p of curve) io.out(`${p.eps.toFixed(3).padStart(7)}  ${(100 * p.accuracy).toFixed(1).padStart(7)}%\n`);
}
