/** Conversions between gradloc tensors and onnxruntime tensors (zero-copy where possible). */
import * as ort from 'onnxruntime-node';
import { GradlocError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OrtTensorFields } from './thread.js';

export function toOrt(t: Tensor): ort.Tensor {
  if (t.dtype === 'bool') return new ort.Tensor('bool', t.data as Uint8Array, [...t.dims]);
  return new ort.Tensor(t.dtype as Exclude<DType, 'bool'>, t.data as Exclude<TypedArray, Uint8Array> as Float32Array, [...t.dims]);
}

/** An output of onnxruntime (a tensor of this thread's, or the fields of one from a session thread). */
export function fromOrt(t: OrtTensorFields, name: string): Tensor {
  const dtype = t.type as DType;
  if (!['float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'].includes(dtype)) {
    throw new GradlocError('DTYPE_MISMATCH', `output '${name}' has unsupported type ${t.type}`);
  }
  return { dtype, dims: [...t.dims], data: t.data as TypedArray };
}
