/**
 * `convscope predict` on model files made to hurt: each is refused with one `convscope: …` line
 * and a non-zero exit, never a stack trace, never a printed digit.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { MODEL_FORMAT } from '../src/io/model-file.js';
import { writeModelFile } from '../src/io/node-model-file.js';
import { Sequential } from '../src/nn/model.js';
import { captureIo, REPO_ROOT, tempDir } from './helpers.js';

const work = tempDir();
const digit = join(REPO_ROOT, 'examples', '7.png');

function specOnly(name: string, spec: unknown): string {
  const path = join(work, name);
  writeFileSync(path, encodeSafetensors({}, { format: MODEL_FORMAT, spec: JSON.stringify(spec) }));
  return path;
}

async function predict(model: string) {
  const io = captureIo(work, { CONVSCOPE_KERNELS: 'ts' });
  const code = await runCli(['predict', '--model', model, digit], io);
  return { code, out: io.stdout, err: io.stderr };
}

function refused(r: { code: number; out: string; err: string }, message: string | RegExp): void {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toMatch(/^convscope: /m);
  expect(r.err).not.toMatch(/unexpected error|RangeError|TypeError|\n\s+at /);
  expect(r.err).toMatch(message);
}

describe('convscope predict refuses hostile model files', () => {
  it('a 136-byte file claiming a dense layer of 10⁶ units: refused at once', async () => {
    const start = performance.now();
    refused(await predict(specOnly('million.safetensors', { input: [1000], layers: [{ kind: 'dense', units: 1e6 }] })), /million\.safetensors: metadata 'spec': layers\[0\] \(dense\): dense1: 1,000,000 units is over the limit of 65,536/);
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('10⁹ units, 10⁹ channels, a 10⁵-wide kernel with pad same: no RangeError', async () => {
    refused(await predict(specOnly('units.safetensors', { input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 1e9 }] })), /1,000,000,000 units is over the limit/);
    refused(await predict(specOnly('channels.safetensors', { input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1e9, k: 1 }] })), /1,000,000,000 output channels is over the limit/);
    refused(await predict(specOnly('kernel.safetensors', { input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1, k: 1e5, pad: 'same' }] })), /kernel side 100,000 is over the limit of 1,024/);
  });

  it('10⁴ ReLU layers: over the layer limit; 999 of them (784 outputs, no labels): not a digit classifier', async () => {
    const relus = (n: number) => Array.from({ length: n }, () => ({ kind: 'relu' }));
    refused(await predict(specOnly('relus.safetensors', { input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...relus(1e4)] })), /10,001 layers is over the limit of 1,000/);
    refused(
      await predict(specOnly('relus999.safetensors', { input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...relus(999)] })),
      /relus999\.safetensors gives 784 values per sample \[784\] but has 10 labels \(its spec names none, so the digits 0–9\)/,
    );
  });

  it('finite weights of 3e38: a NumericError naming the layer, not "0 (NaN%)" with exit 0', async () => {
    const m = new Sequential({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }] });
    m.params[0].value.data.fill(3e38);
    const path = join(work, 'huge-weights.safetensors');
    await writeModelFile(path, m, {});
    const r = await predict(path);
    refused(r, /^convscope: predict: the prediction is not a number: values first stop being finite in the output of dense1 \(layers\[1\], dense\)/m);
    expect(r.err).not.toContain('NaN%');
  });
});
