/**
 * Gradients of SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (opset 12+).
 * Input [N, C, d1, ...], labels [N, d1, ...]. Per element i with label l_i:
 *   loss_i = -w[l_i] * logp[i, l_i]   (0 where l_i == ignore_index)
 * reduced by 'none', 'sum' or 'mean' (divided by the sum of the w[l_i] that count).
 * Labels become a one-hot mask by comparing them with a [C, 1, ...] class-index constant:
 * no Gather, so an out-of-range ignore_index (PyTorch's -100) is harmless.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { axesBut } from '../../shape/broadcast.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';

interface LossParts {
  /** [N, C, d...] one-hot of the labels in the gradient dtype. */
  readonly onehot: string;
  /** Per-element upstream factor dL/dloss_i * w[l_i] * kept_i, broadcastable to [N, 1, d...]. */
  readonly scale: string;
  /** Upstream factor without the class weight (for the weights' gradient): [N, 1, d...] or scalar. */
  readonly upstream: string;
  /** [N, 1, d...] 0/1 mask of elements not ignored, or null when nothing is ignored. */
  readonly kept: string | null;
  readonly reduction: string;
  /** All axes but the class axis. */
  readonly otherAxes: readonly number[];
}

/** One-hot labels, ignore mask, class weights and the reduction's upstream factor. */
function lossParts(ctx: GradContext): LossParts {
  const dims = ctx.xDims(0);
  const c = dims[1];
  const keptDims = dims.map((d, i) => (i === 1 ? 1 : d));
  const labelType = ctx.type(ctx.x[1]).dtype;
  const labels = ctx.reshape(ctx.x[1], keptDims);
  const trailing = dims.slice(2).map(() => 1);
  const classes = ctx.b.constant(tensor(labelType, [c, ...trailing], Array.from({ length: c }, (_, i) => i)), 'classes');
  const onehot = ctx.mask(ctx.equal(labels, classes));

  const factors: string[] = [];
  const hasWeights = ctx.has(2);
  if (hasWeights) {
    const w = trailing.length ? ctx.reshape(ctx.x[2], [c, ...trailing]) : ctx.x[2];
    factors.push(ctx.reduceSum(ctx.mul(onehot, w), [1], true));
  }
  let kept: string | null = null;
  if (ctx.attrs.has('ignore_index')) {
    const ignore = ctx.b.constant(tensor(labelType, [], [ctx.attrs.int('ignore_index')]), 'ignore_index');
    kept = ctx.mask(ctx.not(ctx.equal(labels, ignore)));
    factors.push(kept);
  }
  const coef = factors.length ? factors.reduce((acc, f) => ctx.mul(acc, f)) : null;

  const reduction = ctx.attrs.string('reduction', 'mean');
  const otherAxes = axesBut(keptDims.length, 1);
  const dy = ctx.dy[0]!;
  let upstream: string;
  if (reduction === 'none') upstream = ctx.reshape(dy, keptDims);
  else if (reduction === 'sum') upstream = dy;
  else if (reduction === 'mean') {
    const denom = coef ? ctx.reduceSum(coef, [], false) : ctx.scalar(sizeOf(keptDims));
    upstream = ctx.div(dy, denom);
  } else ctx.fail(`unknown reduction '${reduction}'`);
  return { onehot, scale: coef ? ctx.mul(upstream, coef) : upstream, upstream, kept, reduction, otherAxes };
}

/**
 * Gradient of the class weights: d loss / d w[c] sums -logp[i, l_i] over the elements
 * labelled c; under 'mean' the denominator also depends on w, giving (nll_i - L) / W.
 */
function weightsGrad(ctx: GradContext, p: LossParts, logp: string): string {
  const nll = ctx.neg(ctx.reduceSum(ctx.mul(p.onehot, logp), [1], true));
  let t = p.reduction === 'mean' ? ctx.sub(nll, ctx.y[0]) : nll;
  t = ctx.mul(t, p.upstream);
  if (p.kept) t = ctx.mul(t, p.kept);
  return ctx.reduceSum(ctx.mul(p.onehot, t), p.otherAxes, false);
}

/** Log-softmax over the class axis for any opset (before 13 LogSoftmax flattens from its axis on). */
function logSoftmaxAxis1(ctx: GradContext, scores: string): string {
  if (ctx.opset >= 13 || ctx.xDims(0).length === 2) return ctx.b.op('LogSoftmax', [scores], { axis: 1 });
  const shifted = ctx.sub(scores, ctx.reduce('ReduceMax', scores, [1], true));
  return ctx.sub(shifted, ctx.log(ctx.reduceSum(ctx.exp(shifted), [1], true)));
}

export const lossGrads: Record<string, GradRule> = {
  SoftmaxCrossEntropyLoss: (ctx) => {
    // reuse the forward log_prob output when the node has one
    const logp = ctx.y.length > 1 && ctx.y[1] ? ctx.y[1] : logSoftmaxAxis1(ctx, ctx.x[0]);
    const parts = ctx.dy[0] ? lossParts(ctx) : null;
    const terms: string[] = [];
    if (ctx.needs[0]) {
      const prob = ctx.exp(logp);
      // d loss_i / d scores[i, :] = w[l_i] * (softmax - onehot)
      if (parts) terms.push(ctx.mul(ctx.sub(prob, parts.onehot), parts.scale));
      // the log_prob output is a LogSoftmax over the class axis
      const dlp = ctx.dy[1];
      if (dlp) terms.push(ctx.sub(dlp, ctx.mul(prob, ctx.reduceSum(dlp, [1], true))));
    }
    const dScores = terms.length === 0 ? null : ctx.sum(terms);
    return [dScores, null, parts && ctx.needs[2] ? weightsGrad(ctx, parts, logp) : null];
  },

  NegativeLogLikelihoodLoss: (ctx) => {
    // the input already holds log-probabilities: d loss_i / d input[i, :] = -w[l_i] * onehot
    const parts = lossParts(ctx);
    const dInput = ctx.needs[0] ? ctx.neg(ctx.mul(parts.onehot, parts.scale)) : null;
    return [dInput, null, ctx.needs[2] ? weightsGrad(ctx, parts, ctx.x[0]) : null];
  },
};
