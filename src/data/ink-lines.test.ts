import { describe, expect, it } from 'vitest';
import { atomsBox, cropAtoms, inkLines, type Line } from './ink-lines.js';
import { ellipse, renderStrokes, type Stroke } from './strokes.js';

interface Shape {
  strokes: Stroke[];
  /** top-left corner of its square on the page, and the square's side */
  x: number;
  y: number;
  size: number;
}

/** Grey page (paper 0.9, ink 0.1) with each shape drawn by a round brush of 4% of its square. */
function draw(width: number, height: number, shapes: Shape[], turn = 0): Float32Array {
  const ink = new Float32Array(width * height);
  for (const s of shapes) {
    const img = renderStrokes(s.strokes, { size: s.size, radius: 0.04 });
    for (let y = 0; y < s.size; y++) {
      for (let x = 0; x < s.size; x++) {
        const X = s.x + x, Y = s.y + y;
        if (X >= 0 && Y >= 0 && X < width && Y < height) ink[Y * width + X] = Math.max(ink[Y * width + X], img.data[y * s.size + x]);
      }
    }
  }
  const out = new Float32Array(width * height);
  const t = (turn * Math.PI) / 180, c = Math.cos(t), sn = Math.sin(t);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // nearest-neighbour turn about the centre (enough for a test of the angle)
      const u = x - width / 2, v = y - height / 2;
      const sx = Math.round(c * u + sn * v + width / 2), sy = Math.round(-sn * u + c * v + height / 2);
      const a = sx >= 0 && sy >= 0 && sx < width && sy < height ? ink[sy * width + sx] : 0;
      out[y * width + x] = 0.9 - 0.8 * a;
    }
  }
  return out;
}

/** The shape's ink box [x, y, width, height] on the page (coverage > 0.1). */
function inkBox(s: Shape): [number, number, number, number] {
  const img = renderStrokes(s.strokes, { size: s.size, radius: 0.04 });
  let x0 = s.size, y0 = s.size, x1 = -1, y1 = -1;
  for (let y = 0; y < s.size; y++) for (let x = 0; x < s.size; x++) if (img.data[y * s.size + x] > 0.1) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  return [s.x + x0, s.y + y0, x1 - x0 + 1, y1 - y0 + 1];
}

/** Per region of the line, in reading order, the atoms it was cut into: [first, end). */
function regionRuns(line: Line): [number, number][] {
  const runs: [number, number][] = [];
  line.atoms.forEach((a, k) => {
    if (k > 0 && line.atoms[k - 1].region === a.region) runs[runs.length - 1][1] = k + 1;
    else runs.push([k, k + 1]);
  });
  return runs;
}

const O: Stroke = ellipse(0.5, 0.5, 0.25, 0.4);
const BAR: Stroke = [[0.5, 0.1], [0.5, 0.9]];
/** a digit-height shape at (x, y), 60 pixels square */
const at = (strokes: Stroke[], x: number, y: number, size = 60): Shape => ({ strokes, x, y, size });

describe('inkLines', () => {
  it('three separated shapes on one line: one line, three regions left to right (a ring may be cut into atoms), each box its shape', () => {
    const shapes = [at([O], 20, 30), at([BAR], 110, 30), at([O], 200, 30)];
    const seg = inkLines(draw(300, 120, shapes), 300, 120);
    expect(seg.lines).toHaveLength(1);
    const [line] = seg.lines;
    expect(line.angle).toBe(0);
    const runs = regionRuns(line);
    expect(runs).toHaveLength(3);
    shapes.forEach((shape, k) => {
      const read = atomsBox(line, ...runs[k]), want = inkBox(shape);
      // edges within 2 pixels: the mask's threshold and smoothing move them a little
      expect(Math.max(...read.map((v, i) => Math.abs(v - want[i]))), `atom ${k}: ${read} vs ${want}`).toBeLessThanOrEqual(2);
    });
    expect(line.digitHeight).toBeGreaterThan(50);
  });

  it('two lines of shapes: found top to bottom, each with its own regions', () => {
    const seg = inkLines(draw(260, 240, [at([BAR], 20, 150), at([O], 90, 150), at([O], 160, 150), at([O], 20, 20), at([BAR], 90, 20)]), 260, 240);
    expect(seg.lines).toHaveLength(2);
    expect(seg.lines.map((l) => regionRuns(l).length)).toEqual([2, 3]);
    expect(seg.lines[0].box[1]).toBeLessThan(seg.lines[1].box[1]);
  });

  it('a line turned 4° clockwise: its angle is found within 1° and the strip is levelled', () => {
    const shapes = [at([O], 30, 80), at([BAR], 110, 80), at([O], 190, 80), at([BAR], 270, 80), at([O], 350, 80)];
    const seg = inkLines(draw(440, 220, shapes, 4), 440, 220);
    expect(seg.lines).toHaveLength(1);
    expect(Math.abs(seg.lines[0].angle - 4)).toBeLessThanOrEqual(1);
    expect(regionRuns(seg.lines[0])).toHaveLength(5);
    // levelled: the regions' tops agree within a few pixels
    const tops = regionRuns(seg.lines[0]).map(([i, j]) => Math.min(...seg.lines[0].atoms.slice(i, j).map((a) => a.y0)));
    expect(Math.max(...tops) - Math.min(...tops)).toBeLessThanOrEqual(4);
  });

  it('specks (a pixel or two of ink) are not atoms of any line', () => {
    const gray = draw(300, 120, [at([O], 20, 30), at([O], 120, 30)]);
    for (const [x, y] of [[5, 5], [250, 20], [290, 110], [100, 100], [200, 60]]) gray[y * 300 + x] = 0.1;
    const seg = inkLines(gray, 300, 120);
    expect(seg.lines.flatMap((l) => regionRuns(l))).toHaveLength(2);
  });

  it('two rings that touch make one region, which gets cuts: several atoms of that region, one cut near where they meet', () => {
    const seg = inkLines(draw(220, 120, [at([O], 20, 30), at([O], 20 + 31, 30)]), 220, 120);
    const [line] = seg.lines;
    expect(new Set(line.atoms.map((a) => a.region)).size).toBe(1);
    expect(line.atoms.length).toBeGreaterThan(1);
    // the rings meet where the first one's right edge is: some cut passes there
    const meet = inkBox(at([O], 20, 30));
    const cuts = line.atoms.filter((a) => a.cutLeft > 0).map((a) => atomsBox(line, line.atoms.indexOf(a), line.atoms.indexOf(a) + 1)[0]);
    expect(cuts.some((x) => Math.abs(x - (meet[0] + meet[2])) <= 6), `cuts at ${cuts}, the rings meet at ${meet[0] + meet[2]}`).toBe(true);
  });

  it('a loose bar above a ring that overlaps it (a 5 and its flag): two regions, next to each other in reading order', () => {
    const flag: Stroke = [[0.45, 0.08], [0.85, 0.08]];
    const body: Stroke[] = [[[0.3, 0.18], [0.28, 0.5]], ellipse(0.5, 0.68, 0.25, 0.22)];
    const seg = inkLines(draw(260, 120, [at([BAR], 20, 30), at([flag], 100, 28), at(body, 100, 30), at([BAR], 180, 30)]), 260, 120);
    const [line] = seg.lines;
    const runs = regionRuns(line);
    expect(runs).toHaveLength(4);
    // the bar first, then the body and its flag (in either order), then the last bar
    const [a, b] = [atomsBox(line, ...runs[1]), atomsBox(line, ...runs[2])];
    expect(Math.min(a[0], b[0])).toBeGreaterThan(100);
    expect(Math.max(a[0] + a[2], b[0] + b[2])).toBeLessThan(180);
  });

  it('cropAtoms holds only the ink of the atoms asked for', () => {
    const seg = inkLines(draw(300, 120, [at([O], 20, 30), at([BAR], 110, 30), at([O], 200, 30)]), 300, 120);
    const [line] = seg.lines;
    const runs = regionRuns(line);
    const crop = cropAtoms(line, ...runs[1]);
    const box = atomsBox(line, ...runs[1]);
    expect([crop.width, crop.height]).toEqual([box[2], box[3]]);
    const both = cropAtoms(line, runs[0][0], runs[1][1]);
    // the two atoms together: wide enough for the ring and the bar, with the paper between empty
    expect(both.width).toBeGreaterThan(80);
    let gapInk = 0;
    for (let y = 0; y < both.height; y++) gapInk += both.data[y * both.width + 55];
    expect(gapInk).toBe(0);
  });

  it('a blank page has no lines', () => {
    expect(inkLines(new Float32Array(100 * 80).fill(0.85), 100, 80).lines).toEqual([]);
  });
});
