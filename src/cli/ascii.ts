/**
 * Renders a 28×28 image (0..1, ink = 1) as text: two image rows per text line, so digits keep
 * their proportions in a terminal.
 */
const RAMP = ' .:-=+*#%@';

export function asciiDigit(pixels: ArrayLike<number>, width = 28, height = 28): string[] {
  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = '';
    for (let x = 0; x < width; x++) {
      const a = pixels[y * width + x] ?? 0;
      const b = y + 1 < height ? (pixels[(y + 1) * width + x] ?? 0) : a;
      const v = Math.max(0, Math.min(1, (a + b) / 2));
      line += RAMP[Math.min(RAMP.length - 1, Math.round(v * (RAMP.length - 1)))];
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

/** A bar of `width` characters for a probability in 0..1. */
export function bar(p: number, width = 20): string {
  const n = Math.round(Math.max(0, Math.min(1, p)) * width);
  return '█'.repeat(n) + '·'.repeat(width - n);
}
