/**
 * How big an image may be, judged from its header (image-header.ts) before any decoding: each
 * side at most 65,535 pixels, at most `maxPixels` pixels (default 100 million), at most
 * 4 × maxPixels bytes of decoded samples (100 MP of 8-bit RGBA; a 16-bit RGBA image takes 8 bytes
 * a pixel, so its limit is half the pixels), and enough compressed data to possibly fill the
 * claimed size (deflate packs at most 1032 bytes into one; a JPEG needs at least one bit per 8×8
 * block). Also the memory jpeg-js 0.4 counts for a given header, so node-image.ts can give it
 * the budget it will really need. Pure arithmetic; it does not read files or decode.
 */
import { ImageError } from './errors.js';
import { PNG_COLOR_NAMES, jpegCodingName, type ImageHeader, type JpegHeader } from './image-header.js';

export interface ImageLimits {
  /** Most pixels (width × height) an image may have; it also allows 4 bytes of decoded samples per pixel. */
  maxPixels: number;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;
/** JPEG's own limit; pngjs spends about 0.6 µs per scanline, so a 1×10⁸ PNG would take a minute. */
export const MAX_SIDE = 65_535;
/** Decoded sample bytes allowed per allowed pixel: 8-bit RGBA. */
export const SAMPLE_BYTES_PER_PIXEL = 4;
/** Deflate's best case: a 258-byte match coded in 2 bits (RFC 1951 gives even a lone distance code 1 bit). */
export const DEFLATE_MAX_RATIO = 1032;
/** The environment variable readImageFile takes maxPixels from. */
export const MAX_PIXELS_ENV = 'CONVSCOPE_MAX_PIXELS';

/** A maxPixels setting from text (an environment variable): a whole number ≥ 1, `_` or `,` allowed as separators, or like 2e8. */
export function parseMaxPixels(text: string, source: string): number {
  const t = text.trim().replace(/[_,]/g, '');
  const n = /^\d+(\.\d+)?(e\d+)?$/i.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ImageError(`${source} must be a whole number of pixels ≥ 1 (like 200000000 or 2e8), got '${text}'`);
  }
  return n;
}

function checkMaxPixels(maxPixels: number): void {
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new ImageError(`maxPixels must be a whole number ≥ 1, got ${maxPixels}`);
}

/** Bytes the decoded samples take at their own depth: width × height × channels × bytes per sample. */
export function decodedSampleBytes(h: ImageHeader): number {
  if (h.format === 'png') return h.width * h.height * h.channels * (h.bitDepth === 16 ? 2 : 1);
  return h.width * h.height * h.components.length * (h.precision > 8 ? 2 : 1);
}

/** The fewest bytes of compressed image data that could hold the image the header claims. */
export function minCompressedBytes(h: ImageHeader): number {
  if (h.format === 'png') return Math.ceil(h.rawBytes / DEFLATE_MAX_RATIO);
  // every 8×8 block of every component is coded at least once, in at least one bit (a DC code);
  // lossless JPEGs code each sample in at least one bit
  const { maxH, maxV } = samplingMax(h);
  let most = 0;
  for (const c of h.components) {
    const cw = Math.ceil((h.width * Math.max(1, c.h)) / maxH);
    const ch = Math.ceil((h.height * Math.max(1, c.v)) / maxV);
    most = Math.max(most, h.lossless ? cw * ch : Math.ceil(cw / 8) * Math.ceil(ch / 8));
  }
  return Math.ceil(most / 8);
}

/** Compressed image data the file holds: IDAT bytes, or entropy-coded bytes in the JPEG's scans. */
export function compressedBytes(h: ImageHeader): number {
  return h.format === 'png' ? h.idatBytes : h.entropyBytes;
}

/** '10000×10000 16-bit RGBA PNG', '9248×6936 progressive JPEG (3 components)'. */
export function describeImage(h: ImageHeader): string {
  if (h.format === 'png') return `${h.width}×${h.height} ${h.bitDepth}-bit ${PNG_COLOR_NAMES[h.colorType]}${h.interlaced ? ' interlaced' : ''} PNG`;
  return `${h.width}×${h.height} ${jpegCodingName(h.sof)} JPEG (${h.components.length} component${h.components.length === 1 ? '' : 's'})`;
}

/**
 * Throws ImageError, naming the file and the figures, when the header claims more than the limits
 * allow or more than its compressed data could hold. Order: sides, pixels, sample bytes, data.
 */
export function checkImageLimits(h: ImageHeader, limits: ImageLimits, name: string): void {
  checkMaxPixels(limits.maxPixels);
  const what = describeImage(h);
  const raise = `(${MAX_PIXELS_ENV} raises the limit)`;
  if (h.width > MAX_SIDE || h.height > MAX_SIDE) {
    throw new ImageError(`${name}: the ${what} has a side longer than ${fmt(MAX_SIDE)} pixels; crop or scale it down first`);
  }
  const pixels = h.width * h.height;
  if (pixels > limits.maxPixels) {
    throw new ImageError(`${name}: the ${what} has ${fmt(pixels)} pixels, more than the ${fmt(limits.maxPixels)} allowed ${raise}; scale it down first`);
  }
  const bytes = decodedSampleBytes(h);
  const allowed = SAMPLE_BYTES_PER_PIXEL * limits.maxPixels;
  if (bytes > allowed) {
    throw new ImageError(
      `${name}: the ${what} decodes to ${fmt(bytes)} bytes of samples, more than the ${fmt(allowed)} allowed ` +
        `(${SAMPLE_BYTES_PER_PIXEL} per allowed pixel; ${MAX_PIXELS_ENV} raises the limit); save it with 8 bits per sample or scale it down first`,
    );
  }
  const have = compressedBytes(h);
  const need = minCompressedBytes(h);
  if (have < need) {
    const none = have === 0 ? (h.format === 'png' ? 'no image data (no IDAT chunk)' : 'no image data (no scan)') : `only ${fmt(have)} bytes of image data`;
    const why = h.format === 'png' ? `even at deflate's best ratio (${DEFLATE_MAX_RATIO}:1) its pixels need ${fmt(need)} bytes` : `at one bit per 8×8 block (the least a JPEG can spend) its pixels need ${fmt(need)} bytes`;
    throw new ImageError(`${name}: the ${what} holds ${none}, and ${why}: the file is truncated, or built to exhaust memory`);
  }
}

/**
 * Exactly what jpeg-js 0.4 counts against its maxMemoryUsageInMB for this header: an
 * Int32Array(64) per block of every component padded to whole MCUs (256 bytes each), each
 * component's 8-bit sample lines, the interleaved samples, the RGBA output; plus at most 4 bytes
 * per byte of DQT and DHT segments (256 per quantisation table of 65 or 129 bytes, 16 + n per
 * Huffman table of 17 + n). jpeg-js's real use is higher: every block is also a JavaScript object.
 */
export function jpegJsAccountedBytes(h: JpegHeader): number {
  const { maxH, maxV } = samplingMax(h);
  const mcusPerLine = Math.ceil(h.width / 8 / maxH);
  const mcusPerColumn = Math.ceil(h.height / 8 / maxV);
  let total = 4 * h.tableBytes;
  for (const c of h.components) {
    total += mcusPerColumn * c.v * (mcusPerLine * c.h) * 256;
    const blocksPerLine = Math.ceil((Math.ceil(h.width / 8) * c.h) / maxH);
    const blocksPerColumn = Math.ceil((Math.ceil(h.height / 8) * c.v) / maxV);
    total += (blocksPerLine << 3) * blocksPerColumn * 8;
  }
  return total + h.width * h.height * h.components.length + h.width * h.height * 4;
}

function samplingMax(h: JpegHeader): { maxH: number; maxV: number } {
  let maxH = 1, maxV = 1;
  for (const c of h.components) {
    maxH = Math.max(maxH, c.h);
    maxV = Math.max(maxV, c.v);
  }
  return { maxH, maxV };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
