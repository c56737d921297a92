/**
 * ONNX message schemas (field numbers from onnx.proto, IR version 10) and their TS shapes.
 * Only fields this project reads or writes are named; everything else (functions,
 * training info, sparse initializers, quantization annotations, ...) round-trips
 * untouched through `$unknown`.
 */
import type { FieldDesc, MessageDesc, Unknown } from './protobuf.js';

export interface StringStringEntry extends Unknown {
  key?: string;
  value?: string;
}
export interface OperatorSetId extends Unknown {
  domain?: string;
  version?: number;
}
export interface TensorProto extends Unknown {
  dims: number[];
  data_type?: number;
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: number[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  double_data: number[];
  uint64_data: number[];
  external_data: StringStringEntry[];
  /** 0 = DEFAULT, 1 = EXTERNAL */
  data_location?: number;
}
export interface Dimension extends Unknown {
  dim_value?: number;
  dim_param?: string;
  denotation?: string;
}
export interface TensorShapeProto extends Unknown {
  dim: Dimension[];
}
export interface TypeProtoTensor extends Unknown {
  elem_type?: number;
  shape?: TensorShapeProto;
}
export interface TypeProto extends Unknown {
  tensor_type?: TypeProtoTensor;
  denotation?: string;
}
export interface ValueInfoProto extends Unknown {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
}
export interface AttributeProto extends Unknown {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  doc_string?: string;
  type?: number;
  ref_attr_name?: string;
}
export interface NodeProto extends Unknown {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  attribute: AttributeProto[];
  doc_string?: string;
  domain?: string;
}
export interface GraphProto extends Unknown {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  doc_string?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
}
export interface ModelProto extends Unknown {
  ir_version?: number;
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  opset_import: OperatorSetId[];
  metadata_props: StringStringEntry[];
}

/** AttributeProto.AttributeType */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

const msg = (name: string, fields: FieldDesc[]): MessageDesc => ({ name, fields });

export const StringStringEntryDesc: MessageDesc = msg('StringStringEntryProto', [
  { no: 1, name: 'key', type: 'string' },
  { no: 2, name: 'value', type: 'string' },
]);
export const OperatorSetIdDesc: MessageDesc = msg('OperatorSetIdProto', [
  { no: 1, name: 'domain', type: 'string' },
  { no: 2, name: 'version', type: 'int64' },
]);
export const TensorDesc: MessageDesc = msg('TensorProto', [
  { no: 1, name: 'dims', type: 'int64', repeated: true },
  { no: 2, name: 'data_type', type: 'int32' },
  { no: 4, name: 'float_data', type: 'float', repeated: true, packed: true },
  { no: 5, name: 'int32_data', type: 'int32', repeated: true, packed: true },
  { no: 6, name: 'string_data', type: 'bytes', repeated: true },
  { no: 7, name: 'int64_data', type: 'int64', repeated: true, packed: true },
  { no: 8, name: 'name', type: 'string' },
  { no: 12, name: 'doc_string', type: 'string' },
  { no: 9, name: 'raw_data', type: 'bytes' },
  { no: 13, name: 'external_data', type: 'message', repeated: true, message: () => StringStringEntryDesc },
  { no: 14, name: 'data_location', type: 'int32' },
  { no: 10, name: 'double_data', type: 'double', repeated: true, packed: true },
  { no: 11, name: 'uint64_data', type: 'uint64', repeated: true, packed: true },
]);
const DimensionDesc: MessageDesc = msg('TensorShapeProto.Dimension', [
  { no: 1, name: 'dim_value', type: 'int64' },
  { no: 2, name: 'dim_param', type: 'string' },
  { no: 3, name: 'denotation', type: 'string' },
]);
const TensorShapeDesc: MessageDesc = msg('TensorShapeProto', [
  { no: 1, name: 'dim', type: 'message', repeated: true, message: () => DimensionDesc },
]);
const TypeTensorDesc: MessageDesc = msg('TypeProto.Tensor', [
  { no: 1, name: 'elem_type', type: 'int32' },
  { no: 2, name: 'shape', type: 'message', message: () => TensorShapeDesc },
]);
const TypeDesc: MessageDesc = msg('TypeProto', [
  { no: 1, name: 'tensor_type', type: 'message', message: () => TypeTensorDesc },
  { no: 6, name: 'denotation', type: 'string' },
]);
export const ValueInfoDesc: MessageDesc = msg('ValueInfoProto', [
  { no: 1, name: 'name', type: 'string' },
  { no: 2, name: 'type', type: 'message', message: () => TypeDesc },
  { no: 3, name: 'doc_string', type: 'string' },
]);
export const AttributeDesc: MessageDesc = msg('AttributeProto', [
  { no: 1, name: 'name', type: 'string' },
  { no: 21, name: 'ref_attr_name', type: 'string' },
  { no: 13, name: 'doc_string', type: 'string' },
  { no: 20, name: 'type', type: 'int32' },
  { no: 2, name: 'f', type: 'float' },
  { no: 3, name: 'i', type: 'int64' },
  { no: 4, name: 's', type: 'bytes' },
  { no: 5, name: 't', type: 'message', message: () => TensorDesc },
  { no: 6, name: 'g', type: 'message', message: () => GraphDesc },
  { no: 7, name: 'floats', type: 'float', repeated: true },
  { no: 8, name: 'ints', type: 'int64', repeated: true },
  { no: 9, name: 'strings', type: 'bytes', repeated: true },
  { no: 10, name: 'tensors', type: 'message', repeated: true, message: () => TensorDesc },
  { no: 11, name: 'graphs', type: 'message', repeated: true, message: () => GraphDesc },
]);
export const NodeDesc: MessageDesc = msg('NodeProto', [
  { no: 1, name: 'input', type: 'string', repeated: true },
  { no: 2, name: 'output', type: 'string', repeated: true },
  { no: 3, name: 'name', type: 'string' },
  { no: 4, name: 'op_type', type: 'string' },
  { no: 7, name: 'domain', type: 'string' },
  { no: 5, name: 'attribute', type: 'message', repeated: true, message: () => AttributeDesc },
  { no: 6, name: 'doc_string', type: 'string' },
]);
export const GraphDesc: MessageDesc = msg('GraphProto', [
  { no: 1, name: 'node', type: 'message', repeated: true, message: () => NodeDesc },
  { no: 2, name: 'name', type: 'string' },
  { no: 5, name: 'initializer', type: 'message', repeated: true, message: () => TensorDesc },
  { no: 10, name: 'doc_string', type: 'string' },
  { no: 11, name: 'input', type: 'message', repeated: true, message: () => ValueInfoDesc },
  { no: 12, name: 'output', type: 'message', repeated: true, message: () => ValueInfoDesc },
  { no: 13, name: 'value_info', type: 'message', repeated: true, message: () => ValueInfoDesc },
]);
export const ModelDesc: MessageDesc = msg('ModelProto', [
  { no: 1, name: 'ir_version', type: 'int64' },
  { no: 8, name: 'opset_import', type: 'message', repeated: true, message: () => OperatorSetIdDesc },
  { no: 2, name: 'producer_name', type: 'string' },
  { no: 3, name: 'producer_version', type: 'string' },
  { no: 4, name: 'domain', type: 'string' },
  { no: 5, name: 'model_version', type: 'int64' },
  { no: 6, name: 'doc_string', type: 'string' },
  { no: 7, name: 'graph', type: 'message', message: () => GraphDesc },
  { no: 14, name: 'metadata_props', type: 'message', repeated: true, message: () => StringStringEntryDesc },
]);
