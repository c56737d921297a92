/** Shapes of Conv and ConvTranspose (1-D, 2-D and 3-D), with onnxruntime's padding rules. */
import type { InferContext, ShapeRule, ValueType } from '../../shape/types.js';
import { convTransposeWindow, convWindow, kernelOf, windowInput } from '../window/geometry.js';

/** X, W and the group count, checked against each other. */
function operands(ctx: InferContext): { x: ValueType; w: readonly number[]; group: number } {
  const x = windowInput(ctx);
  const w = ctx.input(1).dims;
  if (w.length !== x.dims.length) ctx.fail(`weight rank ${w.length} does not match input rank ${x.dims.length}`);
  const group = ctx.attrs.int('group', 1);
  if (group < 1) ctx.fail(`group must be >= 1, got ${group}`);
  return { x, w, group };
}

export const convShapes: Record<string, ShapeRule> = {
  Conv: {
    infer: (ctx) => {
      const { x, w, group } = operands(ctx);
      if (x.dims[1] !== w[1] * group) ctx.fail(`input has ${x.dims[1]} channels, weight expects ${w[1]} x group ${group}`);
      if (w[0] % group !== 0) ctx.fail(`${w[0]} output channels are not divisible by group ${group}`);
      if (ctx.has(2) && ctx.input(2).dims.join() !== String(w[0])) ctx.fail(`bias must have dims [${w[0]}]`);
      const win = convWindow(ctx.attrs, x.dims.slice(2), kernelOf(ctx.attrs, w.slice(2), ctx.fail), ctx.fail);
      return [{ dtype: x.dtype, dims: [x.dims[0], w[0], ...win.out] }];
    },
  },

  ConvTranspose: {
    infer: (ctx) => {
      const { x, w, group } = operands(ctx);
      // W is [C_in, C_out / group, k...]
      if (x.dims[1] !== w[0]) ctx.fail(`input has ${x.dims[1]} channels, weight expects ${w[0]}`);
      if (w[0] % group !== 0) ctx.fail(`${w[0]} input channels are not divisible by group ${group}`);
      const win = convTransposeWindow(ctx.attrs, x.dims.slice(2), kernelOf(ctx.attrs, w.slice(2), ctx.fail), ctx.fail);
      return [{ dtype: x.dtype, dims: [x.dims[0], w[1] * group, ...win.out] }];
    },
  },
};
