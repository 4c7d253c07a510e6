import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { decodeImageBytes, maxPixelsFromEnv, readImageFile } from './node-image.js';
import { readJpegHeader } from './image-header.js';
import { jpegJsAccountedBytes } from './image-limits.js';
import { flatJpeg, grayPng, pngChunk as chunk, pngFile } from './node-image-testing.js';
import { ImageError } from './errors.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convscope-img-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const W = 6;
const H = 4;
/** RGBA test card: column x has gray 40·x, the last row is fully transparent. */
function card(): Buffer {
  const b = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      b[i] = b[i + 1] = b[i + 2] = 40 * x;
      b[i + 3] = y === H - 1 ? 0 : 255;
    }
  }
  return b;
}

/** A palette PNG (colour type 3) with a tRNS chunk: pngjs cannot write these, so build one by hand. */
function palettePng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const plte = Buffer.from([200, 0, 0, 0, 0, 0]); // entry 0: red, entry 1: black
  const trns = Buffer.from([255, 0]); // entry 1 fully transparent
  const idat = deflateSync(Buffer.from([0, 0, 1])); // filter 0, pixels [0, 1]
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('tRNS', trns),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

describe('readImageFile', () => {
  for (const [label, colorType] of [['gray', 0], ['RGB', 2], ['gray+alpha', 4], ['RGBA', 6]] as const) {
    it(`decodes a PNG of colour type ${colorType} (${label}) to gray`, async () => {
      const p = await file(`ct${colorType}.png`, PNG.sync.write({ width: W, height: H, data: card() } as PNG, { colorType }));
      const img = await readImageFile(p);
      expect([img.width, img.height]).toEqual([W, H]);
      expect(Array.from(img.data.subarray(0, W))).toEqual([0, 40, 80, 120, 160, 200]);
      // the transparent row reads as white paper (flattened by the encoder when the type has no alpha)
      expect(Array.from(img.data.subarray((H - 1) * W))).toEqual([255, 255, 255, 255, 255, 255]);
    });
  }

  it('decodes a 16-bit gray PNG', async () => {
    const wide = Uint16Array.from(card(), (v) => v * 257); // 16-bit RGBA input, as pngjs expects for bitDepth 16
    const data = Buffer.from(wide.buffer);
    const bytes = PNG.sync.write({ width: W, height: H, data } as PNG, { colorType: 0, bitDepth: 16 });
    expect(bytes[24]).toBe(16); // IHDR bit depth
    const p = await file('g16.png', bytes);
    const img = await readImageFile(p);
    expect(Array.from(img.data.subarray(0, W))).toEqual([0, 40, 80, 120, 160, 200]);
  });

  it('decodes a palette PNG with transparency (tRNS) over white', async () => {
    const img = await readImageFile(await file('pal.png', palettePng()));
    expect(Array.from(img.data)).toEqual([Math.round(0.299 * 200), 255]);
  });

  it('decodes a JPEG by its magic bytes even with a .png name', async () => {
    const w = 32, h = 16;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const x = i % w;
      rgba.fill(x < 16 ? 30 : 220, i * 4, i * 4 + 3);
      rgba[i * 4 + 3] = 255;
    }
    const p = await file('really-a-jpeg.png', jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
    const img = await readImageFile(p);
    expect([img.width, img.height]).toEqual([w, h]);
    expect(Math.abs(img.data[8 * w + 4] - 30)).toBeLessThan(6);
    expect(Math.abs(img.data[8 * w + 28] - 220)).toBeLessThan(6);
  });

  it('names the file when it is missing, empty, a directory or not an image', async () => {
    await expect(readImageFile(join(dir, 'nope.png'))).rejects.toThrow(`${join(dir, 'nope.png')}: cannot read the image: no such file`);
    await expect(readImageFile(dir)).rejects.toThrow(`${dir}: cannot read the image: it is a directory`);
    await expect(readImageFile(await file('empty.png', new Uint8Array(0)))).rejects.toThrow('empty.png: the file is empty; expected a PNG or JPEG image');
    const gif = await file('x.gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'));
    await expect(readImageFile(gif)).rejects.toThrow(
      `${gif}: not a PNG or JPEG image (it starts with bytes 47 49 46 38 39 61 01 00); convert it to PNG or JPEG`,
    );
  });

  it('refuses truncated PNG and JPEG files with an ImageError naming the file and saying so', async () => {
    const png = PNG.sync.write({ width: W, height: H, data: card() } as PNG, { colorType: 6 });
    const jpg = jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, 128) }, 90).data;
    for (const [name, bytes] of [['cut.png', png.subarray(0, png.length - 20)], ['cut.jpg', jpg.subarray(0, jpg.length >> 1)]] as const) {
      const p = await file(name, bytes);
      const err = await readImageFile(p).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageError);
      expect((err as Error).message.startsWith(`${p}: `)).toBe(true);
      expect((err as Error).message).toMatch(/the data ends early or is damaged|the file is truncated/);
    }
  });

  it('refuses a PNG with a damaged checksum', () => {
    const png = PNG.sync.write({ width: W, height: H, data: card() } as PNG, { colorType: 6 });
    png[png.length - 20] ^= 0xff; // inside IDAT
    expect(() => decodeImageBytes(png, 'bad.png')).toThrow(/^bad\.png: cannot decode the PNG: /);
  });
});

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return (e as Error).message;
  }
  throw new Error('expected an ImageError');
}

describe('decodeImageBytes: PNG formats', () => {
  it('decodes a 16-bit RGBA PNG (alpha over white)', () => {
    const data = Buffer.from(Uint16Array.from(card(), (v) => v * 257).buffer);
    const bytes = PNG.sync.write({ width: W, height: H, data } as PNG, { colorType: 6, bitDepth: 16 });
    expect([bytes[24], bytes[25]]).toEqual([16, 6]);
    const img = decodeImageBytes(bytes, 'rgba16.png');
    expect(Array.from(img.data.subarray(0, W))).toEqual([0, 40, 80, 120, 160, 200]);
    expect(Array.from(img.data.subarray((H - 1) * W))).toEqual([255, 255, 255, 255, 255, 255]);
  });

  for (const depth of [1, 2, 4] as const) {
    it(`decodes a ${depth}-bit gray PNG 10×2 (rows of packed samples, scaled to 0..255)`, () => {
      const top = (1 << depth) - 1;
      const levels = Array.from({ length: 20 }, (_, i) => (i * 7) % (top + 1));
      const rowBytes = Math.ceil((10 * depth) / 8);
      const raw = Buffer.alloc(2 * (1 + rowBytes));
      levels.forEach((v, i) => {
        const [y, x] = [Math.floor(i / 10), i % 10];
        const bit = x * depth;
        raw[y * (1 + rowBytes) + 1 + (bit >> 3)] |= v << (8 - depth - (bit & 7));
      });
      const img = decodeImageBytes(pngFile({ width: 10, height: 2, bitDepth: depth, colorType: 0, idat: deflateSync(raw) }), `g${depth}.png`);
      expect(Array.from(img.data)).toEqual(levels.map((v) => Math.round((v * 255) / top)));
    });
  }

  for (const [w, h] of [[9, 7], [1, 1], [17, 3]] as const) {
    it(`decodes an Adam7-interlaced 8-bit gray ${w}×${h} PNG to the same pixels as a plain one`, () => {
      const gray = Uint8Array.from({ length: w * h }, (_, i) => (i * 29) & 255);
      const interlaced = decodeImageBytes(grayPng(gray, w, h, true), 'i.png');
      expect(Array.from(interlaced.data)).toEqual(Array.from(gray));
      expect(Array.from(decodeImageBytes(grayPng(gray, w, h, false), 'p.png').data)).toEqual(Array.from(gray));
    });
  }
});

describe('decodeImageBytes: JPEG kinds', () => {
  // each fixture is 32×16: one colour left of x = 16, another right of it
  const at = (img: { data: Uint8Array }, x: number) => img.data[8 * 32 + x];
  for (const [f, left, right] of [
    ['gray.jpg', 30, 220],
    ['progressive.jpg', Math.round(0.299 * 200 + 0.587 * 30 + 0.114 * 30), Math.round(0.299 * 30 + 0.587 * 30 + 0.114 * 200)],
    ['subsampled-420.jpg', 30, 220],
    ['cmyk.jpg', 30, Math.round(0.299 * 215 + 0.587 * 255 + 0.114 * 255)], // K 225 → 30; cyan 40 → RGB (215, 255, 255)
  ] as const) {
    it(`decodes the Pillow fixture ${f}: left ≈ ${left}, right ≈ ${right}`, () => {
      const img = decodeImageBytes(readFileSync(join(FIXTURES, f)), f);
      expect([img.width, img.height]).toEqual([32, 16]);
      expect(Math.abs(at(img, 4) - left)).toBeLessThanOrEqual(3);
      expect(Math.abs(at(img, 28) - right)).toBeLessThanOrEqual(3);
    });
  }

  it('decodes flat 4:2:2 and 4:1:1 JPEGs of odd sizes', () => {
    for (const sampling of [[[2, 1], [1, 1], [1, 1]], [[4, 1], [1, 1], [1, 1]]] as const) {
      const img = decodeImageBytes(flatJpeg(37, 21, { sampling }), 'sub.jpg');
      expect([img.width, img.height, img.data[0], img.data[36 + 20 * 37]]).toEqual([37, 21, 128, 128]);
    }
  });

  it('decodes a 4-component YCCK JPEG (Adobe transform 2)', () => {
    const img = decodeImageBytes(flatJpeg(16, 8, { sampling: [[1, 1], [1, 1], [1, 1], [1, 1]], adobeTransform: 2 }), 'ycck.jpg');
    expect([img.width, img.height, img.data.length]).toEqual([16, 8, 128]);
  });

  it('refuses, naming the reason, the kinds jpeg-js cannot decode', () => {
    const fix = 're-save it as a baseline or progressive 8-bit JPEG, or as a PNG';
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sof: 9 }), 'a.jpg'))).toBe(
      `a.jpg: the JPEG is arithmetic-coded extended sequential (SOF9), which the decoder does not support; ${fix}`,
    );
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sof: 10 }), 'a.jpg'))).toBe(
      `a.jpg: the JPEG is arithmetic-coded progressive (SOF10), which the decoder does not support; ${fix}`,
    );
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sof: 3 }), 'l.jpg'))).toBe(`l.jpg: the JPEG is lossless (SOF3), which the decoder does not support; ${fix}`);
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sof: 5 }), 'h.jpg'))).toBe(
      `h.jpg: the JPEG is differential (hierarchical) sequential (SOF5), which the decoder does not support; ${fix}`,
    );
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sof: 1, precision: 12 }), 't.jpg'))).toBe(
      `t.jpg: the JPEG has 12-bit samples; only 8-bit JPEGs are supported; ${fix}`,
    );
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sampling: [[1, 1], [1, 1]] }), 'two.jpg'))).toBe(
      'two.jpg: the JPEG has 2 colour components; supported are 1 (gray), 3 (YCbCr or RGB) and 4 (CMYK or YCCK)',
    );
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sampling: [[1, 1], [1, 1], [1, 1], [1, 1]] }), 'k.jpg'))).toBe(
      `k.jpg: the JPEG has 4 colour components but no Adobe marker, so CMYK and YCCK cannot be told apart; ${fix}`,
    );
    expect(refusal(() => decodeImageBytes(flatJpeg(8, 8, { sampling: [[5, 1]] }), 's.jpg'))).toBe(
      "s.jpg: the JPEG's component 1 has sampling factors 5×1; each must be 1..4",
    );
  });

  it('decodes extended sequential (SOF1) 8-bit JPEGs', () => {
    expect(decodeImageBytes(flatJpeg(8, 8, { sof: 1 }), 'e.jpg').data[0]).toBe(128);
  });
});

describe('decodeImageBytes: decompression bombs are refused from the header, before decoding', () => {
  const quick = (f: () => unknown) => {
    const t = performance.now();
    const msg = refusal(f);
    expect(performance.now() - t).toBeLessThan(1000);
    return msg;
  };

  it('refuses the 45-byte PNG claiming 1×100,000,000 (it used to run past 150 s and 4.5 GB)', () => {
    const bomb = pngFile({ width: 1, height: 100_000_000, bitDepth: 8, colorType: 0 });
    expect(bomb.length).toBe(45);
    expect(quick(() => decodeImageBytes(bomb, 'tall.png'))).toBe(
      'tall.png: the 1×100000000 8-bit gray PNG has a side longer than 65,535 pixels; crop or scale it down first',
    );
  });

  it("refuses the 45-byte PNG claiming 10,000×10,000 with no image data (it used to cost 1 GB and say 'no ink found')", () => {
    expect(quick(() => decodeImageBytes(pngFile({ width: 10_000, height: 10_000, bitDepth: 8, colorType: 0 }), 'empty.png'))).toMatch(
      /^empty\.png: the 10000×10000 8-bit gray PNG holds no image data \(no IDAT chunk\)/,
    );
  });

  it('refuses a PNG claiming 10,000×10,000 with 42 bytes of IDAT as truncated', () => {
    const cut = pngFile({ width: 10_000, height: 10_000, bitDepth: 8, colorType: 0, idat: deflateSync(Buffer.alloc(20_000)) });
    expect(quick(() => decodeImageBytes(cut, 'cut.png'))).toBe(
      "cut.png: the 10000×10000 8-bit gray PNG holds only 42 bytes of image data, and even at deflate's best ratio (1032:1) " +
        'its pixels need 96,909 bytes: the file is truncated, or built to exhaust memory',
    );
  });

  it('refuses a 16-bit RGBA 10,000×10,000 PNG with a plausible 776 kB of data by its 800 MB of samples (it used to cost 12.9 s and 2.4 GB)', () => {
    const bomb = pngFile({ width: 10_000, height: 10_000, bitDepth: 16, colorType: 6, idat: Buffer.alloc(776_000) });
    expect(quick(() => decodeImageBytes(bomb, 'rgba16.png'))).toMatch(/^rgba16\.png: the 10000×10000 16-bit RGBA PNG decodes to 800,000,000 bytes of samples, more than the 400,000,000 allowed/);
  });

  it('refuses a real 16-bit RGBA 1000×1000 PNG (8 MB of samples) with maxPixels 1,000,000 (4 MB), and decodes it with 2,000,000', () => {
    const data = Buffer.from(new Uint16Array(1000 * 1000 * 4).fill(65535).buffer);
    const bytes = PNG.sync.write({ width: 1000, height: 1000, data } as PNG, { colorType: 6, bitDepth: 16 });
    expect(quick(() => decodeImageBytes(bytes, 'r.png', { maxPixels: 1_000_000 }))).toMatch(/decodes to 8,000,000 bytes of samples, more than the 4,000,000 allowed/);
    expect(decodeImageBytes(bytes, 'r.png', { maxPixels: 2_000_000 }).data.length).toBe(1_000_000);
  });

  it('refuses an interlaced 100×100 PNG whose data inflates to 10 MB (pngjs does not bound interlaced data)', () => {
    const bomb = pngFile({ width: 100, height: 100, bitDepth: 8, colorType: 0, interlace: 1, idat: deflateSync(Buffer.alloc(10_000_000)) });
    expect(quick(() => decodeImageBytes(bomb, 'adam7.png'))).toBe(
      "adam7.png: the PNG's image data inflates to more than the 10,188 bytes its 100×100 pixels need: the file is damaged or built to exhaust memory",
    );
  });

  it('refuses a JPEG claiming 10,000×10,000 with 16 bytes of scan data (it used to cost 9 s and 1 GB)', () => {
    for (const sampling of [[[1, 1]], [[1, 1], [1, 1], [1, 1]]] as const) {
      expect(quick(() => decodeImageBytes(flatJpeg(10_000, 10_000, { sampling, entropyBytes: 16 }), 'bomb.jpg'))).toMatch(
        /^bomb\.jpg: the 10000×10000 baseline JPEG \((1 component|3 components)\) holds only 16 bytes of image data/,
      );
    }
  });

  it('takes exactly maxPixels and refuses one more, PNG and JPEG alike', () => {
    const png = grayPng(new Uint8Array(100 * 50).fill(200), 100, 50, false);
    expect(decodeImageBytes(png, 'p.png', { maxPixels: 5000 }).width).toBe(100);
    expect(refusal(() => decodeImageBytes(png, 'p.png', { maxPixels: 4999 }))).toMatch(/has 5,000 pixels, more than the 4,999 allowed/);
    const jpg = jpeg.encode({ width: 64, height: 48, data: Buffer.alloc(64 * 48 * 4, 200) }, 90).data;
    expect(decodeImageBytes(jpg, 'j.jpg', { maxPixels: 3072 }).width).toBe(64);
    expect(refusal(() => decodeImageBytes(jpg, 'j.jpg', { maxPixels: 3071 }))).toMatch(/has 3,072 pixels, more than the 3,071 allowed/);
  });
});

describe('decodeImageBytes: a 64-megapixel JPEG', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("gives jpeg-js a memory and resolution budget that fits a 9248×6936 4:4:4 photo (it used to keep jpeg-js's 512 MB default and fail)", () => {
    const photo = flatJpeg(9248, 6936, { sampling: [[1, 1], [1, 1], [1, 1]] });
    let seen: { maxMemoryUsageInMB?: number; maxResolutionInMP?: number } = {};
    vi.spyOn(jpeg, 'decode').mockImplementationOnce((_bytes, opts) => {
      seen = opts ?? {};
      throw new Error('stopped before decoding');
    });
    expect(refusal(() => decodeImageBytes(photo, 'photo.jpg'))).toBe('photo.jpg: cannot decode the JPEG: stopped before decoding');
    expect(seen.maxMemoryUsageInMB).toBeDefined();
    expect((seen.maxMemoryUsageInMB ?? 0) * 2 ** 20).toBeGreaterThanOrEqual(jpegJsAccountedBytes(readJpegHeader(photo, 'photo.jpg')));
    expect(seen.maxMemoryUsageInMB).toBeGreaterThan(1300);
    expect(seen.maxResolutionInMP).toBeGreaterThanOrEqual(100);
  });

  it("scales jpeg-js's budget with maxPixels: a 1200×900 photo decodes with maxPixels 1,080,000", () => {
    const rgba = Buffer.alloc(1200 * 900 * 4, 180);
    const img = decodeImageBytes(jpeg.encode({ width: 1200, height: 900, data: rgba }, 80).data, 'p.jpg', { maxPixels: 1_080_000 });
    expect([img.width, img.height]).toEqual([1200, 900]);
  });
});

describe('maxPixels from the environment', () => {
  it('reads CONVSCOPE_MAX_PIXELS, defaulting to 100,000,000', () => {
    expect(maxPixelsFromEnv({})).toBe(100_000_000);
    expect(maxPixelsFromEnv({ CONVSCOPE_MAX_PIXELS: '' })).toBe(100_000_000);
    expect(maxPixelsFromEnv({ CONVSCOPE_MAX_PIXELS: '2e8' })).toBe(200_000_000);
    expect(() => maxPixelsFromEnv({ CONVSCOPE_MAX_PIXELS: 'lots' })).toThrow("CONVSCOPE_MAX_PIXELS must be a whole number of pixels ≥ 1 (like 200000000 or 2e8), got 'lots'");
  });

  it('readImageFile honours CONVSCOPE_MAX_PIXELS unless maxPixels is given; decodeImageBytes reads no environment', async () => {
    const bytes = PNG.sync.write({ width: W, height: H, data: card() } as PNG, { colorType: 6 });
    const p = await file('env.png', bytes);
    const before = process.env.CONVSCOPE_MAX_PIXELS;
    process.env.CONVSCOPE_MAX_PIXELS = String(W * H - 1);
    try {
      await expect(readImageFile(p)).rejects.toThrow(`${p}: the 6×4 8-bit RGBA PNG has 24 pixels, more than the 23 allowed (CONVSCOPE_MAX_PIXELS raises the limit); scale it down first`);
      expect((await readImageFile(p, { maxPixels: W * H })).width).toBe(W);
      expect(decodeImageBytes(bytes, 'env.png').width).toBe(W);
    } finally {
      if (before === undefined) delete process.env.CONVSCOPE_MAX_PIXELS;
      else process.env.CONVSCOPE_MAX_PIXELS = before;
    }
  });
});
