import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pixelsAsIs, preprocessDigit, rgbaToGray, type GrayImage } from './preprocess.js';

/** A w×h canvas (0 = background) with filled rectangles of ink 255. */
function canvas(w: number, h: number, rects: [number, number, number, number][]): GrayImage {
  const data = new Uint8Array(w * h);
  for (const [x, y, rw, rh] of rects) {
    for (let j = y; j < y + rh; j++) for (let i = x; i < x + rw; i++) data[j * w + i] = 255;
  }
  return { width: w, height: h, data };
}

function invert(img: GrayImage): GrayImage {
  return { ...img, data: (img.data as Uint8Array).map((v) => 255 - v) };
}

function centreOfMass(p: Float32Array): { x: number; y: number } {
  let m = 0, x = 0, y = 0;
  for (let j = 0; j < 28; j++) {
    for (let i = 0; i < 28; i++) {
      const v = p[j * 28 + i];
      m += v;
      x += v * (i + 0.5);
      y += v * (j + 0.5);
    }
  }
  return { x: x / m, y: y / m };
}

function inkBox(p: Float32Array): { width: number; height: number } {
  let x0 = 28, y0 = 28, x1 = -1, y1 = -1;
  for (let j = 0; j < 28; j++) {
    for (let i = 0; i < 28; i++) {
      if (p[j * 28 + i] > 0) {
        x0 = Math.min(x0, i); x1 = Math.max(x1, i); y0 = Math.min(y0, j); y1 = Math.max(y1, j);
      }
    }
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

describe('preprocessDigit', () => {
  it('a box at an offset ends up centred and fitted into 20 px', () => {
    const r = preprocessDigit(canvas(100, 80, [[60, 5, 30, 40]]), { range: '0..255' });
    expect(r.empty).toBe(false);
    expect(r.bbox).toEqual({ x: 60, y: 5, width: 30, height: 40 });
    expect(r.fitted).toEqual({ width: 15, height: 20 });
    expect(inkBox(r.pixels)).toEqual({ width: 15, height: 20 });
    const c = centreOfMass(r.pixels);
    expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...r.pixels)).toBeCloseTo(1, 6);
  });

  it('a drawn "1" (stem, flag and foot) is centred by mass, not by box', () => {
    // the flag pulls the mass left of the box centre, so the box itself sits off-centre
    const one = canvas(200, 300, [[90, 40, 16, 200], [60, 40, 30, 14], [60, 226, 80, 14]]);
    const r = preprocessDigit(one, { range: '0..255' });
    const c = centreOfMass(r.pixels);
    expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.5);
    expect(inkBox(r.pixels).height).toBe(20);
    expect(r.clamped).toBe(false);
  });

  it('inverted input (dark ink on light paper) gives the same pixels', () => {
    const img = canvas(64, 48, [[10, 10, 6, 30], [16, 34, 20, 6]]);
    const a = preprocessDigit(img, { range: '0..255' });
    const b = preprocessDigit(invert(img), { range: '0..255' });
    expect(a.inverted).toBe(false);
    expect(b.inverted).toBe(true);
    expect(b.pixels).toEqual(a.pixels);
  });

  it('removes a grey background and stretches faint ink to 1', () => {
    const data = new Float32Array(40 * 40).fill(0.8);
    for (let y = 10; y < 30; y++) for (let x = 18; x < 22; x++) data[y * 40 + x] = 0.5;
    const r = preprocessDigit({ width: 40, height: 40, data }, { range: '0..1' });
    expect(r.inverted).toBe(true);
    expect(r.background).toBeCloseTo(0.8, 6);
    expect(Math.max(...r.pixels)).toBeCloseTo(1, 5);
    expect(r.pixels.filter((v) => v > 0).length).toBe(4 * 20);
  });

  it('area-averages when shrinking: a 1-px line of a 100-px image becomes grey, not lost', () => {
    const img = canvas(100, 100, [[0, 0, 100, 100]]);
    const data = img.data as Uint8Array;
    data.fill(0);
    for (let y = 0; y < 100; y++) data[y * 100 + 50] = 255; // vertical line
    for (let x = 0; x < 100; x++) data[50 * 100 + x] = 255; // horizontal line: a cross, 100×100
    const r = preprocessDigit(img, { range: '0..255' });
    expect(r.fitted).toEqual({ width: 20, height: 20 });
    const vals = Array.from(r.pixels).filter((v) => v > 0);
    expect(Math.min(...vals)).toBeCloseTo(0.2, 5); // 1 of the 5 source columns per output pixel
  });

  it('handles a tiny input (3×3 with one ink pixel) by scaling it up to 20×20', () => {
    const r = preprocessDigit(canvas(3, 3, [[1, 1, 1, 1]]), { range: '0..255' });
    expect(r.fitted).toEqual({ width: 20, height: 20 });
    expect(r.offset).toEqual({ x: 4, y: 4 });
    expect(r.pixels.filter((v) => v > 0.999).length).toBe(400);
  });

  it('handles a huge input (3000×2000) quickly', () => {
    const img = canvas(3000, 2000, [[2000, 300, 200, 1200]]);
    const t0 = performance.now();
    const r = preprocessDigit(img, { range: '0..255' });
    const ms = performance.now() - t0;
    expect(r.fitted).toEqual({ width: 3, height: 20 });
    expect(Math.abs(centreOfMass(r.pixels).x - 14)).toBeLessThanOrEqual(0.5);
    expect(ms).toBeLessThan(2000);
  });

  it('random blobs anywhere come out centred within 0.5 px and inside a 20-px box', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 120 }),
        fc.integer({ min: 8, max: 120 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 4 }),
        (w, h, raw) => {
          // keep the blobs off the border so it stays background
          const rects = raw.map(([x, y, rw, rh]): [number, number, number, number] => {
            const cw = Math.min(rw, w - 2);
            const ch = Math.min(rh, h - 2);
            return [1 + (x % (w - 1 - cw)), 1 + (y % (h - 1 - ch)), cw, ch];
          });
          const r = preprocessDigit(canvas(w, h, rects), { range: '0..255' });
          const box = inkBox(r.pixels);
          expect(Math.max(box.width, box.height)).toBe(20);
          if (!r.clamped) {
            const c = centreOfMass(r.pixels);
            expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.5 + 1e-9);
            expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.5 + 1e-9);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('returns zeros and empty: true for blank images of either colour', () => {
    for (const v of [0, 255, 128]) {
      const r = preprocessDigit({ width: 30, height: 20, data: new Uint8Array(600).fill(v) }, { range: '0..255' });
      expect(r.empty).toBe(true);
      expect(r.pixels.every((p) => p === 0)).toBe(true);
      expect(r.bbox).toBeNull();
    }
    const faint = new Uint8Array(400);
    faint[210] = 20; // below the default 0.15 contrast
    expect(preprocessDigit({ width: 20, height: 20, data: faint }, { range: '0..255' }).empty).toBe(true);
  });

  it('an explicit polarity overrides the border guess', () => {
    const img = canvas(30, 30, [[10, 10, 8, 8]]);
    expect(preprocessDigit(img, { range: '0..255', polarity: 'dark-ink' }).inverted).toBe(true);
  });

  it('refuses bad sizes, out-of-range values and bad options, saying what and where', () => {
    expect(() => preprocessDigit({ width: 4, height: 4, data: new Uint8Array(15) }, { range: '0..255' })).toThrow(
      'preprocessDigit: a 4×4 image needs 16 values, got 15',
    );
    expect(() => preprocessDigit({ width: 0, height: 4, data: new Uint8Array(0) }, { range: '0..255' })).toThrow(
      'preprocessDigit: width and height must be integers ≥ 1, got 0×4',
    );
    const f = new Float32Array(9);
    f[5] = 200;
    expect(() => preprocessDigit({ width: 3, height: 3, data: f }, { range: '0..1' })).toThrow(
      'preprocessDigit: value 200 at (x=2, y=1) is outside 0..1 (the range option)',
    );
    f[5] = Number.NaN;
    expect(() => preprocessDigit({ width: 3, height: 3, data: f }, { range: '0..255' })).toThrow('value NaN at (x=2, y=1)');
    expect(() => preprocessDigit({ width: 3, height: 3, data: new Uint8Array(9) }, { range: '0..255', threshold: 2 })).toThrow(
      'preprocessDigit: threshold must be in 0..1, got 2',
    );
  });
});

describe('rgbaToGray', () => {
  it('uses Rec. 601 luma and composites transparent pixels over white', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128, 10, 10, 10, 255]);
    const g = rgbaToGray(rgba, 2, 2);
    expect(Array.from(g.data)).toEqual([76, 255, 127, 10]);
    expect(() => rgbaToGray(rgba, 3, 2)).toThrow('rgbaToGray: 3×2 RGBA needs 24 bytes, got 16');
  });
});

describe('pixelsAsIs', () => {
  it('scales a 28×28 MNIST-polarity image to 0..1 and moves nothing', () => {
    const img = canvas(28, 28, [[3, 2, 4, 20]]);
    (img.data as Uint8Array)[5] = 51;
    const p = pixelsAsIs(img, { range: '0..255', width: 28, height: 28 });
    expect(p).toEqual(Float32Array.from(img.data, (v) => v / 255));
    expect(p[5]).toBeCloseTo(0.2, 6);
  });

  it('refuses another size and dark ink on a light background, with the name given', () => {
    expect(() => pixelsAsIs(canvas(30, 30, []), { range: '0..255', width: 28, height: 28, name: '--no-preprocess' })).toThrow(
      '--no-preprocess needs a 28×28 image, got 30×30',
    );
    expect(() => pixelsAsIs(invert(canvas(28, 28, [[10, 4, 6, 20]])), { range: '0..255', width: 28, height: 28 })).toThrow(
      "pixelsAsIs needs MNIST polarity (0 = background, 255 = ink), but the image's border is light (median 255): dark ink on a light background? Invert the image",
    );
    expect(() => pixelsAsIs({ width: 2, height: 1, data: new Float32Array([0, 1.5]) }, { range: '0..1', width: 2, height: 1 })).toThrow(
      'pixelsAsIs: value 1.5 at (x=1, y=0) is outside 0..1',
    );
  });
});
