/**
 * The Camera view's pipeline without a browser: which digit is chosen (the clicked one, followed as
 * it moves, else the largest), a digit's 28×28 cut from the frame (neighbours' ink left out), and a
 * whole frame of "2026" on paper read by the shipped LeNet with the chosen digit's trace.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chooseDigit, digitPixels, readFrame, type FrameDigit } from './camera-read.js';
import { readImageFile } from '../../../src/data/node-image.js';
import { preprocessDigit, type GrayImage } from '../../../src/data/preprocess.js';
import { readModelFile } from '../../../src/io/node-model-file.js';
import type { Sequential } from '../../../src/nn/model.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const digit = (box: [number, number, number, number], d = 1): FrameDigit => ({ digit: d, box, probabilities: [] });

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

describe('digitPixels', () => {
  it('cuts the digit in its box out of the frame as preprocessDigit reads it alone, neighbours left out', async () => {
    const { gray, boxes } = await frameOf('202');
    const alone = await frameOf('0');
    const mid = digitPixels(gray, boxes[1]);
    const solo = preprocessDigit(alone.gray, { range: '0..255', polarity: 'dark-ink' }).pixels;
    let diff = 0;
    for (let i = 0; i < 784; i++) diff = Math.max(diff, Math.abs(mid[i] - solo[i]));
    expect(diff).toBeLessThan(0.05);
  });

  it('reads light ink on a dark board too, and an empty box as an empty input', async () => {
    const { gray, boxes } = await frameOf('7');
    const board = { ...gray, data: Uint8Array.from(gray.data, (v) => 255 - v) };
    const a = digitPixels(gray, boxes[0]);
    const b = digitPixels(board, boxes[0]);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(0.02);
    expect(digitPixels(gray, [0, 0, 0, 0]).every((v) => v === 0)).toBe(true);
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
    // a click on the 6 follows it from then on
    const [x, y, w, h] = boxes[3];
    const clicked = readFrame(model, gray, { x: x + w / 2, y: y + h / 2 });
    expect(clicked.chosen?.by).toBe('click');
    expect(clicked.chosen?.result.digit).toBe(6);
    expect(clicked.follow).not.toBeNull();
  });

  it('finds nothing on blank paper', () => {
    const r = readFrame(model, { width: 640, height: 480, data: new Uint8Array(640 * 480).fill(230) }, null);
    expect(r).toMatchObject({ text: '', digits: [], chosen: null, follow: null });
  });
});
