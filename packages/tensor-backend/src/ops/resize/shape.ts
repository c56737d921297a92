/** Shape of Resize and Upsample: the plan's output dims. */
import { inferSource, type ShapeRule } from '../../shape/types.js';
import { resizePlan } from './plan.js';

export const resizeShape: ShapeRule = {
  infer: (ctx) => {
    const x = ctx.input(0);
    const plan = resizePlan(inferSource(ctx));
    return [{ dtype: x.dtype, dims: [...plan.outDims] }];
  },
};
