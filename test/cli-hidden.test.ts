/**
 * The hidden-space and "not a digit" commands end to end, on real MNIST with the small shipped
 * models: calibrate writes a calibration that round-trips and predict then reports, evaluate --ood
 * judges noise and a directory of images, embed draws and measures a layer's map, compare relates
 * models, and bad input fails at the door with the flag's name. The shipped LeNet's score separates
 * Fashion-MNIST from MNIST as well as its file says.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { runCli } from '../src/cli/main.js';
import { readModelFile, writeModelFile } from '../src/io/node-model-file.js';
import { encodeModelFile } from '../src/io/model-file.js';
import { Sequential } from '../src/nn/model.js';
import { ZOO } from '../src/models/zoo.js';
import { Rng } from '../src/engine/rng.js';
import { captureIo, mnistDir, REPO_ROOT, tempDir } from './helpers.js';
import { findDataset } from '../src/data/node-source.js';

// Fashion-MNIST as the loader finds it ($CONVSCOPE_DATA, Debian's package, the cache, else a
// checksummed download), so these tests pass on a machine without the Debian package too.
let fashion = '';
beforeAll(async () => {
  fashion = (await findDataset({ dataset: 'fashion' })).dir;
}, 300_000);

const work = tempDir();
const SEVEN = join(REPO_ROOT, 'examples', '7.png');

async function cli(...argv: string[]) {
  const io = captureIo(work);
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** A 28×28 PNG of seeded uniform gray noise: nothing like a digit. */
function noisePng(file: string, seed: number): string {
  const rng = new Rng(seed);
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 28 * 28; i++) {
    const v = Math.floor(rng.next() * 256);
    png.data.set([v, v, v, 255], i * 4);
  }
  const path = join(work, file);
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

function isSymmetricZeroDiagonal(m: number[][]): boolean {
  return m.length === 10 && m.every((row, i) => row.length === 10 && row[i] === 0 && row.every((v, j) => v === m[j][i] && (i === j || v > 0)));
}

describe('calibrate → predict → evaluate --ood (shipped tiny, copied)', () => {
  const file = join(work, 'tiny.safetensors');
  let json: { out: string; calibration: { method: string; threshold: number; layer: string }; report: { sets: Record<string, { auroc: number; rejected: number; n: number }>; acceptedMnist: number } };
  beforeAll(async () => {
    copyFileSync(join(REPO_ROOT, 'models', 'tiny.safetensors'), file);
    const r = await cli('calibrate', '--model', file, '--data', mnistDir(), '--fashion', fashion, '--json');
    expect(r.code, r.err).toBe(0);
    json = JSON.parse(r.out);
  }, 60_000);

  it('replaces the file in place with a calibration and report that round-trip, leaving the rest as it was', async () => {
    expect(json.out).toBe(file);
    const shipped = await readModelFile(join(REPO_ROOT, 'models', 'tiny.safetensors'));
    const { model, metadata } = await readModelFile(file);
    expect(metadata).toEqual(shipped.metadata);
    model.params.forEach((p, i) => expect(p.value.data).toEqual(shipped.model.params[i].value.data));
    expect(model.ood).toMatchObject({ method: 'combined', threshold: json.calibration.threshold, acceptRate: 0.95, layer: 'flatten1' });
    expect(model.ood?.report).toEqual(json.report);
    // the report records the AUROCs measured, Fashion-MNIST among them
    expect(json.report.sets['fashion'].auroc).toBeGreaterThan(0.9);
    for (const set of ['fashion', 'uniform noise', 'gaussian noise', 'non-digits']) expect(json.report.sets[set]).toEqual({ n: expect.any(Number), auroc: expect.any(Number), rejected: expect.any(Number) });
    expect(json.report.acceptedMnist).toBeGreaterThan(0.9);
    // decoding and encoding again gives the same bytes
    expect(Buffer.from(encodeModelFile(model, metadata)).equals(readFileSync(file))).toBe(true);
  });

  it('prints the table, and --out leaves the input file alone', async () => {
    const out = join(work, 'tiny-energy.safetensors');
    const before = readFileSync(file);
    const r = await cli('calibrate', '--model', file, '--data', mnistDir(), '--fashion', fashion, '--method', 'energy', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/method: energy, threshold -?\d/);
    expect(r.out).toMatch(/fashion\s+5,000\s+0\.\d{4}\s+\d+\.\d%/);
    expect(r.out).toMatch(/uniform noise\s+1,000\s+\d\.\d{4}/);
    expect(r.out).toContain(`wrote ${out}`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect((await readModelFile(out)).model.ood?.method).toBe('energy');
  }, 30_000);

  it('predict: noise is not a digit, examples/7.png is a 7', async () => {
    const noise = noisePng('noise.png', 7);
    const r = await cli('predict', '--model', file, '--json', noise, SEVEN);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const [n, seven] = JSON.parse(r.out);
    expect(n.notDigit).toBe(true);
    expect(n.ood).toEqual({ score: expect.any(Number), threshold: expect.closeTo(json.calibration.threshold, 4), method: 'combined' });
    expect(n.ood.score).toBeGreaterThan(n.ood.threshold);
    expect(seven).toMatchObject({ digit: 7, notDigit: false });
    expect(seven.ood.score).toBeLessThanOrEqual(seven.ood.threshold);
    const text = await cli('predict', '--model', file, noise, SEVEN);
    expect(text.out).toMatch(/noise\.png: not a digit \(score \d+\.\d\d > threshold \d+\.\d\d\); most like \d \(\d+\.\d%\)\n {4}0 /);
    expect(text.out).toMatch(/7\.png: 7 \(\d+\.\d%\)\n/);
  });

  it('evaluate --ood noise reports AUROC and rejection, equal to the figures the file records', async () => {
    const r = await cli('evaluate', '--model', file, '--data', mnistDir(), '--ood', 'noise', '--json');
    expect(r.code, r.err).toBe(0);
    const ev = JSON.parse(r.out);
    expect(ev).toMatchObject({ ood: 'noise', method: 'combined', n: 2000, inDistribution: { dataset: 'mnist', first: 5000, n: 5000 } });
    for (const set of ['uniform noise', 'gaussian noise']) {
      expect(ev.sets[set].n).toBe(1000);
      expect(ev.sets[set].auroc).toBeCloseTo(json.report.sets[set].auroc, 5);
      expect(ev.sets[set].rejected).toBeCloseTo(json.report.sets[set].rejected, 5);
    }
    expect(ev.auroc).toBeGreaterThan(0.95);
    const text = await cli('evaluate', '--model', file, '--data', mnistDir(), '--ood', 'noise', '--limit', '300');
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/against 300 held-out mnist test images/);
    expect(text.out).toMatch(/uniform noise\s+300\s+\d\.\d{4}\s+\d+\.\d%\s+\d\.\d{4}/);
    expect(text.out).toMatch(/all\s+600\s+\d\.\d{4}/);
  }, 30_000);

  it('evaluate --ood DIR judges a folder of images, listing the unreadable ones', async () => {
    const dir = join(work, 'not-digits');
    mkdirSync(dir);
    for (let i = 0; i < 4; i++) copyFileSync(noisePng(`n${i}.png`, 100 + i), join(dir, `n${i}.png`));
    writeFileSync(join(dir, 'broken.jpg'), 'not an image');
    writeFileSync(join(dir, 'notes.txt'), 'ignored: not an image extension');
    const r = await cli('evaluate', '--model', file, '--data', mnistDir(), '--ood', dir, '--limit', '500', '--json');
    expect(r.code, r.err).toBe(0);
    const ev = JSON.parse(r.out);
    expect(ev.n).toBe(4);
    expect(ev.sets[dir]).toEqual({ n: 4, auroc: expect.any(Number), rejected: expect.any(Number), recordedAuroc: null });
    expect(ev.auroc).toBeGreaterThan(0.9);
    expect(ev.files.map((f: { file: string }) => f.file)).toEqual([0, 1, 2, 3].map((i) => join(dir, `n${i}.png`)));
    expect(ev.skipped).toEqual([{ file: join(dir, 'broken.jpg'), error: expect.stringMatching(/not a PNG or JPEG/) }]);
    const text = await cli('evaluate', '--model', file, '--data', mnistDir(), '--ood', dir, '--limit', '500');
    expect(text.out).toMatch(/AUROC/);
    expect(text.err).toMatch(/skipped .*broken\.jpg/);
  });
});

describe('a model without a calibration', () => {
  it('evaluate --ood says how to add one; predict keeps its old output and notes it once on stderr', async () => {
    const file = join(work, 'plain.safetensors');
    await writeModelFile(file, new Sequential(ZOO['tiny'].spec, 1), { name: 'tiny' });
    const r = await cli('evaluate', '--model', file, '--data', work, '--ood', 'noise');
    expect(r.code).toBe(1);
    expect(r.err).toBe(`convscope: ${file} has no 'not a digit' calibration; add one with: convscope calibrate --model ${file} --data DIR\n`);
    const p = await cli('predict', '--model', file, '--json', SEVEN, SEVEN);
    expect(p.code, p.err).toBe(0);
    expect(Object.keys(JSON.parse(p.out)[0])).toEqual(['file', 'digit', 'probabilities']);
    expect(p.err.match(/has no 'not a digit' calibration/g)).toHaveLength(1);
  });

  it('train --no-calibrate leaves the file uncalibrated', async () => {
    const out = join(work, 'quick.safetensors');
    const r = await cli('train', '--model', 'tiny', '--epochs', '1', '--limit', '500', '--no-calibrate', '--data', mnistDir(), '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('calibrating');
    expect((await readModelFile(out)).model.ood).toBeNull();
  }, 30_000);
});

describe('embed', () => {
  it('tiny --limit 300: a decodable PNG and JSON with points, labels and symmetric zero-diagonal distances', async () => {
    const png = join(work, 'map.png');
    const r = await cli('embed', '--model', 'tiny', '--data', mnistDir(), '--limit', '300', '--out', png, '--json');
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out);
    expect(e).toMatchObject({ layer: 'flatten1', requestedLayer: 'last-hidden', features: 100, method: 'pca', n: 300, out: png });
    expect(e.points).toHaveLength(300);
    expect(e.points.every((p: number[]) => p.length === 2 && p.every(Number.isFinite))).toBe(true);
    expect(e.labels).toHaveLength(300);
    expect(new Set(e.labels).size).toBe(10);
    expect(isSymmetricZeroDiagonal(e.distances.euclidean)).toBe(true);
    expect(isSymmetricZeroDiagonal(e.distances.cosine)).toBe(true);
    const offDiagonal = e.distances.euclidean.flatMap((row: number[], i: number) => row.filter((_, j) => j > i));
    expect(e.nearest[0].distance).toBe(Math.min(...offDiagonal));
    expect(e.farthest[0].distance).toBe(Math.max(...offDiagonal));
    expect(e.distances.euclidean[e.nearest[0].a][e.nearest[0].b]).toBe(e.nearest[0].distance);
    const img = PNG.sync.read(readFileSync(png));
    expect(img.width).toBeGreaterThan(600);
    expect(img.height).toBe(624);
    // ten class colours on the picture: count distinct saturated pixels' colours
    const colours = new Set<string>();
    for (let i = 0; i < img.data.length; i += 4) if (!(img.data[i] === img.data[i + 1] && img.data[i + 1] === img.data[i + 2])) colours.add(`${img.data[i]},${img.data[i + 1]},${img.data[i + 2]}`);
    expect(colours.size).toBe(9); // tab10's grey (class 7) is grey
  });

  it('prints the distance table and the nearest and farthest pairs; a named layer of cnn', async () => {
    const r = await cli('embed', '--model', 'cnn', '--layer', 'dense1', '--data', mnistDir(), '--limit', '300');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/cnn\.safetensors: dense1, 64 values per image, on the first 300 mnist test images/);
    expect(r.out).toMatch(/\n {2}9 +(\d\.\d\d +){9}0\.00\n/);
    expect(r.out).toMatch(/\d is closer to \d \(\d\.\d\d\) than \d to \d \(\d\.\d\d\)/);
  });

  it('umap is the same map for the same seed', async () => {
    const run = async (seed: string) => JSON.parse((await cli('embed', '--model', 'tiny', '--data', mnistDir(), '--limit', '120', '--method', 'umap', '--seed', seed, '--json')).out).points;
    const a = await run('3');
    expect(a).toHaveLength(120);
    expect(await run('3')).toEqual(a);
  }, 30_000);
});

describe('compare', () => {
  it('tiny,cnn --limit 300: per layer, models × models distance correlations and CKA', async () => {
    const r = await cli('compare', '--models', 'tiny,cnn', '--data', mnistDir(), '--limit', '300', '--json');
    expect(r.code, r.err).toBe(0);
    const c = JSON.parse(r.out);
    expect(c).toMatchObject({ models: ['tiny', 'cnn'], n: 300, dataset: 'mnist' });
    expect(c.layers.map((l: { layer: string }) => l.layer)).toEqual(['last-hidden', 'logits']);
    expect(c.layers[0].resolved).toEqual({ tiny: { layer: 'flatten1', features: 100 }, cnn: { layer: 'relu3', features: 64 } });
    for (const l of c.layers) {
      for (const m of [l.distanceCorrelation, l.cosineDistanceCorrelation, l.cka]) {
        expect(m).toEqual([
          [1, m[0][1]],
          [m[0][1], 1],
        ]);
      }
      expect(Math.abs(l.distanceCorrelation[0][1])).toBeLessThanOrEqual(1);
      expect(l.cka[0][1]).toBeGreaterThan(0.2);
      expect(l.cka[0][1]).toBeLessThan(1);
    }
    expect(c.answer).toMatch(/^(Largely yes|Alike but not the same|No, not at this layer): across the 1 pair of networks .* Spearman ρ -?\d\.\d\d.*CKA \d\.\d\d/);
    const text = await cli('compare', '--models', 'tiny,cnn', '--data', mnistDir(), '--limit', '300');
    expect(text.out).toContain('linear CKA between the representations of the same images');
    expect(text.out).toContain('Are the distances the same for every network? ');
  });
});

describe('bad input gets a clear error', () => {
  it('a layer the model does not have', async () => {
    const e = await cli('embed', '--model', 'tiny', '--layer', 'conv9', '--data', work);
    expect(e.code).toBe(1);
    expect(e.err).toContain("--layer conv9 in tiny: no layer named 'conv9'; the layers are conv1, relu1, pool1, conv2, sigmoid1, pool2, flatten1, dense1");
    const c = await cli('compare', '--models', 'cnn,tiny', '--layer', 'relu3', '--data', work);
    expect(c.code).toBe(1);
    expect(c.err).toContain("--layer relu3 in tiny: no layer named 'relu3'");
    const cal = await cli('calibrate', '--model', 'tiny', '--layer', 'conv9', '--data', work);
    expect(cal.code).toBe(1);
    expect(cal.err).toContain("--layer: no layer named 'conv9'");
  });

  it('a calibration layer too wide for Mahalanobis, and --layer with a method that reads no layer', async () => {
    const wide = await cli('calibrate', '--model', 'cnn', '--layer', 'conv1', '--data', work);
    expect(wide.code).toBe(1);
    expect(wide.err).toContain('--layer conv1: conv1 has 4,608 values per image; Mahalanobis needs a 4608×4608 precision matrix');
    const msp = await cli('calibrate', '--model', 'cnn', '--method', 'msp', '--layer', 'dense1', '--data', work);
    expect(msp.code).toBe(1);
    expect(msp.err).toContain('--layer applies to mahalanobis and combined; msp scores the logits only');
  });

  it('a data directory without the data set', async () => {
    for (const argv of [
      ['embed', '--model', 'tiny', '--data', work],
      ['compare', '--models', 'tiny,cnn', '--data', work],
      ['calibrate', '--model', 'tiny', '--data', work, '--out', join(work, 'never.safetensors')],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(/data directory .* lacks .*t10k-images-idx3-ubyte/);
    }
  });

  it('an unknown --method', async () => {
    const c = await cli('calibrate', '--model', 'tiny', '--method', 'vibes');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/argument 'vibes' is invalid\. Allowed choices are msp, energy, mahalanobis, combined/);
    const e = await cli('embed', '--model', 'tiny', '--method', 'tsne');
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/argument 'tsne' is invalid\. Allowed choices are pca, umap/);
  });

  it('--limit 0, and a limit too small to hold every class', async () => {
    for (const cmd of [['embed', '--model', 'tiny'], ['compare']]) {
      const r = await cli(...cmd, '--limit', '0');
      expect(r.code).toBe(2);
      expect(r.err).toContain("--limit must be an integer ≥ 1, got '0'");
    }
    const few = await cli('embed', '--model', 'tiny', '--data', mnistDir(), '--limit', '5');
    expect(few.code).toBe(1);
    expect(few.err).toMatch(/--limit 5: the first 5 test images have no example of class .*; class distances need every class, so raise --limit/);
  });

  it('compare needs two different models; evaluate --ood needs a set it knows', async () => {
    const one = await cli('compare', '--models', 'tiny');
    expect(one.code).toBe(1);
    expect(one.err).toContain("--models needs at least two models separated by commas, got 'tiny'");
    const dir = await cli('evaluate', '--model', 'tiny', '--ood', join(work, 'no-such-dir'), '--data', work);
    expect(dir.code).toBe(1);
    expect(dir.err).toMatch(/--ood .*no-such-dir: expected fashion, noise or a directory of PNG\/JPEG images; .* is not a directory/);
  });
});

describe('the shipped lenet', () => {
  it('separates Fashion-MNIST from MNIST test digits as well as its file records (1,000 images each, AUROC ≥ recorded − 0.02)', async () => {
    const { model } = await readModelFile(join(REPO_ROOT, 'models', 'lenet.safetensors'));
    const sets = model.ood?.report?.['sets'] as Record<string, { auroc: number }> | undefined;
    const recorded = sets?.['fashion']?.auroc;
    expect(recorded, 'models/lenet.safetensors records no Fashion-MNIST AUROC').toBeTypeOf('number');
    const r = await cli('evaluate', '--model', 'lenet', '--data', mnistDir(), '--ood', 'fashion', '--limit', '1000', '--json');
    expect(r.code, r.err).toBe(0);
    const ev = JSON.parse(r.out);
    expect(ev.inDistribution.n).toBe(1000);
    expect(ev.sets.fashion.n).toBe(1000);
    expect(ev.sets.fashion.recordedAuroc).toBe(recorded);
    expect(ev.auroc).toBeGreaterThanOrEqual((recorded as number) - 0.02);
  }, 60_000);
});
