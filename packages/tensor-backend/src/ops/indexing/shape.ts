/**
 * Shapes and folds of indexing ops: Gather and GatherElements (folded: exporters gather
 * dims), the same-shape scatters, TopK, and the index producers ArgMax/ArgMin, NonZero,
 * OneHot and NonMaxSuppression (nms.ts).
 */
import { normAxis } from '../../shape/broadcast.js';
import { sameAsInput } from '../../shape/elementwise.js';
import { build, elem, stridesOf } from '../../shape/fold.js';
import { whenKnown, type InferContext, type ShapeRule } from '../../shape/types.js';
import { toNumbers } from '../../tensor/tensor.js';
import { sameRule } from '../family.js';
import { nmsShape } from './nms.js';

/** Gather/GatherElements index normalisation: negative indices count from the end. */
function normIndex(ctx: InferContext, v: number, dim: number): number {
  const j = v < 0 ? v + dim : v;
  return j >= 0 && j < dim ? j : ctx.fail(`index ${v} is out of range for an axis of size ${dim}`);
}

function argDims(ctx: InferContext): { axis: number; dims: number[] } {
  const dims = ctx.input(0).dims;
  const axis = normAxis(ctx.attrs.int('axis', 0), dims.length, ctx.node.describe());
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  return { axis, dims: keep ? dims.map((d, i) => (i === axis ? 1 : d)) : dims.filter((_, i) => i !== axis) };
}

/** ArgMax / ArgMin: the index of the element `better` than the rest along the axis. */
const argRule = (better: (a: number, b: number) => boolean): ShapeRule => ({
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

/** OneHot: depth inserted at `axis` (counted in the output rank); dtype of `values`. */
function oneHotDims(ctx: InferContext): { axis: number; depth: number; dims: number[] } {
  const idx = ctx.input(0).dims;
  const depth = Number(ctx.needValue(1, 'depth').data[0]);
  const axis = normAxis(ctx.attrs.int('axis', -1), idx.length + 1, ctx.node.describe());
  return { axis, depth, dims: [...idx.slice(0, axis), depth, ...idx.slice(axis)] };
}

export const indexingShapes: Record<string, ShapeRule> = {
  Gather: {
    infer: (ctx) => {
      const data = ctx.input(0);
      const idx = ctx.input(1).dims;
      const axis = normAxis(ctx.attrs.int('axis', 0), data.dims.length, ctx.node.describe());
      return [{ dtype: data.dtype, dims: [...data.dims.slice(0, axis), ...idx, ...data.dims.slice(axis + 1)] }];
    },
    fold: whenKnown((ctx, [data, indices]) => {
      const axis = normAxis(ctx.attrs.int('axis', 0), data.dims.length);
      const ids = toNumbers(indices).map((v) => normIndex(ctx, v, data.dims[axis]));
      const s = stridesOf(data.dims);
      const si = stridesOf(indices.dims);
      const k = indices.dims.length;
      const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
      return [
        build(data.dtype, dims, (idx) => {
          let off = 0;
          for (let r = 0; r < axis; r++) off += idx[r] * s[r];
          let flat = 0;
          for (let r = 0; r < k; r++) flat += idx[axis + r] * si[r];
          off += ids[flat] * s[axis];
          for (let r = axis + 1; r < data.dims.length; r++) off += idx[r + k - 1] * s[r];
          return elem(data, off);
        }),
      ];
    }),
  },

  GatherElements: {
    infer: (ctx) => {
      const data = ctx.input(0);
      const idx = ctx.input(1).dims;
      normAxis(ctx.attrs.int('axis', 0), data.dims.length, ctx.node.describe());
      if (idx.length !== data.dims.length) ctx.fail(`indices have rank ${idx.length}, data rank ${data.dims.length}`);
      return [{ dtype: data.dtype, dims: [...idx] }];
    },
    fold: whenKnown((ctx, [data, indices]) => {
      const axis = normAxis(ctx.attrs.int('axis', 0), data.dims.length);
      const ids = toNumbers(indices);
      const s = stridesOf(data.dims);
      let k = 0;
      return [build(data.dtype, indices.dims, (idx) => {
        const j = normIndex(ctx, ids[k++], data.dims[axis]);
        return elem(data, idx.reduce((o, v, r) => o + (r === axis ? j : v) * s[r], 0));
      })];
    }),
  },

  // Scatters: the data input's dims (no folds: never part of shape arithmetic).
  ...sameRule(['ScatterElements', 'ScatterND', 'Scatter'], sameAsInput),

  // TopK: k from the attribute (opset 1-9) or the K input (10+); Indices are int64.
  TopK: {
    infer: (ctx) => {
      const x = ctx.input(0);
      const axis = normAxis(ctx.attrs.int('axis', -1), x.dims.length, ctx.node.describe());
      const k = ctx.has(1) ? Number(ctx.needValue(1, 'K').data[0]) : ctx.attrs.int('k');
      if (k < 0 || k > x.dims[axis]) ctx.fail(`k = ${k} is out of range for axis ${axis} of size ${x.dims[axis]}`);
      const dims = x.dims.map((d, i) => (i === axis ? k : d));
      return [{ dtype: x.dtype, dims }, { dtype: 'int64', dims }];
    },
  },

  NonZero: {
    infer: (ctx) => {
      const { rank, coords } = nonZeroCoords(ctx);
      return [{ dtype: 'int64', dims: [rank, coords.length] }];
    },
    fold: (ctx) => {
      const { rank, coords } = nonZeroCoords(ctx);
      return [build('int64', [rank, coords.length], ([r, j]) => BigInt(coords[j][r]))];
    },
  },

  ArgMax: argRule((a, b) => a > b),
  ArgMin: argRule((a, b) => a < b),

  OneHot: {
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
  },

  NonMaxSuppression: nmsShape,
};
