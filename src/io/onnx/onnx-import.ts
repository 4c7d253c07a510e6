/**
 * An ONNX model as a Sequential, so every view and explanation works on it. Accepts a chain of
 * the ops convscope has layers for — Conv (group 1), MaxPool, AveragePool (a preceding all-zero
 * Pad is dropped), Gemm, MatMul + Add, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Flatten, Reshape to
 * [N,-1], BatchNormalization, Dropout, Identity — after an input normalisation (Sub, Div, Mul, Add
 * of constants, as PyTorch exports `(x - mean) / std`) and, in convscope's own files, the deskew
 * block. Refused with the node named: any other op, a branch (a value used twice, or a node that
 * does not continue the chain), external data (a path in a model file is never followed), a
 * non-float input, a malformed protobuf.
 */
import { Sequential } from '../../nn/model.js';
import { parseModelSpec, type LayerSpec, type ModelSpec } from '../../nn/spec.js';
import { planModel, type ModelPlan } from '../../nn/spec-shapes.js';
import { ConvscopeError } from '../../engine/errors.js';
import type { ModelMetadata } from '../model-file.js';
import { ATTR, OnnxError, TENSOR_DOUBLE, TENSOR_FLOAT, TENSOR_INT64, decodeOnnx, toInt, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnx-codec.js';

interface Constant {
  dims: number[];
  values: Float64Array;
}

export interface ImportedOnnx {
  model: Sequential;
  metadata: ModelMetadata;
  /** one line per ONNX node: what it became */
  mapping: string[];
}

function nodeLabel(n: OnnxNode, i: number): string {
  return `node ${i} (${n.op_type ?? '?'}${n.name ? ` '${n.name}'` : ''})`;
}

function tensorValues(t: OnnxTensor, file: string): Constant {
  const name = t.name ?? '(unnamed)';
  if (t.data_location === 1 || (t.external_data && t.external_data.length > 0)) {
    throw new OnnxError(`${file}: tensor '${name}' keeps its data outside the file (external data); convscope never reads paths named in a model file — save the model with its weights inside`);
  }
  const dims = (t.dims ?? []).map(toInt);
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || size > 1 << 28) throw new OnnxError(`${file}: tensor '${name}' has dims [${dims.join(',')}]`);
  const type = t.data_type ?? 0;
  let values: Float64Array;
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const need = (bytes: number): void => {
    if (raw && raw.length !== size * bytes) throw new OnnxError(`${file}: tensor '${name}' [${dims.join(',')}] needs ${size * bytes} bytes of raw data, has ${raw.length}`);
  };
  if (type === TENSOR_FLOAT) {
    need(4);
    values = view ? Float64Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true)) : Float64Array.from(t.float_data ?? []);
  } else if (type === TENSOR_DOUBLE) {
    need(8);
    values = view ? Float64Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true)) : new Float64Array(0);
  } else if (type === TENSOR_INT64) {
    need(8);
    values = view ? Float64Array.from({ length: size }, (_, i) => Number(view.getBigInt64(i * 8, true))) : Float64Array.from((t.int64_data ?? []).map(toInt));
  } else {
    throw new OnnxError(`${file}: tensor '${name}' has data type ${type}; convscope reads float32, float64 and int64 tensors`);
  }
  if (values.length !== size) throw new OnnxError(`${file}: tensor '${name}' [${dims.join(',')}] holds ${values.length} values, expected ${size}`);
  return { dims, values };
}

function attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
  return n.attribute?.find((a) => a.name === name);
}
function attrInts(n: OnnxNode, name: string): number[] | undefined {
  const a = attr(n, name);
  return a ? (a.ints ?? []).map(toInt) : undefined;
}
function attrInt(n: OnnxNode, name: string, dflt: number): number {
  const a = attr(n, name);
  return a && a.type === ATTR.INT ? toInt(a.i) : a && a.i !== undefined ? toInt(a.i) : dflt;
}
function attrFloat(n: OnnxNode, name: string, dflt: number): number {
  const a = attr(n, name);
  return a?.f ?? dflt;
}
/** `where` names the node: an attribute that is there but holds no string is refused, not read as its default. */
function attrString(n: OnnxNode, name: string, where: string): string | undefined {
  const a = attr(n, name);
  if (!a) return undefined;
  // protobufjs leaves an absent bytes field as its prototype's default, a plain empty array
  if (!(a.s instanceof Uint8Array)) throw new OnnxError(`${where}: attribute '${name}' holds no string (type ${a.type ?? 'unset'})`);
  return new TextDecoder().decode(a.s);
}

/** Layer names as Sequential gives them (conv1, pool1, dense1, …); the ONNX names stay in the mapping. */
function layerNamer(): (prefix: string) => string {
  const counts = new Map<string, number>();
  return (prefix) => {
    const k = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, k);
    return `${prefix}${k}`;
  };
}

export function importOnnx(bytes: Uint8Array, file = 'model.onnx'): ImportedOnnx {
  const onnx = decodeOnnx(bytes, file);
  const graph = onnx.graph;
  if (!graph) throw new OnnxError(`${file}: the model has no graph`);
  const opset = (onnx.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const consts = new Map<string, Constant>();
  for (const t of graph.initializer ?? []) consts.set(t.name ?? '', tensorValues(t, file));
  const inputs = (graph.input ?? []).filter((v) => !consts.has(v.name ?? ''));
  if (inputs.length !== 1) throw new OnnxError(`${file}: convscope runs graphs with one input, this one has ${inputs.length} (${inputs.map((v) => v.name).join(', ')})`);
  const input = inputs[0];
  const tt = input.type?.tensor_type;
  if (tt?.elem_type !== TENSOR_FLOAT) throw new OnnxError(`${file}: input '${input.name}' has element type ${tt?.elem_type}; expected float32 (1)`);
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dim_value !== undefined && toInt(d.dim_value) > 0 ? toInt(d.dim_value) : null));
  const perSample = dims.slice(1);
  if (dims.length < 2 || perSample.some((d) => d === null)) {
    throw new OnnxError(`${file}: input '${input.name}' has shape [${(tt.shape?.dim ?? []).map((d) => d.dim_param || toInt(d.dim_value)).join(',')}]; expected [N, ...fixed sizes], e.g. [N,1,28,28]`);
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw new OnnxError(`${file}: convscope runs graphs with one output, this one has ${outputs.length}`);

  const nodes = graph.node ?? [];
  const uses = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  // Looked up once per node below: a scan of every node there made a file of many nodes quadratic.
  const shapeReaders = new Map<string, number>();
  nodes.forEach((m, k) => {
    if (m.op_type === 'Shape' && !shapeReaders.has(m.input?.[0] ?? '')) shapeReaders.set(m.input?.[0] ?? '', k);
  });
  const layers: LayerSpec[] = [];
  const weights = new Map<string, Float32Array>();
  const mapping: string[] = [];
  const nameFor = layerNamer();
  let current = input.name ?? '';
  let deskew = false;
  // The input normalisation as y = scale·x + shift, while no layer has come yet.
  let scale = 1;
  let shift = 0;
  let i = 0;
  const scalarOf = (n: OnnxNode, idx: number, name: string): number => {
    const c = consts.get(name);
    if (!c || c.values.length !== 1) throw new OnnxError(`${file}: ${nodeLabel(n, idx)}: '${name}' must be a scalar constant (a per-channel normalisation is not supported)`);
    return c.values[0];
  };
  const constant = (n: OnnxNode, idx: number, name: string | undefined, what: string): Constant => {
    const c = name === undefined ? undefined : consts.get(name);
    if (!c) throw new OnnxError(`${file}: ${nodeLabel(n, idx)}: its ${what} '${name}' must be a constant (an initializer)`);
    return c;
  };
  for (; i < nodes.length; i++) {
    const n = nodes[i];
    const op = n.op_type ?? '';
    const ins = n.input ?? [];
    const outs = n.output ?? [];
    if (op === 'Constant') {
      const t = attr(n, 'value')?.t;
      const f = attr(n, 'value_float');
      if (t) consts.set(outs[0] ?? '', tensorValues({ ...t, name: outs[0] ?? '' }, file));
      else if (f?.f !== undefined) consts.set(outs[0] ?? '', { dims: [], values: Float64Array.of(f.f) });
      else throw new OnnxError(`${file}: ${nodeLabel(n, i)}: only tensor and float Constants are supported`);
      continue;
    }
    // convscope's own deskew block: everything named deskew.* up to the GridSample named 'deskew'.
    if ((n.name ?? '').startsWith('deskew.') && layers.length === 0 && !deskew) {
      let j = i;
      while (j < nodes.length && nodes[j].name !== 'deskew') j++;
      const gs = nodes[j];
      if (!gs || gs.op_type !== 'GridSample' || gs.input?.[0] !== current) throw new OnnxError(`${file}: ${nodeLabel(n, i)}: looks like a deskew block but does not end in convscope's GridSample`);
      deskew = true;
      mapping.push(`nodes ${i}–${j}: deskew (moments, shear, GridSample)`);
      current = gs.output?.[0] ?? '';
      i = j;
      continue;
    }
    if (ins[0] !== current && !(op === 'Mul' || op === 'Add') ) {
      throw new OnnxError(`${file}: ${nodeLabel(n, i)} takes '${ins[0]}', not the output of the previous step '${current}': convscope imports a single chain of layers (this graph branches or is out of order)`);
    }
    const reader = shapeReaders.get(current);
    if (reader !== undefined) throw new OnnxError(`${file}: ${nodeLabel(nodes[reader], reader)} reads the shape of '${current}' to compute a reshape (PyTorch's x.view(x.size(0), -1)); convscope imports a single chain of layers — export with torch.flatten(x, 1) or nn.Flatten() instead`);
    if ((uses.get(current) ?? 0) > 1) throw new OnnxError(`${file}: ${nodeLabel(n, i)}: the value '${current}' feeds ${uses.get(current)} nodes — a branch; convscope imports a single chain of layers`);
    const next = outs[0] ?? '';
    const label = nodeLabel(n, i);
    switch (op) {
      case 'Sub':
      case 'Div':
      case 'Mul':
      case 'Add': {
        const other = ins[0] === current ? ins[1] : ins[0];
        if (ins[0] !== current && ins[1] !== current) throw new OnnxError(`${file}: ${label} does not take the previous step's output '${current}'`);
        const last = layers[layers.length - 1];
        if (op === 'Add' && last?.kind === 'dense' && last.bias === false && consts.get(other ?? '')?.values.length === last.units) {
          // MatMul + Add: the Add is the dense layer's bias.
          weights.set(`${last.name}.bias`, Float32Array.from(consts.get(other ?? '')!.values));
          (layers[layers.length - 1] as { bias?: boolean }).bias = true;
          mapping.push(`${label}: bias of ${last.name}`);
          break;
        }
        if (layers.length > 0) throw new OnnxError(`${file}: ${label}: ${op} after the first layer is not supported (only an input normalisation before any layer)`);
        if ((op === 'Sub' || op === 'Div') && ins[0] !== current) throw new OnnxError(`${file}: ${label}: a constant ${op === 'Sub' ? 'minus' : 'divided by'} the input is not a normalisation`);
        const v = scalarOf(n, i, other ?? '');
        if (op === 'Sub') shift -= v;
        else if (op === 'Add') shift += v;
        else if (op === 'Mul') {
          scale *= v;
          shift *= v;
        } else {
          if (v === 0) throw new OnnxError(`${file}: ${label}: divides by zero`);
          scale /= v;
          shift /= v;
        }
        mapping.push(`${label}: input normalisation`);
        break;
      }
      case 'Conv': {
        const group = attrInt(n, 'group', 1);
        if (group !== 1) throw new OnnxError(`${file}: ${label}: grouped convolution (group ${group}) is not supported`);
        const autoPad = attrString(n, 'auto_pad', `${file}: ${label}`);
        if (autoPad && autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new OnnxError(`${file}: ${label}: auto_pad ${autoPad} is not supported; export with explicit pads`);
        const w = constant(n, i, ins[1], 'weight');
        if (w.dims.length !== 4) throw new OnnxError(`${file}: ${label}: the weight has shape [${w.dims.join(',')}]; expected [outC, C, kH, kW]`);
        const [outC, , kH, kW] = w.dims;
        const pads = attrInts(n, 'pads') ?? [0, 0, 0, 0];
        const name = nameFor('conv');
        layers.push({ kind: 'conv2d', name, outC, k: [kH, kW], stride: (attrInts(n, 'strides') ?? [1, 1]) as [number, number], pad: [pads[0], pads[1], pads[2], pads[3]], dilation: (attrInts(n, 'dilations') ?? [1, 1]) as [number, number] });
        weights.set(`${name}.weight`, Float32Array.from(w.values));
        weights.set(`${name}.bias`, ins[2] ? Float32Array.from(constant(n, i, ins[2], 'bias').values) : new Float32Array(outC));
        mapping.push(`${label}: ${name} (conv2d ${outC}@${kH}×${kW})`);
        break;
      }
      case 'Pad': {
        const padsName = ins[1];
        const pads = padsName ? consts.get(padsName)?.values : Float64Array.from(attrInts(n, 'pads') ?? []);
        const mode = attrString(n, 'mode', `${file}: ${label}`) ?? 'constant';
        const value = ins[2] ? consts.get(ins[2])?.values[0] ?? 0 : attrFloat(n, 'value', 0);
        if (!pads || mode !== 'constant' || value !== 0 || pads.some((p) => p !== 0)) {
          throw new OnnxError(`${file}: ${label}: only an all-zero Pad (as PyTorch puts before AveragePool) is supported; this one pads by [${pads ? Array.from(pads).join(',') : '?'}] in mode ${mode}`);
        }
        mapping.push(`${label}: nothing (pads are zero)`);
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const k = attrInts(n, 'kernel_shape') ?? [];
        const s = attrInts(n, 'strides') ?? k;
        const pads = attrInts(n, 'pads') ?? [0, 0, 0, 0];
        if (k.length !== 2 || k[0] !== k[1] || s[0] !== s[1]) throw new OnnxError(`${file}: ${label}: only square windows with equal strides are supported, got kernel [${k.join(',')}] strides [${s.join(',')}]`);
        if (pads.some((p) => p !== 0) || attrInt(n, 'ceil_mode', 0) !== 0) throw new OnnxError(`${file}: ${label}: padded or ceil-mode pooling is not supported`);
        if (op === 'MaxPool' && (attrInts(n, 'dilations') ?? [1, 1]).some((d) => d !== 1)) throw new OnnxError(`${file}: ${label}: dilated pooling is not supported`);
        const name = nameFor('pool');
        layers.push({ kind: op === 'MaxPool' ? 'maxpool2d' : 'avgpool2d', name, size: k[0], stride: s[0] });
        mapping.push(`${label}: ${name} (${op === 'MaxPool' ? 'max' : 'average'} pool ${k[0]}×${k[0]})`);
        break;
      }
      case 'Gemm': {
        if (attrInt(n, 'transA', 0) !== 0 || attrFloat(n, 'alpha', 1) !== 1 || attrFloat(n, 'beta', 1) !== 1) throw new OnnxError(`${file}: ${label}: only Gemm with transA = 0, alpha = beta = 1 is supported`);
        const w = constant(n, i, ins[1], 'weight');
        if (w.dims.length !== 2) throw new OnnxError(`${file}: ${label}: the weight has shape [${w.dims.join(',')}]; expected a matrix`);
        const transB = attrInt(n, 'transB', 0) === 1;
        const [out, inF] = transB ? w.dims : [w.dims[1], w.dims[0]];
        const name = nameFor('dense');
        const bias = ins[2] ? constant(n, i, ins[2], 'bias') : null;
        layers.push({ kind: 'dense', name, units: out, ...(bias ? {} : { bias: false }) });
        weights.set(`${name}.weight`, transB ? Float32Array.from(w.values) : transpose(w.values, inF, out));
        if (bias) {
          if (bias.values.length !== out) throw new OnnxError(`${file}: ${label}: the bias has ${bias.values.length} values for ${out} units (broadcast biases are not supported)`);
          weights.set(`${name}.bias`, Float32Array.from(bias.values));
        }
        mapping.push(`${label}: ${name} (dense ${out})`);
        break;
      }
      case 'MatMul': {
        const w = constant(n, i, ins[1], 'weight');
        if (w.dims.length !== 2) throw new OnnxError(`${file}: ${label}: the weight has shape [${w.dims.join(',')}]; expected [in, out]`);
        const [inF, out] = w.dims;
        const name = nameFor('dense');
        layers.push({ kind: 'dense', name, units: out, bias: false });
        weights.set(`${name}.weight`, transpose(w.values, inF, out));
        mapping.push(`${label}: ${name} (dense ${out}, weights)`);
        break;
      }
      case 'Relu':
        layers.push({ kind: 'relu', name: nameFor('relu') });
        mapping.push(`${label}: relu`);
        break;
      case 'LeakyRelu':
        layers.push({ kind: 'leakyrelu', name: nameFor('lrelu'), alpha: attrFloat(n, 'alpha', 0.01) });
        mapping.push(`${label}: leaky relu`);
        break;
      case 'Sigmoid':
        layers.push({ kind: 'sigmoid', name: nameFor('sigmoid') });
        mapping.push(`${label}: sigmoid`);
        break;
      case 'Tanh':
        layers.push({ kind: 'tanh', name: nameFor('tanh') });
        mapping.push(`${label}: tanh`);
        break;
      case 'Softmax': {
        const axis = attrInt(n, 'axis', (toInt(opset?.version) || 13) >= 13 ? -1 : 1);
        if (axis !== 1 && axis !== -1) throw new OnnxError(`${file}: ${label}: softmax over axis ${axis}; convscope's softmax is over the features (axis 1 of [N,F])`);
        layers.push({ kind: 'softmax', name: nameFor('softmax') });
        mapping.push(`${label}: softmax`);
        break;
      }
      case 'Flatten':
        if (attrInt(n, 'axis', 1) !== 1) throw new OnnxError(`${file}: ${label}: Flatten with axis ${attrInt(n, 'axis', 1)}; only axis 1 ([N, rest]) is supported`);
        layers.push({ kind: 'flatten', name: nameFor('flatten') });
        mapping.push(`${label}: flatten`);
        break;
      case 'Reshape': {
        const shape = consts.get(ins[1] ?? '')?.values;
        const flat = shape && shape.length === 2 && (shape[0] === 0 || shape[0] === -1 || shape[0] > 0) && (shape[1] === -1 || shape[1] > 0) && !(shape[0] === -1 && shape[1] === -1);
        if (!flat) throw new OnnxError(`${file}: ${label}: only a Reshape to [N,-1] (a constant shape of two numbers) is supported${shape ? `, got [${Array.from(shape).join(',')}]` : '; the shape is computed in the graph (export with torch.flatten(x, 1) instead of x.view(x.size(0), -1))'}`);
        layers.push({ kind: 'flatten', name: nameFor('flatten') });
        mapping.push(`${label}: flatten`);
        break;
      }
      case 'BatchNormalization': {
        const name = nameFor('bn');
        const [g, b, m, v] = [1, 2, 3, 4].map((k, idx) => constant(n, i, ins[k], ['scale', 'bias', 'mean', 'variance'][idx]).values);
        layers.push({ kind: 'batchnorm', name, eps: attrFloat(n, 'epsilon', 1e-5), momentum: 1 - attrFloat(n, 'momentum', 0.9) });
        weights.set(`${name}.weight`, Float32Array.from(g));
        weights.set(`${name}.bias`, Float32Array.from(b));
        weights.set(`${name}.running_mean`, Float32Array.from(m));
        weights.set(`${name}.running_var`, Float32Array.from(v));
        mapping.push(`${label}: ${name} (batch norm)`);
        break;
      }
      case 'Dropout':
        layers.push({ kind: 'dropout', name: nameFor('dropout'), rate: Math.fround(ins[1] ? consts.get(ins[1])?.values[0] ?? 0.5 : attrFloat(n, 'ratio', 0.5)) });
        mapping.push(`${label}: dropout (identity when not training)`);
        break;
      case 'Identity':
        mapping.push(`${label}: nothing (identity)`);
        break;
      default:
        throw new OnnxError(`${file}: ${label}: the op ${op} is not supported; convscope imports Conv, MaxPool, AveragePool, Gemm, MatMul+Add, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Flatten, Reshape, BatchNormalization, Dropout, Identity and an input normalisation`);
    }
    current = next;
  }
  if (current !== outputs[0].name) throw new OnnxError(`${file}: the chain ends at '${current}' but the graph's output is '${outputs[0].name}'`);
  if (layers.length === 0) throw new OnnxError(`${file}: the graph has no layers convscope can run`);

  const props = new Map((onnx.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const stored = parseJson(props.get('convscope.spec'));
  const spec: ModelSpec = {
    input: perSample as number[],
    layers,
    ...(deskew ? { deskew: true } : {}),
    ...(scale !== 1 || shift !== 0 ? { normalize: { mean: -shift / scale, std: 1 / scale } } : {}),
    ...(isRecord(stored) && Array.isArray(stored['labels']) ? { labels: stored['labels'] as string[] } : {}),
  };
  // The weights are checked against the spec's arithmetic (planModel) before the model is built,
  // so a graph whose layers imply far more parameters than the file holds allocates nothing.
  let plan: ModelPlan;
  try {
    plan = planModel(parseModelSpec(spec));
  } catch (e) {
    if (e instanceof ConvscopeError) throw new OnnxError(`${file}: the layers do not fit together: ${e.message}`);
    throw e;
  }
  for (const p of plan.layers.flatMap((l) => [...l.params, ...l.buffers])) {
    const w = weights.get(p.name);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!w) throw new OnnxError(`${file}: no weights for ${p.name}`);
    if (w.length !== size) throw new OnnxError(`${file}: ${p.name} has ${w.length} values; the layer's shape [${p.shape.join(',')}] needs ${size} (the input to this layer does not match its weights)`);
    const bad = w.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new OnnxError(`${file}: ${p.name}[${bad}] is ${w[bad]}; weights must be finite`);
    if (p.name.endsWith('.running_var') && w.some((v) => v < 0)) throw new OnnxError(`${file}: ${p.name} holds a negative variance`);
  }
  let model = new Sequential(spec, 0);
  for (const p of [...model.params, ...model.buffers]) p.value.data.set(weights.get(p.name)!);
  // A file convscope wrote carries its spec: where it describes the same layers, it gives back the
  // exact names, initialisers and normalisation constants (float32 in the graph) of the original.
  const original = sameModelFromSpec(stored, model);
  if (original) model = original;
  const metadata: ModelMetadata = {};
  for (const key of ['name', 'dataset', 'seed', 'testAccuracy', 'command'] as const) {
    const v = parseJson(props.get(`convscope.${key}`));
    if (v !== undefined) (metadata as Record<string, unknown>)[key] = v;
  }
  if (metadata.name === undefined && graph.name) metadata.name = graph.name;
  return { model, metadata, mapping };
}

function sameModelFromSpec(stored: unknown, imported: Sequential): Sequential | null {
  if (!isRecord(stored)) return null;
  let plan: ModelPlan;
  try {
    plan = planModel(parseModelSpec(stored));
  } catch (e) {
    if (e instanceof ConvscopeError) return null;
    throw e;
  }
  // Compared by arithmetic first: the stored spec is only text, and may claim any size.
  const sizes = (ts: readonly { shape: readonly number[] }[]): string => ts.map((t) => t.shape.reduce((a, b) => a * b, 1)).join();
  const importedSizes = sizes([...imported.params, ...imported.buffers].map((p) => p.value));
  if (plan.layers.length !== imported.layers.length || sizes([...plan.layers.flatMap((l) => l.params), ...plan.layers.flatMap((l) => l.buffers)]) !== importedSizes) return null;
  const candidate = new Sequential(parseModelSpec(stored), 0);
  const a = [...candidate.params, ...candidate.buffers];
  const b = [...imported.params, ...imported.buffers];
  const same =
    candidate.layers.length === imported.layers.length &&
    candidate.layers.every((l, i) => l.kind === imported.layers[i].kind && l.outShape.join() === imported.layers[i].outShape.join()) &&
    Boolean(candidate.spec.deskew) === Boolean(imported.spec.deskew) &&
    Math.abs((candidate.spec.normalize?.mean ?? 0) - (imported.spec.normalize?.mean ?? 0)) < 1e-6 &&
    Math.abs((candidate.spec.normalize?.std ?? 1) - (imported.spec.normalize?.std ?? 1)) < 1e-6 &&
    a.length === b.length &&
    a.every((p, i) => p.value.size === b[i].value.size);
  if (!same) return null;
  a.forEach((p, i) => p.value.data.set(b[i].value.data));
  return candidate;
}

function transpose(v: Float64Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
  return out;
}

function parseJson(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
