/**
 * How well whole numbers are read (src/data/segment.ts readDigits) from generated photo-like pages
 * (src/data/number-pages.ts): exact-match accuracy (every digit right, none missing, none extra)
 * for separated and touching digits, from MNIST *test* digits and from generated handwriting, by
 * number length, with the time per page, for the shipped models, and how often the right reading
 * was among the candidates at all. Each page goes through the file it would be stored as (JPEG at
 * its quality, else PNG) and back, and is read as readDigits reads it. Prints a table and writes JSON.
 *
 *   npm run figures:read -- [--data DIR] [--pages 500] [--models lenet,cnn] [--seed 1] [--out FILE]
 *   npm run figures:read -- --fit [--pages 100]   fit the score weights (ScoreWeights) on other pages
 *
 * --fit uses seed 1000 + --seed, never the measuring pages: each candidate digit of those pages
 * is labelled by whether its box matches a true digit's (IoU ≥ 0.7; < 0.45 counts as not one,
 * between is left out), a logistic regression on the candidates' features gives the weights, then
 * each weight in turn is tuned for whole numbers read right (sum over the four sets plus the
 * worst, so no set is given up for the others), starting from the regression (with its best
 * per-digit bonus) and from the model's current weights, the better kept. It prints the model's
 * entry of SCORE_WEIGHTS (src/data/segment.ts); the first of --models is fitted.
 */
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { selectNodeKernels } from '../src/engine/kernels/wasm/node-kernels.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { formatProgress, loadDataset } from '../src/data/node-source.js';
import { numberPages, type NumberPage, type NumberSource } from '../src/data/number-pages.js';
import { storePage } from '../src/data/node-number-pages.js';
import { grayUnit } from '../src/data/binarize.js';
import { atomsBox, inkLines } from '../src/data/ink-lines.js';
import { featureVector, scoreWeightsFor, readLines, rescore, type LineReading, type ScoreWeights } from '../src/data/segment.js';
import type { Sequential } from '../src/nn/model.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    pages: { type: 'string' },
    models: { type: 'string', default: 'lenet,cnn' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    fit: { type: 'boolean', default: false },
  },
});
const root = join(import.meta.dirname, '..');
const pages = Number(values.pages ?? (values.fit ? 100 : 500));
const seed = Number(values.seed);
if (!Number.isInteger(pages) || pages < 1 || !Number.isInteger(seed)) throw new Error('read-figures: --pages and --seed take integers, --pages ≥ 1');
const kernels = await selectNodeKernels('wasm');
const dataset = await loadDataset({ dataset: 'mnist', ...(values.data ? { dataDir: resolve(values.data) } : {}), env: process.env, onProgress: (p) => console.error(formatProgress(p)) });
const names = values.models.split(',');
const models: Record<string, Sequential> = {};
for (const name of names) models[name] = (await readModelFile(join(root, 'models', `${name}.safetensors`))).model;
const SETS: { source: NumberSource; touching: boolean; name: string }[] = [
  { source: 'mnist', touching: false, name: 'MNIST test, separated' },
  { source: 'mnist', touching: true, name: 'MNIST test, touching' },
  { source: 'synthetic', touching: false, name: 'generated, separated' },
  { source: 'synthetic', touching: true, name: 'generated, touching' },
];
const pagesOf = (set: (typeof SETS)[number], s: number) => numberPages({ count: pages, seed: s, source: set.source, touching: set.touching, mnistTest: dataset.test });

if (values.fit) await fit(models[names[0]], names[0]);
else await measure();
await kernels?.dispose();

async function measure(): Promise<void> {
  interface Tally { right: number; total: number; byLength: Record<number, [number, number]>; ms: number; deepOverlap: [number, number]; reachable: number }
  const results: Record<string, Record<string, Tally>> = {};
  for (const set of SETS) {
    for (const name of names) (results[name] ??= {})[set.name] = { right: 0, total: 0, byLength: {}, ms: 0, deepOverlap: [0, 0], reachable: 0 };
    for (const page of pagesOf(set, seed)) {
      const image = storePage(page).image;
      for (const name of names) {
        // readDigits' own steps, so that its candidates can be looked at too
        const t0 = performance.now();
        const readings = readLines(models[name], inkLines(grayUnit(image), image.width, image.height));
        const ms = performance.now() - t0;
        const t = results[name][set.name];
        const hit = textOf(readings) === page.text;
        t.reachable += +reachable(readings, page);
        t.right += +hit;
        t.total++;
        t.ms += ms;
        const b = (t.byLength[page.text.length] ??= [0, 0]);
        b[0] += +hit;
        b[1]++;
        // touching pages whose deepest overlap is more than 5% of a digit's height
        if (set.touching && Math.min(...page.gaps) < -0.05) {
          t.deepOverlap[0] += +hit;
          t.deepOverlap[1]++;
        }
      }
    }
    console.error(`${set.name}: done`);
  }
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '–');
  console.log('"among the candidates": pages where some choice of candidates reads the number right, each digit');
  console.log('from a candidate whose box matches the true one (IoU ≥ 0.6): what the best possible scoring would reach.\n');
  const lengths = [2, 3, 4, 5, 6, 7, 8];
  console.log(`exact-match accuracy on ${pages} pages per set (seed ${seed}), whole number right:\n`);
  console.log(`| model | set | exact | ${lengths.map((l) => `${l} digits`).join(' | ')} | among the candidates | ms/page |`);
  console.log(`|---|---|---|${lengths.map(() => '---').join('|')}|---|---|`);
  for (const name of names) {
    for (const set of SETS) {
      const t = results[name][set.name];
      const cells = lengths.map((l) => (t.byLength[l] ? pct(t.byLength[l][0], t.byLength[l][1]) : '–'));
      console.log(`| ${name} | ${set.name} | ${pct(t.right, t.total)} | ${cells.join(' | ')} | ${pct(t.reachable, t.total)} | ${(t.ms / t.total).toFixed(0)} |`);
    }
  }
  for (const name of names) {
    for (const set of SETS.filter((s) => s.touching)) {
      const d = results[name][set.name].deepOverlap;
      console.log(`${name}, ${set.name}: pages overlapping by more than 5% of a digit's height ${pct(d[0], d[1])} (${d[1]} pages)`);
    }
  }
  const out = values.out ? resolve(values.out) : join(root, 'docs', 'read', 'figures.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ pages, seed, command: `npm run figures:read -- --pages ${pages} --seed ${seed} --models ${values.models}`, results }, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
}

async function fit(model: Sequential, name: string): Promise<void> {
  const X: number[][] = [];
  const Y: number[] = [];
  const sets: { text: string; readings: LineReading[] }[][] = [];
  for (const set of SETS) {
    const kept: { text: string; readings: LineReading[] }[] = [];
    for (const page of pagesOf(set, 1000 + seed)) {
      const image = storePage(page).image;
      const readings = readLines(model, inkLines(grayUnit(image), image.width, image.height));
      kept.push({ text: page.text, readings });
      for (const r of readings) {
        for (const c of r.candidates) {
          const match = Math.max(...page.boxes.map((b) => iou(atomsBox(r.line, c.i, c.j), b)));
          if (match > 0.45 && match < 0.7) continue;
          X.push(featureVector(c.features));
          Y.push(match >= 0.7 ? 1 : 0);
        }
      }
    }
    sets.push(kept);
    console.error(`${set.name}: ${kept.length} pages`);
  }
  const keys = ['bias', 'logp', 'margin', 'ood', 'tall', 'short', 'wide', 'cut', 'aspect', 'offset'] as const;
  const w = logisticRegression(X, Y, 0.1);
  const current = scoreWeightsFor(model);
  const fitted: ScoreWeights = { ...current, bonus: 0 };
  keys.forEach((k, i) => (fitted[k] = round(w[i])));
  const accuracy = (wt: ScoreWeights) => sets.map((s) => s.filter((p) => textOf(p.readings.map((r) => rescore(r, wt))) === p.text).length / s.length);
  const objective = (a: number[]) => a.reduce((s, x) => s + x, 0) + Math.min(...a);
  // coordinate ascent, each weight in turn ×0.5..×2, from the regression (with the best bonus) and
  // from the current defaults; the better end wins
  const ascend = (start: ScoreWeights): [ScoreWeights, number] => {
    let best = start;
    let bestScore = objective(accuracy(start));
    for (let pass = 0; pass < 2; pass++) {
      for (const k of [...keys, 'bonus'] as const) {
        for (const f of [0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2]) {
          const wt = { ...best, [k]: round(best[k] === 0 ? f - 1 : best[k] * f) };
          const s = objective(accuracy(wt));
          if (s > bestScore + 1e-9) [best, bestScore] = [wt, s];
        }
      }
    }
    return [best, bestScore];
  };
  let regression = fitted;
  for (const bonus of [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]) {
    const wt = { ...fitted, bonus };
    if (objective(accuracy(wt)) > objective(accuracy(regression))) regression = wt;
  }
  const [fromRegression, a] = ascend(regression);
  const [fromDefaults, b] = ascend({ ...current });
  const best = a >= b ? fromRegression : fromDefaults;
  const pct = (a: number[]) => a.map((x, i) => `${SETS[i].name} ${(100 * x).toFixed(1)}%`).join(', ');
  console.log(`${X.length} candidates (${Y.filter((y) => y).length} whole digits) on ${pages} pages per set, seed ${1000 + seed}, ${name}`);
  console.log(`logistic regression: ${JSON.stringify(fitted)}\n  ${pct(accuracy({ ...fitted, bonus: 0 }))}`);
  console.log(`tuned:               ${JSON.stringify(best)}\n  ${pct(accuracy(best))}`);
  console.log(`current weights:     ${pct(accuracy({ ...current }))}`);
  console.log(`\nSCORE_WEIGHTS entry:\n  ${name}: ${JSON.stringify(best).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ').replace('{', '{ ').replace(/}$/, ' }')},`);
}

function textOf(readings: LineReading[]): string {
  return readings.filter((r) => r.chosen.length).map((r) => r.chosen.map((c) => c.digit).join('')).join('\n');
}

/**
 * Whether the page's number can be read from its candidates: one line, and a left-to-right path of
 * candidates, each reading the true digit in a box matching its true box (IoU ≥ 0.6), the atoms
 * between them small enough to be left out.
 */
function reachable(readings: LineReading[], page: NumberPage): boolean {
  const lines = readings.filter((r) => r.candidates.length);
  if (lines.length !== 1) return false;
  const { line, candidates } = lines[0];
  const n = line.atoms.length, L = page.boxes.length;
  // ok[k][j]: the first k digits read from atoms [0, j)
  const ok = Array.from({ length: L + 1 }, () => new Uint8Array(n + 1));
  ok[0][0] = 1;
  for (let j = 0; j <= n; j++) {
    for (let k = 0; k <= L; k++) {
      if (!ok[k][j]) continue;
      if (j < n && line.atoms[j].y1 - line.atoms[j].y0 + 1 < 0.5 * line.digitHeight) ok[k][j + 1] = 1;
      if (k === L) continue;
      for (const c of candidates) if (c.i === j && String(c.digit) === page.text[k] && iou(atomsBox(line, c.i, c.j), page.boxes[k]) >= 0.6) ok[k + 1][c.j] = 1;
    }
  }
  return ok[L][n] === 1;
}

/** Weights [bias, ...] of p(y = 1 | x) = σ(w·[1, x]) by Newton's method with an L2 penalty λ on all weights. */
function logisticRegression(X: number[][], Y: number[], lambda: number): number[] {
  const D = X[0].length + 1;
  let w = new Array<number>(D).fill(0);
  for (let it = 0; it < 30; it++) {
    const g = new Array<number>(D).fill(0);
    const H = Array.from({ length: D }, () => new Array<number>(D).fill(0));
    X.forEach((x, n) => {
      const v = [1, ...x];
      const p = 1 / (1 + Math.exp(-v.reduce((s, a, k) => s + a * w[k], 0)));
      for (let a = 0; a < D; a++) {
        g[a] += (p - Y[n]) * v[a];
        for (let b = 0; b < D; b++) H[a][b] += p * (1 - p) * v[a] * v[b];
      }
    });
    for (let a = 0; a < D; a++) {
      g[a] += lambda * w[a];
      H[a][a] += lambda;
    }
    const step = solve(H, g);
    w = w.map((v, i) => v - step[i]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return w;
}

/** x with A x = b (Gauss–Jordan with partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let i = 0; i < n; i++) {
    let piv = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(M[r][i]) > Math.abs(M[piv][i])) piv = r;
    [M[i], M[piv]] = [M[piv], M[i]];
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const f = M[r][i] / M[i][i];
      for (let c = i; c <= n; c++) M[r][c] -= f * M[i][c];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

function iou(a: readonly number[], b: readonly number[]): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

function round(v: number): number {
  return Number(v.toFixed(3));
}

