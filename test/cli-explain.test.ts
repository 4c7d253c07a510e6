/**
 * The explanation commands end to end, in-process: explain (attribution maps), dream (activation
 * maximisation), attack (FGSM/PGD, robustness curves) and fool (fooling images) — JSON fields and
 * their lengths, the files they write, and a clear refusal of each kind of bad input. Small
 * models and few steps where a flag allows, so the file runs in well under a minute.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { runCli } from '../src/cli/main.js';
import { captureIo, mnistDir, REPO_ROOT, tempDir } from './helpers.js';

const work = tempDir('convscope-explain-');
const example = (d: number) => join(REPO_ROOT, 'examples', `${d}.png`);
const METHODS = ['saliency', 'gradient-x-input', 'smoothgrad', 'integrated-gradients', 'occlusion', 'gradcam', 'guided-backprop', 'deconvnet'];

async function cli(...argv: string[]) {
  const io = captureIo(work);
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

function png(path: string): PNG {
  return PNG.sync.read(readFileSync(path));
}

const sum = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);

describe('convscope --help', () => {
  it('lists the explanation commands', async () => {
    const r = await cli('--help');
    for (const c of ['explain', 'dream', 'attack', 'fool']) expect(r.out).toContain(c);
  });
});

describe('explain', () => {
  it('lenet integrated-gradients --json: 784 inputs and attributions per image, and Σ attributions = score − baselineScore within 1%', async () => {
    const r = await cli('explain', '--model', 'lenet', '--method', 'integrated-gradients', '--json', example(3), example(7));
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows).toHaveLength(2);
    rows.forEach((row: Record<string, unknown>, k: number) => {
      expect(row['file']).toBe(example([3, 7][k]));
      expect(row['method']).toBe('integrated-gradients');
      expect(row['target']).toBe([3, 7][k]); // the predicted digit
      const input = row['input'] as number[];
      const attributions = row['attributions'] as number[];
      expect(input).toHaveLength(784);
      expect(attributions).toHaveLength(784);
      expect(Math.min(...input)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...input)).toBeLessThanOrEqual(1);
      const diff = (row['score'] as number) - (row['baselineScore'] as number);
      expect(Math.abs(sum(attributions) - diff)).toBeLessThanOrEqual(0.01 * Math.abs(diff));
      expect(row['gap']).toBeLessThan(0.01);
      expect(row['steps']).toBeGreaterThanOrEqual(32);
    });
  });

  it('tiny --method all --out: every method for every image, one decodable 280×316 PNG each', async () => {
    const dir = join(work, 'maps');
    const r = await cli('explain', '--model', 'tiny', '--method', 'all', '--samples', '4', '--steps', '8', '--out', dir, '--json', example(2), example(5));
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows.map((x: { method: string }) => x.method)).toEqual([...METHODS, ...METHODS]);
    for (const row of rows) {
      expect(row.input).toHaveLength(784);
      expect(row.attributions).toHaveLength(784);
      expect(row.attributions.every(Number.isFinite)).toBe(true);
      if (row.method === 'gradcam') expect(row.layer).toBe('sigmoid1');
      if (row.method === 'saliency' || row.method === 'gradcam') expect(Math.min(...row.attributions)).toBeGreaterThanOrEqual(0);
      const file = join(dir, `${row.file.endsWith('2.png') ? 2 : 5}.${row.method}.png`);
      expect(row.png).toBe(file);
      const img = png(file);
      expect([img.width, img.height]).toEqual([280, 316]);
    }
    expect(r.err).toContain(`wrote ${join(dir, '2.saliency.png')}`);
    // Signed maps use the diverging scale (red above zero, blue below), saliency the sequential one (no blue).
    const hues = (file: string) => {
      const img = png(join(dir, file));
      let red = 0;
      let blue = 0;
      for (let i = 0; i < 280 * 280 * 4; i += 4) {
        const [R, , B] = [img.data[i], img.data[i + 1], img.data[i + 2]];
        if (R > B + 40) red++;
        if (B > R + 40) blue++;
      }
      return { red, blue };
    };
    const ig = hues('2.integrated-gradients.png');
    expect(ig.red).toBeGreaterThan(0);
    expect(ig.blue).toBeGreaterThan(0);
    const sal = hues('2.saliency.png');
    expect(sal.red).toBeGreaterThan(0);
    expect(sal.blue).toBe(0);
  });

  it('--target and --layer: Grad-CAM of class 5 at conv1, with a human summary', async () => {
    const r = await cli('explain', '--model', 'cnn', '--method', 'gradcam', '--layer', 'conv1', '--target', '5', example(3));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('gradcam for class 5 (predicted 3');
    expect(r.out).toContain('at layer conv1');
    expect(r.out).toMatch(/strongest pixels: \(x=\d+, y=\d+\)/);
    const j = JSON.parse((await cli('explain', '--model', 'cnn', '--method', 'gradcam', '--layer', 'conv1', '--target', '5', '--json', example(3))).out);
    expect(j[0]).toMatchObject({ target: 5, predicted: 3, layer: 'conv1' });
  });

  it('an unreadable or missing image among good ones gets an error of its own; the others are explained (exit 1, as predict)', async () => {
    const bad = join(work, 'broken.png');
    writeFileSync(bad, 'not an image');
    const r = await cli('explain', '--model', 'tiny', '--method', 'saliency', '--json', example(1), bad, join(work, 'missing.png'), example(4));
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.out);
    expect(rows).toHaveLength(4);
    expect(rows[0].attributions).toHaveLength(784);
    expect(rows[1]).toEqual({ file: bad, error: expect.stringContaining('not a PNG or JPEG') });
    expect(rows[2].error).toContain('no such file');
    expect(rows[3].attributions).toHaveLength(784);
    const human = await cli('explain', '--model', 'tiny', '--method', 'saliency', bad, example(4));
    expect(human.code).toBe(1);
    expect(human.out).toContain(`${bad}: error:`);
    expect(human.out).toContain('saliency for class');
  });

  it.each([
    [['--method', 'heat', example(3)], 2, 'unknown method \'heat\'; expected one of saliency, gradient-x-input, smoothgrad, integrated-gradients, occlusion, gradcam, guided-backprop, deconvnet'],
    [['--method', 'gradcam', '--layer', 'conv9', example(3)], 1, "convscope: --layer: no layer named 'conv9'; the layers are conv1, pool1, conv2, pool2, flatten1, dense1, relu1, dense2"],
    [['--method', 'gradcam', '--layer', 'dense1', example(3)], 1, 'convscope: --layer dense1 (dense) has no feature maps for Grad-CAM; layers that work: conv1, pool1, conv2, pool2'],
    [['--method', 'saliency', '--layer', 'conv1', example(3)], 1, "--layer picks Grad-CAM's layer"],
    [['--method', 'saliency', '--target', '10', example(3)], 1, 'convscope: --target 10 is not a class of lenet: its classes are 0..9'],
    [['--method', 'saliency', '--target', 'x', example(3)], 2, "--target must be an integer ≥ 0, got 'x'"],
    [['--method', 'gradcam', '--model', 'mlp', example(3)], 1, 'convscope: gradcam: the model has no convolution layer'],
    [[example(3)], 2, "required option '--method <name>' not specified"],
  ])('bad input %j → exit %i', async (args, code, message) => {
    const r = await cli('explain', ...args);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });
});

describe('dream', () => {
  it('--class 2 on lenet: a 28×28 image the network calls 2, with its probability', async () => {
    const out = join(work, 'dream-2.png');
    const r = await cli('dream', '--model', 'lenet', '--class', '2', '--steps', '32', '--seed', '1', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const [row] = JSON.parse(r.out);
    expect(row).toMatchObject({ kind: 'class', class: 2, digit: 2, out });
    expect(row.probability).toBeGreaterThan(0.9);
    expect(row.probabilities).toHaveLength(10);
    const img = png(out);
    expect([img.width, img.height]).toEqual([28, 28]);
    const human = await cli('dream', '--model', 'lenet', '--class', '2', '--steps', '32', '--seed', '1', '--out', out);
    expect(human.out).toMatch(/^class 2: logit [\d.]+, p\(2\) = [\d.]+%; the image reads as 2/);
  });

  it('--grid draws every class (tiny, --zoom 2: 5×2 tiles of 56 px, 2 px apart)', async () => {
    const out = join(work, 'dream-grid.png');
    const r = await cli('dream', '--model', 'tiny', '--grid', '--steps', '8', '--zoom', '2', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).map((x: { class: number }) => x.class)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const img = png(out);
    expect([img.width, img.height]).toEqual([5 * 56 + 6 * 2, 2 * 56 + 3 * 2]);
  });

  it('--layer with --channel, --unit, or --grid over its channels', async () => {
    const ch = await cli('dream', '--model', 'cnn', '--layer', 'conv2', '--channel', '13', '--steps', '8', '--out', join(work, 'ch.png'), '--json');
    expect(ch.code, ch.err).toBe(0);
    expect(JSON.parse(ch.out)[0]).toMatchObject({ kind: 'channel', layer: 'conv2', channel: 13 });
    const unit = await cli('dream', '--model', 'cnn', '--layer', 'dense1', '--unit', '3', '--steps', '8', '--out', join(work, 'unit.png'));
    expect(unit.code, unit.err).toBe(0);
    expect(unit.out).toMatch(/dense1 unit 3: activation -?[\d.]+/);
    const grid = await cli('dream', '--model', 'tiny', '--layer', 'conv2', '--grid', '--steps', '8', '--out', join(work, 'conv2-grid.png'), '--json');
    expect(grid.code, grid.err).toBe(0);
    expect(JSON.parse(grid.out).map((x: { channel: number }) => x.channel)).toEqual([0, 1, 2, 3]);
  });

  it.each([
    [['--class', '10', '--out', 'x.png'], 1, 'convscope: --class 10 is not a class of lenet: its classes are 0..9'],
    [['--class', 'x', '--out', 'x.png'], 2, "--class must be an integer ≥ 0, got 'x'"],
    [['--class', '2'], 2, "required option '--out <file.png>' not specified"],
    [['--layer', 'conv9', '--channel', '1', '--out', 'x.png'], 1, "no layer named 'conv9'"],
    [['--layer', 'conv2', '--channel', '50', '--out', 'x.png'], 1, 'convscope: --channel 50 is not in 0..49 of conv2'],
    [['--layer', 'dense1', '--grid', '--out', 'x.png'], 1, 'convscope: --layer dense1 (dense, [500]) has no feature maps: pick --unit I, or a layer with channels: conv1, pool1, conv2, pool2'],
    [['--layer', 'conv2', '--out', 'x.png'], 1, 'needs --channel C (0..49), --unit I, or --grid'],
    [['--out', 'x.png'], 1, 'say what to maximise'],
  ])('bad input %j → exit %i', async (args, code, message) => {
    const r = await cli('dream', ...args);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
    expect(existsSync(join(work, 'x.png'))).toBe(false);
  });
});

describe('attack', () => {
  it('fgsm on lenet: the written 8-bit PNG reads back (predict --no-preprocess) as the reported after digit', async () => {
    const out = join(work, 'adv.png');
    const perturbation = join(work, 'delta.png');
    const r = await cli('attack', '--model', 'lenet', '--method', 'fgsm', '--eps', '0.2', example(3), '--out', out, '--perturbation', perturbation, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ file: example(3), method: 'fgsm', eps: 0.2, target: null, before: 3, out, perturbation });
    expect(j.after).not.toBe(3);
    expect(j.probabilities).toHaveLength(10);
    expect(j.beforeProbabilities).toHaveLength(10);
    expect(j.probabilities[j.after]).toBe(Math.max(...j.probabilities));
    expect(j.linf).toBeLessThanOrEqual(0.2 + 1 / 255);
    expect(j.minEps).toBeGreaterThan(0);
    expect(j.minEps).toBeLessThanOrEqual(1);
    const img = png(out);
    expect([img.width, img.height]).toEqual([28, 28]);
    const back = await cli('predict', '--model', 'lenet', '--no-preprocess', '--json', out);
    expect(back.code, back.err).toBe(0);
    expect(JSON.parse(back.out)[0].digit).toBe(j.after);
    expect([png(perturbation).width, png(perturbation).height]).toEqual([280, 316]);
  });

  it('targeted pgd on cnn prints before → after and the smallest flipping ε', async () => {
    const r = await cli('attack', '--model', 'cnn', '--method', 'pgd', '--steps', '10', '--eps', '0.3', '--target', '8', example(3), '--out', join(work, 'adv8.png'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/examples\/3\.png: 3 \([\d.]+%\) → \d \([\d.]+%\) with PGD toward 8, ε = 0\.3/);
    expect(r.out).toMatch(/wrote .*adv8\.png \(8-bit, rounded .*\): reads as \d/);
    expect(r.out).toMatch(/smallest flipping ε found by bisection: [\d.]+ \(→ 8\)|no ε up to 1/);
  });

  it('--robustness: accuracy against ε on 100 MNIST test images', async () => {
    const r = await cli('attack', '--model', 'cnn', '--robustness', '--data', mnistDir(), '--limit', '100', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ method: 'fgsm', images: 100 });
    expect(j.curve.map((p: { eps: number }) => p.eps)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(j.curve[0].accuracy).toBeGreaterThan(0.9);
    expect(j.curve[6].accuracy).toBeLessThan(j.curve[0].accuracy);
    const table = await cli('attack', '--model', 'tiny', '--robustness', '--data', mnistDir(), '--limit', '100', '--eps', '0,0.1');
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/FGSM on the first 100 mnist test images/);
    expect(table.out).toMatch(/ {2}0\.100 +[\d.]+%/);
  });

  it.each([
    [['--eps', '-0.1', example(3), '--out', 'x.png'], 2, "--eps must be in 0..1 (pixel units), got '-0.1'"],
    [['--eps', '1.5', example(3), '--out', 'x.png'], 2, "--eps must be in 0..1 (pixel units), got '1.5'"],
    [['--eps', '0.1', example(3)], 1, 'convscope: attack: --out FILE.png is required'],
    [['--eps', '0.1', '--target', '10', example(3), '--out', 'x.png'], 1, 'convscope: --target 10 is not a class of lenet: its classes are 0..9'],
    [['--eps', '0.1', '--target', 'x', example(3), '--out', 'x.png'], 2, "--target must be an integer ≥ 0, got 'x'"],
    [['--method', 'bim', '--eps', '0.1', example(3), '--out', 'x.png'], 2, 'Allowed choices are fgsm, pgd'],
    [['--eps', '0.1', 'missing.png', '--out', 'x.png'], 1, 'missing.png: cannot read the image: no such file'],
    [['--robustness', example(3)], 1, 'drop the image argument'],
  ])('bad input %j → exit %i', async (args, code, message) => {
    const r = await cli('attack', '--model', 'lenet', ...args);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
    expect(existsSync(join(work, 'x.png'))).toBe(false);
  });
});

describe('fool', () => {
  it('--class 9 on tiny: noise written as a 28×28 PNG, with the confidence reached', async () => {
    const out = join(work, 'fool.png');
    const r = await cli('fool', '--model', 'tiny', '--class', '9', '--steps', '20', '--seed', '3', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ target: 9, out });
    expect(j.confidence).toBeGreaterThan(0);
    expect(j.confidence).toBeLessThanOrEqual(1);
    expect(typeof j.reached).toBe('boolean');
    expect(j.writtenConfidence).toBeCloseTo(j.confidence, 2);
    expect([png(out).width, png(out).height]).toEqual([28, 28]);
    const human = await cli('fool', '--model', 'tiny', '--class', '9', '--steps', '20', '--seed', '3', '--out', out);
    expect(human.out).toMatch(/p\(9\) = [\d.]+%/);
  });

  it.each([
    [['--class', '10', '--out', 'x.png'], 1, 'convscope: --class 10 is not a class of lenet: its classes are 0..9'],
    [['--class', 'x', '--out', 'x.png'], 2, "--class must be an integer ≥ 0, got 'x'"],
    [['--class', '9'], 2, "required option '--out <file.png>' not specified"],
  ])('bad input %j → exit %i', async (args, code, message) => {
    const r = await cli('fool', ...args);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
    expect(existsSync(join(work, 'x.png'))).toBe(false);
  });
});
