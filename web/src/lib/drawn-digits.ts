/**
 * Your own handwriting as a small data set: digits drawn on the pad, fitted into 28×28 the way
 * MNIST's were (preprocessDigit), each with the label you gave it. Pure data and the idx export
 * (the same files MNIST comes in, so `convscope train --data DIR` could read them); storage in the
 * browser is drawn-digits-store.ts, training on them is the worker's.
 */
import { encodeIdx } from '../../../src/data/idx.js';

export const DIGIT_PIXELS = 28 * 28;
export const DIGIT_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** Enough for "ten of each" many times over; each is 784 bytes. */
export const MAX_DRAWN_DIGITS = 5000;

export interface DrawnDigit {
  /** unique within the set; also the IndexedDB key */
  readonly id: string;
  /** 0..9 */
  readonly label: number;
  /** [28,28] pixels 0..255, ink light on dark as in MNIST */
  readonly pixels: Uint8Array;
  /** ISO 8601 */
  readonly drawnAt: string;
}

/** Pixels 0..1 (the app's input) → bytes 0..255, rounded as MNIST's were stored. */
export function toBytes(pixels: Float32Array): Uint8Array {
  if (pixels.length !== DIGIT_PIXELS) throw new Error(`a drawn digit has ${DIGIT_PIXELS} pixels (28×28), got ${pixels.length}`);
  const out = new Uint8Array(DIGIT_PIXELS);
  for (let i = 0; i < DIGIT_PIXELS; i++) out[i] = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
  return out;
}

export function toFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

let counter = 0;

/** A new labelled digit from the pad's 28×28 input; refuses a label outside 0..9 and an empty drawing. */
export function makeDrawnDigit(pixels: Float32Array, label: number, now: Date = new Date()): DrawnDigit {
  if (!Number.isInteger(label) || label < 0 || label > 9) throw new Error(`a drawn digit's label must be 0..9, got ${label}`);
  const bytes = toBytes(pixels);
  if (!bytes.some((v) => v > 0)) throw new Error('the pad is empty: draw the digit first');
  counter = (counter + 1) % 1e6;
  return { id: `${now.getTime().toString(36)}-${counter.toString(36)}`, label, pixels: bytes, drawnAt: now.toISOString() };
}

/** How many of each label, [10]. */
export function countByLabel(digits: readonly DrawnDigit[]): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const d of digits) counts[d.label]++;
  return counts;
}

/** The set as images [n,28,28] and labels [n], in order. */
export function toArrays(digits: readonly DrawnDigit[]): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(digits.length * DIGIT_PIXELS);
  const labels = new Uint8Array(digits.length);
  digits.forEach((d, i) => {
    images.set(d.pixels, i * DIGIT_PIXELS);
    labels[i] = d.label;
  });
  return { images, labels };
}

/** The set as MNIST's two idx files (u8 images [n,28,28], u8 labels [n]). */
export function toIdxFiles(digits: readonly DrawnDigit[]): { images: Uint8Array; labels: Uint8Array } {
  const { images, labels } = toArrays(digits);
  return { images: encodeIdx([digits.length, 28, 28], images), labels: encodeIdx([digits.length], labels) };
}

/** A record read back from storage, checked: anything else in the store is skipped, not trusted. */
export function parseStoredDigit(v: unknown): DrawnDigit | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const { id, label, pixels, drawnAt } = o;
  if (typeof id !== 'string' || typeof drawnAt !== 'string') return null;
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label > 9) return null;
  if (!(pixels instanceof Uint8Array) || pixels.length !== DIGIT_PIXELS) return null;
  return { id, label, pixels, drawnAt };
}
