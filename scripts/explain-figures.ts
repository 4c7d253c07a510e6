/**
 * The explanation methods' figures on the shipped models, as docs/explain.md reports them:
 * integrated gradients' completeness gap (per model and baseline), the model-randomisation
 * correlations (Adebayo et al. 2018) and deletion areas per method on lenet, the robustness curve
 * of each model under FGSM and PGD, the minimal flipping ε of the example digits, fooling-image
 * confidences, and timings. Writes JSON (--out FILE) and prints tables. Not a test: run it with
 *   npm run figures:explain -- [--data DIR] [--limit N]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tensor } from '../src/engine/tensor.js';
import { selectNodeKernels } from '../src/engine/kernels/wasm/node-kernels.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { readImageFile } from '../src/data/node-image.js';
import { preprocessDigit } from '../src/data/preprocess.js';
import { loadDataset } from '../src/data/node-source.js';
import type { Sequential } from '../src/nn/model.js';
import {
  ATTRIBUTION_METHODS,
  attribute,
  deletionCurve,
  foolingImage,
  integratedGradients,
  minimalEpsilon,
  modelRandomizationTest,
  randomAttribution,
  robustnessCurve,
} from '../src/explain/index.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, limit: { type: 'string', default: '1000' }, out: { type: 'string' } } });
const root = join(import.meta.dirname, '..');
const kernels = await selectNodeKernels('wasm');
const NAMES = ['mlp', 'tiny', 'lenet', 'cnn'];
const models: Record<string, Sequential> = {};
for (const name of NAMES) models[name] = (await readModelFile(join(root, 'models', `${name}.safetensors`))).model;
const digits = new Tensor([10, 1, 28, 28]);
for (let d = 0; d < 10; d++) digits.data.set(preprocessDigit(await readImageFile(join(root, 'examples', `${d}.png`)), { range: '0..255' }).pixels, d * 784);
const targets = Array.from({ length: 10 }, (_, i) => i);
const figures: Record<string, unknown> = {};
const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
};

console.log('\n## Integrated gradients: completeness gap on the ten example digits (max, mean; steps used)');
const ig: Record<string, unknown> = {};
for (const name of NAMES) {
  for (const baseline of ['black', 'blur', 'uniform'] as const) {
    const [r, ms] = time(() => integratedGradients(models[name], digits, { target: targets, baseline }));
    const gaps = Array.from(r.gaps);
    const row = { max: Math.max(...gaps), mean: gaps.reduce((a, b) => a + b) / gaps.length, steps: Array.from(r.steps), msPerDigit: ms / 10 };
    ig[`${name}/${baseline}`] = row;
    console.log(`${name.padEnd(6)} ${baseline.padEnd(8)} max ${pct(row.max).padStart(7)}  mean ${pct(row.mean).padStart(7)}  steps ${row.steps.join(',')}  ${row.msPerDigit.toFixed(1)} ms/digit`);
  }
}
figures['integratedGradients'] = ig;

console.log('\n## Model randomisation on lenet (Spearman of |map| with the trained model\'s, cascading from the top) and deletion area (lower = faithful; random order for reference)');
const random = deletionCurve(models['lenet'], digits, randomAttribution(digits, 3), targets);
const perMethod: Record<string, unknown> = {};
for (const method of ATTRIBUTION_METHODS) {
  const steps = modelRandomizationTest(models['lenet'], digits, (m, x) => attribute(m, x, method, { target: targets }).map);
  const a = attribute(models['lenet'], digits, method, { target: targets });
  const del = deletionCurve(models['lenet'], digits, a.map, targets);
  perMethod[method] = { randomization: steps, deletionArea: del.area, deletion: Array.from(del.probabilities) };
  console.log(`${method.padEnd(22)} ${steps.map((s) => `${s.layer} ${s.spearmanAbs.toFixed(2)}`).join('  ')}   deletion ${del.area.toFixed(3)} (random ${random.area.toFixed(3)})`);
}
figures['lenetMethods'] = perMethod;

console.log('\n## Minimal flipping ε (L∞) of the example digits');
const minEps: Record<string, unknown> = {};
for (const name of NAMES) {
  const fg: (number | null)[] = [];
  const pg: (number | null)[] = [];
  for (let d = 0; d < 10; d++) {
    const one = new Tensor([1, 1, 28, 28], digits.data.slice(d * 784, (d + 1) * 784));
    fg.push(minimalEpsilon(models[name], one, { method: 'fgsm' }).eps);
    pg.push(minimalEpsilon(models[name], one, { method: 'pgd', steps: 20 }).eps);
  }
  const med = (a: (number | null)[]): number => a.map((v) => v ?? 1).sort((p, q) => p - q)[5];
  minEps[name] = { fgsm: fg, pgd: pg };
  console.log(`${name.padEnd(6)} FGSM median ${med(fg).toFixed(3)} [${fg.map((v) => v?.toFixed(3) ?? '—').join(' ')}]  PGD median ${med(pg).toFixed(3)} [${pg.map((v) => v?.toFixed(3) ?? '—').join(' ')}]`);
}
figures['minimalEpsilon'] = minEps;

console.log('\n## Fooling images: confidence per class (ε around the noise, method)');
const fooling: Record<string, unknown> = {};
for (const name of NAMES) {
  const rows = targets.map((c) => foolingImage(models[name], c, { seed: c }));
  fooling[name] = rows.map((r) => ({ confidence: r.confidence, eps: r.eps, method: r.method }));
  console.log(`${name.padEnd(6)} ${rows.map((r) => `${r.target}:${(r.confidence * 100).toFixed(3)}%@${r.eps}${r.method === 'evolution' ? 'e' : ''}`).join(' ')}`);
}
figures['fooling'] = fooling;

const data = await loadDataset(values.data ? { dataset: 'mnist', dataDir: values.data } : { dataset: 'mnist' });
const n = Math.min(Number(values.limit), data.test.n);
const x = new Tensor([n, 1, 28, 28], Float32Array.from(data.test.images.subarray(0, n * 784), (v) => v / 255));
const labels = data.test.labels.subarray(0, n);
const EPS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
console.log(`\n## Robustness: accuracy on the first ${n} test digits (ε = ${EPS.join(', ')})`);
const robustness: Record<string, unknown> = {};
for (const name of NAMES) {
  for (const method of ['fgsm', 'pgd'] as const) {
    const [curve, ms] = time(() => robustnessCurve(models[name], x, labels, EPS, { method, steps: 40 }));
    robustness[`${name}/${method}`] = curve;
    console.log(`${name.padEnd(6)} ${method.padEnd(5)} ${curve.map((p) => pct(p.accuracy).padStart(7)).join(' ')}   (${(ms / 1000).toFixed(1)} s)`);
  }
}
figures['robustness'] = robustness;

if (values.out) writeFileSync(values.out, JSON.stringify(figures, null, 1));
await kernels?.dispose();
process.exit(0);
