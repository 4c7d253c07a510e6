import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { runCli } from '../src/cli/main.js';
import { readModelFile as loadModelFile, writeModelFile } from '../src/io/node-model-file.js';
import { Sequential } from '../src/nn/model.js';
import { ZOO } from '../src/models/zoo.js';
import { predict } from '../src/nn/predict.js';
import { preprocessDigit } from '../src/data/preprocess.js';
import { readImageFile } from '../src/data/node-image.js';
import { loadModel } from '../src/index.js';
import { captureIo, mnistDir, REPO_ROOT, tempDir } from './helpers.js';

const work = tempDir();
/** trained by the first block below, used by the later ones */
const model = join(work, 'mlp.safetensors');

async function cli(...argv: string[]) {
  const io = captureIo(work);
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('convscope --help and summary', () => {
  it('lists every command', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of ['train', 'evaluate', 'predict', 'summary', 'demo']) expect(r.out).toContain(c);
  });

  it.each([
    ['mlp', '13,002'],
    ['tiny', '1,138'],
    ['lenet', '431,080'],
    ['cnn', '20,522'],
  ])('summary --model %s prints every layer and %s parameters', async (name, total) => {
    const r = await cli('summary', '--model', name);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`total params: ${total}`);
    expect(r.out).toMatch(/output shape/);
  });

  it('lenet summary shows the lesson shapes', async () => {
    const r = await cli('summary', '--model', 'lenet');
    for (const s of ['[N,20,24,24]', '[N,20,12,12]', '[N,50,8,8]', '[N,50,4,4]', '[N,500]', '[N,10]']) expect(r.out).toContain(s);
  });
});

describe('train → evaluate → predict on real MNIST', () => {
  beforeAll(async () => {
    const r = await cli('train', '--model', 'mlp', '--epochs', '1', '--limit', '4000', '--batch', '32', '--lr', '0.003', '--data', mnistDir(), '--out', model);
    expect(r.code, r.err).toBe(0);
  }, 60_000);

  it('writes a model file whose recorded accuracy evaluate reproduces', async () => {
    expect(existsSync(model)).toBe(true);
    // calibrated after training, with Fashion-MNIST in its report
    const { model: m } = await loadModelFile(model);
    expect(m.ood?.method).toBe('combined');
    expect((m.ood?.report?.['sets'] as Record<string, { auroc: number }>)['fashion'].auroc).toBeGreaterThan(0.5);
    const r = await cli('evaluate', '--model', model, '--data', mnistDir(), '--json');
    expect(r.code, r.err).toBe(0);
    const ev = JSON.parse(r.out);
    expect(ev.accuracy).toBeGreaterThan(0.6); // chance is 0.1
    expect(ev.accuracy).toBe(ev.recordedAccuracy);
    expect(ev.total).toBe(10000);
    expect(ev.confusion).toHaveLength(10);
    expect(ev.perClass).toHaveLength(10);
  });

  it('evaluate prints accuracy, per-class accuracy, the confusion matrix and worst examples', async () => {
    const r = await cli('evaluate', '--model', model, '--data', mnistDir(), '--limit', '500', '--worst', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/accuracy: \d+\.\d\d% \(\d+\/500\)/);
    expect(r.out).toContain('confusion matrix');
    expect(r.out).toMatch(/test #\d+: true \d/);
  });

  it('predict --json classifies images and reports unreadable ones without stopping', async () => {
    const bad = join(work, 'broken.png');
    writeFileSync(bad, 'not an image');
    const r = await cli('predict', '--model', model, '--json', join(REPO_ROOT, 'examples', '1.png'), bad, join(REPO_ROOT, 'examples', '7.png'));
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out);
    expect(out).toHaveLength(3);
    expect(out[0].file).toContain('1.png');
    expect(out[0].probabilities).toHaveLength(10);
    expect(out[0].probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    expect(out[0].digit).toBe(out[0].probabilities.indexOf(Math.max(...out[0].probabilities)));
    expect(out[1].error).toMatch(/broken\.png/);
    expect(out[2].digit).toBeTypeOf('number');
  });

  it('predict says so when an image is blank', async () => {
    const png = new PNG({ width: 40, height: 30 });
    png.data.fill(255);
    const blank = join(work, 'blank.png');
    writeFileSync(blank, PNG.sync.write(png));
    const r = await cli('predict', '--model', model, '--json', blank);
    expect(JSON.parse(r.out)[0].error).toMatch(/no ink/);
  });
});

describe('predict --no-preprocess', () => {
  /** A gray PNG of these 0..255 bytes (row-major, width × height). */
  function grayPng(file: string, bytes: Uint8Array, width: number, height: number): string {
    const png = new PNG({ width, height });
    bytes.forEach((v, i) => png.data.set([v, v, v, 255], i * 4));
    const path = join(work, file);
    writeFileSync(path, PNG.sync.write(png));
    return path;
  }

  // a 28×28 MNIST-style digit: examples/7.png preprocessed by the library, rounded to bytes
  let seven: Uint8Array;
  beforeAll(async () => {
    const pre = preprocessDigit(await readImageFile(join(REPO_ROOT, 'examples', '7.png')), { range: '0..255' });
    seven = Uint8Array.from(pre.pixels, (v) => Math.round(v * 255));
  });

  it('classifies a 28×28 image exactly as the library does on those pixels (shipped lenet)', async () => {
    const file = grayPng('seven-28.png', seven, 28, 28);
    const r = await cli('predict', '--model', 'lenet', '--no-preprocess', '--json', file);
    expect(r.code, r.err).toBe(0);
    const [out] = JSON.parse(r.out);
    const lib = predict(await loadModel('lenet'), Float32Array.from(seven, (v) => v / 255));
    expect(out.digit).toBe(lib.digit);
    // the CLI may run other kernels than the library here (SIMD vs TypeScript): equal to float rounding
    expect(out.probabilities).toEqual(Array.from(lib.probabilities.data, (p) => expect.closeTo(p, 5)));
  });

  it('gives a clear error for a 30×30 image and a dark-on-light one, exits non-zero, and still classifies the others', async () => {
    const good = grayPng('seven-28b.png', seven, 28, 28);
    const big = new Uint8Array(30 * 30);
    for (let y = 0; y < 28; y++) big.set(seven.subarray(y * 28, (y + 1) * 28), (y + 1) * 30 + 1);
    const wide = grayPng('seven-30.png', big, 30, 30);
    const paper = grayPng('seven-paper.png', seven.map((v) => 255 - v), 28, 28);
    const r = await cli('predict', '--model', 'lenet', '--no-preprocess', '--json', wide, good, paper);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out);
    expect(out[0]).toEqual({ file: wide, error: '--no-preprocess needs a 28×28 image, got 30×30' });
    expect(out[1].digit).toBe(predict(await loadModel('lenet'), Float32Array.from(seven, (v) => v / 255)).digit);
    expect(out[2].error).toMatch(/^--no-preprocess needs MNIST polarity \(0 = background, 255 = ink\), but the image's border is light/);
    const text = await cli('predict', '--model', 'lenet', '--no-preprocess', wide);
    expect(text.code).toBe(1);
    expect(text.out).toBe(`${wide}: error: --no-preprocess needs a 28×28 image, got 30×30\n`);
    // without the flag the same 30×30 image is preprocessed and classified
    const pre = await cli('predict', '--model', 'lenet', '--json', wide);
    expect(pre.code, pre.out).toBe(0);
  });

  it('refuses a model that does not take one-channel images', async () => {
    const file = join(work, 'flat.safetensors');
    await writeModelFile(file, new Sequential({ input: [784], layers: [{ kind: 'dense', units: 10 }] }), { name: 'flat' });
    const r = await cli('predict', '--model', file, '--no-preprocess', join(REPO_ROOT, 'examples', '7.png'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--no-preprocess needs a model of one-channel images [1,H,W]; ${file} takes [784]`);
  });
});

describe('Fashion-MNIST (Debian package dataset-fashion-mnist)', () => {
  it('trains with --dataset fashion, and evaluate uses the data set the file records', async () => {
    const file = join(work, 'fashion.safetensors');
    const t = await cli('train', '--model', 'cnn', '--dataset', 'fashion', '--epochs', '1', '--limit', '2000', '--out', file);
    expect(t.code, t.err).toBe(0);
    expect(t.err).toContain('fashion-mnist');
    const r = await cli('evaluate', '--model', file, '--json', '--limit', '1000');
    expect(r.code, r.err).toBe(0);
    const ev = JSON.parse(r.out);
    expect(ev.dataset).toBe('fashion');
    expect(ev.accuracy).toBeGreaterThan(0.3); // ten clothing classes: chance is 0.1
  });
});

describe('demo', () => {
  it('classifies the drawn example digits when no data directory is given', async () => {
    const r = await cli('demo', '--model', 'mlp', '--count', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/examples\/0\.png: predicted \d with \d+\.\d%/);
    expect(r.out).toMatch(/[#%@]{3}/); // the ASCII rendering
  });

  it('takes MNIST test digits from --data and marks right and wrong', async () => {
    const r = await cli('demo', '--model', model, '--data', mnistDir(), '--count', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/MNIST test #\d+: predicted \d/g)).toHaveLength(3);
    expect(r.out).toMatch(/[✓✗]/);
  });
});

describe('bad input gets a clear error', () => {
  // Each error comes before any data is read, so `--data` names `work`, a folder without MNIST.
  it('unknown zoo model', async () => {
    const r = await cli('train', '--model', 'resnet', '--data', work);
    expect(r.code).toBe(1);
    expect(r.err).toContain("--model 'resnet' is neither a zoo model (mlp, tiny, lenet, cnn) nor a .json architecture spec");
  });

  it('a flag with a bad value names the flag', async () => {
    const r = await cli('train', '--model', 'mlp', '--epochs', '0');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--epochs must be an integer ≥ 1, got \'0\'');
    const s = await cli('train', '--model', 'mlp', '--schedule', 'zigzag', '--data', work, '--limit', '10');
    expect(s.err).toContain("unknown schedule 'zigzag'");
  });

  it('a missing model file', async () => {
    const r = await cli('evaluate', '--model', 'nope.safetensors', '--data', work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/model file .*nope\.safetensors does not exist/);
  });

  it('a truncated model file', async () => {
    const file = join(work, 'cut.safetensors');
    await writeModelFile(file, new Sequential(ZOO['tiny'].spec), { name: 'tiny' });
    writeFileSync(file, readFileSync(file).subarray(0, 500));
    const r = await cli('evaluate', '--model', file, '--data', work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cut\.safetensors: .*(header|bytes)/);
  });

  it('a data directory without MNIST', async () => {
    const r = await cli('evaluate', '--model', 'mlp', '--data', work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/idx|MNIST|t10k/);
  });

  it('a malformed JSON architecture spec', async () => {
    const spec = join(work, 'bad-spec.json');
    writeFileSync(spec, JSON.stringify({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 4, k: 30 }] }));
    const r = await cli('train', '--model', spec, '--data', work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/layers\[0\] \(conv2d\): .*does not fit input 28×28/);
  });
});

describe('Ctrl-C during training', () => {
  it('saves a checkpoint, and --resume gives the same bytes as an uninterrupted run, recorded command included', async () => {
    // The same command line twice: the resumed file must equal the uninterrupted one byte for byte.
    const out = join(work, 'interrupted.safetensors');
    const args = ['train', '--model', 'tiny', '--epochs', '2', '--limit', '6400', '--batch', '32', '--augment', '--data', mnistDir(), '--out', out];
    const w = await cli(...args);
    expect(w.code, w.err).toBe(0);
    const whole = join(work, 'whole.safetensors');
    renameSync(out, whole);

    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'cli-entry.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /epoch 1\/2 batch \d+\/200/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, stderr).toBe(130);
    const ckpt = join(work, 'interrupted.ckpt.safetensors');
    expect(stderr).toContain(`checkpoint saved to ${ckpt}`);
    expect(existsSync(out)).toBe(false);

    const wrongData = await cli('train', '--resume', ckpt, '--dataset', 'fashion', '--out', out);
    expect(wrongData.code).toBe(1);
    expect(wrongData.err).toContain('the checkpoint was trained on mnist, but the data found now (fashion) has other files');
    const r = await cli('train', '--resume', ckpt, '--data', mnistDir(), '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/resuming tiny from .* at epoch [12], batch \d+/);
    const header = (f: string) => {
      const bytes = readFileSync(f);
      return JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as { __metadata__: Record<string, string> };
    };
    // the command that started the run, not the one that resumed it
    expect(JSON.parse(header(out).__metadata__['command']!)).toBe(`convscope ${args.join(' ')}`);
    expect(header(out)).toEqual(header(whole));
    expect(readFileSync(out).equals(readFileSync(whole))).toBe(true);
    // the finished run's checkpoint is gone
    expect(existsSync(ckpt)).toBe(false);
  }, 120_000);
});
