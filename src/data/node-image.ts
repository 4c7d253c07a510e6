/**
 * Reads an image file (PNG or JPEG, told apart by their magic bytes, not the extension) into a
 * grayscale 0..255 image for preprocessDigit. Node only. The header is read and judged first
 * (image-header.ts, image-limits.ts): a file that claims more pixels or sample bytes than allowed,
 * or more than its compressed data could hold, is refused before pngjs or jpeg-js allocates
 * anything, and so is a kind of file those decoders cannot read. Every colour type is reduced to
 * gray with Rec. 601 luma, alpha composited over white (a transparent background reads as paper).
 * It does not crop, centre or invert: that is preprocess.ts.
 */
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { ImageError } from './errors.js';
import { jpegCodingName, pngIdatData, readImageHeader, type JpegHeader, type PngHeader } from './image-header.js';
import { DEFAULT_MAX_PIXELS, MAX_PIXELS_ENV, checkImageLimits, jpegJsAccountedBytes, parseMaxPixels, type ImageLimits } from './image-limits.js';
import { rgbaToGray, type GrayImage8 } from './preprocess.js';

export type { GrayImage8 };

export interface DecodeOptions {
  /** Most pixels allowed (default 100,000,000); it also allows 4 bytes of decoded samples per pixel. */
  maxPixels?: number;
}

/** maxPixels from CONVSCOPE_MAX_PIXELS, else the default; ImageError for a value that is not a whole number ≥ 1. */
export function maxPixelsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const v = env[MAX_PIXELS_ENV];
  return v === undefined || v === '' ? DEFAULT_MAX_PIXELS : parseMaxPixels(v, MAX_PIXELS_ENV);
}

/** Reads and decodes an image file; maxPixels defaults to CONVSCOPE_MAX_PIXELS, else 100,000,000. */
export async function readImageFile(path: string, options: DecodeOptions = {}): Promise<GrayImage8> {
  const maxPixels = options.maxPixels ?? maxPixelsFromEnv();
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new ImageError(`${path}: cannot read the image: ${why}`);
  }
  return decodeImageBytes(bytes, path, { maxPixels });
}

/**
 * Decodes PNG or JPEG bytes to gray; `name` is what error messages call the file. Throws only
 * ImageError. maxPixels defaults to 100,000,000 (this function reads no environment).
 */
export function decodeImageBytes(bytes: Uint8Array, name: string, options: DecodeOptions = {}): GrayImage8 {
  const limits: ImageLimits = { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS };
  const header = readImageHeader(bytes, name);
  if (header.format === 'png') {
    checkImageLimits(header, limits, name);
    return decodePng(bytes, header, name);
  }
  checkJpegSupported(header, name);
  checkImageLimits(header, limits, name);
  return decodeJpeg(bytes, header, limits, name);
}

function decodePng(bytes: Uint8Array, h: PngHeader, name: string): GrayImage8 {
  // pngjs bounds the inflated data by the header for plain PNGs but not for interlaced ones: a
  // 1 MB stream of zeros would inflate to a gigabyte. Inflate once with the bound to find out.
  if (h.interlaced) {
    try {
      inflateSync(pngIdatData(bytes), { maxOutputLength: h.rawBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ImageError(`${name}: the PNG's image data inflates to more than the ${h.rawBytes.toLocaleString('en-US')} bytes its ${h.width}×${h.height} pixels need: the file is damaged or built to exhaust memory`);
      }
      throw new ImageError(`${name}: cannot decode the PNG: ${explain(e)}`);
    }
  }
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (e) {
    throw new ImageError(`${name}: cannot decode the PNG: ${explain(e)}`);
  }
  return toGray(png.data, png.width, png.height, name, 'PNG');
}

/** What jpeg-js 0.4 cannot decode, refused with the reason instead of its own terse errors or wrong pixels. */
function checkJpegSupported(h: JpegHeader, name: string): void {
  const fix = 're-save it as a baseline or progressive 8-bit JPEG, or as a PNG';
  if (h.arithmetic || h.lossless || h.differential) {
    throw new ImageError(`${name}: the JPEG is ${jpegCodingName(h.sof)} (SOF${h.sof}), which the decoder does not support; ${fix}`);
  }
  if (h.precision !== 8) throw new ImageError(`${name}: the JPEG has ${h.precision}-bit samples; only 8-bit JPEGs are supported; ${fix}`);
  const n = h.components.length;
  if (n !== 1 && n !== 3 && n !== 4) throw new ImageError(`${name}: the JPEG has ${n} colour components; supported are 1 (gray), 3 (YCbCr or RGB) and 4 (CMYK or YCCK)`);
  if (n === 4 && h.adobeTransform === null) {
    throw new ImageError(`${name}: the JPEG has 4 colour components but no Adobe marker, so CMYK and YCCK cannot be told apart; ${fix}`);
  }
  const bad = h.components.find((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4);
  if (bad) throw new ImageError(`${name}: the JPEG's component ${bad.id} has sampling factors ${bad.h}×${bad.v}; each must be 1..4`);
}

function decodeJpeg(bytes: Uint8Array, h: JpegHeader, limits: ImageLimits, name: string): GrayImage8 {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      // jpeg-js's own limits, defaults 100 MP and 512 MB, refused a 64-MP photo: give it what it
      // will count for this header (checked against the limits above) and keep its checks as a backstop
      maxResolutionInMP: limits.maxPixels / 1e6 + 1e-3,
      maxMemoryUsageInMB: Math.ceil(jpegJsAccountedBytes(h) / 2 ** 20) + 1,
    });
  } catch (e) {
    throw new ImageError(`${name}: cannot decode the JPEG: ${explain(e)}`);
  }
  return toGray(img.data, img.width, img.height, name, 'JPEG');
}

function toGray(rgba: Uint8Array, width: number, height: number, name: string, format: string): GrayImage8 {
  if (rgba.length !== width * height * 4) {
    throw new ImageError(`${name}: cannot decode the ${format}: the decoder gave ${rgba.length} bytes for ${width}×${height} RGBA, expected ${width * height * 4}`);
  }
  return rgbaToGray(rgba, width, height);
}

/** The decoders' messages are terse or misleading about the common case, a file cut short. */
function explain(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/read requests waitng|unexpected end|marker was not found|unknown JPEG marker 0\b/i.test(msg)) {
    return `the data ends early or is damaged (the file may be truncated) [${msg}]`;
  }
  return msg;
}
