/**
 * Gradients of the normalizations: BatchNormalization (inference), LayerNormalization,
 * InstanceNormalization and GroupNormalization.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { axesBut, axisRange, normAxis } from '../../shape/broadcast.js';
import { sizeOf } from '../../tensor/tensor.js';
import { groupNormParams } from './shape.js';


/**
 * Both normalise [N, C, S...] viewed as [N, G, C/G, S] over the last two axes (instance
 * norm: G = C) and apply an affine per group (GroupNormalization before opset 21) or per
 * channel. With xhat = (x - mean) inv, inv = 1 / sqrt(var + eps), g = dy * scale:
 *   dx = inv (g - mean(g) - xhat mean(g xhat)),  dscale = sum(dy xhat),  dbias = sum(dy),
 * sums over the axes the affine parameter is broadcast along.
 */
function groupedNormGrad(ctx: GradContext, groups: number, perChannel: boolean): (string | null)[] {
  const xd = ctx.xDims(0);
  const [n, c] = xd;
  const view = [n, groups, c / groups, sizeOf(xd.slice(2))];
  const affine = perChannel ? [groups, c / groups, 1] : [groups, 1, 1];
  const axes = [2, 3];
  const mean = (v: string): string => ctx.reduce('ReduceMean', v, axes, true);

  const x = ctx.reshape(ctx.x[0], view);
  const centred = ctx.sub(x, mean(x));
  const variance = mean(ctx.mul(centred, centred));
  const inv = ctx.reciprocal(ctx.sqrt(ctx.add(variance, ctx.scalar(ctx.attrs.float('epsilon', 1e-5)))));
  const xhat = ctx.mul(centred, inv);
  const dy = ctx.reshape(ctx.dy[0]!, view);
  const param = (i: number, v: string): string => ctx.reshape(ctx.unbroadcast(v, view, affine), ctx.xDims(i));

  let dx: string | null = null;
  if (ctx.needs[0]) {
    const g = ctx.mul(dy, ctx.reshape(ctx.x[1], affine));
    const centredG = ctx.sub(g, mean(g));
    dx = ctx.reshape(ctx.mul(ctx.sub(centredG, ctx.mul(xhat, mean(ctx.mul(g, xhat)))), inv), xd);
  }
  return [dx, ctx.needs[1] ? param(1, ctx.mul(dy, xhat)) : null, ctx.needs[2] ? param(2, dy) : null];
}

export const normGrads: Record<string, GradRule> = {
  /**
   * BatchNormalization with running statistics: y = scale * (x - mean) / sqrt(var + eps) + B
   * per channel (axis 1). Training mode normalises with batch statistics, a different
   * function, and is refused.
   */
  BatchNormalization: (ctx) => {
    // before opset 14, training mode is signalled by the extra statistics outputs
    const training = ctx.opset >= 14 ? ctx.attrs.int('training_mode', 0) !== 0 : ctx.node.outputs.filter(Boolean).length > 1;
    if (training) ctx.fail('only inference-mode BatchNormalization (running mean and variance) is differentiable here');
    if (ctx.opset < 9 && ctx.attrs.int('spatial', 1) === 0) ctx.fail('BatchNormalization with spatial=0 is not supported');
    const [X, scale, , mean, variance] = ctx.x;
    const xDims = ctx.xDims(0);
    const dy = ctx.dy[0]!;
    const c = xDims[1];
    // per-channel vectors broadcast against [N, C, d1, ...] as [C, 1, ..., 1]
    const perChannel = (v: string): string => (xDims.length > 2 ? ctx.reshape(v, [c, ...xDims.slice(2).map(() => 1)]) : v);
    const otherAxes = axesBut(xDims.length, 1);
    const perChannelSum = (v: string): string => ctx.reduceSum(v, otherAxes, false);
    const inv = ctx.reciprocal(ctx.sqrt(ctx.add(variance, ctx.scalar(ctx.attrs.float('epsilon', 1e-5)))));
    const gain = ctx.mul(scale, inv);
    const [, needScale, needB, needMean, needVar] = ctx.needs;
    const sumDy = needB || needMean ? perChannelSum(dy) : null;
    // sum(dy * (x - mean)) per channel; centring first avoids cancellation when |mean| is large
    const sumDyXc = needScale || needVar ? perChannelSum(ctx.mul(dy, ctx.sub(X, perChannel(mean)))) : null;
    return [
      ctx.needs[0] ? ctx.mul(dy, perChannel(gain)) : null,
      needScale ? ctx.mul(sumDyXc!, inv) : null,
      needB ? sumDy : null,
      needMean ? ctx.neg(ctx.mul(sumDy!, gain)) : null,
      // d inv / d var = -inv^3 / 2
      needVar ? ctx.mul(ctx.mul(sumDyXc!, scale), ctx.mul(ctx.mul(inv, ctx.mul(inv, inv)), ctx.scalar(-0.5))) : null,
    ];
  },

  /**
   * LayerNormalization over axes [axis, rank): xhat = (x - mu) * inv, inv = 1 / sqrt(var + eps),
   * y = xhat * Scale + B. With g = dy * Scale and means over the normalised axes,
   *   dx = inv * g - inv * mean(g) - xhat * inv * mean(g * xhat)
   * plus, when the optional Mean / InvStdDev outputs carry gradients dm / dinv,
   *   dx += dm / n - xhat * dinv * inv^2 / n.
   * All per-row coefficients are combined on the small [.., 1, 1] tensors first.
   */
  LayerNormalization: (ctx) => {
    const xDims = ctx.xDims(0);
    const rank = xDims.length;
    const axes = axisRange(normAxis(ctx.attrs.int('axis', -1), rank, ctx.node.describe()), rank);
    const n = sizeOf(axes.map((a) => xDims[a]));
    const X = ctx.x[0];
    const mean = (v: string): string => ctx.reduce('ReduceMean', v, axes, true);
    // forward statistics are reusable only when stored in the gradient dtype (stash_type)
    const forwardStat = (i: number): string | null => (ctx.y[i] && ctx.type(ctx.y[i]).dtype === ctx.dtype ? ctx.y[i] : null);
    const mu = forwardStat(1) ?? mean(X);
    const xc = ctx.sub(X, mu);
    const inv =
      forwardStat(2) ?? ctx.reciprocal(ctx.sqrt(ctx.add(mean(ctx.mul(xc, xc)), ctx.scalar(ctx.attrs.float('epsilon', 1e-5)))));
    const xhat = ctx.mul(xc, inv);
    // statistics outputs may be stored in float32 (stash_type) while the gradient is float64
    const statGrad = (i: number): string | null => {
      const d = ctx.dy[i];
      if (!d) return null;
      return ctx.type(ctx.y[i]).dtype === ctx.dtype ? d : ctx.cast(d, ctx.dtype);
    };
    const dy = ctx.dy[0];
    const dMean = statGrad(1);
    const dInv = statGrad(2);

    let dX: string | null = null;
    if (ctx.needs[0]) {
      const scaled: string[] = []; // full-size terms
      const constant: string[] = []; // per-row terms added to every element
      const alongXhat: string[] = []; // per-row coefficients of xhat
      if (dy) {
        const g = ctx.mul(dy, ctx.x[1]);
        scaled.push(ctx.mul(g, inv));
        constant.push(ctx.neg(ctx.mul(mean(g), inv)));
        alongXhat.push(ctx.neg(ctx.mul(mean(ctx.mul(g, xhat)), inv)));
      }
      if (dMean) constant.push(ctx.mul(dMean, ctx.scalar(1 / n)));
      if (dInv) alongXhat.push(ctx.mul(dInv, ctx.mul(ctx.mul(inv, inv), ctx.scalar(-1 / n))));
      if (alongXhat.length) scaled.push(ctx.mul(xhat, ctx.sum(alongXhat)));
      if (constant.length) scaled.push(scaled.length ? ctx.sum(constant) : ctx.expand(ctx.sum(constant), xDims));
      dX = ctx.sum(scaled);
    }
    const hasB = ctx.has(2);
    return [
      dX,
      ctx.needs[1] && dy ? ctx.toInput(ctx.mul(dy, xhat), 1) : null,
      hasB && ctx.needs[2] && dy ? ctx.toInput(dy, 2) : null,
    ];
  },

  InstanceNormalization: (ctx) => groupedNormGrad(ctx, ctx.xDims(0)[1], true),

  GroupNormalization: (ctx) => {
    const { groups } = groupNormParams(ctx.opset, ctx.attrs, ctx.xDims(0), ctx.fail);
    return groupedNormGrad(ctx, groups, ctx.opset >= 21);
  },
};
