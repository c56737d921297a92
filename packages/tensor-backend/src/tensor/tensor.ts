/**
 * The tensor type every gradloc package shares: a dtype, static dims and a flat
 * row-major typed array. Plain data, so it moves across worker threads and into
 * onnxruntime without wrappers.
 */
import { GradlocError } from '../errors.js';
import { ARRAY_OF, type DType, type TypedArray } from './dtype.js';

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Whether two dims lists are equal. */
export const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

export function tensor<D extends DType>(dtype: D, dims: readonly number[], data?: TypedArray | ArrayLike<number>): Tensor<D> {
  const n = sizeOf(dims);
  let arr: TypedArray;
  if (!data) arr = new ARRAY_OF[dtype](n);
  else if (ArrayBuffer.isView(data)) arr = data as TypedArray;
  else {
    arr = new ARRAY_OF[dtype](n);
    const big = dtype === 'int64' || dtype === 'uint64';
    const src = data as ArrayLike<number>;
    for (let i = 0; i < n; i++) (arr as unknown as unknown[])[i] = big ? toInt64(src[i], dtype === 'uint64') : src[i];
  }
  if (arr.length !== n) {
    throw new GradlocError('SHAPE_MISMATCH', `tensor data has ${arr.length} elements, dims [${dims.join(', ')}] need ${n}`);
  }
  return { dtype, dims: [...dims], data: arr };
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
/** JS number -> int64, clamping: INT64_MAX as a double (2^63) would otherwise wrap to INT64_MIN. */
export function toInt64(v: number, unsigned = false): bigint {
  const b = BigInt(Math.trunc(v));
  if (unsigned) return b < 0n ? 0n : b > (1n << 64n) - 1n ? (1n << 64n) - 1n : b;
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

export const float32 = (dims: readonly number[], data?: ArrayLike<number>): Tensor<'float32'> =>
  tensor('float32', dims, data instanceof Float32Array ? data : data ? Float32Array.from(data) : undefined);

export const float64 = (dims: readonly number[], data?: ArrayLike<number>): Tensor<'float64'> =>
  tensor('float64', dims, data instanceof Float64Array ? data : data ? Float64Array.from(data) : undefined);

export const int64 = (dims: readonly number[], data: ArrayLike<number>): Tensor<'int64'> => tensor('int64', dims, data);

/** Elements as JS numbers (int64 converted; exact below 2^53). */
export function toNumbers(t: Tensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

/** A float32 copy of any numeric tensor. */
export function asFloat32(t: Tensor): Tensor<'float32'> {
  if (t.dtype === 'float32') return t as Tensor<'float32'>;
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  return { dtype: 'float32', dims: [...t.dims], data: out };
}

export const formatDims = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

/** Tensors of one dtype and equal trailing dims, stacked along dim 0 ([n_i, ...] -> [sum n_i, ...]). */
export function concatRows<D extends DType>(parts: readonly Tensor<D>[]): Tensor<D> {
  if (parts.length === 0) throw new GradlocError('BAD_INPUT', 'concatRows needs at least one tensor');
  const [first] = parts;
  const tail = first.dims.slice(1);
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.dims.length !== first.dims.length || p.dims.slice(1).some((d, i) => d !== tail[i])) {
      throw new GradlocError('SHAPE_MISMATCH', `concatRows: ${p.dtype} ${formatDims(p.dims)} does not stack with ${first.dtype} ${formatDims(first.dims)}`);
    }
  }
  const rows = parts.reduce((a, p) => a + p.dims[0], 0);
  const out = new ARRAY_OF[first.dtype](rows * sizeOf(tail));
  let at = 0;
  for (const p of parts) {
    (out as { set(a: ArrayLike<unknown>, o: number): void }).set(p.data as ArrayLike<unknown>, at);
    at += p.data.length;
  }
  return tensor(first.dtype, [rows, ...tail], out);
}
