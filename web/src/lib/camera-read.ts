/**
 * One camera frame through the reading pipeline: every digit in the gray frame read by readDigits
 * (src/data/segment.ts, the library's; on the page, or in a frame reader, camera-worker.ts), then
 * one digit chosen — the one the user clicked, followed
 * from frame to frame by its position, else the largest — and run through the model once more
 * with its whole trace, for the Layers view's maps and the probabilities. No DOM: the test beside
 * it runs in Node. It does not grab frames or draw (CameraView does).
 */
import type { Sequential } from '../../../src/nn/model.js';
import type { GrayImage } from '../../../src/data/preprocess.js';
import { predict, type PredictResult } from '../../../src/nn/predict.js';
import { readDigits, type ReadOptions } from '../../../src/data/segment.js';

/** [x, y, width, height] in frame pixels */
export type Box = readonly [number, number, number, number];

export interface FrameDigit {
  digit: number;
  box: Box;
  probabilities: ArrayLike<number>;
  notDigit?: boolean;
  /** [1,28,28] what the model read for it (readDigits' preprocessed crop) */
  input: Float32Array;
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

/** The median height (frame pixels) of a frame's digits; 0 for none. */
export function typicalHeight(digits: readonly FrameDigit[]): number {
  const heights = digits.map((d) => d.box[3]).sort((a, b) => a - b);
  return heights[heights.length >> 1] ?? 0;
}

/**
 * How a frame is read: at half size when the last frame's digits (`lastHeight`, typicalHeight)
 * were tall enough to keep their strokes there (a quarter of the pixels: readDigits takes 11 ms
 * instead of 28 on a 640×480 frame, bench/read-frame.ts), else at full size, so small writing
 * far from the camera still reads.
 */
export function frameReadOptions(width: number, height: number, lastHeight: number): ReadOptions {
  return { inputs: true, maxPixels: lastHeight >= HALF_SIZE_FROM ? Math.ceil((width * height) / 4) : width * height };
}

/** Digits at least this tall (frame pixels) are read at half size: 32 px there, MNIST's 20 px box with room. */
export const HALF_SIZE_FROM = 64;

/** What readDigits found in a frame, with each digit's network input, as the view keeps it. */
export function readFrameDigits(model: Sequential, gray: GrayImage, lastHeight: number): { text: string; digits: FrameDigit[] } {
  const r = readDigits(model, gray, frameReadOptions(gray.width, gray.height, lastHeight));
  return {
    text: r.text,
    digits: r.digits.map((d) => {
      if (!d.input) throw new Error('readDigits left out the digits\' inputs');
      return { digit: d.digit, box: d.box, probabilities: d.probabilities, input: d.input, ...(d.notDigit === undefined ? {} : { notDigit: d.notDigit }) };
    }),
  };
}

/** Reads `gray` (a whole frame) and runs the chosen digit through `model`, keeping its trace. */
export function readFrame(model: Sequential, gray: GrayImage, at: Point | null, lastHeight = 0, now: () => number = () => performance.now()): FrameResult {
  const t0 = now();
  const reading = readFrameDigits(model, gray, lastHeight);
  return traceChosen(model, reading, at, now() - t0, now);
}

/**
 * The rest of a frame once its digits are read (on the page, or by a frame reader in a worker):
 * the digit to show chosen and run through `model` with its whole trace.
 */
export function traceChosen(
  model: Sequential,
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
  const pixels = d.input;
  const result = predict(model, pixels);
  return { text, digits, chosen: { index, by, pixels, result }, follow: by === 'click' ? centre(d.box) : null, readMs, traceMs: now() - t0 };
}
