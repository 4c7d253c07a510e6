/** The Explain view's text: method table, completeness sentence, probabilities never overstated. */
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_METHODS } from '../../../src/explain/attributions.js';
import { METHOD_INFO, completenessText, confidenceText, num, percent, probabilityText, runnerUp, withArticle } from './attribution-text.js';

describe('METHOD_INFO', () => {
  it('describes every library method in one line, saliency and Grad-CAM unsigned, the rest signed', () => {
    expect(Object.keys(METHOD_INFO).sort()).toEqual([...ATTRIBUTION_METHODS].sort());
    for (const m of ATTRIBUTION_METHODS) expect(METHOD_INFO[m].line).not.toContain('\n');
    expect(ATTRIBUTION_METHODS.filter((m) => !METHOD_INFO[m].signed)).toEqual(['saliency', 'gradcam']);
    expect(ATTRIBUTION_METHODS.filter((m) => METHOD_INFO[m].where === 'worker')).toEqual(['smoothgrad', 'integrated-gradients', 'occlusion']);
  });
});

describe('probabilityText', () => {
  it.each([
    [0.5, '50.0%'],
    [0.123456, '12.3%'],
    [0.999, '99.9%'],
    [0.99998, '99.998%'],
    [0.99991, '99.991%'],
    [0.9999, '99.99%'],
    [0.99999999, '99.9999%'],
    [0.0004, '0.0%'],
    [1, '> 99.9999%'],
  ])('p=%s → %s', (p, s) => expect(probabilityText(p)).toBe(s));

  it('never rounds up: 0.99995 does not read 100% nor 99.996%', () => {
    expect(probabilityText(0.999959)).toBe('99.995%');
  });
});

describe('text', () => {
  it('puts the right article before a label', () => {
    expect(['0', '1', '8', '9', '11', '18', '80', 'ankle boot', 'bag'].map(withArticle)).toEqual(['a 0', 'a 1', 'an 8', 'a 9', 'an 11', 'an 18', 'an 80', 'an ankle boot', 'a bag']);
    expect(confidenceText(0.99998, '9')).toBe('99.998% a 9');
  });

  it('writes the completeness check as the issue asks: sum, logit difference, gap, steps', () => {
    expect(completenessText({ sum: 4.3142, score: 5.1, baselineScore: 0.77, gap: 0.00438, steps: 32, baseline: 'black' })).toBe(
      'attributions sum to 4.31; logit(x) − logit(black) = 4.33; gap 0.44% (32 steps)',
    );
    expect(percent(0.0123)).toBe('1.2%');
    expect(percent(0)).toBe('0%');
    expect([num(0), num(123.456), num(-0.0123456), num(2e-5), num(42)]).toEqual(['0', '123', '-0.0123', '2.00e-5', '42.00']);
  });

  it('finds the runner-up class', () => {
    expect(runnerUp([0.1, 0.6, 0.25, 0.05])).toBe(2);
    expect(runnerUp([0.7, 0.2, 0.1])).toBe(1);
    expect(runnerUp([0.2, 0.1, 0.7])).toBe(0);
    expect(runnerUp([1])).toBe(-1);
  });
});
