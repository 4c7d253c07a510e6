/**
 * Where the digits are: from the ink of a page (binarize.ts) to lines of "atoms", the pieces a
 * reader groups into digits. Steps:
 *   - specks go: regions much smaller than the writing's height (the area-weighted median height
 *     of all regions), and noise: regions whose mean ink is near the low threshold;
 *   - the skew is the angle at which the ink's horizontal projection is sharpest (lines of digits
 *     share their tops and bottoms); lines are the runs of that projection that digit-sized regions
 *     cover, top to bottom; each line's own angle is refined the same way;
 *   - each line is cut out as a strip, rotated level when it leans by more than about half a
 *     degree (bilinear for the ink, nearest for the region labels);
 *   - a region wider than 0.7 of the writing's height (it may hold two digits) gets candidate
 *     cuts: minima of its vertical projection and evenly spaced columns, each refined into the
 *     cheapest top-to-bottom path through little ink (a seam that bends around strokes), so
 *     touching and overlapping digits come apart;
 *   - the atoms are the regions and the pieces between cuts, left to right by their centres.
 * Which atoms make one digit — a 5 and its loose flag, a 7 and its bar, one half of two touching
 * digits — is not decided here: segment.ts scores the candidate groupings with the classifier.
 * Pure and allocation-light, for camera frames.
 *
 * Coordinates: image pixel (x, y) covers [x, x+1) × [y, y+1). A strip pixel (i, j) is the image
 * point o + (i + 0.5)·d + (j + 0.5)·n, d = (cos θ, sin θ), n = (−sin θ, cos θ), θ the line's angle
 * (clockwise, as y points down).
 */
import { inkMap, type InkMap, type InkMapOptions } from './binarize.js';
import type { GrayImage } from './preprocess.js';

/** [x, y, width, height] in image pixels. */
export type Box = [number, number, number, number];

export interface Atom {
  /** inclusive bounds in strip pixels */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
  mass: number;
  /** the region it belongs to (pieces of one cut region share it), an index into the line's regions */
  region: number;
  /** how much ink the cut at its left edge went through, in stroke widths; 0 at the region's own edge */
  cutLeft: number;
}

export interface Strip {
  width: number;
  height: number;
  /** [height, width] ink 0..1 of this line's regions only */
  ink: Float32Array;
  /** [height, width] atom index + 1, 0 for none */
  owner: Int32Array;
  /** image point of the strip's corner (0, 0), and the line's direction */
  ox: number;
  oy: number;
  cos: number;
  sin: number;
}

export interface Line {
  /** degrees, clockwise; 0 when the strip is a plain crop */
  angle: number;
  /** the writing's height in strip pixels (area-weighted median of its regions' heights) */
  digitHeight: number;
  /** where the writing's top and bottom rows are in the strip (area-weighted medians of its regions') */
  top: number;
  bottom: number;
  /** typical stroke width in pixels */
  strokeWidth: number;
  strip: Strip;
  /** left to right by centre */
  atoms: Atom[];
  box: Box;
}

export interface Segmentation {
  width: number;
  height: number;
  ink: InkMap;
  /** top to bottom */
  lines: Line[];
}

export interface SegmentOptions extends InkMapOptions {}

/** The ink of a grey image (0..1, [height, width]) in lines of atoms. */
export function inkLines(gray: Float32Array, width: number, height: number, options: SegmentOptions = {}): Segmentation {
  return linesOfInk(inkMap(gray, width, height, options));
}

/** The lines of an ink map already made (inkLines' second half, on its own for profiling). */
export function linesOfInk(ink: InkMap): Segmentation {
  return { width: ink.width, height: ink.height, ink, lines: findLines(ink) };
}

/** Inclusive pixel bounds. */
interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Region extends Bounds {
  label: number;
  area: number;
  /** mean ink */
  mean: number;
}

const MAX_SKEW = 8;

function findLines(map: InkMap): Line[] {
  const { width: w, components } = map;
  // regions whose ink barely clears the low threshold are noise that touched the high one once
  const faint = map.low + 0.5 * (map.high - map.low);
  const all: Region[] = components.list
    .map((c, k) => ({ label: k + 1, x0: c.x0, y0: c.y0, x1: c.x1, y1: c.y1, area: c.area, mean: c.mass / c.area }))
    .filter((r) => r.area >= 4 && r.mean >= faint);
  if (all.length === 0) return [];
  const href = weightedMedian(all.map((r) => r.y1 - r.y0 + 1), all.map((r) => r.area));
  const regions = all.filter((r) => !(r.area < Math.max(6, 0.006 * href * href) && Math.max(r.x1 - r.x0, r.y1 - r.y0) + 1 < 0.25 * href));
  const big = regions.filter((r) => r.y1 - r.y0 + 1 >= 0.5 * href);
  if (big.length === 0) return [];

  const points = inkPoints(map.components.labels, w, big);
  const angle = bestAngle(points, -MAX_SKEW, MAX_SKEW, 0.5);
  // runs of the projection at that angle covered by digit-sized regions
  const rad = (angle * Math.PI) / 180;
  const cos = Math.cos(rad), sin = Math.sin(rad);
  const vRange = (r: Region): [number, number] => {
    const vs = [[r.x0, r.y0], [r.x1 + 1, r.y0], [r.x0, r.y1 + 1], [r.x1 + 1, r.y1 + 1]].map(([x, y]) => y * cos - x * sin);
    return [Math.min(...vs), Math.max(...vs)];
  };
  const spans = big.map(vRange).sort((a, b) => a[0] - b[0]);
  const runs: [number, number][] = [];
  for (const [a, b] of spans) {
    const last = runs[runs.length - 1];
    // a new line starts where the runs so far end, unless it overlaps a third of its own height
    if (last && a < last[1] - 0.33 * Math.min(b - a, last[1] - last[0])) last[1] = Math.max(last[1], b);
    else runs.push([a, b]);
  }
  const members: Region[][] = runs.map(() => []);
  for (const r of regions) {
    const [a, b] = vRange(r);
    const c = (a + b) / 2;
    let best = -1, dist = Infinity;
    runs.forEach(([lo, hi], k) => {
      const d = c < lo ? lo - c : c > hi ? c - hi : 0;
      if (d < dist) [best, dist] = [k, d];
    });
    if (best >= 0 && dist < 0.25 * href) members[best].push(r);
  }
  const lines: Line[] = [];
  members.forEach((rs) => {
    if (!rs.some((r) => r.y1 - r.y0 + 1 >= 0.5 * href)) return;
    const mine = rs.filter((r) => r.y1 - r.y0 + 1 >= 0.5 * href);
    let a = runs.length > 1 ? bestAngle(inkPoints(map.components.labels, w, mine), angle - 3, angle + 3, 0.25) : angle;
    if (Math.abs(a) < 0.6) a = 0;
    lines.push(buildLine(map, rs, a));
  });
  return lines;
}

/** Up to ~6000 ink pixel coordinates of the regions (every k-th pixel). */
function inkPoints(labels: Int32Array, w: number, regions: Region[]): Float32Array {
  const total = regions.reduce((s, r) => s + r.area, 0);
  const step = Math.max(1, Math.floor(total / 6000));
  const wanted = new Set(regions.map((r) => r.label));
  const out: number[] = [];
  let k = 0;
  for (const r of regions) {
    for (let y = r.y0; y <= r.y1; y++) {
      for (let x = r.x0; x <= r.x1; x++) {
        const l = labels[y * w + x];
        if (l !== r.label || !wanted.has(l)) continue;
        if (k++ % step === 0) out.push(x + 0.5, y + 0.5);
      }
    }
  }
  return Float32Array.from(out);
}

/** The angle (degrees) in [lo, hi] at which the points' projection on the line's normal is sharpest (most Σ count²). */
function bestAngle(points: Float32Array, lo: number, hi: number, step: number): number {
  const n = points.length / 2;
  if (n < 20) return 0;
  let best = 0, bestScore = -Infinity;
  const counts = new Float64Array(8192);
  for (let a = lo; a <= hi + 1e-9; a += step) {
    const rad = (a * Math.PI) / 180;
    const c = Math.cos(rad), s = Math.sin(rad);
    let vmin = Infinity;
    for (let i = 0; i < n; i++) vmin = Math.min(vmin, points[2 * i + 1] * c - points[2 * i] * s);
    counts.fill(0);
    let top = 0;
    for (let i = 0; i < n; i++) {
      const b = Math.min(8191, Math.floor(points[2 * i + 1] * c - points[2 * i] * s - vmin));
      counts[b]++;
      if (b > top) top = b;
    }
    let score = 0;
    for (let b = 0; b <= top; b++) score += counts[b] * counts[b];
    // ties (a flat profile) go to the smaller angle
    if (score > bestScore * (1 + 1e-9) + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 * score && Math.abs(a) < Math.abs(best))) {
      bestScore = score;
      best = a;
    }
  }
  return best;
}

function buildLine(map: InkMap, regions: Region[], angle: number): Line {
  const { width: W, height: H, ink, components } = map;
  const rad = (angle * Math.PI) / 180;
  const cos = Math.cos(rad), sin = Math.sin(rad);
  // the strip's extent in (u, v) = (p·d, p·n), with a margin of 2 pixels
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (const r of regions) {
    for (const [x, y] of [[r.x0, r.y0], [r.x1 + 1, r.y0], [r.x0, r.y1 + 1], [r.x1 + 1, r.y1 + 1]]) {
      const u = x * cos + y * sin, v = y * cos - x * sin;
      u0 = Math.min(u0, u); u1 = Math.max(u1, u); v0 = Math.min(v0, v); v1 = Math.max(v1, v);
    }
  }
  u0 = Math.floor(u0) - 2; v0 = Math.floor(v0) - 2;
  const sw = Math.ceil(u1) + 2 - u0, sh = Math.ceil(v1) + 2 - v0;
  const ox = u0 * cos - v0 * sin, oy = u0 * sin + v0 * cos;
  const local = new Map(regions.map((r, k) => [r.label, k + 1]));
  const sInk = new Float32Array(sw * sh);
  const sLab = new Int32Array(sw * sh);
  for (let j = 0; j < sh; j++) {
    for (let i = 0; i < sw; i++) {
      // image coordinates of the strip pixel's centre
      const x = ox + (i + 0.5) * cos - (j + 0.5) * sin, y = oy + (i + 0.5) * sin + (j + 0.5) * cos;
      const xi = Math.floor(x), yi = Math.floor(y);
      if (xi < 0 || yi < 0 || xi >= W || yi >= H) continue;
      const l = local.get(components.labels[yi * W + xi]) ?? 0;
      if (!l) continue;
      sLab[j * sw + i] = l;
      sInk[j * sw + i] = angle === 0 ? ink[yi * W + xi] : bilinear(ink, W, H, x - 0.5, y - 0.5);
    }
  }
  // the regions again, in strip pixels
  const rs = regions.map(() => ({ x0: sw, y0: sh, x1: -1, y1: -1, area: 0, mass: 0 }));
  let boundary = 0, mass = 0;
  for (let j = 0; j < sh; j++) {
    for (let i = 0; i < sw; i++) {
      const k = sLab[j * sw + i];
      if (!k) continue;
      const r = rs[k - 1];
      if (i < r.x0) r.x0 = i;
      if (i > r.x1) r.x1 = i;
      if (j < r.y0) r.y0 = j;
      if (j > r.y1) r.y1 = j;
      r.area++;
      r.mass += sInk[j * sw + i];
      mass += sInk[j * sw + i];
      if (i === 0 || j === 0 || i === sw - 1 || j === sh - 1 || !sLab[j * sw + i - 1] || !sLab[j * sw + i + 1] || !sLab[(j - 1) * sw + i] || !sLab[(j + 1) * sw + i]) boundary++;
    }
  }
  const present = rs.map((r, k) => ({ ...r, k })).filter((r) => r.area > 0);
  const weights = present.map((r) => r.area);
  const digitHeight = weightedMedian(present.map((r) => r.y1 - r.y0 + 1), weights);
  const top = weightedMedian(present.map((r) => r.y0), weights), bottom = weightedMedian(present.map((r) => r.y1), weights);
  const strokeWidth = Math.max(1, boundary > 0 ? (2 * mass) / boundary : 1);

  // atoms: each region, cut where it may hold touching digits
  const atoms: Atom[] = [];
  const owner = new Int32Array(sw * sh);
  const pieces: { atoms: Piece[]; centre: number }[] = [];
  const ids = { next: 0 };
  for (const r of present) {
    const seams = r.x1 - r.x0 + 1 >= 0.7 * digitHeight ? cutRegion(sInk, sLab, sw, r, r.k + 1, digitHeight, strokeWidth) : [];
    pieces.push({ atoms: splitRegion(sInk, sLab, owner, sw, r, r.k + 1, seams, strokeWidth, ids), centre: (r.x0 + r.x1) / 2 });
  }
  // left to right by centre; a region's pieces stay together, in order; owner ids become atom indices + 1
  pieces.sort((a, b) => a.centre - b.centre);
  const renumber = new Int32Array(ids.next + 1);
  for (const p of pieces) {
    for (const { id, atom } of p.atoms) {
      atoms.push(atom);
      renumber[id] = atoms.length;
    }
  }
  for (let i = 0; i < owner.length; i++) if (owner[i]) owner[i] = renumber[owner[i]];
  const line: Line = { angle, digitHeight, top, bottom, strokeWidth, strip: { width: sw, height: sh, ink: sInk, owner, ox, oy, cos, sin }, atoms, box: [0, 0, 0, 0] };
  line.box = atomsBox(line, 0, atoms.length);
  return line;
}

/** An atom while the line is built, under a provisional id in the owner map. */
interface Piece {
  id: number;
  atom: Atom;
}

/**
 * Candidate cuts through region k of the strip: x positions of the seams, each seam a column per
 * row from r.y0 to r.y1, with the ink it crosses. Candidates are the minima of the region's
 * vertical projection and a column every tenth of a digit height, at least 0.12 of a digit height
 * from either side; each is refined into the cheapest seam within ±0.2 of a digit height, and
 * seams that found the same path are counted once.
 */
function cutRegion(ink: Float32Array, lab: Int32Array, sw: number, r: Bounds, k: number, dh: number, stroke: number): Seam[] {
  const w = r.x1 - r.x0 + 1;
  const proj = new Float32Array(w);
  for (let y = r.y0; y <= r.y1; y++) for (let x = r.x0; x <= r.x1; x++) if (lab[y * sw + x] === k) proj[x - r.x0] += ink[y * sw + x];
  const smooth = proj.map((_, i) => (proj[Math.max(0, i - 1)] + 2 * proj[i] + proj[Math.min(w - 1, i + 1)]) / 4);
  const margin = Math.max(2, Math.round(0.12 * dh));
  const reach = Math.max(1, Math.round(0.06 * dh));
  const minima: number[] = [];
  for (let i = margin; i < w - margin; i++) {
    let isMin = true;
    for (let d = 1; d <= reach && isMin; d++) {
      if (i - d >= 0 && smooth[i - d] < smooth[i]) isMin = false;
      if (i + d < w && smooth[i + d] <= smooth[i]) isMin = false;
    }
    if (isMin) minima.push(i);
  }
  // and a column every tenth of a digit height: overlapping digits leave no minimum where they cross
  const step = Math.max(2, Math.round(0.1 * dh));
  for (let i = margin; i < w - margin; i += step) if (!minima.includes(i)) minima.push(i);
  // each candidate twice: free to bend around strokes (±0.2 of a digit height), and kept near its
  // column (±0.07), which finds the straight cut that a cheaper bent path would hide
  const wide = Math.max(2, Math.round(0.2 * dh)), narrow = Math.max(1, Math.round(0.07 * dh));
  // seams that found (nearly) the same path count once, the cheapest kept
  const seams = minima.flatMap((c) => [seam(ink, lab, sw, r, k, r.x0 + c, wide, stroke), seam(ink, lab, sw, r, k, r.x0 + c, narrow, stroke)]).sort((a, b) => a.cost - b.cost);
  const kept: Seam[] = [];
  const near = Math.max(NEAR_PX, NEAR * dh);
  for (const s of seams) if (kept.every((q) => pathDistance(q, s) >= near)) kept.push(s);
  return kept.sort((a, b) => a.centre - b.centre);
}

const NEAR_PX = 2, NEAR = 0.06;

/** Mean horizontal distance between two seams of the same rows. */
function pathDistance(a: Seam, b: Seam): number {
  let d = 0;
  for (let j = 0; j < a.xs.length; j++) d += Math.abs(a.xs[j] - b.xs[j]);
  return d / a.xs.length;
}

interface Seam {
  /** xs[y - y0]: pixels at x ≥ xs[...] go right */
  y0: number;
  xs: Int32Array;
  centre: number;
  /** ink crossed, in stroke widths */
  cost: number;
}

/** The cheapest path from the region's top row to its bottom row, one column per row, moving at most one column a row, within [c − band, c + band]. */
function seam(ink: Float32Array, lab: Int32Array, sw: number, r: Bounds, k: number, c: number, band: number, stroke: number): Seam {
  const lo = Math.max(r.x0 + 1, c - band), hi = Math.min(r.x1, c + band);
  const bw = hi - lo + 1, rows = r.y1 - r.y0 + 1;
  const cost = new Float32Array(bw * rows);
  const from = new Int8Array(bw * rows);
  const at = (x: number, y: number) => (lab[y * sw + x] === k ? ink[y * sw + x] : 0);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < bw; i++) {
      const x = lo + i;
      const here = at(x, r.y0 + j) + 0.002 * Math.abs(x - c);
      if (j === 0) {
        cost[i] = here;
        continue;
      }
      let best = cost[(j - 1) * bw + i], dir = 0;
      if (i > 0 && cost[(j - 1) * bw + i - 1] + 0.01 < best) [best, dir] = [cost[(j - 1) * bw + i - 1] + 0.01, -1];
      if (i + 1 < bw && cost[(j - 1) * bw + i + 1] + 0.01 < best) [best, dir] = [cost[(j - 1) * bw + i + 1] + 0.01, 1];
      cost[j * bw + i] = here + best;
      from[j * bw + i] = dir;
    }
  }
  let i = 0;
  for (let q = 1; q < bw; q++) if (cost[(rows - 1) * bw + q] < cost[(rows - 1) * bw + i]) i = q;
  const xs = new Int32Array(rows);
  let crossed = 0;
  for (let j = rows - 1; j >= 0; j--) {
    xs[j] = lo + i;
    crossed += at(lo + i, r.y0 + j);
    if (j > 0) i += from[j * bw + i];
  }
  let sum = 0;
  for (const x of xs) sum += x;
  return { y0: r.y0, xs, centre: sum / rows, cost: crossed / stroke };
}

/** Region k's pixels into pieces between the seams (none: one piece), written into `owner` under fresh ids. */
function splitRegion(ink: Float32Array, lab: Int32Array, owner: Int32Array, sw: number, r: Bounds, k: number, seams: Seam[], stroke: number, ids: { next: number }): Piece[] {
  // later seams never cross earlier ones
  for (let s = 1; s < seams.length; s++) for (let j = 0; j < seams[s].xs.length; j++) seams[s].xs[j] = Math.max(seams[s].xs[j], seams[s - 1].xs[j] + 1);
  const pieces: Piece[] = Array.from({ length: seams.length + 1 }, (_, p) => ({
    id: ++ids.next,
    atom: { x0: Infinity, y0: Infinity, x1: -1, y1: -1, area: 0, mass: 0, region: k - 1, cutLeft: p === 0 ? 0 : seams[p - 1].cost },
  }));
  for (let y = r.y0; y <= r.y1; y++) {
    for (let x = r.x0; x <= r.x1; x++) {
      const i = y * sw + x;
      if (lab[i] !== k) continue;
      let p = 0;
      while (p < seams.length && x >= seams[p].xs[y - seams[p].y0]) p++;
      const { id, atom: a } = pieces[p];
      owner[i] = id;
      if (x < a.x0) a.x0 = x;
      if (x > a.x1) a.x1 = x;
      if (y < a.y0) a.y0 = y;
      if (y > a.y1) a.y1 = y;
      a.area++;
      a.mass += ink[i];
    }
  }
  // a seam that left a piece empty or a sliver (under two strokes' area) is no cut: fold that piece into its left neighbour
  const out: Piece[] = [];
  const sliver = (a: Atom) => a.area < 2 * stroke * stroke;
  for (const piece of pieces.filter((q) => q.atom.area > 0)) {
    const prev = out[out.length - 1];
    if (!prev || !(sliver(piece.atom) || sliver(prev.atom))) {
      out.push(piece);
      continue;
    }
    const a = piece.atom, b = prev.atom;
    for (let y = a.y0; y <= a.y1; y++) for (let x = a.x0; x <= a.x1; x++) if (owner[y * sw + x] === piece.id) owner[y * sw + x] = prev.id;
    b.x0 = Math.min(b.x0, a.x0); b.x1 = Math.max(b.x1, a.x1);
    b.y0 = Math.min(b.y0, a.y0); b.y1 = Math.max(b.y1, a.y1);
    b.area += a.area; b.mass += a.mass;
  }
  return out;
}

/** The image-pixel box of atoms [i, j) of the line: their strip box's corners mapped back, rounded outwards. */
export function atomsBox(line: Line, i: number, j: number): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let k = i; k < j; k++) {
    const a = line.atoms[k];
    x0 = Math.min(x0, a.x0); x1 = Math.max(x1, a.x1); y0 = Math.min(y0, a.y0); y1 = Math.max(y1, a.y1);
  }
  if (x1 < 0) return [0, 0, 0, 0];
  const { ox, oy, cos, sin } = line.strip;
  const xs: number[] = [], ys: number[] = [];
  for (const [u, v] of [[x0, y0], [x1 + 1, y0], [x0, y1 + 1], [x1 + 1, y1 + 1]]) {
    xs.push(ox + u * cos - v * sin);
    ys.push(oy + u * sin + v * cos);
  }
  // a plain crop maps exactly; a rotated one is rounded outwards after a hair's tolerance
  const bx0 = Math.floor(Math.min(...xs) + 1e-6), by0 = Math.floor(Math.min(...ys) + 1e-6);
  const bx1 = Math.ceil(Math.max(...xs) - 1e-6), by1 = Math.ceil(Math.max(...ys) - 1e-6);
  return [bx0, by0, bx1 - bx0, by1 - by0];
}

/** The ink of atoms [i, j) of the line, alone on a blank crop of their strip box: 0..1, ink = 1. */
export function cropAtoms(line: Line, i: number, j: number): GrayImage & { data: Float32Array } {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let k = i; k < j; k++) {
    const a = line.atoms[k];
    x0 = Math.min(x0, a.x0); x1 = Math.max(x1, a.x1); y0 = Math.min(y0, a.y0); y1 = Math.max(y1, a.y1);
  }
  const { width: sw, ink, owner } = line.strip;
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const data = new Float32Array(Math.max(0, w * h));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y0 + y) * sw + x0 + x;
      const o = owner[s];
      if (o > i && o <= j) data[y * w + x] = ink[s];
    }
  }
  return { width: Math.max(0, w), height: Math.max(0, h), data };
}

/** Bilinear sample of img at (x, y) in pixel-centre coordinates, clamped at the edges. */
function bilinear(img: Float32Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.max(0, Math.min(w - 1, Math.floor(x))), y0 = Math.max(0, Math.min(h - 1, Math.floor(y)));
  const x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
  const tx = Math.max(0, Math.min(1, x - x0)), ty = Math.max(0, Math.min(1, y - y0));
  return (img[y0 * w + x0] * (1 - tx) + img[y0 * w + x1] * tx) * (1 - ty) + (img[y1 * w + x0] * (1 - tx) + img[y1 * w + x1] * tx) * ty;
}

/** The median of values, each counted `weights` times. */
function weightedMedian(values: number[], weights: number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const total = weights.reduce((s, w) => s + w, 0);
  let acc = 0;
  for (const i of order) {
    acc += weights[i];
    if (acc >= total / 2) return values[i];
  }
  return values[order[order.length - 1]] ?? 0;
}
