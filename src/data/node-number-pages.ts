/**
 * The Node half of the number pages (number-pages.ts): each page as the file it is stored in, JPEG
 * at the quality the page chose or else PNG, and the pixels a reader gets back from that file, so
 * that a measurement sees the compression artefacts a real photo has. Node only (jpeg-js and pngjs
 * encode into Buffers). It does not generate pages.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { NumberPage, RgbaImage } from './number-pages.js';

export interface StoredPage {
  /** The file's bytes: JPEG when page.jpegQuality is set, else PNG. */
  bytes: Uint8Array;
  extension: 'jpg' | 'png';
  /** The pixels decoded back from `bytes`. */
  image: RgbaImage;
}

export function storePage(page: NumberPage): StoredPage {
  const { width, height } = page.image;
  if (page.jpegQuality === null) {
    const png = new PNG({ width, height });
    png.data = Buffer.from(page.image.data.buffer, page.image.data.byteOffset, page.image.data.length);
    return { bytes: PNG.sync.write(png), extension: 'png', image: page.image };
  }
  const bytes = jpeg.encode({ width, height, data: page.image.data }, page.jpegQuality).data;
  const back = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { bytes, extension: 'jpg', image: { width: back.width, height: back.height, data: back.data } };
}
