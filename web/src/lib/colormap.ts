/**
 * Colour maps and drawing of small maps into canvases. Signed values get a diverging map (blue
 * below zero, white at zero, red above) scaled symmetrically, so zero always looks the same and
 * the two signs compare fairly; non-negative values get a sequential white-to-ink map. Canvases
 * are drawn at the map's own resolution and scaled up by CSS (pixelated), which keeps a frame cheap.
 */

export interface ColorScale {
  /** 'diverging': −max..+max; 'sequential': 0..max */
  kind: 'diverging' | 'sequential';
  max: number;
}

/** The scale that fits values: sequential when none is negative, else diverging; max is never 0. */
export function scaleFor(values: ArrayLike<number>): ColorScale {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0) return { kind: 'sequential', max: max > 0 ? max : 1 };
  const m = Math.max(-min, max);
  return { kind: 'diverging', max: m > 0 ? m : 1 };
}

// Endpoints of the diverging map (ColorBrewer RdBu ends) and the sequential ink colour.
const NEG: readonly [number, number, number] = [33, 102, 172];
const POS: readonly [number, number, number] = [178, 24, 43];
const INK: readonly [number, number, number] = [20, 20, 40];

/** Writes the colour of v under `scale` into rgba at offset o (alpha 255). */
export function colorInto(rgba: Uint8ClampedArray, o: number, v: number, scale: ColorScale): void {
  let t = v / scale.max;
  if (!(t === t)) t = 0; // NaN shows as zero rather than poisoning the frame
  let end: readonly [number, number, number];
  if (scale.kind === 'sequential') {
    end = INK;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
  } else {
    end = t < 0 ? NEG : POS;
    t = Math.min(1, Math.abs(t));
  }
  rgba[o] = 255 + (end[0] - 255) * t;
  rgba[o + 1] = 255 + (end[1] - 255) * t;
  rgba[o + 2] = 255 + (end[2] - 255) * t;
  rgba[o + 3] = 255;
}

/** CSS colour of v (for SVG fills and legends). */
export function cssColor(v: number, scale: ColorScale): string {
  const px = new Uint8ClampedArray(4);
  colorInto(px, 0, v, scale);
  return `rgb(${px[0]},${px[1]},${px[2]})`;
}

/**
 * Sizes the canvas to w×h and fills it pixel by pixel: `fill` writes RGBA into the image, which
 * starts as `background` (opaque) when one is given, else transparent.
 */
export function paint(canvas: HTMLCanvasElement, w: number, h: number, fill: (rgba: Uint8ClampedArray) => void, background?: readonly [number, number, number]): void {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(w, h);
  if (background) for (let i = 0; i < img.data.length; i += 4) img.data.set([...background, 255], i);
  fill(img.data);
  ctx.putImageData(img, 0, 0);
}

/** Draws values[h*w] (row-major) into a w×h canvas, one canvas pixel per value. */
export function drawMap(canvas: HTMLCanvasElement, values: ArrayLike<number>, w: number, h: number, scale: ColorScale): void {
  paint(canvas, w, h, (rgba) => {
    for (let i = 0; i < w * h; i++) colorInto(rgba, i * 4, values[i], scale);
  });
}

/** Grayscale image (0..1, ink = 1 drawn white on black, as MNIST digits look) into a w×h canvas. */
export function drawGray(canvas: HTMLCanvasElement, values: ArrayLike<number>, w: number, h: number, max = 1): void {
  paint(canvas, w, h, (rgba) => {
    for (let i = 0; i < w * h; i++) {
      const g = (values[i] / max) * 255;
      rgba[i * 4] = g;
      rgba[i * 4 + 1] = g;
      rgba[i * 4 + 2] = g;
      rgba[i * 4 + 3] = 255;
    }
  });
}

/** How many CSS pixels per map pixel so a map of this size shows at about `target` pixels. */
export function upscale(size: number, target = 64): number {
  return Math.max(2, Math.min(16, Math.round(target / size)));
}

/** A number short enough for a grid cell: 3 significant digits, no exponent for ordinary sizes. */
export function fmt(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}
