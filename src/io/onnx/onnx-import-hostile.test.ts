/**
 * importOnnx on graphs made to hurt (found by the fuzzer, test/fuzz): an attribute with no string
 * is an OnnxError naming the node, not a TypeError; a graph of many nodes costs linear time; a
 * graph whose layers imply far more weights than it holds, or whose stored convscope spec claims
 * a huge model, is judged by arithmetic before anything that size is allocated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../nn/model.js';
import { ATTR, OnnxError, decodeOnnx, encodeOnnx, floatBytes, TENSOR_FLOAT, type OnnxModel } from './onnx-codec.js';
import { exportOnnx } from './onnx-export.js';
import { importOnnx } from './onnx-import.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** flatten → dense 3 over a [1,H,W] input, as convscope exports it. */
const small = (H = 4, W = 4): OnnxModel => decodeOnnx(exportOnnx(new Sequential({ input: [1, H, W], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 3 }] }, 1)));

function timed<T>(f: () => T): { value: T | Error; ms: number } {
  const start = performance.now();
  try {
    return { value: f(), ms: performance.now() - start };
  } catch (e) {
    return { value: e as Error, ms: performance.now() - start };
  }
}

describe('importOnnx on hostile graphs', () => {
  it("a Pad whose 'mode' and a Conv whose 'auto_pad' hold no string: OnnxError naming the node", () => {
    const torch = decodeOnnx(readFileSync(join(FIXTURES, 'torch-cnn-opset11.onnx')));
    const pad = torch.graph!.node!.findIndex((n) => n.op_type === 'Pad');
    torch.graph!.node![pad].attribute = [...(torch.graph!.node![pad].attribute ?? []).filter((a) => a.name !== 'mode'), { name: 'mode', type: ATTR.STRING }];
    expect(() => importOnnx(encodeOnnx(torch), 'pad.onnx')).toThrow(OnnxError);
    expect(() => importOnnx(encodeOnnx(torch), 'pad.onnx')).toThrow(new RegExp(`^pad.onnx: node ${pad} \\(Pad '[^']*'\\): attribute 'mode' holds no string \\(type 3\\)$`));
    const conv = decodeOnnx(readFileSync(join(FIXTURES, 'torch-cnn-opset11.onnx')));
    const c = conv.graph!.node!.findIndex((n) => n.op_type === 'Conv');
    conv.graph!.node![c].attribute = [...(conv.graph!.node![c].attribute ?? []), { name: 'auto_pad', type: ATTR.STRING }];
    expect(() => importOnnx(encodeOnnx(conv), 'conv.onnx')).toThrow(`conv.onnx: node ${c} (Conv '/1/Conv'): attribute 'auto_pad' holds no string (type 3)`);
  });

  it('30,000 Identity nodes in the chain: linear time', () => {
    const m = small();
    const nodes = m.graph!.node!;
    const first = nodes.findIndex((n) => n.input?.[0] === 'pixels');
    const ids = Array.from({ length: 30_000 }, (_, i) => ({ op_type: 'Identity', input: [i === 0 ? 'pixels' : `id${i - 1}`], output: [`id${i}`], name: `id${i}` }));
    nodes[first] = { ...nodes[first], input: ['id29999', ...(nodes[first].input ?? []).slice(1)] };
    m.graph!.node = [...ids, ...nodes];
    const bytes = encodeOnnx(m);
    const r = timed(() => importOnnx(bytes, 'identities.onnx'));
    expect(r.value).not.toBeInstanceOf(Error);
    expect(r.ms).toBeLessThan(1500);
  });

  it('a MatMul whose 65,536 outputs need 51 million weights it does not hold: refused before they are allocated', () => {
    const m = small(28, 28);
    const w = m.graph!.initializer!.find((t) => t.name === 'dense1.weight')!;
    // [in=10, out=65536]: 2.6 MB of weights, but the layer follows a flatten of 784 values
    Object.assign(w, { dims: [10, 65536], data_type: TENSOR_FLOAT, raw_data: floatBytes(new Float32Array(10 * 65536)) });
    const gemm = m.graph!.node!.find((n) => n.op_type === 'Gemm' || n.op_type === 'MatMul')!;
    gemm.attribute = (gemm.attribute ?? []).filter((a) => a.name !== 'transB');
    m.graph!.node = m.graph!.node!.map((n) => (n === gemm ? { ...n, input: (n.input ?? []).slice(0, 2) } : n));
    const bytes = encodeOnnx(m);
    const r = timed(() => importOnnx(bytes, 'wide.onnx'));
    expect(r.value).toBeInstanceOf(OnnxError);
    expect((r.value as Error).message).toBe("wide.onnx: dense1.weight has 655360 values; the layer's shape [65536,784] needs 51380224 (the input to this layer does not match its weights)");
    expect(r.ms).toBeLessThan(500);
  });

  it('a stored convscope spec claiming 4.7·10⁷ weights is compared by arithmetic, never built', () => {
    const m = small(28, 28);
    m.metadata_props = [...(m.metadata_props ?? []).filter((p) => p.key !== 'convscope.spec'), { key: 'convscope.spec', value: JSON.stringify({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 60000 }] }) }];
    const bytes = encodeOnnx(m);
    const r = timed(() => importOnnx(bytes, 'claims.onnx'));
    expect(r.value).not.toBeInstanceOf(Error);
    expect(r.ms).toBeLessThan(500);
  });
});
