/**
 * Image files → network inputs, for every command that takes digit images: decode (PNG or JPEG),
 * then preprocess the way MNIST was made, or with `preprocess: false` use the pixels as they are
 * (the model's H×W, 0 = background, 255 = ink). An unreadable or unusable image becomes an error
 * of its own so the others go on. It does not run the model.
 */
import { resolve } from 'node:path';
import { readImageFile } from '../data/node-image.js';
import { pixelsAsIs, preprocessDigit } from '../data/preprocess.js';
import { Tensor } from '../engine/tensor.js';
import { SpecError, formatShape } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { classLabels } from '../nn/predict.js';
import type { CliIo } from './io.js';

export interface DigitImage {
  file: string;
  /** [...model.inputShape] in 0..1, ink = 1 */
  pixels: Float32Array;
}

export interface DigitImageError {
  file: string;
  error: string;
}

/** Refuses, before any image is read, a model that cannot take what reading produces or does not give one output per label. */
export function checkDigitModel(model: Sequential, modelName: string, preprocess: boolean): void {
  const s = model.inputShape;
  if (preprocess && !(s.length === 3 && s[0] === 1 && s[1] === 28 && s[2] === 28)) {
    throw new SpecError(`preprocessed digits are [1,28,28]; ${modelName} takes ${formatShape(s)}`);
  }
  if (!preprocess && !(s.length === 3 && s[0] === 1)) {
    throw new SpecError(`--no-preprocess needs a model of one-channel images [1,H,W]; ${modelName} takes ${formatShape(s)}`);
  }
  classLabels(model, modelName);
}

/** One file's input pixels; throws (ImageError, SpecError, Error) when the file cannot give one. */
export async function readDigit(path: string, model: Sequential, preprocess: boolean): Promise<Float32Array> {
  const img = await readImageFile(path);
  if (preprocess) {
    const pre = preprocessDigit(img, { range: '0..255' });
    if (pre.empty) throw new Error('no ink found: the image is blank or has too little contrast');
    return pre.pixels;
  }
  const [, H, W] = model.inputShape as [number, number, number];
  return pixelsAsIs(img, { range: '0..255', width: W, height: H, name: '--no-preprocess' });
}

/** Every file in order: its pixels, or why it gave none. Paths resolve against io.cwd. */
export async function readDigits(files: readonly string[], io: CliIo, model: Sequential, preprocess: boolean): Promise<(DigitImage | DigitImageError)[]> {
  const out: (DigitImage | DigitImageError)[] = [];
  for (const file of files) {
    try {
      out.push({ file, pixels: await readDigit(resolve(io.cwd, file), model, preprocess) });
    } catch (e) {
      out.push({ file, error: (e as Error).message });
    }
  }
  return out;
}

/** The readable images as one batch [N,...model.inputShape]. */
export function digitBatch(model: Sequential, images: readonly DigitImage[]): Tensor {
  const D = images[0]?.pixels.length ?? 0;
  const data = new Float32Array(images.length * D);
  images.forEach((im, i) => data.set(im.pixels, i * D));
  return new Tensor([images.length, ...model.inputShape], data);
}
