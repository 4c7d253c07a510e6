/**
 * `convscope embed`: a map of one layer's hidden space — the first N test images' activations
 * projected to 2-D (PCA, or seeded UMAP), drawn coloured by class — and how far apart the classes
 * lie there: the 10×10 centroid distances (Euclidean on activations scaled to unit mean squared
 * norm, and cosine), with the nearest and farthest pairs.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import { pca, umap } from '../explain/projection.js';
import { rankedPairs, type ClassPair } from '../explain/class-geometry.js';
import { classCount } from '../explain/score.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';
import { addDataOptions, loadCliDataset, type DataOptions } from './dataset.js';
import { checkHiddenLayer, checkImageModel, firstTestImages, hiddenSpace, matrixRows, matrixTable } from './hidden-space.js';
import { scatterImage } from './scatter-png.js';
import { writePng } from './png-write.js';

interface EmbedFlags extends Partial<DataOptions> {
  model: string;
  layer: string;
  limit: number;
  method: 'pca' | 'umap';
  out?: string;
  json?: boolean;
  seed: number;
}

/** How many nearest and farthest pairs are listed. */
const PAIRS = 3;

const pairJson = (p: ClassPair) => ({ a: p.a, b: p.b, distance: Number(p.distance.toFixed(4)) });

export function embedCommand(io: CliIo): Command {
  const cmd = new Command('embed')
    .description("map a layer's hidden space in 2-D, coloured by class, and measure how far apart the classes lie")
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .option('--layer <name>', "the layer: a name (see summary), last-hidden (before the class scores) or logits", 'last-hidden')
    .option('--limit <n>', 'the first N test images', intOption('--limit'), 2000)
    .addOption(new Option('--method <name>', 'projection: pca (deterministic) or umap (seeded)').choices(['pca', 'umap']).default('pca'))
    .option('--out <file.png>', 'draw the map here (a scatter coloured by class, with a legend)')
    .option('--seed <s>', "UMAP's seed", intOption('--seed', 0), 0)
    .option('--json', 'print one JSON object: points, labels, distance matrices, nearest and farthest pairs');
  addDataOptions(cmd, null);
  cmd.action(async (flags: EmbedFlags) => {
    const path = resolveModelFile(flags.model, io.cwd);
    const { model, metadata } = await readModelFile(path);
    checkImageModel(model, flags.model);
    const li = checkHiddenLayer(model, flags.model, flags.layer);
    const datasetName = flags.dataset ?? (metadata.dataset?.name === 'fashion' ? 'fashion' : 'mnist');
    const data = await loadCliDataset({ ...flags, dataset: datasetName }, io);
    const K = classCount(model);
    const set = firstTestImages(data, flags.limit, K);
    const { activations: act, geometry } = hiddenSpace(model, set, flags.layer);
    let points: Float32Array;
    let explained: number[] | undefined;
    if (flags.method === 'pca') {
      const p = pca(act.data, act.N, act.F, Math.min(2, act.F));
      points = p.k === 2 ? p.points : Float32Array.from({ length: act.N * 2 }, (_, i) => (i % 2 === 0 ? p.points[i / 2] : 0));
      explained = Array.from(p.explained, (v) => Number(v.toFixed(4)));
    } else {
      points = umap(act.data, act.N, act.F, { seed: flags.seed });
    }
    const out = flags.out !== undefined ? resolve(io.cwd, flags.out) : undefined;
    if (out) await writePng(out, scatterImage(points, set.labels, K));
    const pairs = rankedPairs(geometry.euclidean, K);
    const nearest = pairs.slice(0, PAIRS);
    const farthest = pairs.slice(-PAIRS).reverse();
    const layerName = model.layers[li].name;
    if (flags.json) {
      io.out(
        JSON.stringify({
          model: path,
          layer: layerName,
          requestedLayer: flags.layer,
          features: act.F,
          method: flags.method,
          ...(flags.method === 'umap' ? { seed: flags.seed } : { explained }),
          n: act.N,
          points: Array.from({ length: act.N }, (_, n) => [Number(points[2 * n].toPrecision(6)), Number(points[2 * n + 1].toPrecision(6))]),
          labels: Array.from(set.labels),
          distances: { euclidean: matrixRows(geometry.euclidean, K), cosine: matrixRows(geometry.cosine, K) },
          spread: Array.from(geometry.spread, (v) => Number(v.toFixed(4))),
          nearest: nearest.map(pairJson),
          farthest: farthest.map(pairJson),
          ...(out ? { out } : {}),
        }) + '\n',
      );
      return;
    }
    const names = Array.from({ length: K }, (_, k) => String(k));
    const fmt = (p: ClassPair) => `${p.a}–${p.b} ${p.distance.toFixed(2)}`;
    const lines = [
      `${path}: ${layerName}${flags.layer !== layerName ? ` (${flags.layer})` : ''}, ${act.F} values per image, on the first ${act.N.toLocaleString('en-US')} ${datasetName} test images`,
      flags.method === 'pca' && explained
        ? `PCA: the two axes explain ${explained.map((v) => `${(100 * v).toFixed(1)}%`).join(' and ')} of the variance`
        : `UMAP (seed ${flags.seed})`,
      '',
      'distances between class centroids, Euclidean (activations scaled to unit mean squared norm):',
      ...matrixTable(geometry.euclidean, names),
      '',
      'cosine distances (1 − cos) between class centroids:',
      ...matrixTable(geometry.cosine, names),
      '',
      `nearest pairs: ${nearest.map(fmt).join(', ')}`,
      `farthest pairs: ${farthest.map(fmt).join(', ')}`,
      `${nearest[0].a} is closer to ${nearest[0].b} (${nearest[0].distance.toFixed(2)}) than ${farthest[0].a} to ${farthest[0].b} (${farthest[0].distance.toFixed(2)}); a class's own spread is ${Math.min(...geometry.spread).toFixed(2)}–${Math.max(...geometry.spread).toFixed(2)}`,
    ];
    if (out) lines.push('', `wrote ${out}`);
    io.out(lines.join('\n') + '\n');
  });
  return cmd;
}
