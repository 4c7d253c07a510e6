/**
 * A video for Chromium's fake camera (--use-file-for-fake-video-capture=FILE.y4m): a number written
 * in dark ink on light paper, made from the examples/ digits (drawn by scripts/draw-examples.ts
 * from pen strokes, not from MNIST) placed side by side. Y4M is a short text header, then per frame
 * "FRAME\n" and the Y, U and V planes (4:2:0: U and V at half size, 128 for gray); the paper is
 * lit unevenly and the number drifts by a few pixels from frame to frame, as a hand-held page does.
 * Chromium plays the file in a loop.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImageFile } from '../../src/data/node-image.js';
import type { GrayImage } from '../../src/data/preprocess.js';
import { REPO_ROOT } from '../helpers.js';

export interface FakeVideo {
  width: number;
  height: number;
  fps: number;
  frames: number;
}

const DEFAULT_VIDEO: FakeVideo = { width: 640, height: 480, fps: 30, frames: 45 };

/** Ink coverage 0..1 of examples/D.png, whichever polarity the file has, resampled to size×size. */
async function exampleInk(digit: string, size: number): Promise<Float32Array> {
  const img: GrayImage = await readImageFile(join(REPO_ROOT, 'examples', `${digit}.png`));
  const { width: W, height: H, data } = img;
  const paper = data[0];
  const ink = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // bilinear sample of the source at this pixel's centre
      const sx = ((x + 0.5) / size) * W - 0.5;
      const sy = ((y + 0.5) / size) * H - 0.5;
      const x0 = Math.max(0, Math.floor(sx)), y0 = Math.max(0, Math.floor(sy));
      const x1 = Math.min(W - 1, x0 + 1), y1 = Math.min(H - 1, y0 + 1);
      const fx = Math.min(1, Math.max(0, sx - x0)), fy = Math.min(1, Math.max(0, sy - y0));
      const v =
        (1 - fy) * ((1 - fx) * data[y0 * W + x0] + fx * data[y0 * W + x1]) + fy * ((1 - fx) * data[y1 * W + x0] + fx * data[y1 * W + x1]);
      ink[y * size + x] = Math.min(1, Math.abs(v - paper) / 200);
    }
  }
  return ink;
}

/**
 * The luma (Y plane, [height, width]) of each of `frames` frames of `text` (digits): digits
 * `digitSize` pixels tall, centred, ink at luma 35 on paper from 235 (top left) to 200 (bottom right),
 * drifting a few pixels over the clip.
 */
export async function numberFrames(text: string, video: FakeVideo = DEFAULT_VIDEO, digitSize = 150): Promise<Uint8Array[]> {
  const { width: W, height: H } = video;
  const glyphs = await Promise.all([...text].map((d) => exampleInk(d, digitSize)));
  // the examples' ink fills about the middle half of their square, so neighbours overlap by a third
  const step = Math.round(digitSize * 0.62);
  const total = step * (glyphs.length - 1) + digitSize;
  const out: Uint8Array[] = [];
  for (let f = 0; f < video.frames; f++) {
    const phase = (2 * Math.PI * f) / video.frames;
    const ox = Math.round((W - total) / 2 + 4 * Math.sin(phase));
    const oy = Math.round((H - digitSize) / 2 + 3 * Math.cos(phase));
    const y = new Uint8Array(W * H);
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) y[r * W + c] = Math.round(235 - 35 * ((r / H + c / W) / 2));
    }
    glyphs.forEach((ink, k) => {
      for (let gy = 0; gy < digitSize; gy++) {
        for (let gx = 0; gx < digitSize; gx++) {
          const a = ink[gy * digitSize + gx];
          if (a === 0) continue;
          const r = oy + gy, c = ox + k * step + gx;
          if (r < 0 || r >= H || c < 0 || c >= W) continue;
          const i = r * W + c;
          y[i] = Math.min(y[i], Math.round(y[i] * (1 - a) + 35 * a));
        }
      }
    });
    out.push(y);
  }
  return out;
}

/** Writes `text` (digits) as a Y4M video to `path`: numberFrames, with gray chroma. */
export async function writeNumberVideo(path: string, text: string, video: FakeVideo = DEFAULT_VIDEO, digitSize = 150): Promise<void> {
  const { width: W, height: H } = video;
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  const parts: Uint8Array[] = [Buffer.from(`YUV4MPEG2 W${W} H${H} F${video.fps}:1 Ip A1:1 C420jpeg\n`)];
  for (const y of await numberFrames(text, video, digitSize)) parts.push(Buffer.from('FRAME\n'), y, chroma, chroma);
  writeFileSync(path, Buffer.concat(parts));
}
