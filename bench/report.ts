/**
 * Turns the runners' figures into the ratios and the table `npm run bench` prints (Markdown, so
 * the same text goes into the README). Ratios read "times faster": convscope's best configuration
 * over the peer for throughput, the peer over convscope for latency, so > 1 always favours
 * convscope. It computes and formats; it measures nothing and writes no files.
 */
import { BENCH_MODELS, isNa, type BenchModel, type Figure, type ModelFigures } from './figures.js';

export type PeerGroup = 'convscope' | 'torch' | 'tfjs';

export interface RunnerResult {
  id: string;
  /** column header, e.g. 'convscope wasm 2T' */
  label: string;
  group: PeerGroup;
  /** how it ran (kernels, threads, backend, versions) */
  detail: Record<string, unknown>;
  models: Partial<Record<BenchModel, ModelFigures>>;
  /** why the whole runner has no figures */
  na?: string;
}

export type FigureName = keyof ModelFigures;
export const FIGURES: readonly FigureName[] = ['train', 'infer', 'latency'];

const FIGURE_TITLE: Record<FigureName, string> = {
  train: 'train img/s',
  infer: 'infer img/s',
  latency: '1 digit + trace, ms',
};

export interface Ratio {
  /** convscope's best runner for this figure and its value */
  best: { runner: string; value: number } | null;
  vsTorch: number | null;
  /** against the faster of TF.js's backends */
  vsTfjs: number | null;
}

/** The number a figure is compared by: images/s, or ms for latency. */
export function figureValue(f: Figure<object> | undefined, which: FigureName): number | null {
  if (f === undefined || isNa(f)) return null;
  if (which === 'latency') return (f as { medianMs: number }).medianMs;
  return (f as { imagesPerSecond: number }).imagesPerSecond;
}

/**
 * One runner measured in several rounds, as one result: each figure is the round whose value is
 * the median (with an even count, the lower middle one by value, so never the luckiest), and
 * `detail.rounds` keeps every round's value, in run order. Rounds of a runner share its id.
 */
export function medianOfRounds(rounds: readonly RunnerResult[]): RunnerResult {
  if (rounds.length === 0) throw new RangeError('medianOfRounds: no rounds');
  const first = rounds[0]!;
  if (rounds.some((r) => r.id !== first.id)) throw new RangeError(`medianOfRounds: rounds of different runners (${rounds.map((r) => r.id).join(', ')})`);
  if (rounds.length === 1) return first;
  const models: RunnerResult['models'] = {};
  const values: Partial<Record<BenchModel, Partial<Record<FigureName, (number | null)[]>>>> = {};
  const names = [...new Set(rounds.flatMap((r) => Object.keys(r.models) as BenchModel[]))];
  for (const m of names) {
    const merged = {} as ModelFigures;
    values[m] = {};
    for (const f of FIGURES) {
      const figs = rounds.map((r) => r.models[m]?.[f]);
      const measured = figs.filter((x): x is NonNullable<typeof x> => x !== undefined && figureValue(x, f) !== null);
      values[m]![f] = figs.map((x) => figureValue(x, f));
      if (measured.length === 0) {
        (merged as unknown as Record<string, unknown>)[f] = figs.find((x) => x !== undefined) ?? { na: 'not measured' };
        continue;
      }
      // sort from worst to best, then take the lower middle
      const better = (x: number, y: number): number => (f === 'latency' ? y - x : x - y);
      measured.sort((a, b) => better(figureValue(a, f)!, figureValue(b, f)!));
      (merged as unknown as Record<string, unknown>)[f] = measured[Math.floor((measured.length - 1) / 2)];
    }
    models[m] = merged;
  }
  const { na: _na, ...rest } = first;
  const allNa = rounds.every((r) => r.na !== undefined);
  return { ...rest, models, detail: { ...first.detail, rounds: values }, ...(allNa ? { na: first.na } : {}) };
}

function valueOf(r: RunnerResult, model: BenchModel, which: FigureName): number | null {
  return figureValue(r.models[model]?.[which], which);
}

function bestOf(runners: readonly RunnerResult[], model: BenchModel, which: FigureName): { runner: string; value: number } | null {
  let best: { runner: string; value: number } | null = null;
  for (const r of runners) {
    const v = valueOf(r, model, which);
    if (v === null) continue;
    if (best === null || (which === 'latency' ? v < best.value : v > best.value)) best = { runner: r.label, value: v };
  }
  return best;
}

/** How many times faster convscope's best is: > 1 favours convscope. */
function speedup(which: FigureName, conv: number, peer: number): number {
  return which === 'latency' ? peer / conv : conv / peer;
}

export function computeRatios(runners: readonly RunnerResult[], models: readonly BenchModel[]): Partial<Record<BenchModel, Record<FigureName, Ratio>>> {
  const out: Partial<Record<BenchModel, Record<FigureName, Ratio>>> = {};
  const group = (g: PeerGroup) => runners.filter((r) => r.group === g);
  for (const m of models) {
    const row = {} as Record<FigureName, Ratio>;
    for (const f of FIGURES) {
      const best = bestOf(group('convscope'), m, f);
      const torch = bestOf(group('torch'), m, f);
      const tfjs = bestOf(group('tfjs'), m, f);
      row[f] = {
        best,
        vsTorch: best && torch ? speedup(f, best.value, torch.value) : null,
        vsTfjs: best && tfjs ? speedup(f, best.value, tfjs.value) : null,
      };
    }
    out[m] = row;
  }
  return out;
}

function formatValue(v: number | null, which: FigureName): string {
  if (v === null) return 'n/a';
  if (which === 'latency') return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
}

function formatRatio(r: number | null): string {
  return r === null ? 'n/a' : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

/** The results as a Markdown table: a row per model and figure, a column per runner, then the ratios. */
export function markdownTable(runners: readonly RunnerResult[], models: readonly BenchModel[] = BENCH_MODELS): string {
  const ratios = computeRatios(runners, models);
  const head = ['model', 'figure', ...runners.map((r) => r.label), 'best convscope vs best PyTorch', 'vs best TF.js'];
  const rows: string[][] = [];
  for (const m of models) {
    for (const f of FIGURES) {
      const ratio = ratios[m]?.[f];
      rows.push([m, FIGURE_TITLE[f], ...runners.map((r) => formatValue(valueOf(r, m, f), f)), formatRatio(ratio?.vsTorch ?? null), formatRatio(ratio?.vsTfjs ?? null)]);
    }
  }
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** Footnotes for every n/a in the table: which runner, which figure, and why. */
export function naNotes(runners: readonly RunnerResult[], models: readonly BenchModel[] = BENCH_MODELS): string[] {
  const notes: string[] = [];
  for (const r of runners) {
    if (r.na !== undefined) {
      notes.push(`${r.label}: ${r.na}`);
      continue;
    }
    const reasons = new Map<string, string[]>();
    for (const m of models) {
      for (const f of FIGURES) {
        const fig = r.models[m]?.[f];
        const why = fig === undefined ? 'not run' : isNa(fig) ? fig.na : null;
        if (why !== null) reasons.set(why, [...(reasons.get(why) ?? []), `${m} ${f}`]);
      }
    }
    for (const [why, where] of reasons) notes.push(`${r.label}, ${where.join(', ')}: ${why}`);
  }
  return notes;
}
