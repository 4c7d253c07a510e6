import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { decodeImageBytes, readImageFile } from './node-image.js';
import { ImageError } from './errors.js';

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

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
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

  it('refuses truncated PNG and JPEG files with an ImageError naming the file', async () => {
    const png = PNG.sync.write({ width: W, height: H, data: card() } as PNG, { colorType: 6 });
    const jpg = jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, 128) }, 90).data;
    for (const [name, bytes] of [['cut.png', png.subarray(0, png.length - 20)], ['cut.jpg', jpg.subarray(0, jpg.length >> 1)]] as const) {
      const p = await file(name, bytes);
      const err = await readImageFile(p).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageError);
      expect((err as Error).message).toMatch(new RegExp(`^${p.replace(/[.\\/]/g, '\\$&')}: cannot decode the (PNG|JPEG): the data ends early or is damaged`));
    }
  });

  it('refuses a PNG with a damaged checksum', () => {
    const png = PNG.sync.write({ width: W, height: H, data: card() } as PNG, { colorType: 6 });
    png[png.length - 20] ^= 0xff; // inside IDAT
    expect(() => decodeImageBytes(png, 'bad.png')).toThrow(/^bad\.png: cannot decode the PNG: /);
  });
});
