/** The ink's outline: the right sides of the right pixels, as an SVG path. */
import { describe, expect, it } from 'vitest';
import { EDGE_BOTTOM, EDGE_LEFT, EDGE_RIGHT, EDGE_TOP, inkEdges, outlinePath } from './ink-outline.js';

describe('inkEdges', () => {
  it('marks the sides of inked pixels that face no ink (a 2×1 bar in a 3×4 image)', () => {
    // row-major 3 rows × 4 columns; ink at (1,1) and (1,2)
    const ink = [0, 0, 0, 0, 0, 1, 0.9, 0, 0, 0, 0, 0];
    const e = inkEdges(ink, 4, 3);
    expect(e[1 * 4 + 1]).toBe(EDGE_TOP | EDGE_BOTTOM | EDGE_LEFT);
    expect(e[1 * 4 + 2]).toBe(EDGE_TOP | EDGE_BOTTOM | EDGE_RIGHT);
    expect([...e].filter((v, i) => i !== 5 && i !== 6 && v !== 0)).toEqual([]);
  });

  it('treats the image border as no ink, and ink below the threshold as none', () => {
    expect([...inkEdges([1, 0.4], 2, 1)]).toEqual([EDGE_TOP | EDGE_RIGHT | EDGE_BOTTOM | EDGE_LEFT, 0]);
  });
});

describe('outlinePath', () => {
  it('traces the four sides of a lone inked pixel at (y=1, x=2), and nothing for no ink', () => {
    const edges = inkEdges([0, 0, 0, 0, 0, 1], 3, 2);
    expect(outlinePath(edges, 3, 2)).toBe('M2 1h1M2 2h1M2 1v1M3 1v1');
    expect(outlinePath(inkEdges(new Float32Array(6), 3, 2), 3, 2)).toBe('');
  });
});
