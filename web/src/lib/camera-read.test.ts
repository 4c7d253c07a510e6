/**
 * The Camera view's pipeline without a browser: which digit is chosen (the clicked one, followed as
 * it moves, else the largest), the reading size picked from the last frame's digits, and a whole
 * frame of "2026" on paper read by the shipped LeNet (at full and at half size) with the chosen
 * digit's trace made from exactly the input that was read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chooseDigit, frameReadOptions, HALF_SIZE_FROM, readFrame, typicalHeight, type FrameDigit } from './camera-read.js';
import { readImageFile } from '../../../src/data/node-image.js';
import type { GrayImage } from '../../../src/data/preprocess.js';
import { predict } from '../../../src/nn/predict.js';
import { readModelFile } from '../../../src/io/node-model-file.js';
import type { Sequential } from '../../../src/nn/model.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const digit = (box: [number, number, number, number], d = 1): FrameDigit => ({ digit: d, box, probabilities: [], input: new Float32Array(784) });

describe('chooseDigit', () => {
  const digits = [digit([0, 0, 10, 10], 1), digit([100, 0, 40, 60], 2), digit([200, 0, 20, 20], 3)];
  it('takes the largest box without a point, or with none near it', () => {
    expect(chooseDigit(digits, null)).toEqual({ index: 1, by: 'largest' });
    expect(chooseDigit(digits, { x: 600, y: 400 })).toEqual({ index: 1, by: 'largest' });
  });
  it('takes the box holding the point', () => {
    expect(chooseDigit(digits, { x: 5, y: 5 })).toEqual({ index: 0, by: 'click' });
  });
  it('follows a digit that moved: the nearest centre within one box size', () => {
    // where digit 3's centre was (210, 10), it is now 8 px to the right
    const moved = [digits[0], digits[1], digit([208, 2, 20, 20], 3)];
    expect(chooseDigit(moved, { x: 207, y: 10 })).toEqual({ index: 2, by: 'click' });
  });
  it('has no choice in an empty frame', () => {
    expect(chooseDigit([], { x: 1, y: 1 }).index).toBe(-1);
  });
});

/** examples/D.png (160×160) as ink 0..1, whichever polarity the file has */
async function ink(d: string): Promise<GrayImage> {
  const img = await readImageFile(join(ROOT, 'examples', `${d}.png`));
  const paper = img.data[0];
  return { width: img.width, height: img.height, data: Float32Array.from(img.data, (v) => Math.min(1, Math.abs(v - paper) / 200)) };
}

/** 640×480 paper (luma 230) with the examples' digits side by side, ink at 30; the boxes of their ink */
async function frameOf(text: string): Promise<{ gray: GrayImage; boxes: [number, number, number, number][] }> {
  const W = 640, H = 480;
  const data = new Uint8Array(W * H).fill(230);
  const boxes: [number, number, number, number][] = [];
  for (let k = 0; k < text.length; k++) {
    const g = await ink(text[k]);
    const ox = 40 + k * 100, oy = 160;
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        const a = g.data[y * g.width + x];
        if (a < 0.1) continue;
        const i = (oy + y) * W + ox + x;
        data[i] = Math.min(data[i], Math.round(230 * (1 - a) + 30 * a));
        x0 = Math.min(x0, ox + x), y0 = Math.min(y0, oy + y), x1 = Math.max(x1, ox + x), y1 = Math.max(y1, oy + y);
      }
    }
    boxes.push([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
  }
  return { gray: { width: W, height: H, data }, boxes };
}

describe('the reading size', () => {
  it('is half size once the last frame\'s median digit is HALF_SIZE_FROM pixels tall, else full size; inputs always kept', () => {
    expect(typicalHeight([])).toBe(0);
    expect(typicalHeight([digit([0, 0, 5, 90]), digit([0, 0, 5, 20]), digit([0, 0, 5, 70])])).toBe(70);
    expect(frameReadOptions(640, 480, 0)).toEqual({ inputs: true, maxPixels: 640 * 480 });
    expect(frameReadOptions(640, 480, HALF_SIZE_FROM - 1)).toEqual({ inputs: true, maxPixels: 640 * 480 });
    expect(frameReadOptions(640, 480, HALF_SIZE_FROM)).toEqual({ inputs: true, maxPixels: 320 * 240 });
  });
});

describe('readFrame with the shipped LeNet', () => {
  let model: Sequential;
  beforeAll(async () => {
    model = (await readModelFile(join(ROOT, 'models', 'lenet.safetensors'))).model;
  });

  it('reads "2026" from a 640×480 frame and traces the largest digit (or the clicked one) through every layer', async () => {
    const { gray, boxes } = await frameOf('2026');
    const r = readFrame(model, gray, null);
    expect(r.text).toBe('2026');
    expect(r.digits.map((d) => d.digit)).toEqual([2, 0, 2, 6]);
    expect(r.chosen).not.toBeNull();
    const chosen = r.chosen!;
    expect(chosen.by).toBe('largest');
    expect(chosen.result.trace.steps).toHaveLength(model.layers.length);
    expect(chosen.result.digit).toBe(r.digits[chosen.index].digit);
    expect(r.follow).toBeNull();
    // the maps are of what was read: the chosen digit's own input, and the same verdict
    expect(chosen.pixels).toBe(r.digits[chosen.index].input);
    expect(Array.from(chosen.result.probabilities.data)).toEqual(Array.from(predict(model, r.digits[chosen.index].input).probabilities.data));
    // a click on the 6 follows it from then on
    const [x, y, w, h] = boxes[3];
    const clicked = readFrame(model, gray, { x: x + w / 2, y: y + h / 2 });
    expect(clicked.chosen?.by).toBe('click');
    expect(clicked.chosen?.result.digit).toBe(6);
    expect(clicked.follow).not.toBeNull();
  });

  it('reads the same "2026", boxes in frame pixels, when the last frame\'s digits say half size will do', async () => {
    const { gray, boxes } = await frameOf('2026');
    const full = readFrame(model, gray, null);
    expect(typicalHeight(full.digits)).toBeGreaterThanOrEqual(HALF_SIZE_FROM);
    const half = readFrame(model, gray, null, typicalHeight(full.digits));
    expect(half.text).toBe('2026');
    half.digits.forEach((d, k) => {
      // each box within 2 pixels of the ink's (half size rounds to even pixels)
      d.box.forEach((v, i) => expect(Math.abs(v - boxes[k][i]), `digit ${k} box[${i}]`).toBeLessThanOrEqual(2));
    });
  });

  it('finds nothing on blank paper', () => {
    const r = readFrame(model, { width: 640, height: 480, data: new Uint8Array(640 * 480).fill(230) }, null);
    expect(r).toMatchObject({ text: '', digits: [], chosen: null, follow: null });
  });
});
