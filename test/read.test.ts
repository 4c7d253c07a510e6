/**
 * Reading whole numbers with the shipped lenet (src/data/segment.ts readDigits): constructed
 * pages whose true boxes are known — separated digits, a touching pair, a 5 whose flag came
 * loose, two lines, light ink on dark paper, a line turned by 4°, uneven light and specks, RGBA
 * input, a blank page — and 100 generated photo-like pages (src/data/number-pages.ts; MNIST test
 * digits and generated handwriting, separated and touching) read above committed figures, each a
 * little below what was measured on these very pages, so a change that makes reading worse fails
 * here; the full measurement (`npm run figures:read`) is in README ("Reading whole numbers").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { referenceKernels, setKernels } from '../src/engine/kernels/index.js';
import { selectNodeKernels } from '../src/engine/kernels/wasm/node-kernels.js';
import type { FastKernels } from '../src/engine/kernels/wasm/index.js';
import { readModelFile } from '../src/io/node-model-file.js';
import type { Sequential } from '../src/nn/model.js';
import { predict } from '../src/nn/predict.js';
import { readDigits } from '../src/data/segment.js';
import { inkMap } from '../src/data/binarize.js';
import { loadDataset } from '../src/data/node-source.js';
import { numberPages } from '../src/data/number-pages.js';
import { storePage } from '../src/data/node-number-pages.js';
import { compose, glyphs, iou, onPaper, rotate, toRgba, type InkPage } from './number-fixtures.js';
import { mnistDir, REPO_ROOT } from './helpers.js';

let lenet: Sequential;
let fast: FastKernels | null = null;
/** per digit, a generated glyph lenet reads surely: the tests are about finding digits, not about reading hard ones */
const sure: Float32Array[] = [];

beforeAll(async () => {
  fast = (await selectNodeKernels('wasm')) ?? null;
  lenet = (await readModelFile(join(REPO_ROOT, 'models', 'lenet.safetensors'))).model;
  const bank = glyphs();
  for (let d = 0; d < 10; d++) {
    const best = bank[d].map((g) => predict(lenet, g).probabilities.data[d]);
    sure.push(bank[d][best.indexOf(Math.max(...best))]);
  }
});

afterAll(async () => {
  await fast?.dispose();
  setKernels(referenceKernels);
});

/** The digits of `text` left to right from x = 40 at row y, `gap` page pixels apart (< 0: overlapping), at `scale`. */
function line(text: string, y: number, gap: number, scale = 3, x = 40) {
  let left = x;
  return [...text].map((ch) => {
    const glyph = sure[Number(ch)];
    const p = { glyph, x: left, y, scale };
    left += Math.round(inkWidth(glyph) * scale) + gap;
    return p;
  });
}

function inkWidth(g: Float32Array): number {
  let x0 = 28, x1 = -1;
  for (let i = 0; i < 784; i++) if (g[i] > 0.05) [x0, x1] = [Math.min(x0, i % 28), Math.max(x1, i % 28)];
  return x1 - x0 + 1;
}

/** Each true box matched, in order, by a read box with IoU ≥ min. */
function expectBoxes(read: ReturnType<typeof readDigits>, page: InkPage, min: number): void {
  expect(read.digits.length).toBe(page.boxes.length);
  page.boxes.forEach((b, k) => expect(iou(read.digits[k].box, b), `digit ${k}: read ${read.digits[k].box}, true ${b}`).toBeGreaterThanOrEqual(min));
}

describe('readDigits on constructed pages (lenet)', () => {
  it('separated digits "2026" on a 400×160 page: the number, one box per digit matching the true one (IoU ≥ 0.8), probabilities and notDigit', () => {
    const page = compose(400, 160, line('2026', 40, 24));
    const read = readDigits(lenet, onPaper(page));
    expect(read.text).toBe('2026');
    expectBoxes(read, page, 0.8);
    for (const d of read.digits) {
      expect(d.probabilities).toHaveLength(10);
      expect(d.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      expect(d.probabilities[d.digit]).toBe(Math.max(...d.probabilities));
      expect(typeof d.notDigit).toBe('boolean');
    }
    expect(read.lines).toHaveLength(1);
  });

  it('a touching pair "38" (moved together until their inks make one region) reads as two digits', () => {
    const regions = (page: InkPage) => {
      const img = onPaper(page);
      return inkMap(Float32Array.from(img.data, (v) => v / 255), img.width, img.height).components.list.filter((c) => c.area > 50).length;
    };
    let gap = 0;
    while (regions(compose(300, 160, line('38', 40, gap))) > 1) gap--;
    // a pixel further, so they touch by more than a hair
    const page = compose(300, 160, line('38', 40, gap - 1));
    expect(regions(page)).toBe(1);
    const read = readDigits(lenet, onPaper(page));
    expect(read.text).toBe('38');
    expectBoxes(read, page, 0.6);
  });

  it("a 5 whose flag came loose (two regions, the flag above the bowl) reads as one 5, its box the whole digit's", () => {
    const five = sure[5].slice();
    // cut the flag from the stem: clear two columns across the top third, left of the middle
    let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    for (let i = 0; i < 784; i++) if (five[i] > 0.05) [x0, x1, y0, y1] = [Math.min(x0, i % 28), Math.max(x1, i % 28), Math.min(y0, (i / 28) | 0), Math.max(y1, (i / 28) | 0)];
    const cx = x0 + Math.round(0.45 * (x1 - x0));
    for (let y = y0; y < y0 + Math.round(0.3 * (y1 - y0)); y++) for (let x = cx; x < cx + 2; x++) five[y * 28 + x] = 0;
    const page = compose(360, 160, [{ glyph: sure[1], x: 40, y: 40, scale: 3 }, { glyph: five, x: 130, y: 40, scale: 3 }, { glyph: sure[7], x: 240, y: 40, scale: 3 }]);
    const img = onPaper(page);
    const gray = Float32Array.from(img.data, (v) => v / 255);
    const regions = inkMap(gray, img.width, img.height).components.list.filter((c) => c.area > 20);
    expect(regions.length).toBe(4);
    const read = readDigits(lenet, img);
    expect(read.text).toBe('157');
    expectBoxes(read, page, 0.8);
  });

  it('two lines "12" over "345" read top to bottom, joined by a newline, each line with its digits', () => {
    const page = compose(360, 300, [...line('12', 30, 24), ...line('345', 170, 24)]);
    const read = readDigits(lenet, onPaper(page));
    expect(read.text).toBe('12\n345');
    expect(read.lines?.map((l) => l.text)).toEqual(['12', '345']);
    expect(read.lines?.[1].digits).toHaveLength(3);
    expectBoxes(read, page, 0.8);
  });

  it('light ink on dark paper reads as dark ink on light paper does', () => {
    const page = compose(400, 160, line('4096', 40, 24));
    const dark = readDigits(lenet, onPaper(page));
    const light = readDigits(lenet, onPaper(page, { polarity: 'light-ink' }));
    expect(light.text).toBe('4096');
    expect(light.text).toBe(dark.text);
    expectBoxes(light, page, 0.8);
  });

  it('a line turned 4° clockwise is levelled (its angle is found within 1.5°) and read', () => {
    const page = rotate(compose(460, 220, line('40961', 60, 20)), 4);
    const read = readDigits(lenet, onPaper(page));
    expect(read.text).toBe('40961');
    expect(read.lines?.[0].angle).toBeGreaterThan(2.5);
    expect(read.lines?.[0].angle).toBeLessThan(5.5);
    expectBoxes(read, page, 0.6);
  });

  it('light falling off by 60% across the page and specks on the paper change nothing', () => {
    const page = compose(420, 180, line('7315', 50, 24));
    const specks: [number, number][] = [[10, 10], [400, 20], [200, 170], [30, 150], [380, 160]];
    const read = readDigits(lenet, onPaper(page, { gradient: 0.6, specks }));
    expect(read.text).toBe('7315');
    expectBoxes(read, page, 0.8);
  });

  it('RGBA input reads as the same grey image does, boxes included', () => {
    const img = onPaper(compose(400, 160, line('2026', 40, 24)));
    const grey = readDigits(lenet, img);
    const rgba = readDigits(lenet, toRgba(img));
    expect(rgba.text).toBe(grey.text);
    expect(rgba.digits.map((d) => d.box)).toEqual(grey.digits.map((d) => d.box));
  });

  it('a 2,400×1,200 photo (2.9 megapixels, read at half size) gives its boxes in its own pixels', () => {
    const page = compose(2400, 1200, line('2026', 300, 200, 24, 300));
    const read = readDigits(lenet, onPaper(page));
    expect(read.text).toBe('2026');
    expectBoxes(read, page, 0.8);
  });

  it('with `inputs`, each digit carries the [1,28,28] the model read (predict on it gives that digit, those probabilities); without, none', () => {
    const page = onPaper(compose(400, 160, line('2026', 40, 24)));
    const read = readDigits(lenet, page, { inputs: true });
    expect(read.text).toBe('2026');
    for (const d of read.digits) {
      expect(d.input).toBeInstanceOf(Float32Array);
      expect(d.input).toHaveLength(784);
      const again = predict(lenet, d.input!);
      expect(again.digit).toBe(d.digit);
      Array.from(again.probabilities.data).forEach((p, k) => expect(p).toBeCloseTo(d.probabilities[k], 5));
    }
    expect(readDigits(lenet, page).digits.every((d) => d.input === undefined)).toBe(true);
  });

  it('a grey byte frame read at half size (shrunk from its bytes) reads exactly as its float copy does', () => {
    const bytes = onPaper(compose(640, 480, line('2026', 180, 24, 5)));
    const floats = { width: bytes.width, height: bytes.height, data: Float32Array.from(bytes.data, (v) => v / 255) };
    const half = { maxPixels: (640 * 480) / 4 };
    const a = readDigits(lenet, bytes, half), b = readDigits(lenet, floats, half);
    expect(a.text).toBe('2026');
    expect(a).toEqual(b);
    // and the half-size boxes are the full-size ones, to within the 2-pixel grid
    const full = readDigits(lenet, bytes);
    expect(full.text).toBe('2026');
    full.digits.forEach((d, k) => d.box.forEach((v, i) => expect(Math.abs(v - a.digits[k].box[i]), `digit ${k} box[${i}]`).toBeLessThanOrEqual(2)));
  });

  it('refuses a maxPixels that is not a number ≥ 1', () => {
    const page = onPaper(compose(50, 50, []));
    for (const bad of [0, -3, NaN]) expect(() => readDigits(lenet, page, { maxPixels: bad })).toThrow(`readDigits: maxPixels must be a number ≥ 1, got ${bad}`);
  });

  it('a blank page (paper and noise only) reads as no digits', () => {
    const img = onPaper(compose(320, 200, []));
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.max(0, Math.min(255, img.data[i] + ((i * 7919) % 11) - 5));
    const read = readDigits(lenet, img);
    expect(read).toEqual({ text: '', digits: [], lines: [] });
  });

  it('refuses a model that does not take [1,28,28], naming what it takes', async () => {
    const { Sequential: Seq } = await import('../src/nn/model.js');
    const odd = new Seq({ input: [1, 8, 8], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] }, 1);
    expect(() => readDigits(odd, onPaper(compose(50, 50, [])))).toThrow(/\[1,28,28\].*\[1,8,8\]/);
  });
});

describe('readDigits on generated photo-like pages (lenet)', () => {
  // 25 pages per set, seed 7 (README's figures: 500 pages per set, seed 1)
  const PAGES = 25;
  /** exact-match accuracy on these pages, each a little below what was measured (1.00, 0.44, 0.96, 0.40; 0.70 in all) */
  const AT_LEAST = { 'mnist separated': 0.88, 'mnist touching': 0.36, 'synthetic separated': 0.88, 'synthetic touching': 0.32 };
  const IN_ALL = 0.64;

  it('100 pages (MNIST test digits and generated handwriting, separated and touching): the whole number right on at least the committed share of each set and of all', async () => {
    const mnistTest = (await loadDataset({ dataset: 'mnist', dataDir: mnistDir(), env: {} })).test;
    let all = 0;
    const shares: Record<string, number> = {};
    for (const set of Object.keys(AT_LEAST)) {
      const [source, kind] = set.split(' ') as ['mnist' | 'synthetic', string];
      let right = 0;
      const wrong: string[] = [];
      for (const page of numberPages({ count: PAGES, seed: 7, source, touching: kind === 'touching', mnistTest })) {
        const read = readDigits(lenet, storePage(page).image);
        if (read.text === page.text) right++;
        else wrong.push(`${page.text}→${read.text}`);
      }
      console.log(`${set}: ${right}/${PAGES} read right; wrong: ${wrong.join(' ')}`);
      shares[set] = right / PAGES;
      all += right;
    }
    for (const [set, min] of Object.entries(AT_LEAST)) expect(shares[set], set).toBeGreaterThanOrEqual(min);
    expect(all / (4 * PAGES)).toBeGreaterThanOrEqual(IN_ALL);
  }, 300_000);
});
