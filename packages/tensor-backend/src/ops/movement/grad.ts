/**
 * Gradients of data-movement ops. Each moves dy back to where its elements came from:
 * relabelling ops reshape, Transpose inverts its permutation, Concat/Split swap roles,
 * Slice pads (with a reshape trick for strides), Expand/Tile sum over the copies, and
 * DepthToSpace/SpaceToDepth apply the inverse rearrangement.
 */
import { gradSource, type GradContext, type GradRule } from '../../autodiff/types.js';
import { normAxis } from '../../shape/broadcast.js';
import { sizeOf, toNumbers } from '../../tensor/tensor.js';
import { sameRule } from '../family.js';
import { sliceAxes, transposePerm, type SliceAxis } from './params.js';

/**
 * Spreads `count` elements along `axis` to every `step`-th position: unsqueeze a new axis
 * after it, pad that axis to `step`, and merge the two. The result has (count-1)*step+1
 * entries along `axis` (the trailing zeros of the last group are trimmed).
 */
function spread(ctx: GradContext, g: string, dims: number[], axis: number, step: number): string {
  const count = dims[axis];
  const u = ctx.unsqueeze(g, [axis + 1]);
  const merged = [...dims];
  merged[axis] = count * step;
  const flat = ctx.reshape(ctx.padAxis(u, dims.length + 1, axis + 1, 0, step - 1), merged);
  dims[axis] = (count - 1) * step + 1;
  return ctx.slice(flat, [0], [dims[axis]], [axis]);
}

export const movementGrads: Record<string, GradRule> = {
  // Ops that keep the elements in order: the gradient is dy under the input's dims.
  ...sameRule(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze'], (ctx) => [ctx.reshape(ctx.dy[0]!, ctx.xDims(0))]),

  Transpose: (ctx) => {
    const perm = transposePerm(ctx.attrs, ctx.xDims(0).length);
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [ctx.transpose(ctx.dy[0]!, inv)];
  },

  Concat: (ctx) => {
    const rank = ctx.xDims(0).length;
    const axis = normAxis(ctx.attrs.int('axis'), rank);
    const sizes = ctx.x.map((_, i) => ctx.xDims(i)[axis]);
    const wanted = ctx.needs.filter(Boolean).length;
    const dy = ctx.dy[0]!;
    if (wanted > 1) {
      // one Split produces every piece; pieces of inputs without a gradient are simply unused
      const parts = ctx.split(dy, sizes, axis);
      return ctx.needs.map((n, i) => (n ? parts[i] : null));
    }
    let begin = 0;
    return ctx.x.map((_, i) => {
      const at = begin;
      begin += sizes[i];
      return ctx.needs[i] ? ctx.slice(dy, [at], [at + sizes[i]], [axis]) : null;
    });
  },

  Split: (ctx) => {
    const axis = normAxis(ctx.attrs.int('axis', 0), ctx.xDims(0).length);
    // outputs without a gradient contribute zeros of their own size
    const parts = ctx.y.map((_, i) => ctx.dyOrZeros(i));
    const dx = parts.length === 1 ? parts[0] : ctx.concat(parts, axis);
    return [dx, null];
  },

  Expand: (ctx) => [ctx.unbroadcast(ctx.dy[0]!, ctx.yDims(0), ctx.xDims(0)), null],

  Tile: (ctx) => {
    // y viewed as [r0, d0, r1, d1, ...] (repeat index outermost per axis); sum out the r's
    const d = ctx.xDims(0);
    const reps = toNumbers(ctx.needValue(1, 'repeats'));
    if (reps.every((r) => r === 1)) return [ctx.dy[0], null];
    const view: number[] = [];
    const axes: number[] = [];
    d.forEach((n, i) => {
      if (reps[i] !== 1) {
        axes.push(view.length);
        view.push(reps[i]);
      }
      view.push(n);
    });
    return [ctx.reduceSum(ctx.reshape(ctx.dy[0]!, view), axes, false), null];
  },

  Slice: (ctx) => {
    const xd = ctx.xDims(0);
    const axes: SliceAxis[] = sliceAxes(gradSource(ctx), xd);
    if (axes.some((a) => a.count === 0) || sizeOf(xd) === 0) return [ctx.zeros(xd)];
    let g = ctx.dy[0]!;
    const dims = [...ctx.yDims(0)];
    // `lo` = lowest input index each axis's gradient block starts at
    const lo = new Array<number>(xd.length).fill(0);
    for (const a of axes) {
      let step = a.step;
      lo[a.axis] = a.start;
      if (step < 0) {
        // a negative step reads start, start-|s|, ...: flip dy and treat it as a forward slice
        g = ctx.reverse(g, [a.axis]);
        step = -step;
        lo[a.axis] = a.start - (a.count - 1) * step;
      }
      if (step > 1 && a.count > 1) g = spread(ctx, g, dims, a.axis, step);
    }
    const pads = [...lo, ...xd.map((d, i) => d - lo[i] - dims[i])];
    return [pads.every((p) => p === 0) ? g : ctx.pad(g, pads)];
  },

  // Both are permutations of elements, so each gradient is the inverse rearrangement.
  // DepthToSpace DCR and SpaceToDepth are exact inverses; CRD is undone by reshape-transpose-reshape.
  SpaceToDepth: (ctx) => [ctx.b.op('DepthToSpace', [ctx.dy[0]!], { blocksize: ctx.attrs.int('blocksize'), mode: ctx.opset >= 11 ? 'DCR' : undefined })],

  DepthToSpace: (ctx) => {
    const b = ctx.attrs.int('blocksize');
    const dy = ctx.dy[0]!;
    if (ctx.attrs.string('mode', 'DCR') === 'DCR') return [ctx.b.op('SpaceToDepth', [dy], { blocksize: b })];
    // CRD: x [N, C', b, b, H, W] -> y [N, C', H, b, W, b]; going back moves the two b axes forward
    const [n, c, h, w] = ctx.xDims(0);
    const blocks = ctx.reshape(dy, [n, c / (b * b), h, b, w, b]);
    return [ctx.reshape(ctx.transpose(blocks, [0, 1, 3, 5, 2, 4]), [n, c, h, w])];
  },
};
