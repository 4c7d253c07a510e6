/**
 * ONNX protobuf bytes ⇄ plain objects, through protobufjs and the official schema (onnx-proto.ts).
 * Knows nothing of convscope's models (onnx-export.ts and onnx-import.ts do). Decoding checks the
 * wire format only; what the graph means is checked by the importer.
 */
import protobuf from 'protobufjs';
import { ConvscopeError } from '../../engine/errors.js';
import { ONNX_PROTO } from './onnx-proto.js';

/** A file that is not the ONNX model it claims to be, or holds what convscope cannot run. */
export class OnnxError extends ConvscopeError {}

let modelType: protobuf.Type | null = null;

function ModelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

export const TENSOR_FLOAT = 1;
export const TENSOR_INT64 = 7;
export const TENSOR_DOUBLE = 11;
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface OnnxAttribute {
  name: string;
  type?: number;
  f?: number;
  i?: number | bigint | { toNumber(): number };
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: (number | bigint | { toNumber(): number })[];
}

export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
  doc_string?: string;
}

export interface OnnxTensor {
  dims?: (number | bigint | { toNumber(): number })[];
  data_type?: number;
  float_data?: number[];
  int64_data?: (number | bigint | { toNumber(): number })[];
  raw_data?: Uint8Array;
  name?: string;
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

export interface OnnxValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number | bigint | { toNumber(): number }; dim_param?: string }[] } } };
  doc_string?: string;
}

export interface OnnxGraph {
  node?: OnnxNode[];
  name?: string;
  initializer?: OnnxTensor[];
  doc_string?: string;
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  value_info?: OnnxValueInfo[];
}

export interface OnnxModel {
  ir_version?: number | bigint | { toNumber(): number };
  opset_import?: { domain?: string; version?: number | bigint | { toNumber(): number } }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: OnnxGraph;
  metadata_props?: { key?: string; value?: string }[];
}

export function encodeOnnx(model: OnnxModel): Uint8Array {
  const T = ModelProto();
  const err = T.verify(model);
  if (err) throw new OnnxError(`ONNX encoder: ${err}`);
  return T.encode(T.fromObject(model)).finish();
}

export function decodeOnnx(bytes: Uint8Array, name = 'ONNX file'): OnnxModel {
  try {
    return ModelProto().decode(bytes) as unknown as OnnxModel;
  } catch (e) {
    throw new OnnxError(`${name}: not a valid ONNX protobuf (${(e as Error).message})`);
  }
}

/** An int64 field as a number (protobufjs gives Long objects or numbers). */
export function toInt(v: number | bigint | { toNumber(): number } | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v.toNumber();
}

/** Float32 values as little-endian bytes (TensorProto.raw_data). */
export function floatBytes(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i], true);
  return out;
}

export function doubleBytes(a: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat64(i * 8, a[i], true);
  return out;
}

export function int64Bytes(a: readonly number[]): Uint8Array {
  const out = new Uint8Array(a.length * 8);
  const view = new DataView(out.buffer);
  a.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}
