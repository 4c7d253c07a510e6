/**
 * Pictures the explanation commands write: RGBA images built in memory (gray digits in MNIST
 * polarity, nearest-neighbour upscaling, grids of tiles, tiny 3×5 digit glyphs for numbers, since
 * there is no font library) and PNG files written atomically. It does not choose colours for maps
 * (src/explain/heatmap.ts does) nor lay out figures (heatmap-png.ts).
 */
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../io/node-atomic-write.js';

export interface RgbaImage {
  width: number;
  height: number;
  /** [height, width, 4] row-major */
  data: Uint8ClampedArray;
}

export function blankImage(width: number, height: number, rgb: readonly [number, number, number] = [255, 255, 255]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return { width, height, data };
}

/** pixels[H*W] in 0..1 as MNIST draws them: 0 black background, 1 white ink, each value rounded to 8 bits. */
export function grayImage(pixels: ArrayLike<number>, W: number, H: number): RgbaImage {
  const img = blankImage(W, H, [0, 0, 0]);
  for (let i = 0; i < W * H; i++) {
    const g = to8bit(pixels[i]);
    img.data[i * 4] = g;
    img.data[i * 4 + 1] = g;
    img.data[i * 4 + 2] = g;
  }
  return img;
}

/** A 0..1 value as the byte a file stores: round to nearest, clamped. */
export function to8bit(v: number): number {
  const g = Math.round(v * 255);
  return g < 0 ? 0 : g > 255 ? 255 : g;
}

/** Each pixel becomes a zoom×zoom block. */
export function upscale(img: RgbaImage, zoom: number): RgbaImage {
  if (zoom === 1) return img;
  const out = blankImage(img.width * zoom, img.height * zoom);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const s = (Math.floor(y / zoom) * img.width + Math.floor(x / zoom)) * 4;
      out.data.set(img.data.subarray(s, s + 4), (y * out.width + x) * 4);
    }
  }
  return out;
}

/** Copies `src` into `dst` with its top-left corner at (x0, y0), clipped to `dst`. */
export function blit(dst: RgbaImage, src: RgbaImage, x0: number, y0: number): void {
  for (let y = 0; y < src.height; y++) {
    const dy = y0 + y;
    if (dy < 0 || dy >= dst.height) continue;
    for (let x = 0; x < src.width; x++) {
      const dx = x0 + x;
      if (dx < 0 || dx >= dst.width) continue;
      const s = (y * src.width + x) * 4;
      dst.data.set(src.data.subarray(s, s + 4), (dy * dst.width + dx) * 4);
    }
  }
}

/** Tiles of one size in rows of `cols`, `gap` pixels apart, on a mid-grey background. */
export function gridImage(tiles: readonly RgbaImage[], cols: number, gap: number): RgbaImage {
  const tw = tiles[0]?.width ?? 0;
  const th = tiles[0]?.height ?? 0;
  const rows = Math.ceil(tiles.length / cols);
  const out = blankImage(cols * tw + (cols + 1) * gap, rows * th + (rows + 1) * gap, [128, 128, 128]);
  tiles.forEach((t, i) => blit(out, t, gap + (i % cols) * (tw + gap), gap + Math.floor(i / cols) * (th + gap)));
  return out;
}

/** Columns for a grid of n tiles: about twice as wide as tall (10 → 5×2, 20 → 7×3, 50 → 10×5). */
export function gridColumns(n: number): number {
  return Math.max(1, Math.min(n, Math.ceil(Math.sqrt(2 * n))));
}

// 3×5 glyphs, one string of 15 bits per character, top row first.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  '.': '000000000000010',
  '-': '000000111000000',
  '+': '000010111010000',
  e: '111100111100111',
  ' ': '000000000000000',
};

/** Width in pixels of `text` drawn at `size` pixels per glyph dot. */
export function textWidth(text: string, size: number): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * size;
}

/** Draws `text` (digits, '.', '-', '+', 'e', ' ') with its top-left corner at (x0, y0). */
export function drawText(img: RgbaImage, text: string, x0: number, y0: number, size: number, rgb: readonly [number, number, number] = [0, 0, 0]): void {
  [...text].forEach((ch, k) => {
    const bits = GLYPHS[ch] ?? GLYPHS[' '];
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 3; c++) {
        if (bits[r * 3 + c] !== '1') continue;
        for (let dy = 0; dy < size; dy++) {
          for (let dx = 0; dx < size; dx++) {
            const x = x0 + (k * 4 + c) * size + dx;
            const y = y0 + r * size + dy;
            if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
            img.data.set([rgb[0], rgb[1], rgb[2], 255], (y * img.width + x) * 4);
          }
        }
      }
    }
  });
}

/** A number in at most 3 significant digits that the glyphs can draw: 0.0123, -1.5, 2.4e-5. */
export function shortNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

export function encodePng(img: RgbaImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  return PNG.sync.write(png);
}

/** Writes the image as a PNG, replacing `path` atomically. */
export async function writePng(path: string, img: RgbaImage): Promise<void> {
  await writeFileAtomic(path, encodePng(img));
}
