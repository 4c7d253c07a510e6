/**
 * Writes the image files behind README.md's "Images" figures into DIR: decompression bombs
 * (small files claiming huge images, or data that inflates far past its header) and two real
 * images at the size limits (a 64-MP JPEG photo, a 100-MP PNG). Needs about 2 GB of memory and a
 * minute. Then measure each with
 *
 *   /usr/bin/time -v node --import tsx test/cli-entry.ts predict DIR/FILE
 *
 *   node --import tsx scripts/make-image-bombs.ts DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { flatJpeg, pngFile } from '../src/data/node-image-testing.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node --import tsx scripts/make-image-bombs.ts DIR');
mkdirSync(dir, { recursive: true });
const write = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(dir, name), bytes);
  console.log(`${name}: ${bytes.length.toLocaleString('en-US')} bytes`);
};

// a "0": a thick ring of dark ink on paper, at any size
const ring = (x: number, y: number, w: number, h: number) => {
  const r = Math.hypot((x - w / 2) / (h * 0.3), (y - h / 2) / (h * 0.4));
  return r > 0.8 && r < 1;
};

write('tall.png', pngFile({ width: 1, height: 100_000_000, bitDepth: 8, colorType: 0 }));
write('empty-10k.png', pngFile({ width: 10_000, height: 10_000, bitDepth: 8, colorType: 0 }));
write('idat42-10k.png', pngFile({ width: 10_000, height: 10_000, bitDepth: 8, colorType: 0, idat: deflateSync(Buffer.alloc(20_000)) }));
write('rgba16-10k.png', pngFile({ width: 10_000, height: 10_000, bitDepth: 16, colorType: 6, idat: deflateSync(Buffer.alloc(10_000 * (1 + 10_000 * 8)), { level: 9 }) }));
write('adam7-1gb.png', pngFile({ width: 1000, height: 1000, bitDepth: 8, colorType: 0, interlace: 1, idat: deflateSync(Buffer.alloc(1e9), { level: 9 }) }));
write('gray-10k.jpg', flatJpeg(10_000, 10_000, { entropyBytes: 16 }));
write('ycbcr-10k.jpg', flatJpeg(10_000, 10_000, { sampling: [[1, 1], [1, 1], [1, 1]], entropyBytes: 16 }));

{
  const w = 9248, h = 6936; // 64.1 MP, a 64-MP phone camera's frame
  const rgba = Buffer.alloc(w * h * 4);
  let s = 12345;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const v = ring(x, y, w, h) ? 30 : 225 + ((s >>> 16) & 15) + (x * 10) / w; // paper with grain
      const i = (y * w + x) * 4;
      rgba[i] = v;
      rgba[i + 1] = v - 5;
      rgba[i + 2] = v - 10;
      rgba[i + 3] = 255;
    }
  }
  write('photo-64mp.jpg', jpeg.encode({ width: w, height: h, data: rgba }, 85).data);
}
{
  const w = 10_000, h = 10_000;
  const data = Buffer.alloc(w * h * 4, 255);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (ring(x, y, w, h)) data.fill(20, (y * w + x) * 4, (y * w + x) * 4 + 3);
  write('rgb-100mp.png', PNG.sync.write({ width: w, height: h, data } as PNG, { colorType: 2 }));
}
