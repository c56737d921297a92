/**
 * Shapes and folds of ops that produce constants, shapes or indices: Shape, Size,
 * Constant, ConstantOfShape, Range, ArgMax/ArgMin, NonZero, OneHot. Shape and Size
 * fold from static dims alone (their input's value is never needed), which is what
 * starts the exporters' Shape -> Gather -> Concat -> Reshape chains.
 */
import { tensor, toNumbers, sizeOf, type Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { normAxis } from '../broadcast.js';
import { defineShape } from '../registry.js';
import { whenKnown, type InferContext } from '../types.js';
import { build, elem, stridesOf } from './movement.js';

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

defineShape('Shape', {
  infer: (ctx) => [{ dtype: 'int64', dims: [shapeWindow(ctx).length] }],
  fold: (ctx) => {
    const d = shapeWindow(ctx);
    return [int64([d.length], d)];
  },
});

defineShape('Size', {
  infer: () => [{ dtype: 'int64', dims: [] }],
  fold: (ctx) => [int64([], [sizeOf(ctx.input(0).dims)])],
});

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

defineShape('Constant', {
  infer: (ctx) => {
    const t = constantValue(ctx);
    return [{ dtype: t.dtype, dims: t.dims }];
  },
  fold: (ctx) => [constantValue(ctx)],
});

/** ConstantOfShape's fill value: a one-element tensor attribute, float32 0 by default. */
function fillValue(ctx: InferContext): Tensor {
  return ctx.attrs.has('value') ? ctx.attrs.tensor('value') : tensor('float32', [1], [0]);
}

defineShape('ConstantOfShape', {
  infer: (ctx) => [{ dtype: fillValue(ctx).dtype, dims: toNumbers(ctx.needValue(0, 'the shape')) }],
  fold: whenKnown((ctx, [shape]) => {
    const v = fillValue(ctx);
    const fill = elem(v, 0);
    return [build(v.dtype, toNumbers(shape), () => fill)];
  }),
});

/** Range's element count: max(ceil((limit - start) / delta), 0). */
function rangeParams(ctx: InferContext): { start: number; delta: number; n: number; dtype: DType } {
  const [start, limit, delta] = [0, 1, 2].map((i) => Number(ctx.needValue(i, ['start', 'limit', 'delta'][i]).data[0]));
  if (delta === 0) ctx.fail('delta is 0');
  return { start, delta, n: Math.max(Math.ceil((limit - start) / delta), 0), dtype: ctx.input(0).dtype };
}

defineShape('Range', {
  infer: (ctx) => {
    const { n, dtype } = rangeParams(ctx);
    return [{ dtype, dims: [n] }];
  },
  fold: (ctx) => {
    const { start, delta, n, dtype } = rangeParams(ctx);
    return [tensor(dtype, [n], Array.from({ length: n }, (_, i) => start + i * delta))];
  },
});

// ---------------------------------------------------------------------------------------
// Index-producing ops

function argDims(ctx: InferContext): { axis: number; dims: number[] } {
  const dims = ctx.input(0).dims;
  const axis = normAxis(ctx.attrs.int('axis', 0), dims.length, ctx.node.describe());
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  return { axis, dims: keep ? dims.map((d, i) => (i === axis ? 1 : d)) : dims.filter((_, i) => i !== axis) };
}

for (const [op, better] of [
  ['ArgMax', (a: number, b: number) => a > b],
  ['ArgMin', (a: number, b: number) => a < b],
] as const) {
  defineShape(op, {
    infer: (ctx) => [{ dtype: 'int64', dims: argDims(ctx).dims }],
    fold: whenKnown((ctx, [x]) => {
      const { axis, dims } = argDims(ctx);
      const last = ctx.attrs.int('select_last_index', 0) === 1;
      const s = stridesOf(x.dims);
      const keep = dims.length === x.dims.length;
      const vals = toNumbers(x);
      const out = build('int64', dims, (idx) => {
        // offset of the first element of this output's reduction line
        let off = 0;
        for (let r = 0, k = 0; r < x.dims.length; r++) {
          if (r === axis) {
            if (keep) k++;
            continue;
          }
          off += idx[k++] * s[r];
        }
        let best = 0;
        for (let j = 1; j < x.dims[axis]; j++) {
          const v = vals[off + j * s[axis]];
          const b = vals[off + best * s[axis]];
          if (better(v, b) || (last && v === b)) best = j;
        }
        return BigInt(best);
      });
      return [out];
    }),
  });
}

/** NonZero's output has one column per nonzero element, so its dims need the input's value. */
function nonZeroCoords(ctx: InferContext): { rank: number; coords: number[][] } {
  const x = ctx.value(0);
  if (!x) {
    return ctx.fail(
      'NonZero has an output size that depends on the input values, which are only known at run time; gradloc needs static shapes',
    );
  }
  const vals = toNumbers(x);
  const dims = x.dims.length ? x.dims : [1]; // a scalar behaves as one element
  const s = stridesOf(dims);
  const coords: number[][] = [];
  vals.forEach((v, k) => {
    if (v !== 0) coords.push(dims.map((_, r) => Math.floor(k / s[r]) % dims[r]));
  });
  return { rank: dims.length, coords };
}

defineShape('NonZero', {
  infer: (ctx) => {
    const { rank, coords } = nonZeroCoords(ctx);
    return [{ dtype: 'int64', dims: [rank, coords.length] }];
  },
  fold: (ctx) => {
    const { rank, coords } = nonZeroCoords(ctx);
    return [build('int64', [rank, coords.length], ([r, j]) => BigInt(coords[j][r]))];
  },
});

/** OneHot: depth inserted at `axis` (counted in the output rank); dtype of `values`. */
function oneHotDims(ctx: InferContext): { axis: number; depth: number; dims: number[] } {
  const idx = ctx.input(0).dims;
  const depth = Number(ctx.needValue(1, 'depth').data[0]);
  const axis = normAxis(ctx.attrs.int('axis', -1), idx.length + 1, ctx.node.describe());
  return { axis, depth, dims: [...idx.slice(0, axis), depth, ...idx.slice(axis)] };
}

defineShape('OneHot', {
  infer: (ctx) => [{ dtype: ctx.input(2).dtype, dims: oneHotDims(ctx).dims }],
  fold: whenKnown((ctx, [indices, , values]) => {
    const { axis, depth, dims } = oneHotDims(ctx);
    const ids = toNumbers(indices).map((v) => (v < 0 ? v + depth : v));
    const si = stridesOf(indices.dims);
    const [off, on] = [elem(values, 0), elem(values, 1)];
    return [build(values.dtype, dims, (idx) => {
      let k = 0;
      for (let r = 0, j = 0; r < idx.length; r++) if (r !== axis) k += idx[r] * si[j++];
      return Math.trunc(ids[k]) === idx[axis] ? on : off;
    })];
  }),
});
