/**
 * `convscope read`: the whole numbers on photos or scans (PNG or JPEG, any size, either polarity),
 * read by the library's readDigits (src/data/segment.ts): one line per image with the number and
 * the time it took, or with --json every digit's box and probabilities. --show draws the boxes and
 * readings into `<name>.read.png` beside each image (or into --out DIR). An unreadable image gets
 * an error of its own and the others are still read; an image with no digits reads as ''.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { readModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import { readImageFile } from '../data/node-image.js';
import { readDigits, type ReadResult } from '../data/segment.js';
import type { GrayImage8 } from '../data/preprocess.js';
import { SpecError, formatShape } from '../engine/errors.js';
import { blankImage, drawText, textWidth, writePng, type RgbaImage } from './png-write.js';
import type { CliIo } from './io.js';

interface ReadFlags {
  model: string;
  json?: boolean;
  show?: boolean;
  out?: string;
}

interface ImageReading {
  file: string;
  text: string;
  digits: { digit: number; box: [number, number, number, number]; probabilities: number[]; notDigit?: boolean }[];
  /** one entry per line of digits, top to bottom, when there is more than one */
  lines?: { text: string; box: [number, number, number, number]; angle: number }[];
  ms: number;
  /** where --show wrote the picture */
  shown?: string;
}

interface ImageError {
  file: string;
  error: string;
}

export function readCommand(io: CliIo): Command {
  return new Command('read')
    .description('read the whole numbers on photos or scans (PNG or JPEG, any size, dark-on-light or light-on-dark)')
    .argument('<images...>', 'image files')
    .option('--model <file|name>', 'model file, or the name of a shipped model', 'lenet')
    .option('--json', 'print a JSON array: {file, text, digits: [{digit, box: [x, y, width, height], probabilities, notDigit?}], ms} per image, or {file, error}')
    .option('--show', 'draw the boxes and readings into <name>.read.png beside each image (or into --out)')
    .option('--out <dir>', 'directory for the --show pictures')
    .action(async (images: string[], flags: ReadFlags) => {
      const { model } = await readModelFile(resolveModelFile(flags.model, io.cwd));
      const s = model.inputShape;
      if (!(s.length === 3 && s[0] === 1 && s[1] === 28 && s[2] === 28)) {
        throw new SpecError(`read crops digits to [1,28,28]; ${flags.model} takes ${formatShape(s)}`);
      }
      if (flags.out !== undefined && !flags.show) throw new SpecError('--out is where --show writes its pictures; add --show');
      const outDir = flags.out !== undefined ? resolve(io.cwd, flags.out) : null;
      if (outDir) await mkdir(outDir, { recursive: true });
      const results: (ImageReading | ImageError)[] = [];
      for (const file of images) {
        const path = resolve(io.cwd, file);
        let image: GrayImage8;
        try {
          image = await readImageFile(path);
        } catch (e) {
          results.push({ file, error: (e as Error).message });
          continue;
        }
        const t0 = performance.now();
        const read = readDigits(model, image);
        const ms = performance.now() - t0;
        const reading = toReading(file, read, ms);
        if (flags.show) {
          const name = `${basename(path, extname(path))}.read.png`;
          const target = join(outDir ?? dirname(path), name);
          await writePng(target, drawReading(image, read));
          reading.shown = target;
        }
        results.push(reading);
      }
      if (flags.json) {
        io.out(JSON.stringify(results) + '\n');
      } else {
        for (const r of results) {
          if ('error' in r) {
            io.out(`${r.file}: error: ${r.error}\n`);
            continue;
          }
          const [first = '', ...rest] = r.text.split('\n');
          const pad = ' '.repeat(r.file.length + 2);
          io.out(`${r.file}: ${r.text === '' ? '(no digits)' : first}${rest.map((l) => `\n${pad}${l}`).join('')}  [${r.ms.toFixed(1)} ms]\n`);
          if (r.shown) io.out(`${pad}wrote ${r.shown}\n`);
        }
      }
      if (results.some((r) => 'error' in r)) process.exitCode = 1;
    });
}

function toReading(file: string, read: ReadResult, ms: number): ImageReading {
  const reading: ImageReading = {
    file,
    text: read.text,
    digits: read.digits.map((d) => ({
      digit: d.digit,
      box: d.box,
      probabilities: d.probabilities.map((p) => Number(p.toFixed(6))),
      ...(d.notDigit !== undefined ? { notDigit: d.notDigit } : {}),
    })),
    ms: Number(ms.toFixed(1)),
  };
  if (read.lines && read.lines.length > 1) reading.lines = read.lines.map((l) => ({ text: l.text, box: l.box, angle: l.angle }));
  return reading;
}

const BOX: readonly [number, number, number, number][] = [
  [230, 60, 20, 255], // a digit
  [150, 150, 150, 255], // a digit the model calls not a digit
];

/** The image in grey with each digit's box and its reading above it (below when there is no room). */
export function drawReading(image: GrayImage8, read: ReadResult): RgbaImage {
  const { width: W, height: H } = image;
  const out = blankImage(W, H);
  for (let i = 0; i < W * H; i++) {
    // faded, so the boxes stand out
    const g = Math.round(255 - 0.7 * (255 - image.data[i]));
    out.data[i * 4] = out.data[i * 4 + 1] = out.data[i * 4 + 2] = g;
  }
  for (const d of read.digits) {
    const [x, y, w, h] = d.box;
    const rgba = BOX[d.notDigit ? 1 : 0];
    const t = Math.max(1, Math.round(Math.min(w, h) / 25));
    for (let k = 0; k < t; k++) rectangle(out, x - k, y - k, w + 2 * k, h + 2 * k, rgba);
    const size = Math.max(1, Math.round(h / 14));
    const label = String(d.digit);
    const lx = Math.round(x + (w - textWidth(label, size)) / 2);
    const ly = y - 6 * size - t >= 0 ? y - 6 * size - t : Math.min(H - 5 * size, y + h + t + size);
    drawText(out, label, lx, ly, size, [rgba[0], rgba[1], rgba[2]]);
  }
  return out;
}

function rectangle(img: RgbaImage, x: number, y: number, w: number, h: number, rgba: readonly number[]): void {
  const put = (px: number, py: number) => {
    if (px < 0 || py < 0 || px >= img.width || py >= img.height) return;
    img.data.set(rgba, (py * img.width + px) * 4);
  };
  for (let i = x; i < x + w; i++) {
    put(i, y);
    put(i, y + h - 1);
  }
  for (let j = y; j < y + h; j++) {
    put(x, j);
    put(x + w - 1, j);
  }
}
