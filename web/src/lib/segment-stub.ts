/**
 * TEMPORARY STUB — NEVER COMMIT. Stands in for src/data/segment.ts (readDigits) until it lands:
 * dark ink on light paper, connected components on a 2× downsampled frame, each read by the model.
 */
import type { Sequential } from '../../../src/nn/model.js';
import type { GrayImage } from '../../../src/data/preprocess.js';
import { predict } from '../../../src/nn/predict.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { digitPixels } from './camera-read.js';

export interface StubDigit {
  digit: number;
  box: [number, number, number, number];
  probabilities: Float32Array;
  notDigit?: boolean;
}

export function readDigits(model: Sequential, image: GrayImage): { text: string; digits: StubDigit[] } {
  const { width: W, height: H, data } = image;
  const w = W >> 1, h = H >> 1;
  const small = new Uint8Array(w * h);
  const hist = new Uint32Array(256);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = data[(2 * y) * W + 2 * x];
    small[y * w + x] = v;
    hist[v]++;
  }
  let acc = 0, median = 0;
  for (let v = 0; v < 256; v++) { acc += hist[v]; if (acc >= (w * h) / 2) { median = v; break; } }
  const thr = median - 50;
  const label = new Int32Array(w * h).fill(-1);
  const boxes: [number, number, number, number, number][] = [];
  const stack: number[] = [];
  for (let i = 0; i < w * h; i++) {
    if (label[i] !== -1 || small[i] > thr) continue;
    let x0 = w, y0 = h, x1 = 0, y1 = 0, n = 0;
    label[i] = boxes.length;
    stack.push(i);
    while (stack.length) {
      const j = stack.pop() as number;
      const x = j % w, y = (j / w) | 0;
      n++;
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      for (const k of [j - 1, j + 1, j - w, j + w]) {
        if (k < 0 || k >= w * h || label[k] !== -1 || small[k] > thr) continue;
        if ((k === j - 1 && x === 0) || (k === j + 1 && x === w - 1)) continue;
        label[k] = boxes.length;
        stack.push(k);
      }
    }
    boxes.push([x0, y0, x1, y1, n]);
  }
  const kept = boxes.filter((b) => b[3] - b[1] >= 12 && b[4] >= 20).sort((a, b) => a[0] - b[0]);
  if (kept.length === 0) return { text: '', digits: [] };
  const rects = kept.map((b): [number, number, number, number] => [b[0] * 2, b[1] * 2, (b[2] - b[0] + 1) * 2, (b[3] - b[1] + 1) * 2]);
  const batch = new Float32Array(rects.length * 784);
  rects.forEach((r, i) => batch.set(digitPixels(image, r), i * 784));
  const res = predict(model, new Tensor([rects.length, ...model.inputShape], batch));
  const K = res.probabilities.size / rects.length;
  const digits = rects.map((box, i) => ({ digit: res.digits[i], box, probabilities: res.probabilities.data.slice(i * K, (i + 1) * K), notDigit: res.notDigit[i] ?? false }));
  return { text: digits.map((d) => String(d.digit)).join(''), digits };
}
