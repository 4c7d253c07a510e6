/**
 * The picture `convscope explain --out` writes for one image and method: the attribution map over
 * the preprocessed input (upscaled, nearest neighbour), and under it the colour bar with its end
 * values (and 0 in the middle of a diverging bar) drawn in small digit glyphs. Colours come from
 * src/explain/heatmap.ts; this file only lays them out.
 */
import { heatColor, heatScale, overlayHeatmap, type HeatScale, type ScaleKind } from '../explain/heatmap.js';
import { blankImage, blit, drawText, shortNumber, textWidth, upscale, type RgbaImage } from './png-write.js';

const GAP = 6;
const BAR = 12;
const TEXT = 2;
const PAD = 4;

/** The figure's size for a W×H map at `zoom`: the map, then the bar and its labels below. */
export function heatmapFigureSize(W: number, H: number, zoom: number): { width: number; height: number } {
  return { width: W * zoom, height: H * zoom + GAP + BAR + PAD + 5 * TEXT + PAD };
}

export function heatmapFigure(input: ArrayLike<number>, map: ArrayLike<number>, W: number, H: number, kind: ScaleKind, zoom = 10): { image: RgbaImage; scale: HeatScale } {
  const scale = heatScale(map, kind);
  const small = blankImage(W, H);
  overlayHeatmap(small.data, input, map, W, H, scale);
  const { width, height } = heatmapFigureSize(W, H, zoom);
  const fig = blankImage(width, height);
  blit(fig, upscale(small, zoom), 0, 0);
  const barTop = H * zoom + GAP;
  for (let x = 0; x < width; x++) {
    const v = scale.min + ((x + 0.5) / width) * (scale.max - scale.min);
    const c = heatColor(v, scale);
    const edge = x === 0 || x === width - 1;
    for (let y = barTop; y < barTop + BAR; y++) {
      const frame = edge || y === barTop || y === barTop + BAR - 1;
      fig.data.set(frame ? [80, 80, 80, 255] : [c[0], c[1], c[2], 255], (y * width + x) * 4);
    }
  }
  const textTop = barTop + BAR + PAD;
  const lo = shortNumber(scale.min);
  const hi = shortNumber(scale.max);
  drawText(fig, lo, 0, textTop, TEXT);
  drawText(fig, hi, width - textWidth(hi, TEXT), textTop, TEXT);
  if (kind === 'diverging') drawText(fig, '0', Math.round((width - textWidth('0', TEXT)) / 2), textTop, TEXT);
  return { image: fig, scale };
}
