import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { readJpegHeader, type JpegHeader, type PngHeader } from './image-header.js';
import {
  DEFAULT_MAX_PIXELS,
  DEFLATE_MAX_RATIO,
  checkImageLimits,
  decodedSampleBytes,
  jpegJsAccountedBytes,
  minCompressedBytes,
  parseMaxPixels,
} from './image-limits.js';
import { flatJpeg } from './node-image-testing.js';
import { ImageError } from './errors.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const LIMITS = { maxPixels: DEFAULT_MAX_PIXELS };

function png(p: Partial<PngHeader>): PngHeader {
  const h: PngHeader = { format: 'png', width: 100, height: 100, bitDepth: 8, colorType: 0, channels: 1, interlaced: false, idatBytes: 1e9, rawBytes: 0, ...p };
  h.rawBytes = p.rawBytes ?? h.height * (1 + Math.ceil((h.width * h.channels * h.bitDepth) / 8));
  return h;
}

function refusal(f: () => void): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return (e as Error).message;
  }
  throw new Error('expected an ImageError');
}

describe('checkImageLimits: sides, pixels, sample bytes', () => {
  it('refuses a side over 65,535 before counting pixels (1×100,000,000 has exactly the pixels allowed)', () => {
    expect(refusal(() => checkImageLimits(png({ width: 1, height: 100_000_000 }), LIMITS, 'tall.png'))).toBe(
      'tall.png: the 1×100000000 8-bit gray PNG has a side longer than 65,535 pixels; crop or scale it down first',
    );
    expect(() => checkImageLimits(png({ width: 1525, height: 65_535 }), LIMITS, 'ok.png')).not.toThrow();
    expect(() => checkImageLimits(png({ width: 65_536, height: 1 }), LIMITS, 'wide.png')).toThrow(/side longer than 65,535/);
  });

  it('allows exactly maxPixels and refuses one more', () => {
    expect(() => checkImageLimits(png({ width: 10_000, height: 10_000 }), LIMITS, 'a.png')).not.toThrow();
    expect(refusal(() => checkImageLimits(png({ width: 10_001, height: 10_000 }), LIMITS, 'a.png'))).toBe(
      'a.png: the 10001×10000 8-bit gray PNG has 100,010,000 pixels, more than the 100,000,000 allowed (CONVSCOPE_MAX_PIXELS raises the limit); scale it down first',
    );
    expect(() => checkImageLimits(png({ width: 10_001, height: 10_000 }), { maxPixels: 100_010_000 }, 'a.png')).not.toThrow();
  });

  it('counts decoded bytes, not pixels: 16-bit RGBA 10000×10000 (800 MB) is refused, 7071×7071 (400 MB) is not', () => {
    const rgba16 = (w: number, h: number) => png({ width: w, height: h, bitDepth: 16, colorType: 6, channels: 4 });
    expect(decodedSampleBytes(rgba16(10_000, 10_000))).toBe(800_000_000);
    expect(refusal(() => checkImageLimits(rgba16(10_000, 10_000), LIMITS, 'bomb.png'))).toBe(
      'bomb.png: the 10000×10000 16-bit RGBA PNG decodes to 800,000,000 bytes of samples, more than the 400,000,000 allowed ' +
        '(4 per allowed pixel; CONVSCOPE_MAX_PIXELS raises the limit); save it with 8 bits per sample or scale it down first',
    );
    expect(() => checkImageLimits(rgba16(7071, 7071), LIMITS, 'ok.png')).not.toThrow();
    expect(() => checkImageLimits(rgba16(10_000, 10_000), { maxPixels: 200_000_000 }, 'raised.png')).not.toThrow();
    // 8-bit RGBA and 16-bit gray at the pixel limit stay within the bytes
    expect(() => checkImageLimits(png({ width: 10_000, height: 10_000, colorType: 6, channels: 4 }), LIMITS, 'rgba8.png')).not.toThrow();
    expect(() => checkImageLimits(png({ width: 10_000, height: 10_000, bitDepth: 16 }), LIMITS, 'gray16.png')).not.toThrow();
  });

  it('refuses a maxPixels that is not a whole number ≥ 1', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) expect(() => checkImageLimits(png({}), { maxPixels: bad }, 'x.png')).toThrow(ImageError);
  });
});

describe('checkImageLimits: compressed data that cannot fill the claimed size', () => {
  it("refuses a 10000×10000 PNG with no IDAT, or with 42 bytes of it, from deflate's best ratio", () => {
    const h = png({ width: 10_000, height: 10_000, idatBytes: 0 });
    expect(minCompressedBytes(h)).toBe(Math.ceil(10_000 * 10_001 / DEFLATE_MAX_RATIO));
    expect(refusal(() => checkImageLimits(h, LIMITS, 'empty.png'))).toBe(
      "empty.png: the 10000×10000 8-bit gray PNG holds no image data (no IDAT chunk), and even at deflate's best ratio (1032:1) " +
        'its pixels need 96,909 bytes: the file is truncated, or built to exhaust memory',
    );
    expect(refusal(() => checkImageLimits({ ...h, idatBytes: 42 }, LIMITS, 'cut.png'))).toMatch(/holds only 42 bytes of image data, and even at deflate's best ratio/);
    expect(() => checkImageLimits({ ...h, idatBytes: 96_909 }, LIMITS, 'ok.png')).not.toThrow();
  });

  it('zlib at level 9 on all-zero data never beats the bound, and comes within 0.5% of it', () => {
    for (const n of [1e5, 1e6, 1e7]) {
      const z = deflateSync(Buffer.alloc(n), { level: 9 });
      expect(z.length).toBeGreaterThanOrEqual(Math.ceil(n / DEFLATE_MAX_RATIO));
      if (n === 1e7) expect(n / z.length).toBeGreaterThan(DEFLATE_MAX_RATIO * 0.995);
    }
  });

  it('refuses a JPEG claiming 10000×10000 with 16 bytes of scan data (at least one bit per 8×8 block)', () => {
    const h = readJpegHeader(flatJpeg(10_000, 10_000, { entropyBytes: 16 }), 'bomb.jpg');
    expect(minCompressedBytes(h)).toBe(Math.ceil(1250 * 1250 / 8));
    expect(refusal(() => checkImageLimits(h, LIMITS, 'bomb.jpg'))).toBe(
      'bomb.jpg: the 10000×10000 baseline JPEG (1 component) holds only 16 bytes of image data, and at one bit per 8×8 block ' +
        '(the least a JPEG can spend) its pixels need 195,313 bytes: the file is truncated, or built to exhaust memory',
    );
    const noScan: JpegHeader = { ...h, scans: 0, entropyBytes: 0 };
    expect(refusal(() => checkImageLimits(noScan, LIMITS, 'bomb.jpg'))).toMatch(/holds no image data \(no scan\)/);
    // a real flat image (two bits per block) passes
    expect(() => checkImageLimits(readJpegHeader(flatJpeg(10_000, 10_000), 'flat.jpg'), LIMITS, 'flat.jpg')).not.toThrow();
  });

  it('bounds a subsampled JPEG by its biggest component: 4:2:0 luma at full size', () => {
    const h = readJpegHeader(flatJpeg(1000, 800, { sampling: [[2, 2], [1, 1], [1, 1]], entropyBytes: 1 }), 's.jpg');
    expect(minCompressedBytes(h)).toBe(Math.ceil(125 * 100 / 8));
  });
});

describe('jpegJsAccountedBytes', () => {
  /** jpeg-js decodes with this budget (bytes) or throws its memory error. */
  const decodes = (bytes: Uint8Array, budget: number) => {
    try {
      jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: budget / 2 ** 20 });
      return true;
    } catch (e) {
      if (/maxMemoryUsageInMB/.test((e as Error).message)) return false;
      throw e;
    }
  };
  const cases: [string, () => Uint8Array][] = [
    ['jpeg-js 4:4:4 17×9', () => jpeg.encode({ width: 17, height: 9, data: Buffer.alloc(17 * 9 * 4, 99) }, 80).data],
    ['flat 4:2:2 37×21', () => flatJpeg(37, 21, { sampling: [[2, 1], [1, 1], [1, 1]] })],
    ['flat gray 1×1', () => flatJpeg(1, 1)],
    ...['gray.jpg', 'progressive.jpg', 'subsampled-420.jpg', 'cmyk.jpg'].map((f): [string, () => Uint8Array] => [`Pillow ${f}`, () => readFileSync(join(FIXTURES, f))]),
  ];
  for (const [label, make] of cases) {
    it(`is what jpeg-js counts, to within the table bound: ${label}`, () => {
      const bytes = make();
      const h = readJpegHeader(bytes, label);
      const accounted = jpegJsAccountedBytes(h);
      expect(decodes(bytes, accounted)).toBe(true);
      expect(decodes(bytes, accounted - 4 * h.tableBytes - 1)).toBe(false);
    });
  }

  it("explains why a 64-MP photo was refused: 9248×6936 4:4:4 needs 1.41 GB of jpeg-js's count, over its default 512 MB", () => {
    const h = readJpegHeader(flatJpeg(9248, 6936, { sampling: [[1, 1], [1, 1], [1, 1]], entropyBytes: 1 }), 'photo.jpg');
    const blocks = 1156 * 867 * 3;
    expect(jpegJsAccountedBytes(h) - 4 * h.tableBytes).toBe(blocks * 256 + blocks * 64 + 9248 * 6936 * (3 + 4));
    expect(jpegJsAccountedBytes(h)).toBeGreaterThan(512 * 2 ** 20);
  });
});

describe('parseMaxPixels', () => {
  it('reads whole numbers, with separators or an exponent', () => {
    expect(parseMaxPixels('200000000', 'X')).toBe(200_000_000);
    expect(parseMaxPixels(' 2e8 ', 'X')).toBe(200_000_000);
    expect(parseMaxPixels('200_000_000', 'X')).toBe(200_000_000);
    expect(parseMaxPixels('200,000,000', 'X')).toBe(200_000_000);
  });
  it('refuses anything else, naming the source', () => {
    for (const bad of ['', ' ', 'abc', '0', '-5', '1.5', '1e400', '0x10']) {
      expect(refusal(() => parseMaxPixels(bad, 'CONVSCOPE_MAX_PIXELS'))).toBe(
        `CONVSCOPE_MAX_PIXELS must be a whole number of pixels ≥ 1 (like 200000000 or 2e8), got '${bad}'`,
      );
    }
  });
});
