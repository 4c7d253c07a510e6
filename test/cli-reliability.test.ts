/**
 * `convscope train` when things go wrong: a run that diverges stops with the step and layer named
 * and leaves the previous model file as it was (tiny at --lr 1e6 used to overwrite a good model with
 * a 16–36% one and exit 0; the cnn at --lr 1e25 wrote NaN weights on the SIMD kernels and finite
 * 1e25 ones on the reference, now both stop at the same step); an output that cannot be written
 * is reported before any data is read; checkpoints come after every epoch and go when the run ends.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { captureIo, mnistDir, tempDir } from './helpers.js';

const work = tempDir('convscope-reliability-');

async function cli(...argv: string[]) {
  const io = captureIo(work);
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('a run that diverges', () => {
  const good = join(work, 'tiny.safetensors');
  let before: Buffer;
  beforeAll(async () => {
    const r = await cli('train', '--model', 'tiny', '--epochs', '1', '--limit', '3200', '--no-calibrate', '--data', mnistDir(), '--out', good);
    expect(r.code, r.err).toBe(0);
    before = readFileSync(good);
  }, 60_000);

  it('tiny at --lr 1e6: the loss explodes, training stops at step 6, the good model is kept, exit 1', async () => {
    const r = await cli('train', '--model', 'tiny', '--epochs', '1', '--limit', '3200', '--lr', '1e6', '--no-calibrate', '--data', mnistDir(), '--out', good);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "convscope: training diverged at step 6 (epoch 1, batch 6): the loss has stayed above 22.96 (10× the first batch's 2.296) for 5 batches, now ",
    );
    expect(r.err).toContain(`Nothing was saved: ${good} is as it was. A lower --lr (now 1000000) usually helps.`);
    expect(r.err).not.toContain('saved ');
    expect(readFileSync(good).equals(before)).toBe(true);
    expect(readdirSync(work).filter((f) => f.startsWith('.') || f.includes('ckpt'))).toEqual([]);
  });

  it('a run that diverges in epoch 2 keeps the checkpoint of epoch 1, and says so', async () => {
    const dir = join(work, 'late');
    mkdirSync(dir);
    const out = join(dir, 'm.safetensors');
    // lr 1e-3 for epoch 1, then ×1e6
    const r = await cli('train', '--model', 'tiny', '--epochs', '3', '--limit', '1280', '--schedule', 'step:1:1e6', '--no-calibrate', '--data', mnistDir(), '--out', out);
    expect(r.code).toBe(1);
    const ckpt = join(dir, 'm.ckpt.safetensors');
    expect(r.err).toContain(`checkpoint saved to ${ckpt} (epoch 1 of 3 done)`);
    expect(r.err).toMatch(/training diverged at step 2\d \(epoch 2, batch \d+\): the loss has stayed above/);
    expect(r.err).toContain(`Nothing was saved: ${out} is as it was; the checkpoint after epoch 1, ${ckpt}, is kept`);
    expect(readdirSync(dir)).toEqual(['m.ckpt.safetensors']);
  });

  it.each(['wasm', 'ts'])('cnn at --lr 1e25 on the %s kernels: NaN in dense1\'s gradient at step 2, nothing written', async (kernels) => {
    const out = join(work, `cnn-${kernels}.safetensors`);
    const r = await cli('--kernels', kernels, 'train', '--model', 'cnn', '--epochs', '1', '--limit', '640', '--lr', '1e25', '--no-calibrate', '--data', mnistDir(), '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /convscope: training diverged at step 2 \(epoch 1, batch 2\): the gradient of dense1\.weight \(layer dense1\) holds non-finite values \(Σg² = NaN\); the step was not applied \(loss 1\.031e\+25\)\. Nothing was saved/,
    );
    expect(readdirSync(work)).not.toContain(`cnn-${kernels}.safetensors`);
  });
});

describe('an output that cannot be written is reported before training (and before any data is read)', () => {
  // `--data work` has no MNIST: reaching the data would fail differently
  it('a missing directory', async () => {
    const out = join(work, 'no-such-dir', 'm.safetensors');
    const r = await cli('train', '--model', 'tiny', '--data', work, '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`convscope: cannot write ${out} (checked before starting: failed to create a file in its directory): directory ${join(work, 'no-such-dir')} does not exist\n`);
  });

  it('a directory that is a file', async () => {
    writeFileSync(join(work, 'plain-file'), '');
    const out = join(work, 'plain-file', 'm.safetensors');
    const r = await cli('train', '--model', 'tiny', '--data', work, '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`convscope: cannot write ${out}: part of its directory ${join(work, 'plain-file')} is a file, not a directory\n`);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only directory (not as root, who may write anywhere)', async () => {
    const ro = join(work, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      const r = await cli('train', '--model', 'tiny', '--data', work, '--out', join(ro, 'm.safetensors'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/checked before starting: failed to create a file in its directory\): EACCES/);
    } finally {
      chmodSync(ro, 0o755);
    }
  });
});

describe('--checkpoint-every', () => {
  const args = (out: string) => ['train', '--model', 'tiny', '--epochs', '3', '--limit', '256', '--no-calibrate', '--data', mnistDir(), '--out', out];

  it('saves a checkpoint after every epoch but the last by default, and removes it when the run is saved', async () => {
    const dir = join(work, 'every');
    mkdirSync(dir);
    const out = join(dir, 'm.safetensors');
    const r = await cli(...args(out));
    expect(r.code, r.err).toBe(0);
    const ckpt = join(dir, 'm.ckpt.safetensors');
    expect(r.err.match(/^checkpoint saved to .*$/gm)).toEqual([`checkpoint saved to ${ckpt} (epoch 1 of 3 done)`, `checkpoint saved to ${ckpt} (epoch 2 of 3 done)`]);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
  });

  it('every 2 epochs, or never (0) except on Ctrl-C; the same final bytes either way', async () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    mkdirSync(a);
    mkdirSync(b);
    const two = await cli(...args(join(a, 'm.safetensors')), '--checkpoint-every', '2');
    const none = await cli(...args(join(b, 'm.safetensors')), '--checkpoint-every', '0');
    expect(two.err.match(/^checkpoint saved.*$/gm)).toEqual([`checkpoint saved to ${join(a, 'm.ckpt.safetensors')} (epoch 2 of 3 done)`]);
    expect(none.err).not.toContain('checkpoint saved');
    const weights = (f: string) => {
      const bytes = readFileSync(f);
      return bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)));
    };
    expect(weights(join(a, 'm.safetensors')).equals(weights(join(b, 'm.safetensors')))).toBe(true);
  });
});
