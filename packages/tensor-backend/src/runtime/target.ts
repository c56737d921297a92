/** Differentiation targets: `logits`, `logits[0,281]`, or an output with a caller-given seed. */
import { GradlocError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { formatDims, sizeOf, tensor, type Tensor } from '../tensor/tensor.js';

export interface Target {
  /** Tensor to differentiate: an output or any intermediate value. */
  readonly output: string;
  /** One element of it (negative indices count from the end). */
  readonly index?: readonly number[];
  /** Seed dY for a vector-Jacobian product (same dims as the output). */
  readonly seed?: Tensor;
}

/** Parses `name` or `name[i,j,...]`. */
export function parseTarget(spec: string): Target {
  const m = /^(.+)\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]$/.exec(spec.trim());
  if (!m) return { output: spec.trim() };
  return { output: m[1], index: m[2].split(',').map((s) => Number(s.trim())) };
}

/** The seed fed for a target whose tensor has the given type. */
export function seedFor(target: Target, dtype: DType, dims: readonly number[]): Tensor {
  if (target.seed) {
    const s = target.seed;
    if (s.dims.length !== dims.length || s.dims.some((d, i) => d !== dims[i])) {
      throw new GradlocError('SHAPE_MISMATCH', `seed for '${target.output}' has dims ${formatDims(s.dims)}, the tensor has ${formatDims(dims)}`);
    }
    if (s.dtype === dtype) return s;
    const out = tensor(dtype, dims);
    for (let i = 0; i < out.data.length; i++) (out.data as Float32Array)[i] = Number(s.data[i]);
    return out;
  }
  const seed = tensor(dtype, dims);
  if (!target.index) {
    if (sizeOf(dims) !== 1) {
      throw new GradlocError(
        'BAD_INPUT',
        `'${target.output}' has dims ${formatDims(dims)}; pick an element (${target.output}[${dims.map(() => 0).join(',')}]) or pass a seed`,
      );
    }
    (seed.data as Float32Array)[0] = 1;
    return seed;
  }
  const idx = target.index;
  if (idx.length !== dims.length) {
    throw new GradlocError('BAD_INPUT', `index [${idx.join(',')}] has ${idx.length} entries, '${target.output}' has rank ${dims.length} ${formatDims(dims)}`);
  }
  let flat = 0;
  idx.forEach((v, i) => {
    const a = v < 0 ? v + dims[i] : v;
    if (!Number.isInteger(a) || a < 0 || a >= dims[i]) {
      throw new GradlocError('BAD_INPUT', `index [${idx.join(',')}] is out of range for '${target.output}' ${formatDims(dims)}`);
    }
    flat = flat * dims[i] + a;
  });
  (seed.data as Float32Array)[flat] = 1;
  return seed;
}
