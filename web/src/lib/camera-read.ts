/**
 * One camera frame through the reading pipeline: every digit in the gray frame read by readDigits
 * (src/data/segment.ts, the library's; on the page, or in a frame reader, camera-worker.ts), then
 * one digit chosen — the one the user clicked, followed
 * from frame to frame by its position, else the largest — and run through the model once more
 * with its whole trace, for the Layers view's maps and the probabilities. No DOM: the test beside
 * it runs in Node. It does not grab frames or draw (CameraView does).
 */
import type { Sequential } from '../../../src/nn/model.js';
import { preprocessDigit, type GrayImage } from '../../../src/data/preprocess.js';
import { predict, type PredictResult } from '../../../src/nn/predict.js';
import { sizeOf } from '../../../src/engine/tensor.js';
import { readDigits } from './segment-stub.js';

/** [x, y, width, height] in frame pixels */
export type Box = readonly [number, number, number, number];

export interface FrameDigit {
  digit: number;
  box: Box;
  probabilities: ArrayLike<number>;
  notDigit?: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface ChosenDigit {
  /** index into the frame's digits */
  index: number;
  /** why this one: the user's click (followed since) or the largest box */
  by: 'click' | 'largest';
  /** [1,28,28] the model's input, 0..1, ink = 1 */
  pixels: Float32Array;
  result: PredictResult;
}

export interface FrameResult {
  text: string;
  digits: readonly FrameDigit[];
  chosen: ChosenDigit | null;
  /** where the chosen digit is now (the next frame looks for the click's digit here), or null */
  follow: Point | null;
  /** readDigits' time, and the chosen digit's forward pass, in ms */
  readMs: number;
  traceMs: number;
}

const centre = (b: Box): Point => ({ x: b[0] + b[2] / 2, y: b[1] + b[3] / 2 });

/**
 * The digit to show: given a point (a click, or where the clicked digit was a frame ago), the box
 * that holds it or else the nearest centre within one box size; with no point, or nothing near
 * it, the largest box. −1 when there are no digits.
 */
export function chooseDigit(digits: readonly FrameDigit[], at: Point | null): { index: number; by: 'click' | 'largest' } {
  if (digits.length === 0) return { index: -1, by: 'largest' };
  if (at) {
    let best = -1;
    let bestD = Infinity;
    digits.forEach((d, i) => {
      const [x, y, w, h] = d.box;
      const inside = at.x >= x && at.x < x + w && at.y >= y && at.y < y + h;
      const c = centre(d.box);
      const dist = inside ? 0 : Math.hypot(c.x - at.x, c.y - at.y) / Math.max(w, h, 1);
      if (dist < bestD && dist <= 1) {
        bestD = dist;
        best = i;
      }
    });
    if (best >= 0) return { index: best, by: 'click' };
  }
  let largest = 0;
  digits.forEach((d, i) => {
    if (d.box[2] * d.box[3] > digits[largest].box[2] * digits[largest].box[3]) largest = i;
  });
  return { index: largest, by: 'largest' };
}

/**
 * The 28×28 network input of the digit in `box`: the box cut out with a margin of paper around it
 * (the paper level is the box's median, so neighbouring digits' ink stays out) and preprocessed as
 * every user image is; dark ink on paper or light ink on a dark board, whichever the box holds.
 */
export function digitPixels(gray: GrayImage, box: Box): Float32Array {
  const [bx, by, bw, bh] = box.map((v) => Math.round(v));
  const x0 = Math.max(0, bx), y0 = Math.max(0, by);
  const x1 = Math.min(gray.width, bx + bw), y1 = Math.min(gray.height, by + bh);
  const w = x1 - x0, h = y1 - y0;
  if (w <= 0 || h <= 0) return new Float32Array(28 * 28);
  const hist = new Uint32Array(256);
  let lo = 255, hi = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const v = Math.max(0, Math.min(255, Math.round(gray.data[y * gray.width + x])));
      hist[v]++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  let paper = 0;
  for (let v = 0, acc = 0; v < 256; v++) {
    acc += hist[v];
    if (acc * 2 >= w * h) {
      paper = v;
      break;
    }
  }
  const m = Math.ceil(Math.max(w, h) * 0.15) + 1;
  const W = w + 2 * m, H = h + 2 * m;
  const out = new Uint8Array(W * H).fill(paper);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[(y + m) * W + x + m] = gray.data[(y + y0) * gray.width + x + x0];
  }
  const polarity = hi - paper > paper - lo ? 'light-ink' : 'dark-ink';
  return preprocessDigit({ width: W, height: H, data: out }, { range: '0..255', polarity }).pixels;
}

/** Reads `gray` (a whole frame) and runs the chosen digit through `model`, keeping its trace. */
export function readFrame(model: Sequential, gray: GrayImage, at: Point | null, now: () => number = () => performance.now()): FrameResult {
  const t0 = now();
  const reading = readDigits(model, gray);
  return traceChosen(model, gray, { text: reading.text, digits: reading.digits }, at, now() - t0, now);
}

/**
 * The rest of a frame once its digits are read (on the page, or by a frame reader in a worker):
 * the digit to show chosen and run through `model` with its whole trace.
 */
export function traceChosen(
  model: Sequential,
  gray: GrayImage,
  reading: { text: string; digits: readonly FrameDigit[] },
  at: Point | null,
  readMs: number,
  now: () => number = () => performance.now(),
): FrameResult {
  const { text, digits } = reading;
  const { index, by } = chooseDigit(digits, at);
  if (index < 0) return { text, digits, chosen: null, follow: null, readMs, traceMs: 0 };
  const t0 = now();
  const d = digits[index];
  const own = (d as { pixels?: unknown }).pixels;
  const pixels = own instanceof Float32Array && own.length === sizeOf(model.inputShape) ? own : digitPixels(gray, d.box);
  const result = predict(model, pixels);
  return { text, digits, chosen: { index, by, pixels, result }, follow: by === 'click' ? centre(d.box) : null, readMs, traceMs: now() - t0 };
}
