/**
 * The Reduce* ops' axes, read from their attribute (old opsets) or constant input (new
 * opsets). Shape and gradient rules both resolve a reduction through reduceSpec.
 */
import type { Attrs } from '../../ir/attributes.js';
import { normAxis } from '../../shape/broadcast.js';
import type { InferContext } from '../../shape/types.js';
import { toNumbers, type Tensor } from '../../tensor/tensor.js';

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
