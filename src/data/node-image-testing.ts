/**
 * Small image files built byte by byte for the tests of image-header.ts, image-limits.ts and
 * node-image.ts: PNG chunks with their CRCs, any IHDR (including kinds pngjs cannot write:
 * palette, 1-bit, Adam7-interlaced), and "flat" baseline JPEGs whose every 8×8 block is coded in
 * two bits, so a JPEG of any size and sampling can be made in milliseconds. Test support only.
 */
import { crc32, deflateSync } from 'node:zlib';
import { PNG_SIGNATURE } from './image-header.js';

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export interface PngParts {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace?: number;
  /** the zlib stream; omitted: no IDAT chunk at all */
  idat?: Uint8Array;
  /** chunks between IHDR and IDAT (PLTE, tRNS) */
  before?: Buffer[];
  /** default true */
  iend?: boolean;
}

export function pngFile(p: PngParts): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(p.width, 0);
  ihdr.writeUInt32BE(p.height, 4);
  ihdr.set([p.bitDepth, p.colorType, 0, 0, p.interlace ?? 0], 8);
  const parts = [Buffer.from(PNG_SIGNATURE), pngChunk('IHDR', ihdr), ...(p.before ?? [])];
  if (p.idat !== undefined) parts.push(pngChunk('IDAT', p.idat));
  if (p.iend !== false) parts.push(pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** An 8-bit gray PNG of `gray` ([h, w] row-major), Adam7-interlaced when asked; filter 0 on every line. */
export function grayPng(gray: Uint8Array, width: number, height: number, interlaced: boolean): Buffer {
  const lines: number[] = [];
  const passes = interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  for (const [x0, y0, dx, dy] of passes) {
    for (let y = y0; y < height; y += dy) {
      if (x0 >= width) break;
      lines.push(0);
      for (let x = x0; x < width; x += dx) lines.push(gray[y * width + x]);
    }
  }
  return pngFile({ width, height, bitDepth: 8, colorType: 0, interlace: interlaced ? 1 : 0, idat: deflateSync(Uint8Array.from(lines)) });
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

function segment(marker: number, body: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b[0] = 0xff;
  b[1] = marker;
  b.writeUInt16BE(body.length + 2, 2);
  b.set(body, 4);
  return b;
}

export interface FlatJpegOptions {
  /** sampling factors [h, v] per component; default one gray component [[1, 1]] */
  sampling?: readonly (readonly [number, number])[];
  /** the SOFn marker's n; default 0 (baseline) */
  sof?: number;
  precision?: number;
  /** an APP14 Adobe marker with this transform */
  adobeTransform?: number;
  /** entropy-coded bytes; default exactly enough for two bits per block */
  entropyBytes?: number;
}

/**
 * A baseline JPEG whose every block has DC difference 0 and an immediate end-of-block, each a
 * one-bit Huffman code: all samples 128, entropy data all zero bytes. jpeg-js decodes it.
 */
export function flatJpeg(width: number, height: number, o: FlatJpegOptions = {}): Buffer {
  const sampling = o.sampling ?? [[1, 1]];
  const one = [1, ...new Array<number>(15).fill(0)]; // one code of length 1
  const maxH = Math.max(...sampling.map((s) => s[0]));
  const maxV = Math.max(...sampling.map((s) => s[1]));
  const mcus = Math.ceil(width / 8 / maxH) * Math.ceil(height / 8 / maxV);
  const blocks = mcus * sampling.reduce((s, [h, v]) => s + h * v, 0);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    ...(o.adobeTransform === undefined ? [] : [segment(0xee, [...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, o.adobeTransform])]),
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    segment(0xc0 + (o.sof ?? 0), [o.precision ?? 8, height >> 8, height & 255, width >> 8, width & 255, sampling.length, ...sampling.flatMap(([h, v], i) => [i + 1, (h << 4) | v, 0])]),
    segment(0xc4, [0x00, ...one, 0, 0x10, ...one, 0]), // DC table 0: category 0; AC table 0: EOB
    segment(0xda, [sampling.length, ...sampling.flatMap((_, i) => [i + 1, 0x00]), 0, 63, 0]),
    Buffer.alloc(o.entropyBytes ?? Math.ceil((blocks * 2) / 8)),
    Buffer.from([0xff, 0xd9]),
  ]);
}
