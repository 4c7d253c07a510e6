/**
 * The runs the Train view keeps: each one's record (the RunLog shape `convscope train --log`
 * writes, src/train/run-log.ts), a label that says how it differs, and its curves laid out for
 * one overlaid plot. Importing a log file checks it (parseRunLog) and says what is wrong. It
 * draws nothing; TrainPlots.svelte hands these arrays to uPlot.
 */
import { parseRunLog, type RunLog } from '../../../src/train/run-log.js';

export interface KeptRun {
  /** unique in the page */
  readonly id: number;
  readonly log: RunLog;
  /** shown in the overlay */
  readonly visible: boolean;
}

/** What the overlay plots. */
export type RunMetric = 'testAccuracy' | 'trainLoss' | 'trainAccuracy' | 'lr';
export type RunAxis = 'step' | 'seconds';

export const METRIC_TITLES: Readonly<Record<RunMetric, string>> = {
  testAccuracy: 'test accuracy',
  trainLoss: 'training loss',
  trainAccuracy: 'training accuracy',
  lr: 'learning rate',
};

/** Eight colours that stay apart on white (Okabe–Ito, then two more). */
export const RUN_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#6b4c9a', '#444444'] as const;

export function runColor(id: number): string {
  return RUN_COLORS[id % RUN_COLORS.length];
}

function optimizerText(log: RunLog): string {
  const o = log.recipe.optimizer;
  return o.kind === 'sgd' && o.momentum ? `sgd m${o.momentum}` : o.kind;
}

/** "cnn · adam lr 0.003 onecycle · batch 64 · 2 epochs · seed 1 · mnist (browser)". */
export function runLabel(log: RunLog): string {
  const r = log.recipe;
  const aug = r.augment ? ' · augmented' : '';
  return `${log.name} · ${optimizerText(log)} lr ${r.lr} ${r.schedule.kind} · batch ${r.batchSize} · ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}${aug} · seed ${r.seed} · ${log.dataset} (${log.origin})`;
}

/** The x and y of one run's curve for a metric. */
export function runCurve(log: RunLog, metric: RunMetric, axis: RunAxis): { x: number[]; y: number[] } {
  if (metric === 'testAccuracy') {
    // the time of a test point is that of the training point at its step (the log keeps steps for tests)
    const secondsAt = (step: number): number => {
      let s = 0;
      for (const p of log.train) if (p.step <= step) s = p.seconds;
      return s;
    };
    const pts = log.test;
    return { x: pts.map((p) => (axis === 'step' ? p.step : secondsAt(p.step))), y: pts.map((p) => p.accuracy) };
  }
  const pick = metric === 'trainLoss' ? (p: RunLog['train'][number]) => p.loss : metric === 'trainAccuracy' ? (p: RunLog['train'][number]) => p.accuracy : (p: RunLog['train'][number]) => p.lr;
  return { x: log.train.map((p) => p[axis]), y: log.train.map(pick) };
}

/**
 * Curves of several runs on one x axis, as uPlot wants them: [xs, ys of run 1, ys of run 2, …],
 * xs the sorted union of every run's x, each run's y null where it has no point (uPlot then
 * joins its points across the gaps with spanGaps).
 */
export function overlayData(logs: readonly RunLog[], metric: RunMetric, axis: RunAxis): (number | null)[][] {
  const curves = logs.map((l) => runCurve(l, metric, axis));
  const xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const y = new Array<number | null>(xs.length).fill(null);
    c.x.forEach((x, i) => (y[at.get(x)!] = c.y[i]));
    return y;
  });
  return [xs, ...ys];
}

/** A dropped or picked log file's text as a run log; the error says which file and what is wrong. */
export function importRunLog(text: string, fileName: string): RunLog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${fileName}: not JSON (${(e as Error).message}); expected the file \`convscope train --log FILE\` writes`);
  }
  return parseRunLog(json, fileName);
}

/** "cnn-run-2026-12-01T20-48-37.json": a file name for a run's log download. */
export function runLogFileName(log: RunLog): string {
  return `${log.name}-run-${log.startedAt.slice(0, 19).replace(/:/g, '-')}.json`;
}

/** The best test accuracy a run reached and when (step), or null before its first test. */
export function bestTest(log: RunLog): { accuracy: number; step: number } | null {
  let best: { accuracy: number; step: number } | null = null;
  for (const p of log.test) if (!best || p.accuracy > best.accuracy) best = { accuracy: p.accuracy, step: p.step };
  return best;
}
