/** Shapes of the normalizations: Batch-, Layer-, Instance- and GroupNormalization. */
import type { Attrs } from '../../ir/attributes.js';
import { normAxis } from '../../shape/broadcast.js';
import type { InferContext, ShapeRule, ValueType } from '../../shape/types.js';
import { dtypeFromOnnx } from '../../tensor/dtype.js';

/** Number of groups, and the length of scale and bias: per group before opset 21, per channel from 21. */
export function groupNormParams(opset: number, attrs: Attrs, x: readonly number[], fail: (m: string) => never): { groups: number; affine: number } {
  const groups = attrs.int('num_groups');
  if (x.length < 2) fail(`input must be [N, C, ...], got [${x.join(', ')}]`);
  if (groups <= 0 || x[1] % groups !== 0) fail(`num_groups = ${groups} does not divide the ${x[1]} channels`);
  return { groups, affine: opset >= 21 ? x[1] : groups };
}

/** Fails unless input i (an affine parameter) is a vector of `len` entries. */
function checkVector(ctx: InferContext, i: number, len: number, what: string, note = ''): void {
  const d = ctx.input(i).dims;
  if (d.length !== 1 || d[0] !== len) ctx.fail(`${what} must be [${len}]${note}, got [${d.join(', ')}]`);
}

export const normShapes: Record<string, ShapeRule> = {
  BatchNormalization: {
    infer: (ctx) => {
      const x = ctx.input(0);
      if (x.dims.length < 2) ctx.fail(`X must have rank >= 2 ([N, C, ...]), got [${x.dims.join(', ')}]`);
      // training-mode outputs (running or saved statistics) are per channel
      const stat: ValueType = { dtype: ctx.input(3).dtype, dims: [x.dims[1]] };
      return ctx.node.outputs.map((_, i) => (i === 0 ? x : stat));
    },
  },

  LayerNormalization: {
    infer: (ctx) => {
      const x = ctx.input(0);
      const axis = normAxis(ctx.attrs.int('axis', -1), x.dims.length, ctx.node.describe());
      // Mean and InvStdDev keep the leading axes and set the normalized ones to 1
      const stat: ValueType = { dtype: dtypeFromOnnx(ctx.attrs.int('stash_type', 1)), dims: x.dims.map((d, i) => (i < axis ? d : 1)) };
      return ctx.node.outputs.map((_, i) => (i === 0 ? x : stat));
    },
  },

  InstanceNormalization: {
    infer: (ctx) => {
      const x = ctx.input(0);
      if (x.dims.length < 3) ctx.fail(`input must be [N, C, D1, ...], got [${x.dims.join(', ')}]`);
      checkVector(ctx, 1, x.dims[1], 'scale');
      checkVector(ctx, 2, x.dims[1], 'B');
      return [x];
    },
  },

  GroupNormalization: {
    infer: (ctx) => {
      const x = ctx.input(0);
      const { affine } = groupNormParams(ctx.opset, ctx.attrs, x.dims, ctx.fail);
      const note = ctx.opset >= 21 ? ' (one per channel from opset 21)' : ' (one per group before opset 21)';
      checkVector(ctx, 1, affine, 'scale', note);
      checkVector(ctx, 2, affine, 'bias', note);
      return [x];
    },
  },
};
