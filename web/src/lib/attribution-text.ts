/**
 * The words and numbers the Explain view shows: each attribution method's name, one plain line on
 * what its map means, whether its values carry a sign (which colour scale it gets) and where it is
 * computed (on the page every frame, or in a worker); the integrated-gradients completeness
 * sentence; a probability written so that "99.99%" is never claimed for less. Text only: the
 * methods themselves live in src/explain.
 */
import type { AttributionMethod } from '../../../src/explain/attributions.js';

export interface MethodInfo {
  title: string;
  /** what the map shows, in one plain sentence */
  line: string;
  /** signed maps get the diverging scale (blue against, red for); the others the sequential one */
  signed: boolean;
  /** 'page': cheap enough for every animation frame; 'worker': computed beside the page, newest input first */
  where: 'page' | 'worker';
}

export const METHOD_INFO: Readonly<Record<AttributionMethod, MethodInfo>> = {
  saliency: {
    title: 'Saliency',
    line: 'How strongly a small change to each pixel would move the score (the gradient’s size; its sign is dropped).',
    signed: false,
    where: 'page',
  },
  'gradient-x-input': {
    title: 'Gradient × input',
    line: 'The gradient times the pixel: ink that raised the score (red) or lowered it (blue). Blank pixels get nothing.',
    signed: true,
    where: 'page',
  },
  smoothgrad: {
    title: 'SmoothGrad',
    line: 'The gradient averaged over 50 noisy copies of the digit: the same idea as the gradient, with less speckle.',
    signed: true,
    where: 'worker',
  },
  'integrated-gradients': {
    title: 'Integrated gradients',
    line: 'Gradients added up along a fade from a black image to the digit; the map sums to how much the score rose.',
    signed: true,
    where: 'worker',
  },
  occlusion: {
    title: 'Occlusion',
    line: 'How much the score drops when a 4×4 patch is painted black, the patch swept across the image.',
    signed: true,
    where: 'worker',
  },
  gradcam: {
    title: 'Grad-CAM',
    line: 'Where in one convolution layer’s maps the evidence for the class lies, scaled up to 28×28: the later the layer, the coarser.',
    signed: false,
    where: 'page',
  },
  'guided-backprop': {
    title: 'Guided backprop',
    line: 'The gradient with only positive signals let back through each ReLU: crisp strokes, though weakly tied to the class.',
    signed: true,
    where: 'page',
  },
  deconvnet: {
    title: 'Deconvnet',
    line: 'Signals sent back down with each ReLU applied to them on the way (Zeiler & Fergus): what would excite the units.',
    signed: true,
    where: 'page',
  },
};

/** A value with 3 significant digits (two decimals from 1 to 100). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1 && a < 100) return v.toFixed(2);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(3)));
  return v.toExponential(2);
}

/** A fraction as a percentage with one decimal, or two significant digits below 1%. */
export function percent(f: number): string {
  const p = Math.abs(f) * 100;
  if (p === 0) return '0%';
  if (p >= 1) return `${p.toFixed(1)}%`;
  return `${Number(p.toPrecision(2))}%`;
}

/**
 * A probability as a percentage with as many decimals as it takes to reach a digit that is not 9
 * (at most 4 decimals), truncated, never rounded up: 0.99998 → "99.998%", 0.9999 → "99.99%",
 * 0.5 → "50.0%". A float32
 * probability of exactly 1 reads "> 99.9999%": the other classes are then below float32's reach,
 * not zero.
 */
export function probabilityText(p: number): string {
  if (!(p >= 0)) return '–';
  if (p >= 1) return '> 99.9999%';
  const pct = p * 100;
  for (let d = 1; d <= 4; d++) {
    const f = 10 ** d;
    const scaled = pct * f + 1e-9;
    const s = (Math.floor(scaled) / f).toFixed(d);
    // stop at a digit that is not 9, or where nothing is left over
    if (s[s.length - 1] !== '9' || scaled - Math.floor(scaled) < 1e-6 || d === 4) return `${s}%`;
  }
  return `${pct.toFixed(4)}%`;
}

/** "a 9", "an 8", "an ankle boot": the article English puts before a class's label. */
export function withArticle(label: string): string {
  const an = /^(8|11|18|8\d)(\D|$)/.test(label) || /^[aeiou]/i.test(label);
  return `${an ? 'an' : 'a'} ${label}`;
}

/** "99.998% a 9" */
export function confidenceText(p: number, label: string): string {
  return `${probabilityText(p)} ${withArticle(label)}`;
}

export interface CompletenessFacts {
  /** Σ of the attribution map */
  sum: number;
  /** the target's logit at the input and at the baseline */
  score: number;
  baselineScore: number;
  /** the relative gap the library reports */
  gap: number;
  steps: number;
  baseline: string;
}

/** "attributions sum to 4.31; logit(x) − logit(black) = 4.33; gap 0.4% (32 steps)" */
export function completenessText(f: CompletenessFacts): string {
  return `attributions sum to ${num(f.sum)}; logit(x) − logit(${f.baseline}) = ${num(f.score - f.baselineScore)}; gap ${percent(f.gap)} (${f.steps} steps)`;
}

/** The class with the second highest probability (the runner-up), or −1 with fewer than two classes. */
export function runnerUp(probs: ArrayLike<number>): number {
  let first = -1;
  let second = -1;
  for (let k = 0; k < probs.length; k++) {
    if (first < 0 || probs[k] > probs[first]) {
      second = first;
      first = k;
    } else if (second < 0 || probs[k] > probs[second]) second = k;
  }
  return second;
}
