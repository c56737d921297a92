/**
 * Small-tensor helpers for constant folds. Folds run on the little integer tensors of
 * exporters' shape subgraphs, so they favour exactness (int64 stays bigint) over speed.
 */
import type { DType } from '../tensor/dtype.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

/** An element as stored in a typed array (bigint for int64/uint64). */
export type Elem = number | bigint;

export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/**
 * A tensor of `dims` whose element at each multi-index is `read(idx)`. Elements are
 * copied as stored, so int64 data stays bigint without a round trip through numbers.
 */
export function build(dtype: DType, dims: readonly number[], read: (idx: readonly number[]) => Elem): Tensor {
  const out = tensor(dtype, dims);
  const data = out.data as unknown as Elem[];
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < data.length; k++) {
    data[k] = read(idx);
    for (let r = dims.length - 1; r >= 0; r--) {
      if (++idx[r] < dims[r]) break;
      idx[r] = 0;
    }
  }
  return out;
}

export const elem = (t: Tensor, offset: number): Elem => t.data[offset] as Elem;
