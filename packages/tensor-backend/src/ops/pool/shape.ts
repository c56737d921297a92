/** Shapes of the pools: windowed (MaxPool with its Indices, AveragePool, LpPool) and global. */
import type { InferContext, ShapeRule, ValueType } from '../../shape/types.js';
import { sameRule } from '../family.js';
import { poolWindow } from '../window/geometry.js';

function pooled(ctx: InferContext): ValueType {
  const x = ctx.input(0);
  if (x.dims.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got [${x.dims.join(', ')}]`);
  const win = poolWindow(ctx.attrs, x.dims.slice(2), ctx.fail);
  return { dtype: x.dtype, dims: [x.dims[0], x.dims[1], ...win.out] };
}

export const poolShapes: Record<string, ShapeRule> = {
  MaxPool: {
    infer: (ctx) => {
      const y = pooled(ctx);
      return [y, { dtype: 'int64', dims: y.dims }];
    },
  },

  ...sameRule(['AveragePool', 'LpPool'], { infer: (ctx) => [pooled(ctx)] }),

  ...sameRule(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], {
    infer: (ctx) => {
      const x = ctx.input(0);
      if (x.dims.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got [${x.dims.join(', ')}]`);
      return [{ dtype: x.dtype, dims: [x.dims[0], x.dims[1], ...x.dims.slice(2).map(() => 1)] }];
    },
  }),
};
