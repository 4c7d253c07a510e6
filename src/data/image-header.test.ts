import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { pngIdatData, pngRawBytes, readImageHeader, readJpegHeader, readPngHeader, sniffImageFormat, type JpegHeader, type PngHeader } from './image-header.js';
import { flatJpeg, grayPng, pngChunk, pngFile } from './node-image-testing.js';
import { ImageError } from './errors.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

function rgba(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 4);
  for (let i = 0; i < b.length; i++) b[i] = (i * 37) & 255;
  return b;
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return (e as Error).message;
  }
  throw new Error('expected an ImageError');
}

describe('sniffImageFormat', () => {
  it('tells PNG and JPEG by their magic bytes, and nothing else', () => {
    expect(sniffImageFormat(PNG.sync.write({ width: 1, height: 1, data: rgba(1, 1) } as PNG))).toBe('png');
    expect(sniffImageFormat(flatJpeg(8, 8))).toBe('jpeg');
    expect(sniffImageFormat(Buffer.from('GIF89a'))).toBeNull();
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50]))).toBeNull();
  });
});

describe('readPngHeader', () => {
  for (const [colorType, bitDepth, channels] of [[0, 8, 1], [0, 16, 1], [2, 8, 3], [2, 16, 3], [4, 8, 2], [4, 16, 2], [6, 8, 4], [6, 16, 4]] as const) {
    it(`reads pngjs's colorType=${colorType} bitDepth=${bitDepth} 7×5: size, channels, IDAT bytes, and raw bytes = the inflated length`, () => {
      const data = bitDepth === 16 ? Buffer.from(Uint16Array.from(rgba(7, 5), (v) => v * 257).buffer) : rgba(7, 5);
      const bytes = PNG.sync.write({ width: 7, height: 5, data } as PNG, { colorType, bitDepth, inputHasAlpha: true });
      const h = readPngHeader(bytes, 'x.png');
      expect(h).toMatchObject({ format: 'png', width: 7, height: 5, bitDepth, colorType, channels, interlaced: false });
      expect(h.rawBytes).toBe(5 * (1 + (7 * channels * bitDepth) / 8));
      expect(h.rawBytes).toBe(inflateSync(pngIdatData(bytes)).length);
      expect(h.idatBytes).toBe(pngIdatData(bytes).length);
    });
  }

  for (const [w, h] of [[1, 1], [9, 7], [8, 8], [3, 17], [33, 2]] as const) {
    it(`counts every Adam7 pass of an interlaced ${w}×${h} 8-bit gray PNG`, () => {
      const bytes = grayPng(new Uint8Array(w * h), w, h, true);
      const header = readPngHeader(bytes, 'i.png');
      expect(header.interlaced).toBe(true);
      expect(header.rawBytes).toBe(inflateSync(pngIdatData(bytes)).length);
      expect(header.rawBytes).toBeGreaterThanOrEqual(pngRawBytes(w, h, 8, false));
    });
  }

  it('reads a 1-bit gray and a 4-bit palette IHDR: rows round up to whole bytes', () => {
    expect(pngRawBytes(10, 3, 1, false)).toBe(3 * (1 + 2));
    const h = readPngHeader(pngFile({ width: 10, height: 3, bitDepth: 4, colorType: 3, idat: deflateSync(Buffer.alloc(18)) }), 'p.png');
    expect(h).toMatchObject({ bitDepth: 4, colorType: 3, channels: 1, rawBytes: 18 });
  });

  it('adds up several IDAT chunks and skips ancillary ones', () => {
    const z = deflateSync(Buffer.alloc(4 * 5));
    const bytes = Buffer.concat([
      pngFile({ width: 4, height: 4, bitDepth: 8, colorType: 0, iend: false }),
      pngChunk('tEXt', Buffer.from('Comment\0hi')),
      pngChunk('IDAT', z.subarray(0, 5)),
      pngChunk('IDAT', z.subarray(5)),
      pngChunk('IEND', new Uint8Array(0)),
    ]);
    expect(readPngHeader(bytes, 'm.png').idatBytes).toBe(z.length);
    expect(Buffer.from(pngIdatData(bytes))).toEqual(z);
  });

  it('reads a header with no IDAT as 0 bytes of image data (the limits refuse it, not the reader)', () => {
    expect(readPngHeader(pngFile({ width: 10_000, height: 10_000, bitDepth: 8, colorType: 0 }), 'e.png').idatBytes).toBe(0);
  });

  it('refuses malformed headers with the facts', () => {
    const ok = { width: 4, height: 4, bitDepth: 8, colorType: 0, idat: deflateSync(Buffer.alloc(20)) };
    const png = (p: Partial<typeof ok> & { interlace?: number }) => pngFile({ ...ok, ...p });
    expect(message(() => readPngHeader(png({ colorType: 5 }), 'a.png'))).toBe("a.png: the PNG's colour type is 5; valid types are 0, 2, 3, 4 and 6");
    expect(message(() => readPngHeader(png({ colorType: 2, bitDepth: 4 }), 'a.png'))).toBe(
      "a.png: the PNG's bit depth is 4, invalid for colour type 2 (RGB), which allows 8, 16",
    );
    expect(message(() => readPngHeader(png({ colorType: 3, bitDepth: 16 }), 'a.png'))).toMatch(/bit depth is 16, invalid for colour type 3 \(palette\)/);
    expect(message(() => readPngHeader(png({ width: 0 }), 'a.png'))).toBe("a.png: the PNG's width is 0; it must be 1..2147483647");
    expect(message(() => readPngHeader(png({ height: 2 ** 31 }), 'a.png'))).toBe("a.png: the PNG's height is 2147483648; it must be 1..2147483647");
    expect(message(() => readPngHeader(png({ interlace: 2 }), 'a.png'))).toBe("a.png: the PNG's interlace method is 2; only 0 (none) and 1 (Adam7) exist");
  });

  it('refuses a file whose first chunk is not a 13-byte IHDR', () => {
    const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(message(() => readPngHeader(Buffer.concat([sig, pngChunk('IDAT', Buffer.alloc(3)), pngChunk('IEND', Buffer.alloc(0))]), 'b.png'))).toBe(
      "b.png: the PNG's first chunk is IDAT, expected IHDR",
    );
    expect(message(() => readPngHeader(Buffer.concat([sig, pngChunk('IHDR', Buffer.alloc(12)), pngChunk('IEND', Buffer.alloc(0))]), 'b.png'))).toBe(
      "b.png: the PNG's IHDR chunk is 12 bytes, expected 13",
    );
  });

  it('refuses truncation: a chunk running past the end, a missing IEND, a signature alone', () => {
    const whole = grayPng(new Uint8Array(16), 4, 4, false);
    expect(message(() => readPngHeader(whole.subarray(0, whole.length - 20), 'c.png'))).toMatch(
      /^c\.png: the PNG's IDAT chunk at byte 33 claims \d+ bytes of data but the file has \d+ left: the file is truncated$/,
    );
    expect(message(() => readPngHeader(whole.subarray(0, whole.length - 12), 'c.png'))).toBe(
      `c.png: the PNG ends after its IDAT chunk at byte 33 without an IEND chunk (${whole.length - 12} bytes): the file is truncated`,
    );
    expect(message(() => readPngHeader(whole.subarray(0, 8), 'c.png'))).toBe('c.png: the PNG ends after the signature without an IEND chunk (8 bytes): the file is truncated');
  });

  it('refuses a chunk whose type is not four letters', () => {
    const bytes = grayPng(new Uint8Array(16), 4, 4, false);
    bytes[37] = 0x00; // the I of IDAT
    expect(message(() => readPngHeader(bytes, 'd.png'))).toBe('d.png: the PNG is damaged: the chunk at byte 33 has type bytes 00 44 41 54, not a chunk name');
  });
});

describe('readJpegHeader', () => {
  it("reads jpeg-js's own baseline 4:4:4 encoding of 17×9", () => {
    const bytes = jpeg.encode({ width: 17, height: 9, data: rgba(17, 9) }, 90).data;
    const h = readJpegHeader(bytes, 'e.jpg');
    expect(h).toMatchObject({ width: 17, height: 9, sof: 0, progressive: false, arithmetic: false, precision: 8, scans: 1, adobeTransform: null });
    expect(h.components).toEqual([{ id: 1, h: 1, v: 1 }, { id: 2, h: 1, v: 1 }, { id: 3, h: 1, v: 1 }]);
    expect(h.entropyBytes).toBeGreaterThan(0);
    expect(h.tableBytes).toBeGreaterThan(0);
  });

  const expected: Record<string, Partial<JpegHeader>> = {
    'gray.jpg': { sof: 0, scans: 1, components: [{ id: 1, h: 1, v: 1 }] },
    'progressive.jpg': { sof: 2, progressive: true, components: [{ id: 1, h: 2, v: 2 }, { id: 2, h: 1, v: 1 }, { id: 3, h: 1, v: 1 }] },
    'subsampled-420.jpg': { sof: 0, scans: 1, components: [{ id: 1, h: 2, v: 2 }, { id: 2, h: 1, v: 1 }, { id: 3, h: 1, v: 1 }] },
    'cmyk.jpg': { sof: 0, adobeTransform: 0 },
  };
  for (const [file, want] of Object.entries(expected)) {
    it(`reads the Pillow fixture ${file}: 32×16 ${JSON.stringify(want)}`, () => {
      const h = readJpegHeader(readFileSync(join(FIXTURES, file)), file);
      expect(h).toMatchObject({ width: 32, height: 16, precision: 8, ...want });
      expect(h.entropyBytes).toBeGreaterThan(0);
    });
  }

  it('counts every scan of a progressive JPEG and the entropy bytes of each', () => {
    const h = readJpegHeader(readFileSync(join(FIXTURES, 'progressive.jpg')), 'p.jpg');
    expect(h.scans).toBeGreaterThan(1);
  });

  it('counts entropy bytes exactly: stuffed zeros and restart markers belong to the scan', () => {
    const base = flatJpeg(16, 16, { entropyBytes: 0 });
    const eoi = base.length - 2;
    const scan = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]);
    const bytes = Buffer.concat([base.subarray(0, eoi), scan, base.subarray(eoi)]);
    expect(readJpegHeader(bytes, 'r.jpg')).toMatchObject({ scans: 1, entropyBytes: scan.length });
  });

  it('reads the coding from the SOFn marker: progressive, arithmetic, lossless, differential', () => {
    const sof = (n: number) => readJpegHeader(flatJpeg(8, 8, { sof: n }), 's.jpg');
    expect(sof(1)).toMatchObject({ sof: 1, progressive: false, arithmetic: false, lossless: false, differential: false });
    expect(sof(2)).toMatchObject({ progressive: true });
    expect(sof(3)).toMatchObject({ lossless: true });
    expect(sof(9)).toMatchObject({ arithmetic: true, progressive: false });
    expect(sof(10)).toMatchObject({ arithmetic: true, progressive: true });
    expect(sof(5)).toMatchObject({ differential: true });
    expect(readJpegHeader(flatJpeg(8, 8, { precision: 12 }), 't.jpg').precision).toBe(12);
    expect(readJpegHeader(flatJpeg(8, 8, { adobeTransform: 2 }), 't.jpg').adobeTransform).toBe(2);
  });

  it('reads a header claiming 65,535×65,535 from a 200-byte file without allocating for it', () => {
    const h = readJpegHeader(flatJpeg(65_535, 65_535, { entropyBytes: 16 }), 'big.jpg');
    expect(h).toMatchObject({ width: 65_535, height: 65_535, entropyBytes: 16 });
  });

  it('skips garbage between segments and fill bytes before a marker, as decoders do', () => {
    const base = flatJpeg(8, 8);
    const sofAt = base.indexOf(Buffer.from([0xff, 0xc0]));
    const bytes = Buffer.concat([base.subarray(0, sofAt), Buffer.from([0x00, 0x13, 0xff, 0xff]), base.subarray(sofAt)]);
    expect(readJpegHeader(bytes, 'g.jpg')).toMatchObject({ width: 8, height: 8 });
  });

  it('refuses what has no usable frame header, with the facts', () => {
    expect(message(() => readJpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'f.jpg'))).toBe(
      'f.jpg: the JPEG has no frame header (SOFn marker): the file is truncated or not an image',
    );
    const one = flatJpeg(8, 8);
    const sofAt = one.indexOf(Buffer.from([0xff, 0xc0]));
    const sof = one.subarray(sofAt, sofAt + 4 + one.readUInt16BE(sofAt + 2) - 2);
    expect(message(() => readJpegHeader(Buffer.concat([one.subarray(0, sofAt), sof, one.subarray(sofAt)]), 'f.jpg'))).toBe(
      `f.jpg: the JPEG has a second frame header (FFC0 at byte ${sofAt + sof.length}); only single-frame JPEGs are supported`,
    );
    const sosFirst = Buffer.concat([Buffer.from([0xff, 0xd8]), one.subarray(one.indexOf(Buffer.from([0xff, 0xda])))]);
    expect(message(() => readJpegHeader(sosFirst, 'f.jpg'))).toBe('f.jpg: the JPEG is damaged: a scan (SOS at byte 2) before any frame header (SOFn)');
    const dnl = flatJpeg(8, 8);
    dnl.writeUInt16BE(0, sofAt + 5);
    expect(message(() => readJpegHeader(dnl, 'f.jpg'))).toBe(
      `f.jpg: the JPEG's frame header (SOF0 at byte ${sofAt}) gives a height of 0 (to be set later by a DNL marker), which is not supported`,
    );
    const twice = flatJpeg(8, 8, { sampling: [[1, 1], [1, 1]] });
    twice[sofAt + 13] = 1; // the second component's id, now equal to the first's
    expect(message(() => readJpegHeader(twice, 'f.jpg'))).toBe(`f.jpg: the JPEG's frame header (SOF0 at byte ${sofAt}) lists component 1 twice`);
  });

  it('refuses a segment that runs past the end of the file', () => {
    const bytes = flatJpeg(8, 8);
    const cut = bytes.subarray(0, bytes.indexOf(Buffer.from([0xff, 0xc0])) + 8);
    expect(message(() => readJpegHeader(cut, 'g.jpg'))).toMatch(/^g\.jpg: the JPEG's FFC0 segment at byte \d+ claims 11 bytes but the file has 6 left: the file is truncated$/);
  });
});

describe('readImageHeader', () => {
  it('dispatches by magic and names the file when it is neither', () => {
    expect(readImageHeader(flatJpeg(8, 8), 'x').format).toBe('jpeg');
    expect((readImageHeader(grayPng(new Uint8Array(4), 2, 2, false), 'x') as PngHeader).format).toBe('png');
    expect(message(() => readImageHeader(new Uint8Array(0), 'z.png'))).toBe('z.png: the file is empty; expected a PNG or JPEG image');
    expect(message(() => readImageHeader(Buffer.from('BM\x00\x01', 'latin1'), 'z.bmp'))).toBe(
      'z.bmp: not a PNG or JPEG image (it starts with bytes 42 4d 00 01); convert it to PNG or JPEG',
    );
  });
});
