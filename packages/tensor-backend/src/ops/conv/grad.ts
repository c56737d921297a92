/**
 * Gradients of Conv and ConvTranspose w.r.t. input, weight and bias. Conv's input gradient
 * is a ConvTranspose with the forward weights (at stride 1 a Conv with them flipped, for a
 * strided image stem a Conv per stride phase), and ConvTranspose's is a Conv with them;
 * weight gradients unfold and Gemm (ops/window/adjoint.ts).
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { axesBut } from '../../shape/broadcast.js';
import { correlate, flippedAdjoint, windowAdjoint, windowAttrs } from '../window/adjoint.js';
import { convTransposeWindow, convWindow, kernelOf, type Window } from '../window/geometry.js';
import { SUB_PIXEL_MAX_CHANNELS, subPixelInputGrad } from './sub-pixel.js';

/** Bias gradient: dY summed over the batch and every spatial axis. */
const biasGrad = (ctx: GradContext, dy: string): string => ctx.reduceSum(dy, axesBut(ctx.yDims(0).length, 1), false);

/**
 * Conv's W [G*Mg, Cg, k...] regrouped as the weight of the adjoint Conv, [G*Cg, Mg, k...],
 * or undefined when that takes a run-time transpose of a dense weight (measured 6-13 ms
 * for a 512x512x3x3 weight on onnxruntime's CPU provider, every step). Depthwise weights
 * (Cg = 1) only need a reshape; a weight stored as an initializer is transposed once,
 * when onnxruntime folds constants.
 */
function adjointWeight(ctx: GradContext, group: number): string | undefined {
  const wd = ctx.xDims(1);
  const [mg, cg, k] = [wd[0] / group, wd[1], wd.slice(2)];
  const w = ctx.x[1];
  if (cg === 1) return mg === 1 ? w : ctx.reshape(w, [group, mg, ...k]);
  const g = ctx.b.graph;
  const folded = g.initializers.has(w) && !g.inputs.some((i) => i.name === w);
  if (!folded) return undefined;
  const spatial = k.map((_, i) => i + 3);
  const t = ctx.transpose(ctx.reshape(w, [group, mg, cg, ...k]), [0, 2, 1, ...spatial]);
  return ctx.reshape(t, [group * cg, mg, ...k]);
}

/**
 * dX of Conv. At stride 1 a Conv with the flipped, regrouped kernel runs like the forward
 * (measured 1.0x, against 1.3-1.4x for ConvTranspose on dense 3x3 layers and 4-10x on
 * depthwise ones); strided with fewer than 8 input channels and a constant weight (an image
 * stem), the sub-pixel form (sub-pixel.ts); otherwise, and when the weight is not a
 * constant, a ConvTranspose.
 */
function convInputGrad(ctx: GradContext, dy: string, win: Window, group: number): string {
  const inSpatial = ctx.xDims(0).slice(2);
  if (win.strides.every((s) => s === 1)) {
    const w = adjointWeight(ctx, group);
    const dx = w && flippedAdjoint(ctx, dy, w, win, inSpatial, group);
    if (dx) return dx;
  } else if (group === 1 && ctx.xDims(1)[1] < SUB_PIXEL_MAX_CHANNELS) {
    // an image stem: the ConvTranspose's single-threaded column fold would dominate
    const w = ctx.value(ctx.x[1]);
    const dx = w && subPixelInputGrad(ctx, dy, w, win, inSpatial);
    if (dx) return dx;
  }
  return windowAdjoint(ctx, dy, ctx.x[1], win, inSpatial, group);
}

export const convGrads: Record<string, GradRule> = {
  Conv: (ctx) => {
    const xd = ctx.xDims(0);
    const group = ctx.attrs.int('group', 1);
    const win = convWindow(ctx.attrs, xd.slice(2), kernelOf(ctx.attrs, ctx.xDims(1).slice(2), ctx.fail), ctx.fail);
    const dy = ctx.dy[0]!;
    return [
      ctx.needs[0] ? convInputGrad(ctx, dy, win, group) : null,
      ctx.needs[1] ? correlate(ctx, dy, ctx.yDims(0), ctx.x[0], xd, win, group) : null,
      ctx.needs[2] ? biasGrad(ctx, dy) : null,
    ];
  },

  ConvTranspose: (ctx) => {
    const xd = ctx.xDims(0);
    const yd = ctx.yDims(0);
    const group = ctx.attrs.int('group', 1);
    const win = convTransposeWindow(ctx.attrs, xd.slice(2), kernelOf(ctx.attrs, ctx.xDims(1).slice(2), ctx.fail), ctx.fail);
    // The forward scatters each input position over a window of the (padded) output; read
    // back through the same windows, dY padded by the forward's pads has exactly X's
    // positions as long as output_padding < stride (which the ONNX spec requires).
    win.outputPadding.forEach((p, i) => {
      if (p >= win.strides[i]) ctx.fail(`output_padding ${p} must be smaller than the stride ${win.strides[i]} for the gradient`);
    });
    const dy = ctx.dy[0]!;
    const read = { ...win, out: xd.slice(2) };
    return [
      ctx.needs[0] ? ctx.b.op('Conv', [dy, ctx.x[1]], windowAttrs(read, group)) : null,
      ctx.needs[1] ? correlate(ctx, ctx.x[0], xd, dy, yd, read, group) : null,
      ctx.needs[2] ? biasGrad(ctx, dy) : null,
    ];
  },
};
