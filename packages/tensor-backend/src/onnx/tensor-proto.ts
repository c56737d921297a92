/** TensorProto <-> Tensor, covering raw_data, the typed *_data fields and external data. */
import { GradlocError } from '../errors.js';
import { ARRAY_OF, BYTES, dtypeFromOnnx, ONNX_CODE, type TypedArray } from '../tensor/dtype.js';
import { sizeOf, type Tensor } from '../tensor/tensor.js';
import type { TensorProto } from './schema.js';

const INT64_MAX = 2n ** 63n - 1n;

export const isExternal = (t: TensorProto): boolean => t.data_location === 1;

export function externalInfo(t: TensorProto): { location: string; offset: number; length?: number } {
  const kv = new Map(t.external_data.map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data without a location`);
  const length = kv.has('length') ? Number(kv.get('length')) : undefined;
  return { location, offset: Number(kv.get('offset') ?? 0), length };
}

export function tensorFromProto(t: TensorProto): Tensor {
  const dtype = dtypeFromOnnx(t.data_type ?? 0);
  const dims = t.dims.map(Number);
  const n = sizeOf(dims);
  if (isExternal(t)) {
    throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data was not loaded (open the model with loadModel(path))`);
  }
  const Arr = ARRAY_OF[dtype];
  if (t.raw_data && t.raw_data.length > 0) {
    const width = BYTES[dtype];
    if (t.raw_data.length !== n * width) {
      throw new GradlocError('BAD_MODEL', `tensor ${t.name}: raw_data has ${t.raw_data.length} bytes, expected ${n * width}`);
    }
    const copy = new Uint8Array(t.raw_data); // aligned private copy (Buffer#slice would be a view)
    return { dtype, dims, data: new Arr(copy.buffer, 0, n) };
  }
  const data: TypedArray = new Arr(n);
  const src: ArrayLike<number> =
    dtype === 'float32'
      ? t.float_data
      : dtype === 'float64'
        ? t.double_data
        : dtype === 'int64'
          ? t.int64_data
          : dtype === 'uint64' || dtype === 'uint32'
            ? t.uint64_data
            : t.int32_data; // int32, int16, int8, uint8, uint16, bool, float16 (bits)
  if (src.length !== n && !(n === 0 && src.length === 0)) {
    throw new GradlocError('BAD_MODEL', `tensor ${t.name}: holds ${src.length} values, dims [${dims.join(', ')}] need ${n}`);
  }
  const big = dtype === 'int64' || dtype === 'uint64';
  // The decoder rounds INT64_MAX (exporters' "slice to the end") up to 2^63, which a
  // BigInt64Array would wrap to INT64_MIN: clamp it back.
  const toBig = (v: number): bigint => (dtype === 'int64' && v >= 2 ** 63 ? INT64_MAX : BigInt(v));
  for (let i = 0; i < n; i++) (data as unknown as unknown[])[i] = big ? toBig(src[i]) : src[i];
  return { dtype, dims, data };
}

export function tensorToProto(name: string, t: Tensor): TensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return {
    name,
    dims: [...t.dims],
    data_type: ONNX_CODE[t.dtype],
    raw_data: bytes,
    float_data: [],
    int32_data: [],
    string_data: [],
    int64_data: [],
    double_data: [],
    uint64_data: [],
    external_data: [],
  };
}

/** Byte size of a tensor's payload without decoding it. */
export function protoByteSize(t: TensorProto): number {
  return sizeOf(t.dims.map(Number)) * BYTES[dtypeFromOnnx(t.data_type ?? 1)];
}
