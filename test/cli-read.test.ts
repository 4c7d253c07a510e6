/**
 * `convscope read`: the number on each image, with --json every digit's box and probabilities,
 * --show a PNG with the boxes drawn; an unreadable image among good ones gets its own error and
 * exit code 1 while the others are read; a blank page reads as '' without failing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { runCli } from '../src/cli/main.js';
import { readModelFile, writeModelFile } from '../src/io/node-model-file.js';
import { Sequential } from '../src/nn/model.js';
import { predict } from '../src/nn/predict.js';
import type { GrayImage8 } from '../src/data/preprocess.js';
import { compose, glyphs, onPaper, toRgba } from './number-fixtures.js';
import { captureIo, REPO_ROOT, tempDir } from './helpers.js';

const work = tempDir('convscope-read-');

async function cli(...argv: string[]) {
  const io = captureIo(work);
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

function writeGreyPng(path: string, img: GrayImage8): void {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(toRgba(img).data);
  writeFileSync(path, PNG.sync.write(png));
}

/** "2026" on a 400×160 page, digits lenet reads surely, 24 pixels apart. */
let page2026: GrayImage8;

beforeAll(async () => {
  const lenet = (await readModelFile(join(REPO_ROOT, 'models', 'lenet.safetensors'))).model;
  const bank = glyphs();
  const sure = bank.map((gs, d) => {
    const p = gs.map((g) => predict(lenet, g).probabilities.data[d]);
    return gs[p.indexOf(Math.max(...p))];
  });
  let x = 40;
  const placements = [...'2026'].map((ch) => {
    const glyph = sure[Number(ch)];
    let x0 = 28, x1 = -1;
    for (let i = 0; i < 784; i++) if (glyph[i] > 0.05) [x0, x1] = [Math.min(x0, i % 28), Math.max(x1, i % 28)];
    const p = { glyph, x, y: 40, scale: 3 };
    x += (x1 - x0 + 1) * 3 + 24;
    return p;
  });
  page2026 = onPaper(compose(400, 160, placements));
  writeGreyPng(join(work, 'number.png'), page2026);
  const rgba = toRgba(onPaper(compose(400, 160, placements), { polarity: 'light-ink' }));
  writeFileSync(join(work, 'dark.jpg'), jpeg.encode({ width: 400, height: 160, data: rgba.data }, 90).data);
  writeGreyPng(join(work, 'blank.png'), onPaper(compose(200, 120, [])));
  writeFileSync(join(work, 'broken.png'), 'not an image');
}, 60_000);

describe('convscope read', () => {
  it('prints the number read on each image and the time it took', async () => {
    const r = await cli('read', 'number.png', 'dark.jpg');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^number\.png: 2026 {2}\[\d+\.\d ms\]\n/m);
    expect(r.out).toMatch(/^dark\.jpg: 2026 {2}\[\d+\.\d ms\]\n/m);
  });

  it('--json: file, text, digits with box [x, y, width, height] in image pixels, 10 probabilities and notDigit, ms; an unreadable image gets an error and exit code 1, the others are still read', async () => {
    const r = await cli('read', '--model', 'lenet', '--json', 'number.png', 'broken.png', 'dark.jpg');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as Record<string, unknown>[];
    expect(out.map((o) => o['file'])).toEqual(['number.png', 'broken.png', 'dark.jpg']);
    expect(out[1]).toEqual({ file: 'broken.png', error: expect.stringMatching(/broken\.png: not a PNG or JPEG image/) });
    for (const o of [out[0], out[2]]) {
      expect(Object.keys(o).sort()).toEqual(['digits', 'file', 'ms', 'text']);
      expect(o['text']).toBe('2026');
      const digits = o['digits'] as { digit: number; box: number[]; probabilities: number[]; notDigit: boolean }[];
      expect(digits.map((d) => d.digit)).toEqual([2, 0, 2, 6]);
      for (const d of digits) {
        expect(Object.keys(d).sort()).toEqual(['box', 'digit', 'notDigit', 'probabilities']);
        expect(d.box).toHaveLength(4);
        expect(d.box.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
        expect(d.box[0] + d.box[2]).toBeLessThanOrEqual(400);
        expect(d.box[1] + d.box[3]).toBeLessThanOrEqual(160);
        expect(d.probabilities).toHaveLength(10);
        expect(typeof d.notDigit).toBe('boolean');
      }
      // left to right, not overlapping
      for (let k = 1; k < digits.length; k++) expect(digits[k].box[0]).toBeGreaterThanOrEqual(digits[k - 1].box[0] + digits[k - 1].box[2]);
    }
  });

  it('--show writes <name>.read.png beside the image: a PNG of the same size with the boxes drawn on their edges', async () => {
    const r = await cli('read', '--show', '--json', 'number.png');
    expect(r.code, r.err).toBe(0);
    const [reading] = JSON.parse(r.out) as { digits: { box: number[] }[] }[];
    const path = join(work, 'number.read.png');
    expect(existsSync(path)).toBe(true);
    const png = PNG.sync.read(readFileSync(path));
    expect([png.width, png.height]).toEqual([400, 160]);
    const isBox = (x: number, y: number) => {
      const i = (y * png.width + x) * 4;
      return png.data[i] > 200 && png.data[i + 1] < 100 && png.data[i + 2] < 60;
    };
    for (const { box: [x, y, w, h] } of reading.digits) {
      // the four corners and the middle of each edge are in the box colour, the inside is not all box
      for (const [px, py] of [[x, y], [x + w - 1, y], [x, y + h - 1], [x + w - 1, y + h - 1], [x + (w >> 1), y], [x, y + (h >> 1)]]) expect(isBox(px, py), `(${px}, ${py})`).toBe(true);
      expect(isBox(x + (w >> 1), y + (h >> 1))).toBe(false);
    }
    // nothing drawn in colour far from the boxes: the top-left corner is faded grey paper
    const i = 0;
    expect(png.data[i]).toBe(png.data[i + 1]);
  });

  it('--show --out DIR writes the pictures there, creating DIR', async () => {
    const r = await cli('read', '--show', '--out', 'shown/here', 'number.png', 'dark.jpg');
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(work, 'shown', 'here', 'number.read.png'))).toBe(true);
    expect(existsSync(join(work, 'shown', 'here', 'dark.read.png'))).toBe(true);
    expect(r.out).toContain('wrote ');
  });

  it('a blank page reads as no digits: "(no digits)", text "" and digits [] in JSON, exit code 0', async () => {
    const plain = await cli('read', 'blank.png');
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).toMatch(/^blank\.png: \(no digits\) {2}\[/);
    const json = await cli('read', '--json', '--show', 'blank.png');
    expect(json.code, json.err).toBe(0);
    const [o] = JSON.parse(json.out) as { text: string; digits: unknown[] }[];
    expect(o.text).toBe('');
    expect(o.digits).toEqual([]);
    expect(existsSync(join(work, 'blank.read.png'))).toBe(true);
  });

  it('--out without --show, and a model that does not take 28×28 digits, are refused before any image is read', async () => {
    const a = await cli('read', '--out', 'x', 'number.png');
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/--out is where --show writes its pictures; add --show/);
    expect(existsSync(join(work, 'x'))).toBe(false);
    await writeModelFile(join(work, 'flat.safetensors'), new Sequential({ input: [784], layers: [{ kind: 'dense', units: 10 }] }), { name: 'flat' });
    const b = await cli('read', '--model', 'flat.safetensors', 'broken.png');
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/read crops digits to \[1,28,28\]; flat\.safetensors takes \[784\]/);
    expect(b.out).toBe('');
  });
});
