import { describe, expect, it } from 'vitest';
import { decodeImages, decodeLabels } from '../../../src/data/idx.js';
import { makeSplit } from '../../../src/data/dataset.js';
import { countByLabel, makeDrawnDigit, parseStoredDigit, toBytes, toFloats, toIdxFiles } from './drawn-digits.js';

function stroke(col: number): Float32Array {
  const p = new Float32Array(784);
  for (let r = 4; r < 24; r++) p[r * 28 + col] = 1;
  p[0] = 0.5;
  return p;
}

describe('drawn-digits', () => {
  it('bytes round to MNIST levels and back', () => {
    const b = toBytes(stroke(10));
    expect(b[0]).toBe(128);
    expect(b[4 * 28 + 10]).toBe(255);
    expect(toFloats(b)[4 * 28 + 10]).toBe(1);
    expect(() => toBytes(new Float32Array(10))).toThrow('a drawn digit has 784 pixels (28×28), got 10');
  });

  it('refuses a label outside 0..9 and an empty pad', () => {
    expect(() => makeDrawnDigit(stroke(3), 10)).toThrow("a drawn digit's label must be 0..9, got 10");
    expect(() => makeDrawnDigit(stroke(3), 1.5)).toThrow("a drawn digit's label must be 0..9, got 1.5");
    expect(() => makeDrawnDigit(new Float32Array(784), 1)).toThrow('the pad is empty: draw the digit first');
  });

  it('gives every digit its own id', () => {
    const now = new Date('2026-12-01T20:00:00Z');
    const a = makeDrawnDigit(stroke(3), 1, now);
    const b = makeDrawnDigit(stroke(3), 1, now);
    expect(a.id).not.toBe(b.id);
    expect(a.drawnAt).toBe('2026-12-01T20:00:00.000Z');
  });

  it('exports idx files that the MNIST loader reads back as the same digits', () => {
    const digits = [makeDrawnDigit(stroke(3), 1), makeDrawnDigit(stroke(12), 7), makeDrawnDigit(stroke(20), 7)];
    const files = toIdxFiles(digits);
    expect(files.images.length).toBe(16 + 3 * 784);
    expect(files.labels.length).toBe(8 + 3);
    const split = makeSplit(decodeImages(files.images, 'mine-images-idx3-ubyte'), decodeLabels(files.labels, 'mine-labels-idx1-ubyte'), 'i', 'l');
    expect(split.n).toBe(3);
    expect([...split.labels]).toEqual([1, 7, 7]);
    expect(split.images.subarray(784, 1568)).toEqual(digits[1].pixels);
    expect(countByLabel(digits)).toEqual([0, 1, 0, 0, 0, 0, 0, 2, 0, 0]);
  });

  it('an empty set exports as valid empty idx files', () => {
    const files = toIdxFiles([]);
    expect(decodeImages(files.images, 'i').dims).toEqual([0, 28, 28]);
    expect(decodeLabels(files.labels, 'l').dims).toEqual([0]);
  });

  it('skips stored records that are not drawn digits', () => {
    const good = makeDrawnDigit(stroke(3), 4);
    expect(parseStoredDigit(good)).toEqual(good);
    expect(parseStoredDigit({ ...good, label: 11 })).toBeNull();
    expect(parseStoredDigit({ ...good, pixels: new Uint8Array(10) })).toBeNull();
    expect(parseStoredDigit({ ...good, pixels: Array.from(good.pixels) })).toBeNull();
    expect(parseStoredDigit('7')).toBeNull();
    expect(parseStoredDigit(null)).toBeNull();
  });
});
