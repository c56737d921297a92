/** Shapes of the pools: windowed (MaxPool with its Indices, AveragePool, LpPool) and global. */
import type { InferContext, ShapeRule, ValueType } from '../../shape/types.js';
import { sameRule } from '../family.js';
import { poolWindow, windowInput } from '../window/geometry.js';

/** The output of a windowed pool. */
function pooled(ctx: InferContext): ValueType {
  const x = windowInput(ctx);
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
      const x = windowInput(ctx);
      return [{ dtype: x.dtype, dims: [x.dims[0], x.dims[1], ...x.dims.slice(2).map(() => 1)] }];
    },
  }),
};
