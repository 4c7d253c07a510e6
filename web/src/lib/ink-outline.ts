/**
 * The outline of the digit's ink, drawn over attribution maps so a learner sees where the
 * strokes were without the digit's grey hiding the colours: which sides of each inked pixel face
 * no ink, and those sides as one SVG path. The maps themselves are drawn by colormap.ts.
 */

/** Which sides of an inked pixel border a pixel without ink (or the image's edge). */
export const EDGE_TOP = 1;
export const EDGE_RIGHT = 2;
export const EDGE_BOTTOM = 4;
export const EDGE_LEFT = 8;

/** edges[h*w]: for each pixel with ink ≥ threshold, the EDGE_* bits of its sides that face no ink. */
export function inkEdges(ink: ArrayLike<number>, w: number, h: number, threshold = 0.5): Uint8Array {
  const edges = new Uint8Array(w * h);
  const on = (y: number, x: number): boolean => y >= 0 && y < h && x >= 0 && x < w && ink[y * w + x] >= threshold;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!on(y, x)) continue;
      edges[y * w + x] = (on(y - 1, x) ? 0 : EDGE_TOP) | (on(y, x + 1) ? 0 : EDGE_RIGHT) | (on(y + 1, x) ? 0 : EDGE_BOTTOM) | (on(y, x - 1) ? 0 : EDGE_LEFT);
    }
  }
  return edges;
}

/** The outline's colour: a mid green, visible on white, red, blue and ink alike. */
export const OUTLINE = 'rgb(0, 170, 90)';

/**
 * An SVG path (in map pixels: x across, y down, one unit per pixel) tracing the sides that
 * `edges` marks. Drawn over a map scaled up by CSS, it outlines the digit crisply at any size,
 * while the map's canvas stays at its own resolution (cheap to redraw every frame).
 */
export function outlinePath(edges: Uint8Array, w: number, h: number): string {
  const parts: string[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const e = edges[y * w + x];
      if (!e) continue;
      if (e & EDGE_TOP) parts.push(`M${x} ${y}h1`);
      if (e & EDGE_BOTTOM) parts.push(`M${x} ${y + 1}h1`);
      if (e & EDGE_LEFT) parts.push(`M${x} ${y}v1`);
      if (e & EDGE_RIGHT) parts.push(`M${x + 1} ${y}v1`);
    }
  }
  return parts.join('');
}
