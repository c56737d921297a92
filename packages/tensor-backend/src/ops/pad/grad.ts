/**
 * Gradient of Pad. Constant mode: dX is dY with the padding cut off (Slice) and, where the
 * forward cropped (negative pads), zeros put back; the constant_value input gets the sum
 * of dY over the padded positions. Reflect, edge and wrap fold each border of dY back
 * onto the input positions it was copied from, one axis at a time.
 */
import { gradSource, type GradContext, type GradRule } from '../../autodiff/types.js';
import { axisRange } from '../../shape/broadcast.js';
import { padPlan, type PadPlan } from './plan.js';

function constantGrad(ctx: GradContext, dy: string, plan: PadPlan, xd: readonly number[]): string {
  const cut = xd.map((_, a) => a).filter((a) => plan.begin[a] > 0 || plan.end[a] > 0);
  let g = dy;
  if (cut.length) {
    // keep output positions [max(b, 0), out - max(e, 0)) of each padded axis
    const starts = cut.map((a) => Math.max(plan.begin[a], 0));
    const ends = cut.map((a) => plan.outDims[a] - Math.max(plan.end[a], 0));
    g = ctx.slice(g, starts, ends, cut);
  }
  if (xd.some((_, a) => plan.begin[a] < 0 || plan.end[a] < 0)) {
    // cropped input positions received no output: zeros
    g = ctx.pad(g, [...plan.begin.map((v) => Math.max(-v, 0)), ...plan.end.map((v) => Math.max(-v, 0))]);
  }
  return g;
}

/**
 * Folds one axis' borders of g (length b + n + e along `axis`) back onto the n input
 * positions: reflect sends output b-1-j to input j+1 reversed, edge sends a whole border
 * to the first/last position, wrap sends the begin border to the input's end.
 */
function foldAxis(ctx: GradContext, g: string, rank: number, axis: number, b: number, e: number, n: number, mode: string): string {
  const piece = (start: number, end: number): string => ctx.slice(g, [start], [end], [axis]);
  const reversed = (t: string): string => ctx.reverse(t, [axis]);
  const parts = [piece(b, b + n)];
  if (b > 0) {
    const head = piece(0, b);
    if (mode === 'reflect') parts.push(ctx.padAxis(reversed(head), rank, axis, 1, n - 1 - b));
    else if (mode === 'edge') parts.push(ctx.padAxis(ctx.reduceSum(head, [axis], true), rank, axis, 0, n - 1));
    else parts.push(ctx.padAxis(head, rank, axis, n - b, 0));
  }
  if (e > 0) {
    const tail = piece(b + n, b + n + e);
    if (mode === 'reflect') parts.push(ctx.padAxis(reversed(tail), rank, axis, n - 1 - e, 1));
    else if (mode === 'edge') parts.push(ctx.padAxis(ctx.reduceSum(tail, [axis], true), rank, axis, n - 1, 0));
    else parts.push(ctx.padAxis(tail, rank, axis, 0, n - e));
  }
  return ctx.sum(parts);
}

export const padGrad: GradRule = (ctx) => {
  const xd = ctx.xDims(0);
  const plan = padPlan(gradSource(ctx));
  const dy = ctx.dy[0]!;
  if (plan.mode === 'constant') {
    const dx = ctx.needs[0] || ctx.needs[2] ? constantGrad(ctx, dy, plan, xd) : null;
    let dv: string | null = null;
    if (ctx.needs[2] && dx) {
      // every output position not copied from X holds the constant
      const rank = xd.length;
      const padded = ctx.sub(ctx.reduceSum(dy, axisRange(0, rank), false), ctx.reduceSum(dx, axisRange(0, rank), false));
      dv = ctx.reshape(padded, ctx.xDims(2));
    }
    return [ctx.needs[0] ? dx : null, null, dv, null];
  }
  if (!ctx.needs[0]) return [null];
  if (ctx.opset < 10) ctx.fail(`the ${plan.mode}-mode Pad gradient needs opset >= 10 (reversed Slice)`);
  let g = dy;
  const dims = [...plan.outDims];
  for (let a = 0; a < xd.length; a++) {
    const [b, e, n] = [plan.begin[a], plan.end[a], xd[a]];
    if (b === 0 && e === 0) continue;
    if (b < 0 || e < 0) ctx.fail(`negative pads in ${plan.mode} mode are not supported by the gradient`);
    const limit = plan.mode === 'reflect' ? n - 1 : plan.mode === 'wrap' ? n : Infinity;
    if (b > limit || e > limit) ctx.fail(`${plan.mode} pads of ${Math.max(b, e)} exceed what an axis of length ${n} allows`);
    g = foldAxis(ctx, g, dims.length, a, b, e, n, plan.mode);
    dims[a] = n;
  }
  return [g];
};
