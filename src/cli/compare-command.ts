/**
 * `convscope compare`: do different networks see the digits alike? For the same first N test
 * images, at the compared layer (--layer, default last-hidden) and at the logits, a models × models
 * matrix per layer of (a) the Spearman correlation of the two models' class-centroid distance
 * matrices (the same classes near and far?) and (b) linear CKA between their representations of
 * the images (the same geometry image by image?), and one sentence answering the question.
 */
import { Command } from 'commander';
import { ConvscopeError } from '../engine/errors.js';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import type { Sequential } from '../nn/model.js';
import { distanceMatrixCorrelation, linearCka } from '../explain/class-geometry.js';
import { classCount } from '../explain/score.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { addDataOptions, loadCliDataset, type DataOptions } from './dataset.js';
import { checkHiddenLayer, checkImageModel, firstTestImages, hiddenSpace, matrixRows, matrixTable, type HiddenSpace } from './hidden-space.js';

interface CompareFlags extends Partial<DataOptions> {
  models: string;
  layer: string;
  limit: number;
  json?: boolean;
}

export interface LayerComparison {
  layer: string;
  /** per model, the layer that name resolved to and its width */
  resolved: Record<string, { layer: string; features: number }>;
  /** [M×M] Spearman ρ between the models' Euclidean class-distance matrices */
  distanceCorrelation: number[][];
  /** [M×M] the same for cosine distances */
  cosineDistanceCorrelation: number[][];
  /** [M×M] linear CKA between the models' activations on the same images */
  cka: number[][];
}

function offDiagonal(m: number[][]): number[] {
  return m.flatMap((row, i) => row.filter((_, j) => j > i));
}

function range(xs: number[]): { min: number; max: number; mean: number } {
  return { min: Math.min(...xs), max: Math.max(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

/** The one-sentence answer to "are the distances the same for every network?", with the figures. */
export function compareAnswer(layers: readonly LayerComparison[], models: readonly string[]): string {
  const first = layers[0];
  const pairs: { a: string; b: string; rho: number }[] = [];
  for (let i = 0; i < models.length; i++) for (let j = i + 1; j < models.length; j++) pairs.push({ a: models[i], b: models[j], rho: first.distanceCorrelation[i][j] });
  pairs.sort((p, q) => p.rho - q.rho);
  const rho = range(offDiagonal(first.distanceCorrelation));
  const cka = range(offDiagonal(first.cka));
  const verdict = rho.min >= 0.9 ? 'Largely yes' : rho.mean >= 0.7 ? 'Alike but not the same' : 'No, not at this layer';
  const f = (r: { min: number; max: number; mean: number }, extra = '') => `${r.min.toFixed(2)}–${r.max.toFixed(2)} (mean ${r.mean.toFixed(2)}${extra})`;
  const hi = pairs[pairs.length - 1];
  const lo = pairs[0];
  const extremes = pairs.length > 1 ? `; most alike ${hi.a}–${hi.b} ${hi.rho.toFixed(2)}, least ${lo.a}–${lo.b} ${lo.rho.toFixed(2)}` : '';
  let s = `${verdict}: across the ${pairs.length} pair${pairs.length === 1 ? '' : 's'} of networks the class-distance matrices at ${first.layer} correlate with Spearman ρ ${f(rho, extremes)}`;
  s += `, and the representations themselves have linear CKA ${f(cka)}`;
  for (const l of layers.slice(1)) s += `; at ${l.layer} ρ ${f(range(offDiagonal(l.distanceCorrelation)))}, CKA ${f(range(offDiagonal(l.cka)))}`;
  return s + '.';
}

export function compareCommand(io: CliIo): Command {
  const cmd = new Command('compare')
    .description('do networks see the digits alike? class-distance correlations and CKA between models, per layer')
    .option('--models <list>', 'comma-separated model files or shipped names', 'mlp,tiny,lenet,cnn')
    .option('--layer <name>', 'the layer compared (last-hidden, or a name every model has); logits are always compared too', 'last-hidden')
    .option('--limit <n>', 'the first N test images', intOption('--limit'), 2000)
    .option('--json', 'print one JSON object: per layer, models × models matrices of distance correlation and CKA');
  addDataOptions(cmd);
  cmd.action(async (flags: CompareFlags) => {
    const names = flags.models.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length < 2) throw new ConvscopeError(`--models needs at least two models separated by commas, got '${flags.models}'`);
    if (new Set(names).size !== names.length) throw new ConvscopeError(`--models names a model twice: '${flags.models}'`);
    const layers = [...new Set([flags.layer, 'logits'])];
    const models: { name: string; path: string; model: Sequential }[] = [];
    for (const name of names) {
      const path = resolveModelFile(name, io.cwd);
      const { model } = await readModelFile(path);
      checkImageModel(model, name);
      for (const l of layers) checkHiddenLayer(model, name, l);
      models.push({ name, path, model });
    }
    const K = classCount(models[0].model);
    for (const m of models) {
      if (classCount(m.model) !== K) throw new ConvscopeError(`${m.name} has ${classCount(m.model)} classes, ${models[0].name} ${K}; compare needs the same classes`);
    }
    const data = await loadCliDataset({ ...flags, dataset: flags.dataset ?? 'mnist' }, io);
    const set = firstTestImages(data, flags.limit, K);
    const M = models.length;
    const results: LayerComparison[] = layers.map((layer) => {
      const spaces: HiddenSpace[] = models.map((m) => hiddenSpace(m.model, set, layer));
      const dc = new Float64Array(M * M);
      const cc = new Float64Array(M * M);
      const ck = new Float64Array(M * M);
      for (let i = 0; i < M; i++) {
        dc[i * M + i] = cc[i * M + i] = ck[i * M + i] = 1;
        for (let j = i + 1; j < M; j++) {
          const a = spaces[i];
          const b = spaces[j];
          dc[i * M + j] = dc[j * M + i] = distanceMatrixCorrelation(a.geometry.euclidean, b.geometry.euclidean, K);
          cc[i * M + j] = cc[j * M + i] = distanceMatrixCorrelation(a.geometry.cosine, b.geometry.cosine, K);
          ck[i * M + j] = ck[j * M + i] = linearCka(a.activations.data, a.activations.F, b.activations.data, b.activations.F, set.N);
        }
      }
      const resolved: LayerComparison['resolved'] = {};
      models.forEach((m, i) => (resolved[m.name] = { layer: spaces[i].activations.layer, features: spaces[i].activations.F }));
      return { layer, resolved, distanceCorrelation: matrixRows(dc, M), cosineDistanceCorrelation: matrixRows(cc, M), cka: matrixRows(ck, M) };
    });
    const answer = compareAnswer(results, names);
    if (flags.json) {
      io.out(JSON.stringify({ models: names, files: models.map((m) => m.path), n: set.N, dataset: data.name, layers: results, answer }) + '\n');
      return;
    }
    const lines = [`${M} models on the first ${set.N.toLocaleString('en-US')} ${data.name} test images`];
    for (const r of results) {
      const flat = (m: number[][]) => m.flat();
      lines.push(
        '',
        `${r.layer}: ${names.map((n) => `${n} ${r.resolved[n].layer} (${r.resolved[n].features})`).join(', ')}`,
        `  class-distance correlation (Spearman ρ of the ${(K * (K - 1)) / 2} Euclidean centroid distances):`,
        ...matrixTable(flat(r.distanceCorrelation), names),
        '  linear CKA between the representations of the same images:',
        ...matrixTable(flat(r.cka), names),
      );
    }
    lines.push('', `Are the distances the same for every network? ${answer}`);
    io.out(lines.join('\n') + '\n');
  });
  return cmd;
}
