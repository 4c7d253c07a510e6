/**
 * The words of the prediction panel's "not a digit" verdict: the score against the model file's
 * calibration (src/nn/ood.ts computes both, on every prediction), the threshold and how many held-out
 * MNIST test digits stay under it, and one line per method on what its score measures. Pure text, so
 * it is tested in Node; the panel only places it.
 */
import type { OodCalibration, OodMethod, OodResult } from '../../../src/nn/ood.js';

/** One line on what each method's score measures, for a learner. */
export function methodLine(method: OodMethod, layer?: string): string {
  const where = layer ? `${layer}'s activations` : 'the hidden activations';
  switch (method) {
    case 'msp':
      return 'The score is 1 minus the top probability: digits usually get one confident answer.';
    case 'energy':
      return 'The score is the energy, −log Σ exp(class score): digits raise at least one class score high; other images leave them all low.';
    case 'mahalanobis':
      return `The score is how far ${where} lie from the nearest class's average, measured in the ways MNIST digits vary (Mahalanobis distance).`;
    case 'combined':
      return `The score averages two signals, each counted in spreads of held-out digits: how low the class scores stay (energy), and how far ${where} lie from every class's average (Mahalanobis distance).`;
  }
}

/**
 * The score and the threshold with just enough decimals to tell them apart (a score a hair above the
 * threshold must not read "1.91 is above 1.91").
 */
export function scorePair(score: number, threshold: number): [string, string] {
  const base = Math.max(Math.abs(score), Math.abs(threshold));
  let digits = base >= 100 ? 0 : base >= 10 ? 1 : 2;
  while (digits < 6 && score !== threshold && score.toFixed(digits) === threshold.toFixed(digits)) digits++;
  return [score.toFixed(digits), threshold.toFixed(digits)];
}

/** "95%" of the calibration's accept rate. */
export function acceptPercent(rate: number): string {
  const p = rate * 100;
  return `${Number.isInteger(Math.round(p * 10) / 10) ? p.toFixed(0) : p.toFixed(1)}%`;
}

export interface Verdict {
  notDigit: boolean;
  /** the headline sentence */
  text: string;
  /** what the score measures */
  method: string;
}

/** The verdict for one prediction, or null for a model without a calibration. */
export function verdict(ood: OodResult | null, cal: OodCalibration | null): Verdict | null {
  if (!ood || !cal) return null;
  const [s, t] = scorePair(ood.score, ood.threshold);
  const under = `the threshold ${t} that ${acceptPercent(cal.acceptRate)} of held-out MNIST test digits stay under`;
  const notDigit = ood.score > ood.threshold;
  const text = notDigit ? `Probably not a digit: its score ${s} is above ${under}.` : `Looks like a digit: its score ${s} is within ${under}.`;
  return { notDigit, text, method: methodLine(ood.method, cal.layer) };
}
