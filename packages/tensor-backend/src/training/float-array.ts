/** The typed arrays parameters, gradients and optimizer state live in. */
import { GradlocError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';

/** float32 models train in Float32Array, float64 models in Float64Array. */
export type FloatArray = Float32Array | Float64Array;

/** Zeros of the same type and length (optimizer buffers). */
export const zerosLike = (a: FloatArray): FloatArray => (a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length));

export const dtypeOf = (a: FloatArray): 'float32' | 'float64' => (a instanceof Float64Array ? 'float64' : 'float32');

/** The array a trainable tensor of this dtype is kept in (float16 and integers are not trained). */
export function requireTrainable(name: string, dtype: DType): 'float32' | 'float64' {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new GradlocError('DTYPE_MISMATCH', `parameter '${name}' is ${dtype}; only float32 and float64 parameters can be trained`);
  }
  return dtype;
}
