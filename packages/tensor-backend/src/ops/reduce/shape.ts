/**
 * Shapes of the Reduce* family and CumSum, plus folds of integer reductions
 * (exporters compute element counts with ReduceProd over Shape outputs).
 */
import { sameAsInput } from '../../shape/elementwise.js';
import type { ShapeRule } from '../../shape/types.js';
import { isFloat } from '../../tensor/dtype.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import { inferReduceSpec, REDUCE_OPS, type ReduceSpec } from './spec.js';

/** Folds an integer reduction in JS numbers; the accumulator starts at `init`. */
function foldReduce(x: Tensor, spec: ReduceSpec, init: number, step: (acc: number, v: number) => number): Tensor {
  const kept = spec.kept;
  const acc = new Array<number>(kept.reduce((a, b) => a * b, 1)).fill(init);
  const rank = x.dims.length;
  // output stride per input axis: 0 on reduced axes
  const strides = new Array<number>(rank).fill(0);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    strides[i] = spec.axes.includes(i) ? 0 : s;
    s *= kept[i];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < x.data.length; k++) {
    let off = 0;
    for (let r = 0; r < rank; r++) off += idx[r] * strides[r];
    acc[off] = step(acc[off], Number(x.data[k]));
    for (let r = rank - 1; r >= 0; r--) {
      if (++idx[r] < x.dims[r]) break;
      idx[r] = 0;
    }
  }
  return tensor(x.dtype, spec.out, acc);
}

const intFolds: Record<string, [number, (acc: number, v: number) => number]> = {
  ReduceSum: [0, (a, v) => a + v],
  ReduceProd: [1, (a, v) => a * v],
  ReduceMax: [-Infinity, Math.max],
  ReduceMin: [Infinity, Math.min],
};

export const reduceShapes: Record<string, ShapeRule> = {
  ...Object.fromEntries(
    REDUCE_OPS.map((op): [string, ShapeRule] => {
      const f = intFolds[op];
      const rule: ShapeRule = {
        infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: [...inferReduceSpec(ctx).out] }],
        // only integer tensors: float folds would round differently from onnxruntime
        fold: f
          ? (ctx, [x]) => {
              if (!x || isFloat(x.dtype) || x.data.length === 0) return undefined;
              const spec = inferReduceSpec(ctx);
              return [spec.noop ? x : foldReduce(x, spec, f[0], f[1])];
            }
          : undefined,
      };
      return [op, rule];
    }),
  ),
  // CumSum, a running sum: same dims as its input (never part of shape arithmetic, so no fold).
  CumSum: sameAsInput,
};
