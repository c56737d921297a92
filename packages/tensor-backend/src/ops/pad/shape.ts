/** Shape (and constant fold, for exporters' shape arithmetic) of Pad. */
import { inferSource, type ShapeRule } from '../../shape/types.js';
import { sizeOf, tensor, type Tensor } from '../../tensor/tensor.js';
import { padPlan, type PadPlan } from './plan.js';

/** Constant-mode pad of a small known tensor (exporters' shape arithmetic). */
function foldConstant(x: Tensor, plan: PadPlan, fill: number): Tensor {
  const out = tensor(x.dtype, plan.outDims);
  const big = x.dtype === 'int64' || x.dtype === 'uint64';
  const data = out.data as unknown as unknown[];
  if (fill !== 0) for (let i = 0; i < data.length; i++) data[i] = big ? BigInt(fill) : fill;
  const rank = x.dims.length;
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < sizeOf(x.dims); k++) {
    let off = 0;
    let inside = true;
    for (let r = 0; r < rank; r++) {
      const o = idx[r] + plan.begin[r];
      if (o < 0 || o >= plan.outDims[r]) inside = false;
      off = off * plan.outDims[r] + o;
    }
    if (inside) data[off] = (x.data as unknown as unknown[])[k];
    for (let r = rank - 1; r >= 0; r--) {
      if (++idx[r] < x.dims[r]) break;
      idx[r] = 0;
    }
  }
  return out;
}

export const padShape: ShapeRule = {
  infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: [...padPlan(inferSource(ctx)).outDims] }],
  fold: (ctx, inputs) => {
    const x = inputs[0];
    if (!x) return undefined;
    const plan = padPlan(inferSource(ctx));
    if (plan.mode !== 'constant') return undefined;
    let fill = ctx.opset < 11 ? ctx.attrs.float('value', 0) : 0;
    if (ctx.opset >= 11 && ctx.has(2)) {
      const v = inputs[2];
      if (!v) return undefined;
      fill = Number(v.data[0] ?? 0);
    }
    return [foldConstant(x, plan, fill)];
  },
};
