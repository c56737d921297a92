/**
 * Gradients of indexing ops. Gathers scatter-add dy back into zeros (repeated indices
 * must sum); scatters route dy to the data positions they did not overwrite and gather
 * it for the updates; TopK scatters the values' gradient back. Ops that produce indices
 * are declared non-differentiable.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { normAxis } from '../../shape/broadcast.js';
import { sizeOf, tensor, toNumbers } from '../../tensor/tensor.js';

/**
 * Forward input i (indices) as int64 with the given dims. Negative indices are made
 * non-negative only when `normalize` (the one-hot paths compare them with 0..dim-1;
 * onnxruntime's ScatterND/ScatterElements accept negative indices as they are).
 */
function indices(ctx: GradContext, i: number, dims: readonly number[], dim: number, normalize: boolean): string {
  const known = ctx.value(ctx.x[i]);
  if (known) return ctx.b.constant(tensor('int64', dims, toNumbers(known).map((v) => (v < 0 ? v + dim : v))), 'indices');
  let ids = ctx.x[i];
  if (ctx.type(ids).dtype !== 'int64') ids = ctx.cast(ids, 'int64');
  // Mod with fmod=0 takes the divisor's sign: -1 -> dim-1. Negative indices exist from opset 11.
  if (normalize && ctx.opset >= 11) ids = ctx.b.op('Mod', [ids, ctx.b.scalar(dim, 'int64')]);
  return ctx.reshape(ids, dims);
}

/** 1 where ids (broadcast) equals the position along the arange, as the gradient dtype. */
function oneHot(ctx: GradContext, ids: string, arangeDims: readonly number[], dim: number): string {
  const ar = ctx.b.constant(tensor('int64', arangeDims, Array.from({ length: dim }, (_, k) => k)), 'arange');
  return ctx.mask(ctx.equal(ids, ar));
}

/** Scatter reductions with a gradient: 'none' (overwrite) and 'add'. */
function scatterReduction(ctx: GradContext): 'none' | 'add' {
  const r = ctx.attrs.string('reduction', 'none');
  return r === 'none' || r === 'add' ? r : ctx.fail(`no gradient for scatter reduction '${r}'`);
}

export const indexingGrads: Record<string, GradRule> = {
  /*
   * Gather: data [P.., V, Q..], indices I (n elements), y [P.., I.., Q..].
   * Measured for a [5000, 128] embedding with 64 ids (onnxruntime 1.30, 2 threads, the
   * [5000,128] zeros and a ReduceSum included; float32/float64 median ms):
   * ScatterND add 0.16-0.22 / 0.32-0.36, ScatterElements add 0.19-0.26 / 0.33-0.43,
   * one-hot MatMul 0.62-0.73 / 1.6-2.3. So: ScatterND for axis 0, ScatterElements for
   * other axes (ScatterND would need transposes), one-hot MatMul only where scatters
   * cannot add (models below opset 13; gradient graphs of 13+ run at opset 17).
   */
  Gather: (ctx) => {
    if (!ctx.needs[0]) return [null, null];
    const dims = ctx.xDims(0);
    const axis = normAxis(ctx.attrs.int('axis', 0), dims.length);
    const n = sizeOf(ctx.xDims(1));
    if (n === 0) return [ctx.zeros(dims), null];
    const [pre, v, post] = [dims.slice(0, axis), dims[axis], dims.slice(axis + 1)];
    const dy = ctx.dy[0]!;
    if (ctx.opset >= 16) {
      if (axis === 0) {
        const ids = indices(ctx, 1, [n, 1], v, false);
        return [ctx.b.op('ScatterND', [ctx.zeros(dims), ids, ctx.reshape(dy, [n, ...post])], { reduction: 'add' }), null];
      }
      const upd = [...pre, n, ...post];
      const ids = ctx.expand(indices(ctx, 1, upd.map((d, i) => (i === axis ? n : 1)), v, false), upd);
      return [ctx.b.op('ScatterElements', [ctx.zeros(dims), ids, ctx.reshape(dy, upd)], { axis, reduction: 'add' }), null];
    }
    // one-hot [V, n] @ dy [P, n, Q] -> [P, V, Q]: the MatMul sums repeated indices
    const oh = oneHot(ctx, indices(ctx, 1, [1, n], v, true), [v, 1], v);
    const g = ctx.matmul(oh, ctx.reshape(dy, [sizeOf(pre), n, sizeOf(post)]));
    return [ctx.reshape(g, dims), null];
  },

  GatherElements: (ctx) => {
    if (!ctx.needs[0]) return [null, null];
    const dims = ctx.xDims(0);
    const idxDims = ctx.xDims(1);
    const axis = normAxis(ctx.attrs.int('axis', 0), dims.length);
    const dy = ctx.dy[0]!;
    if (ctx.opset >= 16) return [ctx.b.op('ScatterElements', [ctx.zeros(dims), ctx.x[1], dy], { axis, reduction: 'add' }), null];
    // opsets 11-12 cannot scatter-add: one-hot along a new axis after `axis`, then sum over `axis`
    const v = dims[axis];
    const ids = ctx.unsqueeze(indices(ctx, 1, idxDims, v, true), [axis + 1]);
    const oh = oneHot(ctx, ids, dims.map((_, i) => (i === axis ? v : 1)).toSpliced(axis, 0, 1), v);
    const g = ctx.reduceSum(ctx.mul(oh, ctx.unsqueeze(dy, [axis + 1])), [axis], false);
    // indices may be smaller than data off the axis: the rest of the data got no gradient
    const grown = idxDims.map((d, i) => (i === axis ? v : d));
    const pads = [...dims.map(() => 0), ...dims.map((d, i) => d - grown[i])];
    return [pads.some((p) => p !== 0) ? ctx.pad(g, pads) : g, null];
  },

  // data: dy where nothing was written (overwrite) or everywhere (add); updates: dy gathered
  // at their targets. Duplicate indices with reduction 'none' have no defined result in ONNX.
  ScatterElements: (ctx) => {
    const add = scatterReduction(ctx) === 'add';
    const axis = normAxis(ctx.attrs.int('axis', 0), ctx.xDims(0).length);
    const dy = ctx.dy[0]!;
    const dData = !ctx.needs[0] ? null : add ? dy : ctx.b.op('ScatterElements', [dy, ctx.x[1], ctx.zeros(ctx.xDims(2))], { axis });
    const dUpd = ctx.needs[2] ? ctx.b.op('GatherElements', [dy, ctx.x[1]], { axis }) : null;
    return [dData, null, dUpd];
  },

  ScatterND: (ctx) => {
    const add = scatterReduction(ctx) === 'add';
    const dy = ctx.dy[0]!;
    const dData = !ctx.needs[0] ? null : add ? dy : ctx.b.op('ScatterND', [dy, ctx.x[1], ctx.zeros(ctx.xDims(2))]);
    const dUpd = ctx.needs[2] ? ctx.b.op('GatherND', [dy, ctx.x[1]]) : null;
    return [dData, null, dUpd];
  },

  // TopK: the selected positions along the axis are distinct, so the values' gradient is
  // scattered back without a reduction; the int64 Indices output carries none.
  TopK: (ctx) => {
    const axis = normAxis(ctx.attrs.int('axis', -1), ctx.xDims(0).length);
    const op = ctx.opset >= 11 ? 'ScatterElements' : 'Scatter';
    return [ctx.b.op(op, [ctx.zeros(ctx.xDims(0)), ctx.y[1], ctx.dyOrZeros(0)], { axis }), null];
  },
};

/**
 * Index producers: integer outputs. OneHot's float `values` input could in principle
 * receive a gradient, but exporters only ever feed it constants.
 */
export const indexingNondifferentiable = ['ArgMax', 'ArgMin', 'NonZero', 'OneHot', 'NonMaxSuppression'];
