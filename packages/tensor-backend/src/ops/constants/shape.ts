/**
 * Shapes and folds of ops that produce constants and shapes: Shape, Size, Constant,
 * ConstantOfShape, Range. Shape and Size fold from static dims alone (their input's
 * value is never needed), which is what starts the exporters' Shape -> Gather -> Concat
 * -> Reshape chains.
 */
import { build, elem } from '../../shape/fold.js';
import { whenKnown, type InferContext, type ShapeRule } from '../../shape/types.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, tensor, toNumbers, type Tensor } from '../../tensor/tensor.js';

const int64 = (dims: readonly number[], values: readonly number[]): Tensor => tensor('int64', dims, values);

/** Shape's [start, end) window (opset 15), clamped like a slice. */
function shapeWindow(ctx: InferContext): readonly number[] {
  const dims = ctx.input(0).dims;
  const r = dims.length;
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = norm(ctx.attrs.int('start', 0));
  const end = ctx.attrs.has('end') ? norm(ctx.attrs.int('end')) : r;
  return dims.slice(start, Math.max(start, end));
}

/** The tensor a Constant node holds. */
function constantValue(ctx: InferContext): Tensor {
  const a = ctx.attrs;
  if (a.has('value')) return a.tensor('value');
  if (a.has('value_float')) return tensor('float32', [], [a.float('value_float')]);
  if (a.has('value_floats')) {
    const v = a.floats('value_floats');
    return tensor('float32', [v.length], v);
  }
  if (a.has('value_int')) return int64([], [a.int('value_int')]);
  if (a.has('value_ints')) {
    const v = a.ints('value_ints');
    return int64([v.length], v);
  }
  return ctx.fail('only value, value_float(s) and value_int(s) Constants are supported (not sparse or string values)');
}

/** ConstantOfShape's fill value: a one-element tensor attribute, float32 0 by default. */
function fillValue(ctx: InferContext): Tensor {
  return ctx.attrs.has('value') ? ctx.attrs.tensor('value') : tensor('float32', [1], [0]);
}

/** Range's element count: max(ceil((limit - start) / delta), 0). */
function rangeParams(ctx: InferContext): { start: number; delta: number; n: number; dtype: DType } {
  const [start, limit, delta] = [0, 1, 2].map((i) => Number(ctx.needValue(i, ['start', 'limit', 'delta'][i]).data[0]));
  if (delta === 0) ctx.fail('delta is 0');
  return { start, delta, n: Math.max(Math.ceil((limit - start) / delta), 0), dtype: ctx.input(0).dtype };
}

export const constantShapes: Record<string, ShapeRule> = {
  Shape: {
    infer: (ctx) => [{ dtype: 'int64', dims: [shapeWindow(ctx).length] }],
    fold: (ctx) => {
      const d = shapeWindow(ctx);
      return [int64([d.length], d)];
    },
  },

  Size: {
    infer: () => [{ dtype: 'int64', dims: [] }],
    fold: (ctx) => [int64([], [sizeOf(ctx.input(0).dims)])],
  },

  Constant: {
    infer: (ctx) => {
      const t = constantValue(ctx);
      return [{ dtype: t.dtype, dims: t.dims }];
    },
    fold: (ctx) => [constantValue(ctx)],
  },

  ConstantOfShape: {
    infer: (ctx) => [{ dtype: fillValue(ctx).dtype, dims: toNumbers(ctx.needValue(0, 'the shape')) }],
    fold: whenKnown((ctx, [shape]) => {
      const v = fillValue(ctx);
      const fill = elem(v, 0);
      return [build(v.dtype, toNumbers(shape), () => fill)];
    }),
  },

  Range: {
    infer: (ctx) => {
      const { n, dtype } = rangeParams(ctx);
      return [{ dtype, dims: [n] }];
    },
    fold: (ctx) => {
      const { start, delta, n, dtype } = rangeParams(ctx);
      return [tensor(dtype, [n], Array.from({ length: n }, (_, i) => start + i * delta))];
    },
  },
};
