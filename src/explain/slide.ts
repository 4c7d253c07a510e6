/**
 * A convolution or pooling layer seen as a window sliding over the layer below: one output
 * channel's map, visited position by position in reading order, each position one unit that
 * explainUnit (unit.ts) recomputes from the trace. The explorer's animations walk these frames;
 * this file only says which unit each frame is, not how to draw it.
 */
import type { Sequential } from '../nn/model.js';
import { unitIndex, unitPosition, type UnitRef } from './unit.js';

export type SlideKind = 'conv2d' | 'maxpool2d' | 'avgpool2d';

/** One output channel of a sliding-window layer, as frames 0..frames−1 (row by row). */
export interface Slide {
  kind: SlideKind;
  /** the conv or pooling layer (an activation's unit resolves to the conv that fed it) */
  layer: number;
  /** the output channel that slides */
  channel: number;
  /** its output map's height and width */
  H: number;
  W: number;
  frames: number;
  /** the frame of the unit that was asked about */
  target: number;
}

const SLIDING: readonly string[] = ['conv2d', 'maxpool2d', 'avgpool2d'];
const ACTIVATIONS: readonly string[] = ['relu', 'leakyrelu', 'sigmoid', 'tanh'];

/**
 * The slide that produces `unit`, or null when its layer is no sliding window (dense, flatten…).
 * A unit of an activation right after a convolution slides that convolution, as explainUnit does.
 */
export function slideFor(model: Sequential, unit: UnitRef): Slide | null {
  let layer = unit.layer;
  const l0 = model.layers[layer];
  if (!l0) return null;
  if (ACTIVATIONS.includes(l0.kind) && layer > 0 && model.layers[layer - 1].kind === 'conv2d') layer -= 1;
  const l = model.layers[layer];
  if (!SLIDING.includes(l.kind) || l.outShape.length !== 3) return null;
  const [C, H, W] = l.outShape as [number, number, number];
  if (!Number.isInteger(unit.index) || unit.index < 0 || unit.index >= C * H * W) return null;
  const { c, y, x } = unitPosition(l.outShape, unit.index);
  return { kind: l.kind as SlideKind, layer, channel: c, H, W, frames: H * W, target: y * W + x };
}

/** The unit that frame `frame` of the slide computes. */
export function slideUnit(s: Slide, frame: number): UnitRef {
  const f = Math.min(s.frames - 1, Math.max(0, Math.floor(frame)));
  return { layer: s.layer, index: unitIndex([0, s.H, s.W], s.channel, Math.floor(f / s.W), f % s.W) };
}

/** The output position of a frame. */
export function slidePosition(s: Slide, frame: number): { y: number; x: number } {
  return { y: Math.floor(frame / s.W), x: frame % s.W };
}
