/**
 * What a PNG or JPEG says about itself, read from its bytes without decoding a pixel: its size,
 * samples and layout, and how many bytes of compressed image data it really holds. Reading this
 * first lets image-limits.ts refuse a decompression bomb (a tiny file claiming a huge image, or a
 * file whose data cannot fill the image it claims) before a decoder allocates anything for it.
 * Pure (no Node, no DOM): it walks PNG chunks and JPEG marker segments, nothing more. It does not
 * check CRCs, inflate, or read Huffman tables (the decoders do), decide what is too big
 * (image-limits.ts) or what the decoders can read (node-image.ts).
 */
import { ImageError } from './errors.js';

export type ImageFormat = 'png' | 'jpeg';

export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const JPEG_SIGNATURE: readonly number[] = [0xff, 0xd8, 0xff];

/** PNG colour types: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
export type PngColorType = 0 | 2 | 3 | 4 | 6;

export interface PngHeader {
  format: 'png';
  width: number;
  height: number;
  /** bits per sample (per palette index for colour type 3): 1, 2, 4, 8 or 16 */
  bitDepth: number;
  colorType: PngColorType;
  /** samples per pixel as stored: gray 1, RGB 3, palette index 1, gray+alpha 2, RGBA 4 */
  channels: number;
  /** Adam7 */
  interlaced: boolean;
  /** bytes of all IDAT chunks together: the zlib stream that holds the pixels */
  idatBytes: number;
  /** bytes that stream must inflate to: every scanline (of every Adam7 pass) with its filter byte */
  rawBytes: number;
}

export interface JpegComponent {
  id: number;
  /** horizontal and vertical sampling factors (1..4 in a valid file) */
  h: number;
  v: number;
}

export interface JpegHeader {
  format: 'jpeg';
  width: number;
  height: number;
  /** n of the SOFn marker: 0 baseline, 1 extended, 2 progressive, 3 lossless; +4 differential, +8 arithmetic coding */
  sof: number;
  progressive: boolean;
  lossless: boolean;
  /** hierarchical mode (SOF5–7, SOF13–15) */
  differential: boolean;
  arithmetic: boolean;
  /** bits per sample: 8 (or 12 in extended and progressive files, 2–16 in lossless ones) */
  precision: number;
  components: JpegComponent[];
  /** the APP14 "Adobe" marker's colour transform (0 none: RGB or CMYK, 1 YCbCr, 2 YCCK); null without one */
  adobeTransform: number | null;
  /** number of SOS segments */
  scans: number;
  /** bytes of entropy-coded data in all scans (stuffed zero bytes and restart markers included) */
  entropyBytes: number;
  /** bytes of DQT and DHT segments: decoders keep tables in proportion to them */
  tableBytes: number;
}

export type ImageHeader = PngHeader | JpegHeader;

/** 'png' or 'jpeg' from the magic bytes (never the file name), else null. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'jpeg';
  return null;
}

/** The header of a PNG or JPEG; `name` is what error messages call the file. */
export function readImageHeader(bytes: Uint8Array, name: string): ImageHeader {
  const format = sniffImageFormat(bytes);
  if (format === 'png') return readPngHeader(bytes, name);
  if (format === 'jpeg') return readJpegHeader(bytes, name);
  if (bytes.length === 0) throw new ImageError(`${name}: the file is empty; expected a PNG or JPEG image`);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageError(`${name}: not a PNG or JPEG image (it starts with bytes ${head}); convert it to PNG or JPEG`);
}

// ---------------------------------------------------------------------------------------------
// PNG

const CHANNELS: Record<PngColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<PngColorType, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
export const PNG_COLOR_NAMES: Record<PngColorType, string> = { 0: 'gray', 2: 'RGB', 3: 'palette', 4: 'gray+alpha', 6: 'RGBA' };
/** Adam7 passes: [x0, y0, dx, dy] */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];
const PNG_MAX_DIMENSION = 0x7fffffff;

/**
 * Reads IHDR and walks every chunk up to IEND, adding up IDAT lengths. Throws ImageError when the
 * file is not a well-formed PNG at this level: no IHDR first, an invalid IHDR, a chunk that runs
 * past the end of the file, or no IEND.
 */
export function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  if (!startsWith(bytes, PNG_SIGNATURE)) throw new ImageError(`${name}: not a PNG (no PNG signature)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let header: PngHeader | null = null;
  let idatBytes = 0;
  let off = PNG_SIGNATURE.length;
  let last = 'the signature';
  for (;;) {
    if (off + 8 > n) {
      throw new ImageError(`${name}: the PNG ends after ${last} without an IEND chunk (${n} bytes): the file is truncated`);
    }
    const length = view.getUint32(off);
    const type = chunkType(bytes, off + 4);
    if (type === null) {
      const hex = Array.from(bytes.subarray(off + 4, off + 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new ImageError(`${name}: the PNG is damaged: the chunk at byte ${off} has type bytes ${hex}, not a chunk name`);
    }
    if (length > 0x7fffffff || off + 12 + length > n) {
      throw new ImageError(
        `${name}: the PNG's ${type} chunk at byte ${off} claims ${length} bytes of data but the file has ${Math.max(0, n - off - 12)} left: the file is truncated`,
      );
    }
    if (header === null) {
      if (type !== 'IHDR') throw new ImageError(`${name}: the PNG's first chunk is ${type}, expected IHDR`);
      header = parseIhdr(view, off + 8, length, name);
    } else if (type === 'IDAT') {
      idatBytes += length;
    } else if (type === 'IEND') {
      break;
    }
    last = `its ${type} chunk at byte ${off}`;
    off += 12 + length;
  }
  header.idatBytes = idatBytes;
  return header;
}

function parseIhdr(view: DataView, at: number, length: number, name: string): PngHeader {
  if (length !== 13) throw new ImageError(`${name}: the PNG's IHDR chunk is ${length} bytes, expected 13`);
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const bitDepth = view.getUint8(at + 8);
  const colorType = view.getUint8(at + 9);
  const [compression, filter, interlace] = [view.getUint8(at + 10), view.getUint8(at + 11), view.getUint8(at + 12)];
  for (const [what, v] of [['width', width], ['height', height]] as const) {
    if (v < 1 || v > PNG_MAX_DIMENSION) throw new ImageError(`${name}: the PNG's ${what} is ${v}; it must be 1..${PNG_MAX_DIMENSION}`);
  }
  if (!(colorType in CHANNELS)) throw new ImageError(`${name}: the PNG's colour type is ${colorType}; valid types are 0, 2, 3, 4 and 6`);
  const ct = colorType as PngColorType;
  if (!DEPTHS[ct].includes(bitDepth)) {
    throw new ImageError(`${name}: the PNG's bit depth is ${bitDepth}, invalid for colour type ${ct} (${PNG_COLOR_NAMES[ct]}), which allows ${DEPTHS[ct].join(', ')}`);
  }
  if (compression !== 0) throw new ImageError(`${name}: the PNG's compression method is ${compression}; only 0 (deflate) exists`);
  if (filter !== 0) throw new ImageError(`${name}: the PNG's filter method is ${filter}; only 0 exists`);
  if (interlace > 1) throw new ImageError(`${name}: the PNG's interlace method is ${interlace}; only 0 (none) and 1 (Adam7) exist`);
  const channels = CHANNELS[ct];
  const bitsPerPixel = channels * bitDepth;
  return {
    format: 'png',
    width,
    height,
    bitDepth,
    colorType: ct,
    channels,
    interlaced: interlace === 1,
    idatBytes: 0,
    rawBytes: pngRawBytes(width, height, bitsPerPixel, interlace === 1),
  };
}

/** Bytes of filtered scanlines (a filter byte each) for a w×h image, every Adam7 pass when interlaced. */
export function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const lines = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return lines(width, height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += lines(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return total;
}

/** The contents of every IDAT chunk, concatenated: the zlib stream. Call on bytes readPngHeader accepted. */
export function pngIdatData(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let off = PNG_SIGNATURE.length; off + 12 <= bytes.length; ) {
    const length = view.getUint32(off);
    const type = chunkType(bytes, off + 4);
    if (type === 'IEND' || off + 12 + length > bytes.length) break;
    if (type === 'IDAT') {
      parts.push(bytes.subarray(off + 8, off + 8 + length));
      total += length;
    }
    off += 12 + length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Four ASCII letters, or null. */
function chunkType(bytes: Uint8Array, at: number): string | null {
  let s = '';
  for (let i = at; i < at + 4; i++) {
    const c = bytes[i];
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// JPEG

const SOF_NAMES = ['baseline', 'extended sequential', 'progressive', 'lossless'];

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** How a JPEG's SOFn codes its image, for messages: 'progressive', 'arithmetic-coded baseline'... */
export function jpegCodingName(sof: number): string {
  const base = sof & 4 && (sof & 3) === 1 ? 'sequential' : (SOF_NAMES[sof & 3] ?? 'baseline');
  return `${sof & 8 ? 'arithmetic-coded ' : ''}${sof & 4 ? 'differential (hierarchical) ' : ''}${base}`;
}

/**
 * Walks the marker segments from SOI: reads the one frame header (SOFn), the Adobe APP14 marker,
 * the table sizes, and after each SOS the length of its entropy-coded data (up to the next marker
 * other than a restart). Bytes between segments that are not a marker are skipped, as decoders
 * do. Throws ImageError when no frame header comes before the first scan, when there are two
 * frames, or when a segment runs past the end of the file.
 */
export function readJpegHeader(bytes: Uint8Array, name: string): JpegHeader {
  if (!startsWith(bytes, JPEG_SIGNATURE)) throw new ImageError(`${name}: not a JPEG (no SOI marker)`);
  const n = bytes.length;
  let header: JpegHeader | null = null;
  let adobeTransform: number | null = null;
  let scans = 0, entropyBytes = 0, tableBytes = 0;
  let off = 2;
  while (off < n) {
    if (bytes[off] !== 0xff) {
      const next = bytes.indexOf(0xff, off);
      if (next < 0) break;
      off = next;
    }
    while (off < n && bytes[off] === 0xff) off++; // fill bytes
    if (off >= n) break;
    const marker = bytes[off++];
    const at = off - 2;
    if (marker === 0xd9) break; // EOI
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // stray stuffing, TEM, RSTn
    if (marker === 0xd8) throw new ImageError(`${name}: the JPEG is damaged: a second start-of-image marker at byte ${at}`);
    if (off + 2 > n) throw new ImageError(`${name}: the JPEG ends inside the marker ${hex(marker)} at byte ${at}: the file is truncated`);
    const length = (bytes[off] << 8) | bytes[off + 1];
    if (length < 2) throw new ImageError(`${name}: the JPEG is damaged: the ${hex(marker)} segment at byte ${at} has length ${length}`);
    if (off + length > n) {
      throw new ImageError(`${name}: the JPEG's ${hex(marker)} segment at byte ${at} claims ${length} bytes but the file has ${n - off} left: the file is truncated`);
    }
    const seg = bytes.subarray(off + 2, off + length);
    off += length;
    if (isSof(marker)) {
      if (header !== null) throw new ImageError(`${name}: the JPEG has a second frame header (${hex(marker)} at byte ${at}); only single-frame JPEGs are supported`);
      header = parseSof(marker - 0xc0, seg, at, name);
    } else if (marker === 0xc4 || marker === 0xdb) {
      tableBytes += length;
    } else if (marker === 0xee && seg.length >= 12 && String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe') {
      adobeTransform = seg[11];
    } else if (marker === 0xda) {
      if (header === null) throw new ImageError(`${name}: the JPEG is damaged: a scan (SOS at byte ${at}) before any frame header (SOFn)`);
      scans++;
      const start = off;
      for (;;) {
        const ff = bytes.indexOf(0xff, off);
        if (ff < 0 || ff + 1 >= n) {
          off = n;
          break;
        }
        const b = bytes[ff + 1];
        if (b === 0x00 || (b >= 0xd0 && b <= 0xd7)) {
          off = ff + 2;
          continue;
        }
        off = ff;
        break;
      }
      entropyBytes += off - start;
    }
  }
  if (header === null) throw new ImageError(`${name}: the JPEG has no frame header (SOFn marker): the file is truncated or not an image`);
  header.adobeTransform = adobeTransform;
  header.scans = scans;
  header.entropyBytes = entropyBytes;
  header.tableBytes = tableBytes;
  return header;
}

function parseSof(sof: number, seg: Uint8Array, at: number, name: string): JpegHeader {
  const where = `the JPEG's frame header (SOF${sof} at byte ${at})`;
  if (seg.length < 6) throw new ImageError(`${name}: ${where} is ${seg.length + 2} bytes, too short`);
  const precision = seg[0];
  const height = (seg[1] << 8) | seg[2];
  const width = (seg[3] << 8) | seg[4];
  const count = seg[5];
  if (seg.length < 6 + 3 * count) throw new ImageError(`${name}: ${where} lists ${count} components but has room for ${Math.floor((seg.length - 6) / 3)}`);
  if (count === 0) throw new ImageError(`${name}: ${where} has no components`);
  if (width === 0) throw new ImageError(`${name}: ${where} gives a width of 0`);
  if (height === 0) throw new ImageError(`${name}: ${where} gives a height of 0 (to be set later by a DNL marker), which is not supported`);
  const components: JpegComponent[] = [];
  for (let i = 0; i < count; i++) {
    const id = seg[6 + 3 * i];
    if (components.some((c) => c.id === id)) throw new ImageError(`${name}: ${where} lists component ${id} twice`);
    components.push({ id, h: seg[7 + 3 * i] >> 4, v: seg[7 + 3 * i] & 15 });
  }
  return {
    format: 'jpeg',
    width,
    height,
    sof,
    progressive: (sof & 3) === 2,
    lossless: (sof & 3) === 3,
    differential: (sof & 4) !== 0,
    arithmetic: (sof & 8) !== 0,
    precision,
    components,
    adobeTransform: null,
    scans: 0,
    entropyBytes: 0,
    tableBytes: 0,
  };
}

function hex(marker: number): string {
  return `FF${marker.toString(16).toUpperCase().padStart(2, '0')}`;
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
