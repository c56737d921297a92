/**
 * Shapes of the Reduce* family, plus folds of integer reductions
 * (exporters compute element counts with ReduceProd over Shape outputs).
 */
import type { Attrs } from '../../ir/attributes.js';
import { isFloat } from '../../tensor/dtype.js';
import { tensor, toNumbers, type Tensor } from '../../tensor/tensor.js';
import { normAxis } from '../broadcast.js';
import { defineShape } from '../registry.js';
import type { InferContext } from '../types.js';

export const REDUCE_OPS = [
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceSumSquare',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
] as const;

/** Opset from which `axes` is an input instead of an attribute (ReduceSum moved first). */
export const axesAsInput = (op: string, opset: number): boolean => (op === 'ReduceSum' ? opset >= 13 : opset >= 18);

export interface ReduceSpec {
  /** Reduced axes, normalised and sorted; empty for a no-op. */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
  /** noop_with_empty_axes with no axes given: the output is the input, unreduced. */
  readonly noop: boolean;
  /** Output dims as if keepdims were 1 (reduced axes set to 1). */
  readonly kept: readonly number[];
  /** Actual output dims. */
  readonly out: readonly number[];
}

/**
 * Resolves a reduction's axes for both attribute (old opsets) and input (new opsets) forms.
 * `axesInput` is the constant value of input 1 when given; undefined when omitted.
 */
export function reduceSpec(op: string, opset: number, attrs: Attrs, xDims: readonly number[], axesInput: Tensor | undefined, where: string): ReduceSpec {
  const given = axesAsInput(op, opset) ? (axesInput ? toNumbers(axesInput) : []) : attrs.ints('axes', []);
  const keepdims = attrs.int('keepdims', 1) !== 0;
  const rank = xDims.length;
  if (given.length === 0 && attrs.int('noop_with_empty_axes', 0) !== 0) {
    return { axes: [], keepdims, noop: true, kept: [...xDims], out: [...xDims] };
  }
  const axes = given.length === 0 ? xDims.map((_, i) => i) : [...new Set(given.map((a) => normAxis(a, rank, where)))].sort((a, b) => a - b);
  const kept = xDims.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = keepdims ? kept : xDims.filter((_, i) => !axes.includes(i));
  return { axes, keepdims, noop: false, kept, out };
}

/** reduceSpec from an inference context (axes input must be a compile-time constant). */
export const inferReduceSpec = (ctx: InferContext): ReduceSpec =>
  reduceSpec(
    ctx.node.op,
    ctx.opset,
    ctx.attrs,
    ctx.input(0).dims,
    axesAsInput(ctx.node.op, ctx.opset) && ctx.has(1) ? ctx.needValue(1, 'the reduction axes') : undefined,
    ctx.node.describe(),
  );

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

for (const op of REDUCE_OPS) {
  const f = intFolds[op];
  defineShape(op, {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: [...inferReduceSpec(ctx).out] }],
    // only integer tensors: float folds would round differently from onnxruntime
    fold: f
      ? (ctx, [x]) => {
          if (!x || isFloat(x.dtype) || x.data.length === 0) return undefined;
          const spec = inferReduceSpec(ctx);
          return [spec.noop ? x : foldReduce(x, spec, f[0], f[1])];
        }
      : undefined,
  });
}
