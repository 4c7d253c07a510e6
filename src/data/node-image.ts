/**
 * Reads an image file (PNG or JPEG, told apart by their magic bytes, not the extension) into a
 * grayscale 0..255 image for preprocessDigit. Node only. Every colour type is reduced to gray with
 * Rec. 601 luma, alpha composited over white (a transparent background reads as paper). It does
 * not crop, centre or invert: that is preprocess.ts.
 */
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { ImageError } from './errors.js';
import { rgbaToGray, type GrayImage8 } from './preprocess.js';

export type { GrayImage8 };

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
/** Refuse images whose pixels alone would take more than ~400 MB as RGBA. */
const MAX_MEGAPIXELS = 100;

export async function readImageFile(path: string): Promise<GrayImage8> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new ImageError(`${path}: cannot read the image: ${why}`);
  }
  return decodeImageBytes(bytes, path);
}

/** Decodes PNG or JPEG bytes; `name` is what error messages call the file. */
export function decodeImageBytes(bytes: Uint8Array, name: string): GrayImage8 {
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, name);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, name);
  if (bytes.length === 0) throw new ImageError(`${name}: the file is empty; expected a PNG or JPEG image`);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageError(`${name}: not a PNG or JPEG image (it starts with bytes ${head}); convert it to PNG or JPEG`);
}

function decodePng(bytes: Uint8Array, name: string): GrayImage8 {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  checkSize(buf.length >= 24 ? buf.readUInt32BE(16) : 0, buf.length >= 24 ? buf.readUInt32BE(20) : 0, name);
  let png: PNG;
  try {
    png = PNG.sync.read(buf);
  } catch (e) {
    throw new ImageError(`${name}: cannot decode the PNG: ${explain(e)}`);
  }
  return rgbaToGray(png.data, png.width, png.height);
}

function decodeJpeg(bytes: Uint8Array, name: string): GrayImage8 {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: MAX_MEGAPIXELS });
  } catch (e) {
    throw new ImageError(`${name}: cannot decode the JPEG: ${explain(e)}`);
  }
  return rgbaToGray(img.data, img.width, img.height);
}

function checkSize(width: number, height: number, name: string): void {
  if (width * height > MAX_MEGAPIXELS * 1e6) {
    throw new ImageError(`${name}: ${width}×${height} is larger than the ${MAX_MEGAPIXELS} megapixels supported; scale it down first`);
  }
}

/** The decoders' messages are terse or misleading about the common case, a file cut short. */
function explain(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/read requests waitng|unexpected end|marker was not found|unknown JPEG marker 0\b/i.test(msg)) {
    return `the data ends early or is damaged (the file may be truncated) [${msg}]`;
  }
  return msg;
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
