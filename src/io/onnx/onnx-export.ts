/**
 * A Sequential as an ONNX model that ONNX Runtime (and so PyTorch, C++, mobile, Triton) can run:
 * input `pixels` [N,1,28,28] (any per-sample input shape) of raw pixels in 0..1, ink = 1, as model
 * files take them, dynamic batch; output `logits` (the model's last layer). Every layer kind maps
 * to one standard op (dropout to Dropout in inference mode: the identity); the input normalisation becomes Sub/Div, and the mlp's
 * deskew its moments (ReduceSum over the image), the shear α = cov(x,y)/var(y) and a GridSample
 * (opset 16+) that samples each row at x + α(y − ȳ) with the engine's linear interpolation and
 * zeros outside. The model's metadata travels in metadata_props and doc strings.
 */
import { SpecError } from '../../engine/errors.js';
import type { Sequential } from '../../nn/model.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from '../../nn/layers/pool.js';
import { LeakyRelu } from '../../nn/layers/activations.js';
import { BatchNorm } from '../../nn/layers/batchnorm.js';
import type { ModelMetadata } from '../model-file.js';
import { ATTR, TENSOR_DOUBLE, TENSOR_FLOAT, TENSOR_INT64, doubleBytes, encodeOnnx, floatBytes, int64Bytes, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnx-codec.js';

export const ONNX_INPUT = 'pixels';
export const ONNX_OUTPUT = 'logits';
export const DEFAULT_OPSET = 17;

export interface OnnxExportOptions {
  /** the ai.onnx opset; default 17 (16 or later for the deskew's GridSample; 13 at least) */
  opset?: number;
  metadata?: ModelMetadata;
  producerVersion?: string;
}

const ints = (name: string, v: readonly number[]): OnnxAttribute => ({ name, type: ATTR.INTS, ints: [...v] });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: ATTR.INT, i: v });
const float = (name: string, v: number): OnnxAttribute => ({ name, type: ATTR.FLOAT, f: v });
const str = (name: string, v: string): OnnxAttribute => ({ name, type: ATTR.STRING, s: new TextEncoder().encode(v) });

/** Builds the graph one node at a time, naming intermediate values. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private count = 0;

  node(op: string, inputs: string[], attrs: OnnxAttribute[] = [], name?: string, output?: string): string {
    const out = output ?? `${name ?? op.toLowerCase()}_${this.count++}`;
    this.nodes.push({ op_type: op, input: inputs, output: [out], name: name ?? `${op}_${this.count}`, attribute: attrs });
    return out;
  }

  floats(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims: [...dims], data_type: TENSOR_FLOAT, raw_data: floatBytes(data) });
    return name;
  }

  doubles(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    this.initializers.push({ name, dims: [...dims], data_type: TENSOR_DOUBLE, raw_data: doubleBytes(data) });
    return name;
  }

  scalar(name: string, v: number): string {
    return this.floats(name, [], Float32Array.of(v));
  }

  int64s(name: string, data: readonly number[]): string {
    this.initializers.push({ name, dims: [data.length], data_type: TENSOR_INT64, raw_data: int64Bytes(data) });
    return name;
  }
}

/**
 * The deskew of deskew.ts in standard ops; x [N,1,H,W] → the sheared image. The moments are taken
 * in double precision, as the engine takes them: in float32 the shear of a faint image drifts by
 * enough to move the mlp's logits by 1.5e-4.
 */
function deskewNodes(g: GraphBuilder, input: string, H: number, W: number): string {
  const x = g.node('Cast', [input], [int('to', TENSOR_DOUBLE)], 'deskew.as_double');
  const xs = g.doubles('deskew.xs', [1, 1, 1, W], Array.from({ length: W }, (_, i) => i));
  const ys = g.doubles('deskew.ys', [1, 1, H, 1], Array.from({ length: H }, (_, i) => i));
  const axes = g.int64s('deskew.axes', [2, 3]);
  const sum = (v: string, name: string): string => g.node('ReduceSum', [v, axes], [int('keepdims', 1)], name);
  const m = sum(x, 'deskew.mass');
  const mx = g.node('Div', [sum(g.node('Mul', [x, xs]), 'deskew.sum_x'), m], [], 'deskew.mean_x');
  const my = g.node('Div', [sum(g.node('Mul', [x, ys]), 'deskew.sum_y'), m], [], 'deskew.mean_y');
  const dxs = g.node('Sub', [xs, mx], [], 'deskew.dx');
  const dys = g.node('Sub', [ys, my], [], 'deskew.dy');
  const cxy = sum(g.node('Mul', [g.node('Mul', [dxs, dys]), x]), 'deskew.cov_xy');
  const cyy = sum(g.node('Mul', [g.node('Mul', [dys, dys]), x]), 'deskew.var_y');
  const eps = g.doubles('deskew.eps', [], [1e-6]);
  const zeroD = g.doubles('deskew.zero_d', [], [0]);
  const zero = g.scalar('deskew.zero', 0);
  // α = cov/var where the image has ink and spread, else 0 (the division's NaN is never selected).
  const ok = g.node('And', [g.node('Greater', [m, eps]), g.node('Greater', [cyy, eps])], [], 'deskew.has_ink');
  const alpha = g.node('Where', [ok, g.node('Div', [cxy, cyy], [], 'deskew.ratio'), zeroD], [], 'deskew.alpha');
  // The engine keeps α and ȳ as float32 and forms α·(y − ȳ) from those.
  const alpha32 = g.node('Cast', [alpha], [int('to', TENSOR_FLOAT)], 'deskew.alpha_f32');
  const my32 = g.node('Cast', [my], [int('to', TENSOR_FLOAT)], 'deskew.mean_y_f32');
  const ys32 = g.floats('deskew.ys_f32', [1, 1, H, 1], Float32Array.from({ length: H }, (_, i) => i));
  const xs32 = g.floats('deskew.xs_f32', [1, 1, 1, W], Float32Array.from({ length: W }, (_, i) => i));
  const shift = g.node('Mul', [alpha32, g.node('Sub', [ys32, my32])], [], 'deskew.shift'); // [N,1,H,1]
  // GridSample with align_corners = 1: pixel i ↔ 2i/(W−1) − 1.
  const gx = g.node('Sub', [g.node('Mul', [g.node('Add', [xs32, shift]), g.scalar('deskew.sx', 2 / (W - 1))]), g.scalar('deskew.one_x', 1)], [], 'deskew.grid_x');
  const gyConst = g.floats('deskew.grid_y_rows', [1, 1, H, 1], Float32Array.from({ length: H }, (_, i) => (2 * i) / (H - 1) - 1));
  const gy = g.node('Add', [gyConst, g.node('Mul', [gx, zero])], [], 'deskew.grid_y'); // broadcast to gx's shape
  const last = g.int64s('deskew.last_axis', [4]);
  const grid5 = g.node('Concat', [g.node('Unsqueeze', [gx, last]), g.node('Unsqueeze', [gy, last])], [int('axis', 4)], 'deskew.grid5');
  const grid = g.node('Squeeze', [grid5, g.int64s('deskew.channel_axis', [1])], [], 'deskew.grid');
  return g.node('GridSample', [input, grid], [str('mode', 'bilinear'), str('padding_mode', 'zeros'), int('align_corners', 1)], 'deskew');
}

/** The ONNX bytes of a model (see the header). */
export function exportOnnx(model: Sequential, opts: OnnxExportOptions = {}): Uint8Array {
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new SpecError(`export: --opset must be an integer in 13..21 (Softmax and Squeeze as in opset 13), got ${opset}`);
  const spec = model.spec;
  if (spec.deskew && opset < 16) throw new SpecError(`export: the deskew step needs GridSample, opset 16 or later; got --opset ${opset}`);
  const g = new GraphBuilder();
  let h = ONNX_INPUT;
  if (spec.deskew) {
    if (spec.input.length !== 3 || spec.input[0] !== 1) throw new SpecError(`export: deskew needs one-channel images [1,H,W], the model takes [${spec.input.join(',')}]`);
    h = deskewNodes(g, h, spec.input[1], spec.input[2]);
  }
  if (spec.normalize) {
    h = g.node('Sub', [h, g.scalar('normalize.mean', spec.normalize.mean)], [], 'normalize.sub');
    h = g.node('Div', [h, g.scalar('normalize.std', spec.normalize.std)], [], 'normalize.div');
  }
  const params = new Map(model.params.map((p) => [p.name, p.value]));
  const buffers = new Map(model.buffers.map((b) => [b.name, b.value]));
  const tensor = (name: string): string => {
    const t = params.get(name) ?? buffers.get(name);
    if (!t) throw new SpecError(`export: the model has no tensor '${name}'`);
    return g.floats(name, t.shape, t.data);
  };
  model.layers.forEach((l, i) => {
    const out = i === model.layers.length - 1 ? ONNX_OUTPUT : undefined;
    switch (l.kind) {
      case 'conv2d': {
        const d = (l as Conv2d).dims;
        const [top, left, bottom, right] = (l as Conv2d).padding;
        h = g.node('Conv', [h, tensor(`${l.name}.weight`), tensor(`${l.name}.bias`)], [ints('kernel_shape', [d.kH, d.kW]), ints('strides', [d.strideH, d.strideW]), ints('pads', [top, left, bottom, right]), ints('dilations', [d.dilationH, d.dilationW]), int('group', 1)], l.name, out);
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const d = (l as MaxPool2d | AvgPool2d).dims;
        h = g.node(l.kind === 'maxpool2d' ? 'MaxPool' : 'AveragePool', [h], [ints('kernel_shape', [d.size, d.size]), ints('strides', [d.stride, d.stride])], l.name, out);
        break;
      }
      case 'dense': {
        const inputs = [h, tensor(`${l.name}.weight`)];
        if (params.has(`${l.name}.bias`)) inputs.push(tensor(`${l.name}.bias`));
        h = g.node('Gemm', inputs, [int('transB', 1)], l.name, out);
        break;
      }
      case 'relu':
        h = g.node('Relu', [h], [], l.name, out);
        break;
      case 'leakyrelu':
        h = g.node('LeakyRelu', [h], [float('alpha', (l as LeakyRelu).alpha)], l.name, out);
        break;
      case 'sigmoid':
        h = g.node('Sigmoid', [h], [], l.name, out);
        break;
      case 'tanh':
        h = g.node('Tanh', [h], [], l.name, out);
        break;
      case 'softmax':
        if (l.inShape.length !== 1) throw new SpecError(`export: ${l.name}: softmax over a [${l.inShape.join(',')}] map; export supports it on flat features`);
        h = g.node('Softmax', [h], [int('axis', 1)], l.name, out);
        break;
      case 'flatten':
        h = g.node('Flatten', [h], [int('axis', 1)], l.name, out);
        break;
      case 'dropout':
        // Inference mode (training_mode absent): the identity, keeping its rate for a round trip.
        h = g.node('Dropout', [h, g.scalar(`${l.name}.ratio`, (l.spec as { rate: number }).rate)], [], l.name, out);
        break;
      case 'batchnorm': {
        const bn = l as BatchNorm;
        h = g.node('BatchNormalization', [h, tensor(`${l.name}.weight`), tensor(`${l.name}.bias`), tensor(`${l.name}.running_mean`), tensor(`${l.name}.running_var`)], [float('epsilon', bn.eps), float('momentum', 1 - bn.momentum)], l.name, out);
        break;
      }
    }
  });
  const meta = opts.metadata ?? {};
  const props: { key: string; value: string }[] = [{ key: 'convscope.spec', value: JSON.stringify(spec) }];
  for (const [k, v] of Object.entries(meta)) if (v !== undefined && k !== 'checkpoint') props.push({ key: `convscope.${k}`, value: JSON.stringify(v) });
  const perSample = spec.input.map((d) => ({ dim_value: d }));
  const outWidth = model.outputShape.reduce((a, b) => a * b, 1);
  const accuracy = typeof meta.testAccuracy === 'number' ? `, ${(meta.testAccuracy * 100).toFixed(2)}% on the ${meta.dataset?.name ?? 'MNIST'} test set` : '';
  return encodeOnnx({
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'convscope',
    producer_version: opts.producerVersion ?? '0.1.0',
    doc_string: `${meta.name ?? 'model'}: ${model.layers.map((l) => l.kind).join(' → ')}${accuracy}. Input: raw pixels in 0..1 (ink = 1), [N,${spec.input.join(',')}]. Output: the ${outWidth} class logits.${meta.command ? ` Trained by: ${meta.command}` : ''}`,
    graph: {
      name: meta.name ?? 'convscope',
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: ONNX_INPUT, type: { tensor_type: { elem_type: TENSOR_FLOAT, shape: { dim: [{ dim_param: 'N' }, ...perSample] } } }, doc_string: 'raw pixels in 0..1, ink = 1' }],
      output: [{ name: ONNX_OUTPUT, type: { tensor_type: { elem_type: TENSOR_FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: outWidth }] } } }, doc_string: model.layers[model.layers.length - 1].kind === 'softmax' ? 'class probabilities' : 'class logits' }],
    },
    metadata_props: props,
  });
}
