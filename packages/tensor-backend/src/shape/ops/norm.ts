/** Shapes of softmax, normalization and softmax-based losses. */
import { dtypeFromOnnx } from '../../tensor/dtype.js';
import { normAxis } from '../broadcast.js';
import { defineShape } from '../registry.js';
import type { InferContext, ValueType } from '../types.js';

defineShape(['Softmax', 'LogSoftmax'], { infer: (ctx) => [ctx.input(0)] });

defineShape('BatchNormalization', {
  infer: (ctx) => {
    const x = ctx.input(0);
    if (x.dims.length < 2) ctx.fail(`X must have rank >= 2 ([N, C, ...]), got [${x.dims.join(', ')}]`);
    // training-mode outputs (running or saved statistics) are per channel
    const stat: ValueType = { dtype: ctx.input(3).dtype, dims: [x.dims[1]] };
    return ctx.node.outputs.map((_, i) => (i === 0 ? x : stat));
  },
});

defineShape('LayerNormalization', {
  infer: (ctx) => {
    const x = ctx.input(0);
    const axis = normAxis(ctx.attrs.int('axis', -1), x.dims.length, ctx.node.describe());
    // Mean and InvStdDev keep the leading axes and set the normalized ones to 1
    const stat: ValueType = { dtype: dtypeFromOnnx(ctx.attrs.int('stash_type', 1)), dims: x.dims.map((d, i) => (i < axis ? d : 1)) };
    return ctx.node.outputs.map((_, i) => (i === 0 ? x : stat));
  },
});

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

defineShape(['SoftmaxCrossEntropyLoss', 'NegativeLogLikelihoodLoss'], { infer: lossTypes });
