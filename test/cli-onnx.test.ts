/**
 * `convscope export` and ONNX files wherever a model is read: a shipped model exported to ONNX is
 * evaluated, summarised, used for predictions and explained from the .onnx file with the same
 * results as the original; exported back to safetensors it is the same model; bad options and bad
 * files get clear errors.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { readModelFile } from '../src/io/node-model-file.js';
import { captureIo, mnistDir, REPO_ROOT, tempDir } from './helpers.js';

async function cli(args: string[], cwd = REPO_ROOT): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd);
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('convscope export', () => {
  it('cnn → ONNX → evaluate, summary, predict and explain from the .onnx file, the same as the original', async () => {
    const dir = tempDir();
    const onnx = join(dir, 'cnn.onnx');
    const ex = await cli(['export', '--model', 'cnn', '--format', 'onnx', '--out', onnx]);
    expect(ex.code, ex.err).toBe(0);
    expect(ex.out).toMatch(/wrote .*cnn.onnx \(ONNX opset 17, [\d,]+ bytes\): input 'pixels' \[N,1,28,28\] raw pixels in 0..1, output 'logits' \[N,10\]/);
    const a = await cli(['evaluate', '--model', onnx, '--data', mnistDir(), '--json', '--worst', '0']);
    const b = await cli(['evaluate', '--model', 'cnn', '--data', mnistDir(), '--json', '--worst', '0']);
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(a.out).accuracy).toBe(JSON.parse(b.out).accuracy);
    const s = await cli(['summary', '--model', onnx]);
    expect(s.out).toContain('total params: 20,522');
    const p1 = await cli(['predict', '--model', onnx, '--json', 'examples/3.png']);
    const p2 = await cli(['predict', '--model', 'cnn', '--json', 'examples/3.png']);
    expect(JSON.parse(p1.out)[0].digit).toBe(JSON.parse(p2.out)[0].digit);
    const e = await cli(['explain', '--model', onnx, '--method', 'gradcam', '--json', 'examples/3.png']);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out)[0].attributions).toHaveLength(784);
  }, 120_000);

  it('ONNX → safetensors gives back the same model', async () => {
    const dir = tempDir();
    const onnx = join(dir, 'mlp.onnx');
    const back = join(dir, 'mlp-again.safetensors');
    expect((await cli(['export', '--model', 'mlp', '--out', onnx])).code).toBe(0);
    const r = await cli(['export', '--model', onnx, '--format', 'safetensors', '--out', back]);
    expect(r.code, r.err).toBe(0);
    const a = await readModelFile(join(REPO_ROOT, 'models', 'mlp.safetensors'));
    const b = await readModelFile(back);
    expect(b.model.spec).toEqual(a.model.spec);
    b.model.params.forEach((p, i) => expect(Array.from(p.value.data)).toEqual(Array.from(a.model.params[i].value.data)));
    expect(b.metadata.testAccuracy).toBe(a.metadata.testAccuracy);
  });

  it('refuses an opset the deskew cannot use, an unknown format, and a file that is not ONNX', async () => {
    const dir = tempDir();
    const r1 = await cli(['export', '--model', 'mlp', '--opset', '15', '--out', join(dir, 'x.onnx')]);
    expect(r1.code).toBe(1);
    expect(r1.err).toContain('export: the deskew step needs GridSample, opset 16 or later; got --opset 15');
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
    const r2 = await cli(['export', '--model', 'mlp', '--format', 'tflite', '--out', join(dir, 'x.tflite')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/'tflite' is invalid. Allowed choices are onnx, safetensors/);
    writeFileSync(join(dir, 'bad.onnx'), 'not a model at all');
    const r3 = await cli(['summary', '--model', join(dir, 'bad.onnx')]);
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/bad.onnx: (not a valid ONNX protobuf|the model has no graph)/);
  });
});
