/**
 * Gradients of the Reduce* family and CumSum. Every Reduce* rule works in the keepdims layout: dY (and Y
 * where needed) are reshaped to the input's rank with 1s on reduced axes, combined with
 * small per-output factors first, and only then broadcast to the input's dims.
 * noop_with_empty_axes is "reduce over no axes": onnxruntime still applies the
 * element-wise part (x^2 for ReduceSumSquare, log x for ReduceLogSum, ...), and the
 * same formulas with an empty axis set give exactly its derivative.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { sizeOf } from '../../tensor/tensor.js';
import { axesAsInput, REDUCE_OPS, reduceSpec, type ReduceSpec } from './spec.js';

interface ReduceParts {
  readonly ctx: GradContext;
  readonly spec: ReduceSpec;
  /** Forward input. */
  readonly x: string;
  /** Upstream gradient in the keepdims layout. */
  readonly dy: string;
  /** Forward output in the keepdims layout (read lazily: most rules do not need it). */
  y(): string;
}

/** Reduction over `axes` keeping dims; the identity for an empty axis set. */
const over = (p: ReduceParts, op: string, x: string): string => (p.spec.axes.length ? p.ctx.reduce(op, x, p.spec.axes, true) : x);

/** Broadcasts a keepdims-layout tensor to the input's dims. */
const expand = (p: ReduceParts, v: string): string => (p.spec.axes.length ? p.ctx.expand(v, p.ctx.xDims(0)) : v);

/** dX for each reduction, given the keepdims-layout pieces. */
const local: Record<(typeof REDUCE_OPS)[number], (p: ReduceParts) => string> = {
  ReduceSum: (p) => expand(p, p.dy),
  ReduceMean: (p) => {
    const { ctx, dy } = p;
    const count = sizeOf(p.spec.axes.map((a) => ctx.xDims(0)[a]));
    // scale the small tensor, then broadcast (cheaper than scaling the expanded one)
    return expand(p, count === 1 ? dy : ctx.mul(dy, ctx.scalar(1 / count)));
  },
  // Max/Min: route dY to the elements equal to the result, split evenly among ties
  ReduceMax: (p) => routeToExtremum(p),
  ReduceMin: (p) => routeToExtremum(p),
  ReduceSumSquare: ({ ctx, x, dy }) => ctx.mul(x, ctx.mul(dy, ctx.scalar(2))),
  ReduceL1: ({ ctx, x, dy }) => ctx.mul(ctx.sign(x), dy),
  // d||x|| = x / ||x||; a tiny floor keeps an all-zero slice at gradient 0 instead of NaN
  ReduceL2: ({ ctx, x, dy, y }) => ctx.mul(x, ctx.div(dy, ctx.max(y(), ctx.scalar(1e-30)))),
  // y = log(s): dx = dy / s = dy * exp(-y)
  ReduceLogSum: (p) => expand(p, p.ctx.mul(p.dy, p.ctx.exp(p.ctx.neg(p.y())))),
  // y = log sum exp(x): dx = dy * softmax(x) = dy * exp(x - y)
  ReduceLogSumExp: ({ ctx, x, dy, y }) => ctx.mul(ctx.exp(ctx.sub(x, y())), dy),
  ReduceProd: (p) => prodGrad(p),
};

function routeToExtremum(p: ReduceParts): string {
  const { ctx } = p;
  const mask = ctx.mask(ctx.equal(p.x, p.y()));
  if (!p.spec.axes.length) return ctx.mul(mask, p.dy);
  const share = ctx.div(p.dy, over(p, 'ReduceSum', mask));
  return ctx.mul(mask, share);
}

/**
 * d prod / dx_i is the product of the other elements. Dividing y by x_i fails at zeros, so:
 * with P the product of the non-zero elements and z the number of zeros in the slice,
 * the gradient is P / x_i where z = 0, P at the single zero where z = 1, and 0 otherwise.
 */
function prodGrad(p: ReduceParts): string {
  const { ctx } = p;
  const zero = ctx.scalar(0);
  const one = ctx.scalar(1);
  const isZero = ctx.equal(p.x, zero);
  const nonzero = ctx.where(isZero, one, p.x);
  const prodNonzero = over(p, 'ReduceProd', nonzero);
  const zeros = over(p, 'ReduceSum', ctx.mask(isZero));
  const noZeros = ctx.mask(ctx.equal(zeros, zero));
  const oneZero = ctx.mask(ctx.equal(zeros, one));
  const scaled = ctx.mul(p.dy, prodNonzero);
  const atNonzero = ctx.div(ctx.mul(scaled, noZeros), nonzero);
  const atZero = ctx.mul(ctx.mul(scaled, oneZero), ctx.mask(isZero));
  // where z = 0 there are no zeros to pick from, so the two terms never overlap
  return ctx.add(atNonzero, atZero);
}

/** The rule of one reduction: the keepdims-layout pieces, then its local formula. */
const reduceGrad =
  (op: (typeof REDUCE_OPS)[number]): GradRule =>
  (ctx) => {
    const hasAxesInput = axesAsInput(op, ctx.opset) && ctx.has(1);
    const spec = reduceSpec(op, ctx.opset, ctx.attrs, ctx.xDims(0), hasAxesInput ? ctx.needValue(1, 'the reduction axes') : undefined, ctx.node.describe());
    const keptLayout = (v: string): string => (spec.keepdims ? v : ctx.reshape(v, spec.kept));
    let y: string | undefined;
    const parts: ReduceParts = {
      ctx,
      spec,
      x: ctx.x[0],
      dy: keptLayout(ctx.dy[0]!),
      y: () => (y ??= keptLayout(ctx.y[0])),
    };
    return [local[op](parts)];
  };

export const reduceGrads: Record<string, GradRule> = {
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reduceGrad(op)])),

  CumSum: (ctx) => {
    // y_i = sum_{j<=i} x_j  =>  dx_j = sum_{i>=j} dy_i: the cumsum in the other direction
    const reverse = ctx.attrs.int('reverse', 0) === 1 ? 0 : 1;
    const exclusive = ctx.attrs.int('exclusive', 0);
    return [ctx.b.op('CumSum', [ctx.dy[0]!, ctx.x[1]], { exclusive, reverse }), null];
  },
};
