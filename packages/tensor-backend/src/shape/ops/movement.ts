/**
 * Shapes and constant folds of data-movement and indexing ops: Reshape, Flatten,
 * Squeeze, Unsqueeze, Transpose, Concat, Split, Slice, Gather, GatherElements, Expand,
 * Tile, plus the same-shape CumSum, Trilu and Scatter ops.
 *
 * PyTorch exporters compute shapes at run time (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape), so every op here that can appear in such a chain folds small constant
 * tensors; that is what makes every downstream shape static.
 *
 * The slice/split parameter decoding is exported: the gradient rules read the same
 * attributes and inputs and must interpret them identically.
 */
import type { Attrs } from '../../ir/attributes.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, tensor, toNumbers, type Tensor } from '../../tensor/tensor.js';
import { broadcastDims, normAxis } from '../broadcast.js';
import { defineShape } from '../registry.js';
import { whenKnown, type InferContext, type ShapeRule, type ValueType } from '../types.js';

// ---------------------------------------------------------------------------------------
// Small-tensor helpers for folds

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

/** The same data under new dims (Reshape, Flatten, Squeeze, Unsqueeze). */
const withDims = (t: Tensor, dims: readonly number[]): Tensor => ({ dtype: t.dtype, dims: [...dims], data: t.data });

/** A rule for ops that only relabel dims: the fold shares the input's data. */
function relabel(dimsOf: (ctx: InferContext) => number[]): ShapeRule {
  return {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: dimsOf(ctx) }],
    fold: (ctx, [x]) => (x ? [withDims(x, dimsOf(ctx))] : undefined),
  };
}

const sameAsInput0 = (ctx: InferContext): ValueType[] => [ctx.input(0)];

// ---------------------------------------------------------------------------------------
// Parameters read from attributes (old opsets) or constant inputs (new opsets)

/** Where attribute-or-input parameters come from: a shape context or a gradient context. */
export interface ParamSource {
  readonly opset: number;
  readonly attrs: Attrs;
  /** Compile-time value of optional input i; undefined when omitted; fails when only known at run time. */
  param(i: number, what: string): Tensor | undefined;
  fail(message: string): never;
}

export const inferParams = (ctx: InferContext): ParamSource => ({
  opset: ctx.opset,
  attrs: ctx.attrs,
  param: (i, what) => (ctx.has(i) ? ctx.needValue(i, what) : undefined),
  fail: ctx.fail,
});

export interface SliceAxis {
  readonly axis: number;
  /** First index read (already clamped into range). */
  readonly start: number;
  readonly step: number;
  /** Number of elements taken along the axis. */
  readonly count: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/**
 * Normalised Slice parameters, one entry per sliced axis. Exporters write INT64_MAX /
 * INT64_MIN as "to the end"; those arrive as numbers beyond 2^53 (inexact), which the
 * clamping below absorbs.
 */
export function sliceAxes(p: ParamSource, dims: readonly number[]): SliceAxis[] {
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (p.opset < 10) {
    starts = p.attrs.ints('starts');
    ends = p.attrs.ints('ends');
    axes = p.attrs.has('axes') ? p.attrs.ints('axes') : undefined;
  } else {
    starts = toNumbers(p.param(1, 'Slice starts')!);
    ends = toNumbers(p.param(2, 'Slice ends')!);
    const a = p.param(3, 'Slice axes');
    const s = p.param(4, 'Slice steps');
    axes = a && toNumbers(a);
    steps = s && toNumbers(s);
  }
  if (ends.length !== starts.length) p.fail(`starts has ${starts.length} entries, ends ${ends.length}`);
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxisOrFail(p, a, dims.length));
  if (ax.length !== starts.length || (steps && steps.length !== starts.length)) p.fail('starts, ends, axes and steps must have the same length');
  if (new Set(ax).size !== ax.length) p.fail(`axes [${ax.join(', ')}] repeat an axis`);
  return ax.map((axis, i) => {
    const d = dims[axis];
    const step = steps ? steps[i] : 1;
    if (step === 0) p.fail('a Slice step is 0');
    const rel = (v: number): number => (v < 0 ? v + d : v);
    const start = step > 0 ? clamp(rel(starts[i]), 0, d) : clamp(rel(starts[i]), 0, d - 1);
    const end = step > 0 ? clamp(rel(ends[i]), 0, d) : clamp(rel(ends[i]), -1, d - 1);
    return { axis, start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
}

function normAxisOrFail(p: ParamSource, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) p.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Sizes of Split's outputs along the axis (split attribute/input, num_outputs, or equal parts). */
export function splitSizes(p: ParamSource, dim: number, numOutputs: number): number[] {
  const given = p.opset < 13 ? (p.attrs.has('split') ? p.attrs.ints('split') : undefined) : p.param(1, 'Split sizes');
  if (given) {
    const sizes = Array.isArray(given) ? given : toNumbers(given as Tensor);
    if (sizes.length !== numOutputs) p.fail(`split has ${sizes.length} entries for ${numOutputs} outputs`);
    if (sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((s) => s < 0)) p.fail(`split [${sizes.join(', ')}] does not add up to ${dim}`);
    return sizes;
  }
  if (p.opset >= 18 && p.attrs.has('num_outputs')) {
    // opset 18: ceil-sized chunks, the last one smaller when the axis does not divide
    const n = p.attrs.int('num_outputs');
    if (n !== numOutputs) p.fail(`num_outputs is ${n} but the node has ${numOutputs} outputs`);
    const chunk = Math.ceil(dim / n);
    const last = dim - chunk * (n - 1);
    if (last <= 0) p.fail(`cannot split ${dim} into ${n} chunks of ${chunk}`);
    return [...new Array<number>(n - 1).fill(chunk), last];
  }
  if (dim % numOutputs !== 0) p.fail(`axis of size ${dim} does not split evenly into ${numOutputs} outputs`);
  return new Array<number>(numOutputs).fill(dim / numOutputs);
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

// ---------------------------------------------------------------------------------------
// Ops that only relabel dims

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
defineShape('Reshape', relabel(reshapeDims));

defineShape(
  'Flatten',
  relabel((ctx) => {
    const dims = ctx.input(0).dims;
    let axis = ctx.attrs.int('axis', 1);
    if (axis < 0) axis += dims.length;
    if (axis < 0 || axis > dims.length) ctx.fail(`axis ${ctx.attrs.int('axis', 1)} is out of range for rank ${dims.length}`);
    return [sizeOf(dims.slice(0, axis)), sizeOf(dims.slice(axis))];
  }),
);

defineShape(
  'Squeeze',
  relabel((ctx) => {
    const dims = ctx.input(0).dims;
    const axes = axesParam(ctx, false);
    if (!axes) return dims.filter((d) => d !== 1);
    const drop = new Set(axes.map((a) => normAxis(a, dims.length, ctx.node.describe())));
    for (const a of drop) if (dims[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${dims[a]}`);
    return dims.filter((_, i) => !drop.has(i));
  }),
);

defineShape(
  'Unsqueeze',
  relabel((ctx) => {
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
);

// ---------------------------------------------------------------------------------------
// Ops that move elements

export const transposePerm = (attrs: Attrs, rank: number): number[] =>
  attrs.has('perm') ? attrs.ints('perm') : Array.from({ length: rank }, (_, i) => rank - 1 - i);

defineShape('Transpose', {
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
});

defineShape('Concat', {
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
});

defineShape('Split', {
  infer: (ctx) => {
    const { dtype, dims } = ctx.input(0);
    const axis = normAxis(ctx.attrs.int('axis', 0), dims.length, ctx.node.describe());
    return splitSizes(inferParams(ctx), dims[axis], ctx.node.outputs.length).map((s) => ({ dtype, dims: dims.map((d, i) => (i === axis ? s : d)) }));
  },
  fold: (ctx, [x]) => {
    if (!x) return undefined;
    const axis = normAxis(ctx.attrs.int('axis', 0), x.dims.length);
    const s = stridesOf(x.dims);
    let begin = 0;
    return splitSizes(inferParams(ctx), x.dims[axis], ctx.node.outputs.length).map((size) => {
      const at = begin;
      begin += size;
      const dims = x.dims.map((d, i) => (i === axis ? size : d));
      return build(x.dtype, dims, (idx) => elem(x, idx.reduce((o, v, r) => o + (r === axis ? v + at : v) * s[r], 0)));
    });
  },
});

function sliceOut(dims: readonly number[], axes: readonly SliceAxis[]): number[] {
  const out = [...dims];
  for (const a of axes) out[a.axis] = a.count;
  return out;
}

defineShape('Slice', {
  infer: (ctx) => {
    const { dtype, dims } = ctx.input(0);
    return [{ dtype, dims: sliceOut(dims, sliceAxes(inferParams(ctx), dims)) }];
  },
  fold: (ctx, [x]) => {
    if (!x) return undefined;
    const axes = sliceAxes(inferParams(ctx), x.dims);
    const start = x.dims.map(() => 0);
    const step = x.dims.map(() => 1);
    for (const a of axes) {
      start[a.axis] = a.start;
      step[a.axis] = a.step;
    }
    const s = stridesOf(x.dims);
    return [build(x.dtype, sliceOut(x.dims, axes), (idx) => elem(x, idx.reduce((o, v, r) => o + (start[r] + v * step[r]) * s[r], 0)))];
  },
});

/** Gather/GatherElements index normalisation: negative indices count from the end. */
function normIndex(ctx: InferContext, v: number, dim: number): number {
  const j = v < 0 ? v + dim : v;
  return j >= 0 && j < dim ? j : ctx.fail(`index ${v} is out of range for an axis of size ${dim}`);
}

defineShape('Gather', {
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
});

defineShape('GatherElements', {
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
});

defineShape('Expand', {
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
});

defineShape('Tile', {
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
});

// Same dims as the data input; no folds (never part of shape arithmetic).
defineShape(['CumSum', 'Trilu', 'ScatterElements', 'ScatterND', 'Scatter'], { infer: sameAsInput0 });

// TopK: k from the attribute (opset 1-9) or the K input (10+); Indices are int64.
defineShape('TopK', {
  infer: (ctx) => {
    const x = ctx.input(0);
    const axis = normAxis(ctx.attrs.int('axis', -1), x.dims.length, ctx.node.describe());
    const k = ctx.has(1) ? Number(ctx.needValue(1, 'K').data[0]) : ctx.attrs.int('k');
    if (k < 0 || k > x.dims[axis]) ctx.fail(`k = ${k} is out of range for axis ${axis} of size ${x.dims[axis]}`);
    const dims = x.dims.map((d, i) => (i === axis ? k : d));
    return [{ dtype: x.dtype, dims }, { dtype: 'int64', dims }];
  },
});
