/**
 * The clock of a sliding-window animation: which frame comes next, how fast, and how long each
 * frame took to draw (window.__convscopeAnim, read by the end-to-end measurements). It owns no
 * DOM; the component asks it to tick and redraws.
 */

/** Frames per second a learner can choose: slow enough to read, fast enough to see the sweep. */
export const SPEEDS = [1, 4, 15, 60] as const;
export type Speed = (typeof SPEEDS)[number];

/** The frame after `frame` when stepping by `by` through `frames` frames, wrapping at both ends. */
export function nextFrame(frame: number, by: number, frames: number): number {
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`nextFrame: frames must be a positive integer, got ${frames}`);
  return (((frame + by) % frames) + frames) % frames;
}

export interface AnimFrameSample {
  /** from the tick to the frame's views updated (numbers, canvases), in ms */
  updateMs: number;
  kind: string;
}

declare global {
  interface Window {
    __convscopeAnim?: { samples: AnimFrameSample[] };
  }
}

export function recordAnimFrame(s: AnimFrameSample): void {
  window.__convscopeAnim ??= { samples: [] };
  const log = window.__convscopeAnim.samples;
  log.push(s);
  if (log.length > 2000) log.splice(0, 1000);
}

/** True when the learner asked the system for less motion: the animation then never starts by itself. */
export function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}
