/**
 * Connected regions of ink with hysteresis: pixels at or above `low`, 8-connected, kept when one of
 * their pixels reaches `high`. Two passes over the image with union–find on provisional labels,
 * then the kept regions numbered 1..n in raster order of their first pixel, with their bounding
 * boxes and sums. Pure; no shapes, no digits.
 */

export interface Component {
  /** inclusive bounds in pixels */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** pixels in the region */
  area: number;
  /** sum of the ink over them */
  mass: number;
}

export interface Components {
  /** [height, width]: 0 for no region, else k + 1 for list[k] */
  labels: Int32Array;
  list: Component[];
}

export function labelComponents(ink: Float32Array, w: number, h: number, low: number, high: number): Components {
  const labels = new Int32Array(w * h);
  let parent = new Int32Array(1024);
  let next = 1;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  // joins the sets of a and b (b may be 0: none) and returns the root
  const join = (a: number, b: number): number => {
    // most neighbours already share a label (inside a stroke): nothing to join
    if (!b || b === a) return a;
    if (!a) return find(b);
    const ra = find(a), rb = find(b);
    if (ra === rb) return ra;
    if (ra < rb) {
      parent[rb] = ra;
      return ra;
    }
    parent[ra] = rb;
    return rb;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (ink[i] < low) continue;
      // neighbours already visited: W, NW, N, NE
      let l = x > 0 ? labels[i - 1] : 0;
      if (y > 0) {
        const up = i - w;
        if (x > 0) l = join(l, labels[up - 1]);
        l = join(l, labels[up]);
        if (x + 1 < w) l = join(l, labels[up + 1]);
      }
      if (!l) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        l = next;
        parent[next] = next;
        next++;
      }
      labels[i] = l;
    }
  }
  // strong roots, then compact numbering
  const strong = new Uint8Array(next);
  for (let i = 0; i < labels.length; i++) if (labels[i] && ink[i] >= high) strong[find(labels[i])] = 1;
  const id = new Int32Array(next);
  const list: Component[] = [];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!l) continue;
    const r = find(l);
    if (!strong[r]) {
      labels[i] = 0;
      continue;
    }
    if (!id[r]) {
      list.push({ x0: w, y0: h, x1: -1, y1: -1, area: 0, mass: 0 });
      id[r] = list.length;
    }
    const k = id[r];
    labels[i] = k;
    const c = list[k - 1];
    const x = i % w, y = (i - x) / w;
    if (x < c.x0) c.x0 = x;
    if (x > c.x1) c.x1 = x;
    if (y < c.y0) c.y0 = y;
    if (y > c.y1) c.y1 = y;
    c.area++;
    c.mass += ink[i];
  }
  return { labels, list };
}
