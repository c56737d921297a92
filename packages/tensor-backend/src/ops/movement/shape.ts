/**
 * Shapes and constant folds of data-movement ops: Reshape, Flatten, Squeeze, Unsqueeze,
 * Transpose, Concat, Split, Slice, Expand, Tile, DepthToSpace and SpaceToDepth.
 *
 * PyTorch exporters compute shapes at run time (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape), so every op here that can appear in such a chain folds small constant
 * tensors; that is what makes every downstream shape static.
 */
import { broadcastDims, normAxis } from '../../shape/broadcast.js';
import { build, elem, stridesOf } from '../../shape/fold.js';
import { inferSource, whenKnown, type InferContext, type ShapeRule } from '../../shape/types.js';
import { sizeOf, toNumbers, type Tensor } from '../../tensor/tensor.js';
import { sliceAxes, splitSizes, transposePerm, type SliceAxis } from './params.js';

/** The same data under new dims (Reshape, Flatten, Squeeze, Unsqueeze). */
const withDims = (t: Tensor, dims: readonly number[]): Tensor => ({ dtype: t.dtype, dims: [...dims], data: t.data });

/** A rule for ops that only relabel dims: the fold shares the input's data. */
function relabel(dimsOf: (ctx: InferContext) => number[]): ShapeRule {
  return {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: dimsOf(ctx) }],
    fold: (ctx, [x]) => (x ? [withDims(x, dimsOf(ctx))] : undefined),
  };
}

/** Axes of Squeeze/Unsqueeze: attribute before opset 13, input from 13. */
function axesParam(ctx: InferContext, required: boolean): number[] | undefined {
  if (ctx.opset < 13) {
    if (ctx.attrs.has('axes')) return ctx.attrs.ints('axes');
  } else if (ctx.has(1)) {
    return toNumbers(ctx.needValue(1, 'axes'));
  }
  return required ? ctx.fail('axes are required') : undefined;
}

/** Reshape's target: 0 copies the input dim (unless allowzero), one -1 is inferred. */
export function reshapeDims(ctx: InferContext): number[] {
  const inDims = ctx.input(0).dims;
  const spec = ctx.opset < 5 ? ctx.attrs.ints('shape') : toNumbers(ctx.needValue(1, 'the target shape'));
  const allowzero = ctx.attrs.int('allowzero', 0) === 1;
  const dims = spec.map((d, i) => {
    if (d === 0 && !allowzero) return i < inDims.length ? inDims[i] : ctx.fail(`shape [${spec.join(', ')}] copies dim ${i}, which the input lacks`);
    if (d < -1) ctx.fail(`shape [${spec.join(', ')}] has an invalid dim ${d}`);
    return d;
  });
  const infer = dims.filter((d) => d === -1).length;
  const total = sizeOf(inDims);
  const known = dims.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (infer > 1) ctx.fail(`shape [${spec.join(', ')}] has more than one -1`);
  if (infer === 1) {
    if (known === 0 || total % known !== 0) ctx.fail(`cannot reshape [${inDims.join(', ')}] to [${spec.join(', ')}]`);
    return dims.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) ctx.fail(`cannot reshape [${inDims.join(', ')}] (${total} elements) to [${dims.join(', ')}]`);
  return dims;
}

function sliceOut(dims: readonly number[], axes: readonly SliceAxis[]): number[] {
  const out = [...dims];
  for (const a of axes) out[a.axis] = a.count;
  return out;
}

/** [N, C, H, W] and the block size of DepthToSpace / SpaceToDepth. */
function blockDims(ctx: InferContext): { dims: readonly number[]; b: number } {
  const { dims } = ctx.input(0);
  const b = ctx.attrs.int('blocksize');
  if (dims.length !== 4) ctx.fail(`input must be [N, C, H, W], got [${dims.join(', ')}]`);
  if (b < 1) ctx.fail(`blocksize ${b} must be positive`);
  return { dims, b };
}

export const movementShapes: Record<string, ShapeRule> = {
  Reshape: relabel(reshapeDims),

  Flatten: relabel((ctx) => {
    const dims = ctx.input(0).dims;
    let axis = ctx.attrs.int('axis', 1);
    if (axis < 0) axis += dims.length;
    if (axis < 0 || axis > dims.length) ctx.fail(`axis ${ctx.attrs.int('axis', 1)} is out of range for rank ${dims.length}`);
    return [sizeOf(dims.slice(0, axis)), sizeOf(dims.slice(axis))];
  }),

  Squeeze: relabel((ctx) => {
    const dims = ctx.input(0).dims;
    const axes = axesParam(ctx, false);
    if (!axes) return dims.filter((d) => d !== 1);
    const drop = new Set(axes.map((a) => normAxis(a, dims.length, ctx.node.describe())));
    for (const a of drop) if (dims[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${dims[a]}`);
    return dims.filter((_, i) => !drop.has(i));
  }),

  Unsqueeze: relabel((ctx) => {
    const dims = ctx.input(0).dims;
    const axes = axesParam(ctx, true)!;
    const rank = dims.length + axes.length;
    // negative axes count from the end of the OUTPUT
    const ins = new Set(axes.map((a) => normAxis(a, rank, ctx.node.describe())));
    if (ins.size !== axes.length) ctx.fail(`axes [${axes.join(', ')}] repeat an axis`);
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) out.push(ins.has(i) ? 1 : dims[k++]);
    return out;
  }),

  Transpose: {
    infer: (ctx) => {
      const { dtype, dims } = ctx.input(0);
      const perm = transposePerm(ctx.attrs, dims.length);
      if (perm.length !== dims.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
        ctx.fail(`perm [${perm.join(', ')}] is not a permutation of ${dims.length} axes`);
      }
      return [{ dtype, dims: perm.map((p) => dims[p]) }];
    },
    fold: whenKnown((ctx, [x]) => {
      const perm = transposePerm(ctx.attrs, x.dims.length);
      const s = stridesOf(x.dims);
      return [build(x.dtype, perm.map((p) => x.dims[p]), (idx) => elem(x, idx.reduce((o, v, i) => o + v * s[perm[i]], 0)))];
    }),
  },

  Concat: {
    infer: (ctx) => {
      const first = ctx.input(0);
      const axis = normAxis(ctx.attrs.int('axis'), first.dims.length, ctx.node.describe());
      const dims = [...first.dims];
      dims[axis] = 0;
      for (let i = 0; i < ctx.numInputs; i++) {
        const d = ctx.input(i).dims;
        if (d.length !== dims.length || d.some((v, j) => j !== axis && v !== dims[j])) {
          ctx.fail(`input ${i} has dims [${d.join(', ')}], which do not match [${first.dims.join(', ')}] off axis ${axis}`);
        }
        dims[axis] += d[axis];
      }
      return [{ dtype: first.dtype, dims }];
    },
    fold: whenKnown((ctx, xs) => {
      const axis = normAxis(ctx.attrs.int('axis'), xs[0].dims.length);
      const dims = [...xs[0].dims];
      dims[axis] = xs.reduce((a, t) => a + t.dims[axis], 0);
      // which input covers output position p along the axis, and where it starts
      const owner: number[] = [];
      const begin: number[] = [];
      xs.forEach((t, i) => {
        for (let j = 0; j < t.dims[axis]; j++) {
          owner.push(i);
          begin.push(owner.length - 1 - j);
        }
      });
      const strides = xs.map((t) => stridesOf(t.dims));
      return [
        build(xs[0].dtype, dims, (idx) => {
          const i = owner[idx[axis]];
          let off = 0;
          for (let r = 0; r < idx.length; r++) off += (r === axis ? idx[r] - begin[idx[axis]] : idx[r]) * strides[i][r];
          return elem(xs[i], off);
        }),
      ];
    }),
  },

  Split: {
    infer: (ctx) => {
      const { dtype, dims } = ctx.input(0);
      const axis = normAxis(ctx.attrs.int('axis', 0), dims.length, ctx.node.describe());
      return splitSizes(inferSource(ctx), dims[axis], ctx.node.outputs.length).map((s) => ({ dtype, dims: dims.map((d, i) => (i === axis ? s : d)) }));
    },
    fold: (ctx, [x]) => {
      if (!x) return undefined;
      const axis = normAxis(ctx.attrs.int('axis', 0), x.dims.length);
      const s = stridesOf(x.dims);
      let begin = 0;
      return splitSizes(inferSource(ctx), x.dims[axis], ctx.node.outputs.length).map((size) => {
        const at = begin;
        begin += size;
        const dims = x.dims.map((d, i) => (i === axis ? size : d));
        return build(x.dtype, dims, (idx) => elem(x, idx.reduce((o, v, r) => o + (r === axis ? v + at : v) * s[r], 0)));
      });
    },
  },

  Slice: {
    infer: (ctx) => {
      const { dtype, dims } = ctx.input(0);
      return [{ dtype, dims: sliceOut(dims, sliceAxes(inferSource(ctx), dims)) }];
    },
    fold: (ctx, [x]) => {
      if (!x) return undefined;
      const axes = sliceAxes(inferSource(ctx), x.dims);
      const start = x.dims.map(() => 0);
      const step = x.dims.map(() => 1);
      for (const a of axes) {
        start[a.axis] = a.start;
        step[a.axis] = a.step;
      }
      const s = stridesOf(x.dims);
      return [build(x.dtype, sliceOut(x.dims, axes), (idx) => elem(x, idx.reduce((o, v, r) => o + (start[r] + v * step[r]) * s[r], 0)))];
    },
  },

  /** Gather/GatherElements index normalisation: negative indices count from the end. */
  Expand: {
    infer: (ctx) => {
      const x = ctx.input(0);
      const shape = toNumbers(ctx.needValue(1, 'the target shape'));
      return [{ dtype: x.dtype, dims: broadcastDims([x.dims, shape], ctx.node.describe()) }];
    },
    fold: whenKnown((ctx, [x, shape]) => {
      const dims = broadcastDims([x.dims, toNumbers(shape)]);
      const s = stridesOf(x.dims);
      const lead = dims.length - x.dims.length;
      return [build(x.dtype, dims, (idx) => {
        let off = 0;
        for (let r = 0; r < x.dims.length; r++) if (x.dims[r] !== 1) off += idx[r + lead] * s[r];
        return elem(x, off);
      })];
    }),
  },

  Tile: {
    infer: (ctx) => {
      const x = ctx.input(0);
      const reps = toNumbers(ctx.needValue(1, 'repeats'));
      if (reps.length !== x.dims.length) ctx.fail(`repeats has ${reps.length} entries for rank ${x.dims.length}`);
      return [{ dtype: x.dtype, dims: x.dims.map((d, i) => d * reps[i]) }];
    },
    fold: whenKnown((ctx, [x, repeats]) => {
      const reps = toNumbers(repeats);
      const s = stridesOf(x.dims);
      return [build(x.dtype, x.dims.map((d, i) => d * reps[i]), (idx) => elem(x, idx.reduce((o, v, r) => o + (v % x.dims[r]) * s[r], 0)))];
    }),
  },

  // Block rearrangements ([N, C, H, W] only)
  DepthToSpace: {
    infer: (ctx) => {
      const { dims: [n, c, h, w], b } = blockDims(ctx);
      if (c % (b * b) !== 0) ctx.fail(`${c} channels are not a multiple of blocksize^2 = ${b * b}`);
      return [{ dtype: ctx.input(0).dtype, dims: [n, c / (b * b), h * b, w * b] }];
    },
  },

  SpaceToDepth: {
    infer: (ctx) => {
      const { dims: [n, c, h, w], b } = blockDims(ctx);
      if (h % b !== 0 || w % b !== 0) ctx.fail(`spatial dims ${h} x ${w} are not multiples of blocksize ${b}`);
      return [{ dtype: ctx.input(0).dtype, dims: [n, c * b * b, h / b, w / b] }];
    },
  },
};
