/**
 * Colour scales for attribution maps, and the overlay of a map on its input: signed maps get a
 * diverging scale (blue below zero, white at zero, red above) symmetric about zero, so zero always
 * looks the same and the two signs compare fairly; non-negative maps (saliency, Grad-CAM) get a
 * sequential one from white through yellow and orange to dark red. Pure and platform-neutral: it
 * returns RGBA bytes and leaves encoding (PNG, a canvas) to the caller.
 */
import { SpecError } from '../engine/errors.js';
import type { AttributionMethod } from './attributions.js';

export type ScaleKind = 'diverging' | 'sequential';

export interface HeatScale {
  kind: ScaleKind;
  /** the values at the scale's two ends: −max..+max for diverging, 0..max for sequential */
  min: number;
  max: number;
}

/** Saliency (|gradient|) and Grad-CAM (after its ReLU) are never negative; every other method is signed. */
export function scaleKindFor(method: AttributionMethod): ScaleKind {
  return method === 'saliency' || method === 'gradcam' ? 'sequential' : 'diverging';
}

/** The scale that spans `values`; its ends are never both zero (an all-zero map gets 0..1 or −1..1). */
export function heatScale(values: ArrayLike<number>, kind: ScaleKind): HeatScale {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (kind === 'sequential') return { kind, min: 0, max: hi > 0 ? hi : 1 };
  const m = Math.max(-lo, hi);
  return { kind, min: m > 0 ? -m : -1, max: m > 0 ? m : 1 };
}

type Rgb = readonly [number, number, number];
// ColorBrewer RdBu (11 classes, blue end first) and YlOrRd (9 classes, white prepended).
const DIVERGING: readonly Rgb[] = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];
const SEQUENTIAL: readonly Rgb[] = [
  [255, 255, 255], [255, 255, 204], [255, 237, 160], [254, 217, 118], [254, 178, 76], [253, 141, 60],
  [252, 78, 42], [227, 26, 28], [189, 0, 38], [128, 0, 38],
];

function ramp(stops: readonly Rgb[], t: number): [number, number, number] {
  const u = (t < 0 ? 0 : t > 1 ? 1 : t) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Where v sits on the scale, 0..1 (0.5 is zero on a diverging scale); NaN reads as zero. */
export function scalePosition(v: number, scale: HeatScale): number {
  const t = (v - scale.min) / (scale.max - scale.min);
  if (!(t === t)) return scale.kind === 'diverging' ? 0.5 : 0;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** The colour of v on the scale, 0..255 per channel. */
export function heatColor(v: number, scale: HeatScale): [number, number, number] {
  return ramp(scale.kind === 'diverging' ? DIVERGING : SEQUENTIAL, scalePosition(v, scale));
}

/**
 * out[H*W*4] (RGBA) = the map's colours over the input: the input drawn as a light grey digit on
 * white (ink 1 → grey 155), the colour laid over it with an opacity that grows with |v| (three
 * times the colour's distance from zero, capped at 0.8), so the digit shows through where the map
 * is near zero and, faintly, everywhere else.
 */
export function overlayHeatmap(out: Uint8ClampedArray, input: ArrayLike<number>, map: ArrayLike<number>, W: number, H: number, scale: HeatScale): void {
  const D = W * H;
  if (input.length !== D || map.length !== D || out.length !== D * 4) {
    throw new SpecError(`overlayHeatmap: a ${W}×${H} map needs ${D} input values, ${D} map values and ${D * 4} RGBA bytes; got ${input.length}, ${map.length} and ${out.length}`);
  }
  for (let i = 0; i < D; i++) {
    const ink = input[i] < 0 ? 0 : input[i] > 1 ? 1 : input[i];
    const base = 255 - 100 * ink;
    const t = scalePosition(map[i], scale);
    const strength = scale.kind === 'diverging' ? Math.abs(2 * t - 1) : t;
    const alpha = Math.min(0.8, 3 * strength);
    const c = heatColor(map[i], scale);
    out[i * 4] = base + (c[0] - base) * alpha;
    out[i * 4 + 1] = base + (c[1] - base) * alpha;
    out[i * 4 + 2] = base + (c[2] - base) * alpha;
    out[i * 4 + 3] = 255;
  }
}
