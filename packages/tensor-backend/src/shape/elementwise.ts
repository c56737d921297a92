/**
 * Building blocks of element-wise shape rules, shared by the element-wise op families
 * (arithmetic, activations, trigonometry, logic): "same type as input 0", numpy
 * broadcasting of every input, and folds that map small tensors in JS numbers. Float
 * folds are computed in doubles and stored back in the tensor's own type.
 */
import type { DType } from '../tensor/dtype.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { broadcastDims } from './broadcast.js';
import { whenKnown, type InferContext, type ShapeRule, type ValueType } from './types.js';

/** Output 0 has input 0's type. */
export const sameAsInput0 = (ctx: InferContext): ValueType[] => [ctx.input(0)];

/** The shape rule of ops whose only output has input 0's type (and no fold). */
export const sameAsInput: ShapeRule = { infer: sameAsInput0 };

/** Numpy broadcast of the dims of every present input. */
export const broadcastInputs = (ctx: InferContext): number[] => {
  const shapes: (readonly number[])[] = [];
  for (let i = 0; i < ctx.numInputs; i++) if (ctx.has(i)) shapes.push(ctx.input(i).dims);
  return broadcastDims(shapes, ctx.node.describe());
};

// Number(INT64_MAX) rounds up to 2^63, which BigInt64Array would wrap to INT64_MIN;
// clamping keeps the "until the end" sentinels of Slice ends intact through folds.
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
function toBigInt(v: number, unsigned: boolean): bigint {
  if (Number.isNaN(v)) return 0n;
  if (unsigned) return v <= 0 ? 0n : v >= 2 ** 64 ? 2n ** 64n - 1n : BigInt(Math.trunc(v));
  if (v >= 2 ** 63) return INT64_MAX;
  if (v <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** Element-wise map over broadcast inputs, computed in JS numbers (for folding small tensors). */
export function mapBroadcast(dtype: DType, inputs: Tensor[], f: (...v: number[]) => number): Tensor {
  const dims = broadcastDims(inputs.map((t) => t.dims));
  const out = tensor(dtype, dims);
  const n = out.data.length;
  const rank = dims.length;
  const strides = inputs.map((t) => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = t.dims.length - 1; i >= 0; i--) {
      const r = rank - t.dims.length + i;
      s[r] = t.dims[i] === 1 ? 0 : acc;
      acc *= t.dims[i];
    }
    return s;
  });
  const idx = new Array<number>(rank).fill(0);
  const big = dtype === 'int64' || dtype === 'uint64';
  const vals = new Array<number>(inputs.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < inputs.length; j++) {
      let off = 0;
      for (let r = 0; r < rank; r++) off += idx[r] * strides[j][r];
      vals[j] = Number(inputs[j].data[off]);
    }
    const v = f(...vals);
    (out.data as unknown as unknown[])[k] = big ? toBigInt(v, dtype === 'uint64') : dtype === 'bool' ? (v ? 1 : 0) : v;
    for (let r = rank - 1; r >= 0; r--) {
      if (++idx[r] < dims[r]) break;
      idx[r] = 0;
    }
  }
  return out;
}

/**
 * Like whenKnown, but also declines float16 values: they are stored as raw bits, which
 * mapBroadcast would misread as numbers.
 */
export const foldKnown =
  (fn: (ctx: InferContext, inputs: Tensor[]) => Tensor[]) =>
  (ctx: InferContext, inputs: (Tensor | undefined)[]): Tensor[] | undefined =>
    inputs.some((t) => t?.dtype === 'float16') ? undefined : whenKnown(fn)(ctx, inputs);

/** Fold of a same-type map: unary maps, binaries, variadics. */
export const foldMap = (f: (...v: number[]) => number) => foldKnown((ctx, ins) => [mapBroadcast(ins[0].dtype, ins, f)]);

/** A rule for same-type unary maps: input 0's type, folded with `f`. */
export const unaryMap = (f: (x: number) => number): ShapeRule => ({ infer: sameAsInput0, fold: foldMap(f) });

/** Like unaryMap, for maps whose parameters are node attributes: `f` reads them and returns the map. */
export const unaryMapOf = (f: (ctx: InferContext) => (x: number) => number): ShapeRule => ({
  infer: sameAsInput0,
  fold: foldKnown((ctx, [x]) => [mapBroadcast(x.dtype, [x], f(ctx))]),
});

/** A rule for same-type broadcasting binaries and variadics, folded with `f`. */
export const broadcastMap = (f: (...v: number[]) => number): ShapeRule => ({
  infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastInputs(ctx) }],
  fold: foldMap(f),
});
