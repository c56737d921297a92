/** Softmax and LogSoftmax: same-type outputs; gradients from the forward output. */
import type { GradContext } from '../../autodiff/types.js';
import { axisRange, normAxis } from '../../shape/broadcast.js';
import { sameAsInput } from '../../shape/elementwise.js';
import { sameRule, type OpFamily } from '../family.js';

/**
 * Axes a softmax normalises over. Before opset 13 the input is coerced to 2-D at `axis`
 * (default 1), so the sum runs over every axis from `axis` on; from 13 it is one axis (default -1).
 */
export function softmaxAxes(ctx: GradContext): number[] {
  const rank = ctx.xDims(0).length;
  const where = ctx.node.describe();
  if (ctx.opset >= 13) return [normAxis(ctx.attrs.int('axis', -1), rank, where)];
  return axisRange(normAxis(ctx.attrs.int('axis', 1), rank, where), rank);
}

export const softmaxOps: OpFamily = {
  shape: sameRule(['Softmax', 'LogSoftmax'], sameAsInput),
  grad: {
    Softmax: (ctx) => {
      // dx = y * (dy - sum(dy * y))
      const y = ctx.y[0];
      const dy = ctx.dy[0]!;
      const dot = ctx.reduceSum(ctx.mul(dy, y), softmaxAxes(ctx), true);
      return [ctx.mul(y, ctx.sub(dy, dot))];
    },

    LogSoftmax: (ctx) => {
      // dx = dy - softmax * sum(dy), softmax = exp(y)
      const dy = ctx.dy[0]!;
      const total = ctx.reduceSum(dy, softmaxAxes(ctx), true);
      return [ctx.sub(dy, ctx.mul(ctx.exp(ctx.y[0]), total))];
    },
  },
};
