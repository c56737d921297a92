/** Shapes of the pools: windowed (MaxPool with its Indices, AveragePool, LpPool) and global. */
import { poolWindow } from '../window.js';
import { defineShape } from '../registry.js';
import type { InferContext, ValueType } from '../types.js';

function pooled(ctx: InferContext): ValueType {
  const x = ctx.input(0);
  if (x.dims.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got [${x.dims.join(', ')}]`);
  const win = poolWindow(ctx.attrs, x.dims.slice(2), ctx.fail);
  return { dtype: x.dtype, dims: [x.dims[0], x.dims[1], ...win.out] };
}

defineShape('MaxPool', {
  infer: (ctx) => {
    const y = pooled(ctx);
    return [y, { dtype: 'int64', dims: y.dims }];
  },
});
defineShape(['AveragePool', 'LpPool'], { infer: (ctx) => [pooled(ctx)] });

defineShape(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], {
  infer: (ctx) => {
    const x = ctx.input(0);
    if (x.dims.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got [${x.dims.join(', ')}]`);
    return [{ dtype: x.dtype, dims: [x.dims[0], x.dims[1], ...x.dims.slice(2).map(() => 1)] }];
  },
});
