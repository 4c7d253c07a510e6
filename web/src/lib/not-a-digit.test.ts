/**
 * The prediction panel's "not a digit" words: the verdict follows score > threshold exactly, numbers
 * get the decimals that tell score and threshold apart, and every method has its line.
 */
import { describe, expect, it } from 'vitest';
import { OOD_METHODS, type OodCalibration } from '../../../src/nn/ood.js';
import { acceptPercent, methodLine, scorePair, verdict } from './not-a-digit.js';

const cal: OodCalibration = { method: 'combined', threshold: 1.9, acceptRate: 0.95, layer: 'relu1' };

describe('verdict', () => {
  it('says "probably not a digit" with the score, threshold and accept rate when score > threshold (3.1 > 1.9)', () => {
    expect(verdict({ score: 3.1, threshold: 1.9, method: 'combined' }, cal)).toEqual({
      notDigit: true,
      text: 'Probably not a digit: its score 3.10 is above the threshold 1.90 that 95% of held-out MNIST test digits stay under.',
      method: "The score averages two signals, each counted in spreads of held-out digits: how low the class scores stay (energy), and how far relu1's activations lie from every class's average (Mahalanobis distance).",
    });
  });

  it('says it looks like a digit at or under the threshold (as predict: only score > threshold is not a digit)', () => {
    expect(verdict({ score: 1.9, threshold: 1.9, method: 'combined' }, cal)?.notDigit).toBe(false);
    expect(verdict({ score: -0.4, threshold: 1.9, method: 'combined' }, cal)?.text).toBe(
      'Looks like a digit: its score -0.40 is within the threshold 1.90 that 95% of held-out MNIST test digits stay under.',
    );
  });

  it('is null without a calibration', () => {
    expect(verdict(null, null)).toBeNull();
    expect(verdict({ score: 1, threshold: 0, method: 'energy' }, null)).toBeNull();
  });
});

describe('scorePair', () => {
  it('adds decimals until score and threshold differ (1.9123 vs 1.9081 → 1.912, 1.908)', () => {
    expect(scorePair(1.9123, 1.9081)).toEqual(['1.912', '1.908']);
    expect(scorePair(3.1, 1.9)).toEqual(['3.10', '1.90']);
  });

  it('uses fewer decimals for large magnitudes (energy −23.4 vs −18.07)', () => {
    expect(scorePair(-23.41, -18.07)).toEqual(['-23.4', '-18.1']);
  });
});

describe('words', () => {
  it('has a line for every method', () => {
    for (const m of OOD_METHODS) expect(methodLine(m, 'relu1').length).toBeGreaterThan(40);
    expect(methodLine('mahalanobis', 'relu3')).toContain("relu3's activations");
  });

  it('writes accept rates as percentages (0.95 → 95%, 0.975 → 97.5%)', () => {
    expect(acceptPercent(0.95)).toBe('95%');
    expect(acceptPercent(0.975)).toBe('97.5%');
  });
});
