/** Shapes of SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss. */
import type { InferContext, ShapeRule, ValueType } from '../../shape/types.js';
import { sameRule } from '../family.js';

/** Loss dims: per element ([N, d1, ...], the labels' dims) for reduction 'none', else a scalar. */
function lossTypes(ctx: InferContext): ValueType[] {
  const scores = ctx.input(0);
  const labels = ctx.input(1).dims;
  if (scores.dims.length < 2) ctx.fail(`input must be [N, C, ...], got [${scores.dims.join(', ')}]`);
  const expected = scores.dims.filter((_, i) => i !== 1);
  if (labels.length !== expected.length || labels.some((d, i) => d !== expected[i])) {
    ctx.fail(`labels [${labels.join(', ')}] do not match input [${scores.dims.join(', ')}] without its class axis`);
  }
  const loss: ValueType = { dtype: scores.dtype, dims: ctx.attrs.string('reduction', 'mean') === 'none' ? [...labels] : [] };
  return ctx.node.outputs.map((_, i) => (i === 0 ? loss : scores));
}

export const lossShapes: Record<string, ShapeRule> = sameRule(['SoftmaxCrossEntropyLoss', 'NegativeLogLikelihoodLoss'], { infer: lossTypes });
